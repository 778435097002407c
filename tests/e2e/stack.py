"""Every component as its own `pmaas serve <name>` process, as `pmaas dev` runs them, on free loopback ports, each
logging JSON lines to a file of its own: for the tests that need real process boundaries (traces, metrics)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import grpc

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as ppb
from services.platform import components, embedded
from tests.support import Caller, date, eur, free_port, rid

START_TIMEOUT_S = 60.0


def free_ports_in_a_row(count: int) -> int:
    """The first of `count` consecutive free ports (`pmaas dev` serves each component's metrics on the next one)."""
    for _ in range(200):
        first = free_port()
        with contextlib.ExitStack() as probes:
            try:
                for port in range(first + 1, first + count):
                    probes.enter_context(socket.socket()).bind(("127.0.0.1", port))
            except OSError:
                continue
        return first
    raise RuntimeError(f"no {count} free loopback ports in a row")


class Stack:
    """Every component as its own process, logging JSON lines to a file each."""

    def __init__(self, env: dict[str, str], logs: Path, own: dict[str, dict[str, str]] | None = None) -> None:
        """`own`: variables for one component only (e.g. its PMAAS_METRICS_PORT)."""
        # A first decision on a cold worker, on a 2-core machine shared with the rest of the suite, can take
        # longer than the default 5 s deadline of each call: these tests are about what happens, not how fast.
        self.env = {"PMAAS_CALL_TIMEOUT_S": "30", **env}
        self.logs = logs
        self.own = own or {}
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for name in components.COMPONENTS:  # pmaas dev's order
            with (self.logs / f"{name}.log").open("w") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", "services.platform.cli", "serve", name],
                    env={**self.env, **self.own.get(name, {})}, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT)
        for name in components.GRPC_COMPONENTS:
            embedded.wait_until_serving(self.target(name), "", START_TIMEOUT_S, self.processes[name])
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{self.gateway}/readyz", timeout=1) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            assert self.processes["gateway"].poll() is None, self.log_lines("gateway")
            assert time.monotonic() < deadline, "the gateway did not become ready"
            time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def target(self, name: str) -> str:
        return f"127.0.0.1:{self.env[f'PMAAS_{name.upper()}_PORT']}"

    @property
    def gateway(self) -> str:
        return f"http://{self.target('gateway')}"

    def log_lines(self, name: str) -> list[dict]:
        lines = []
        for line in (self.logs / f"{name}.log").read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines


def stack_env(settings, database_url: str, temporal_env, home: Path, **extra: str) -> dict[str, str]:
    """The environment `pmaas dev` gives its components, pointed at this session's PostgreSQL (as the runtime
    role) and Temporal, with a task queue and free ports of its own."""
    env = {**os.environ,
           "PMAAS_HOME": str(home), "PMAAS_DATABASE_URL": database_url,
           "PMAAS_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
           "PMAAS_TEMPORAL_TASK_QUEUE": "stack-" + uuid.uuid4().hex[:10], "PMAAS_JWT_SECRET": settings.jwt_secret,
           "PMAAS_WEBHOOK_ALLOW_LOOPBACK": "true", "PYTHONUNBUFFERED": "1", **extra}
    for name in components.GRPC_COMPONENTS | components.HTTP_COMPONENTS:
        env[f"PMAAS_{name.upper()}_PORT"] = str(free_port())
    return env


async def until(check, what: str, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while not (found := await check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.3)
    return found


async def open_change_approval(stack: Stack, authority, org: str) -> tuple[str, str]:
    """An organization, a baselined project and a change request waiting for a pmo: (its name, its task id)."""
    admin, pm = Caller(authority, "trace-admin", {org: ["admin"]}), Caller(authority, "trace-pm", {org: ["pm"]})
    async with grpc.aio.insecure_channel(stack.target("projects")) as projects_channel, \
            grpc.aio.insecure_channel(stack.target("governance")) as governance_channel:
        projects = projects_service_pb2_grpc.ProjectsServiceStub(projects_channel)
        gov = governance_service_pb2_grpc.GovernanceServiceStub(governance_channel)
        await admin(projects.CreateOrganization, papi.CreateOrganizationRequest(
            organization_id=org, organization=ppb.Organization(display_name="Traced", pmo_type=ppb.PMO_TYPE_TACTICAL,
                                                               default_currency_code="EUR")))
        project = await admin(projects.CreateProject, papi.CreateProjectRequest(
            parent=f"organizations/{org}", project_id="apollo", project=ppb.Project(
                code="APL", display_name="Apollo", methodology=ppb.METHODOLOGY_WATERFALL, budget=eur(100_000),
                planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 6, 30))))
        await admin(projects.CreateBaseline, papi.CreateBaselineRequest(
            parent=project.name, budget=eur(100_000), start_date=date(2027, 1, 1), end_date=date(2027, 6, 30),
            reason="plan"))
        cr = await pm(gov.SubmitChangeRequest, gapi.SubmitChangeRequestRequest(
            parent=f"organizations/{org}", request_id=rid(), change_request=gpb.ChangeRequest(
                project=project.name, title="Three more days", type=gpb.CHANGE_TYPE_NORMAL, budget_delta=eur(1_000),
                schedule_delta_days=3)))  # a minor change: one pmo decides it

        async def pending():
            got = await pm(gov.GetChangeRequest, gapi.GetChangeRequestRequest(name=cr.name))
            return got.tasks[0] if got.tasks else None

        task = await until(pending, "the change request's approval task")
    return cr.name, task.rsplit("/", 1)[1]
