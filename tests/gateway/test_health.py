"""Probes and lifecycle: /healthz alive, /readyz ready only when every service answers SERVING (503 naming the one
that does not), one channel per service for the app's life, and `pmaas serve gateway` (on uvloop and httptools)
stopping cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx
import uvloop

from services.gateway import server
from services.gateway.app import create_app
from services.projects import server as projects_server
from tests.support import free_port


async def test_healthz_is_200_without_token_or_services(settings):
    app = create_app(settings, {n: f"127.0.0.1:{free_port()}" for n in ("projects", "risks", "billing", "governance")})
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        alive = await client.get("/healthz")
        assert alive.status_code == 200 and alive.json() == {"status": "alive"}


async def test_readyz_is_200_when_every_service_serves(gateway):
    ready = await gateway.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["services"] == {n: "SERVING" for n in ("projects", "risks", "billing", "governance")}


async def test_readyz_is_503_naming_the_service_that_is_unreachable(settings, targets):
    app = create_app(settings, {**targets, "billing": f"127.0.0.1:{free_port()}"})
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        down = await client.get("/readyz")
    assert down.status_code == 503 and down.headers["content-type"] == "application/problem+json"
    assert down.json()["reason"] == "DEPENDENCY_UNAVAILABLE" and "billing is UNAVAILABLE" in down.json()["detail"]
    assert down.json()["services"]["billing"] == "UNAVAILABLE" and down.json()["services"]["projects"] == "SERVING"


async def test_readyz_is_503_naming_a_service_that_is_shutting_down(settings, targets, runtime_database_url,
                                                                    authority):
    draining = await projects_server.start(settings, runtime_database_url, "127.0.0.1:0", authority)
    try:
        app = create_app(settings, {**targets, "projects": f"127.0.0.1:{draining.port}"})
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            assert (await client.get("/readyz")).status_code == 200
            await draining.health.enter_graceful_shutdown()
            down = await client.get("/readyz")
        assert down.status_code == 503 and "projects is NOT_SERVING" in down.json()["detail"]
    finally:
        await draining.stop()


async def test_one_channel_per_service_for_the_apps_life_closed_at_shutdown(settings, targets):
    app = create_app(settings, targets)
    downstream = app.state.downstream
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        opened = dict(downstream.channels)
        assert sorted(opened) == ["billing", "governance", "projects", "risks"]
        for _ in range(3):
            await client.get("/readyz")
            await client.get("/v1/organizations/acme/projects", headers={"Authorization": "Bearer x"})
        assert all(downstream.channels[name] is channel for name, channel in opened.items())
    assert downstream.channels == {}


def start_gateway(targets: dict[str, str], port: int) -> subprocess.Popen:
    """`pmaas serve gateway` as production runs it, pointed at `targets`."""
    env = {**os.environ, "PMAAS_GATEWAY_PORT": str(port), "PMAAS_HOST": "127.0.0.1", "PMAAS_GRACE_PERIOD_S": "5",
           **{f"PMAAS_{name.upper()}_TARGET": target for name, target in targets.items()}}
    return subprocess.Popen([sys.executable, "-m", "services.platform.cli", "serve", "gateway"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


async def wait_ready(url: str, process: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                if (await client.get(url + "/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the gateway did not become ready")


async def test_pmaas_serve_gateway_serves_and_stops_cleanly_on_sigterm(targets):
    port = free_port()
    process = start_gateway(targets, port)
    try:
        await wait_ready(f"http://127.0.0.1:{port}", process)
        async with httpx.AsyncClient() as client:
            docs = await client.get(f"http://127.0.0.1:{port}/docs")
            assert docs.status_code == 200 and "swagger" in docs.text.lower()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 15)
        assert code == 0, process.stdout.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_pmaas_serve_gateway_runs_on_uvloop_and_httptools():
    loop = server.loop_factory()
    try:
        assert isinstance(loop, uvloop.Loop) and server.HTTP == "httptools"
    finally:
        loop.close()
