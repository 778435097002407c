"""`pmaas dev` (what `make run` calls): the whole stack on one machine.

It holds `<home>/dev.lock` for its lifetime, so two stacks never share data
files. Then: embedded PostgreSQL, its two roles and the migrations (as the
schemas' owner), the Temporal dev server, and every component as its own
`pmaas serve <name>` process (as the runtime role: no component is given the
owner's or the admin's login), each in its own
session so a terminal Ctrl-C reaches only this process, which stops them in
reverse order. A component that dies is reported, not restarted: the stack
stops and the command fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from services.platform import components, embedded
from services.platform.auth import PERSON_ROLES, TokenAuthority
from services.platform.embedded import StartupError, describe_exit
from services.platform.settings import Settings

READY_TIMEOUT_S = 60.0
TEMPORAL_STOP_TIMEOUT_S = 15.0
DEV_TOKEN_TTL_S = 12 * 3600
WATCH_INTERVAL_S = 0.5
DEV_METRICS_PORT = 9101  # the first component's metrics port when PMAAS_METRICS_PORT is not set
# `pmaas dev --otlp` without OTEL_EXPORTER_OTLP_ENDPOINT: a collector (or Jaeger) on this machine.
DEFAULT_OTLP_ENDPOINT = "http://127.0.0.1:4317"
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Logins that may change schemas or roles: the components never get them.
_OWNER_LOGINS = frozenset({"PMAAS_MIGRATION_DATABASE_URL", "PMAAS_ADMIN_DATABASE_URL"})

_output = threading.Lock()


def say(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    with _output:  # whole lines only: children's relays write concurrently
        stream.write(text + "\n")
        stream.flush()


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    relay: threading.Thread | None = None


def run(settings: Settings, seed_demo: bool = True) -> int:
    """Run the stack until Ctrl-C/SIGTERM (exit code 0) or until something fails (1); on the first start with
    this home, seed the demo unless `seed_demo` or PMAAS_DEMO says not to."""
    with _exclusive(settings.home_dir / "dev.lock"), contextlib.ExitStack() as cleanup:
        # All three unwind like Ctrl-C; SIGINT too, as a shell ignores it for background jobs.
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.default_int_handler)
        try:
            return _run_stack(settings, cleanup, seed_demo and settings.demo)
        except KeyboardInterrupt:
            say("\nstopping the stack")
            return 0
        except StartupError as exc:
            say(f"\n!!! {exc}", err=True)
            return 1
        finally:
            # Stopping has its own timeouts; a second Ctrl-C must not cut it short.
            for sig in _STOP_SIGNALS:
                signal.signal(sig, signal.SIG_IGN)


def _run_stack(settings: Settings, cleanup: contextlib.ExitStack, seed_demo: bool) -> int:
    home = settings.home_dir
    _check_ports_free(settings)
    if not settings.database_url and not embedded.postgres_running(settings):
        say(f"starting PostgreSQL in {embedded.pgdata(settings)}")
        cleanup.callback(say, "stopped postgresql")  # runs after the server started below stops
    database = cleanup.enter_context(embedded.postgres(settings))
    applied = asyncio.run(components.prepare(database))
    for schema, keys in applied.items():
        say(f"migrations of {schema}: " + (f"applied {', '.join(keys)}" if keys else "up to date"))

    if not settings.temporal_address:
        say(f"starting the Temporal dev server on 127.0.0.1:{settings.temporal_port}")
    temporal, temporal_address = embedded.start_temporal(settings)
    servers = [Child("temporal", temporal)] if temporal is not None else []
    cleanup.callback(_stop, servers, TEMPORAL_STOP_TIMEOUT_S)

    say(f"starting {', '.join(components.COMPONENTS)}")
    env = {**{k: v for k, v in os.environ.items() if k not in _OWNER_LOGINS},
           "PMAAS_HOME": str(home), "PMAAS_DATABASE_URL": database.runtime,
           "PMAAS_TEMPORAL_ADDRESS": temporal_address, "PMAAS_WEBHOOK_ALLOW_LOOPBACK": "true",
           "PMAAS_GATEWAY_DEV_SIGNIN": "true",  # the inbox's sign-in page offers the demo people
           "PYTHONUNBUFFERED": "1"}
    children = [_start(name, {**env, "PMAAS_METRICS_PORT": str(metrics_port(settings, name))})
                for name in components.COMPONENTS]
    cleanup.callback(_stop, children, settings.grace_period_s + 5)
    for child in children:
        if child.name not in components.GRPC_COMPONENTS | components.HTTP_COMPONENTS:
            continue  # the worker listens on nothing
        address = f"{_loopback(settings.host)}:{settings.port_of(child.name)}"
        try:
            if child.name in components.GRPC_COMPONENTS:
                embedded.wait_until_serving(address, "", READY_TIMEOUT_S, child.process)
            else:
                _wait_until_ready(f"http://{address}/readyz", READY_TIMEOUT_S, child.process)
        except StartupError as exc:
            raise StartupError(f"{child.name}: {exc}") from None

    token = TokenAuthority(settings).issue("dev", {"demo": [r.value for r in PERSON_ROLES]}, DEV_TOKEN_TTL_S)
    say(_endpoints(settings, database, temporal_address, token))
    _demo(settings, seed_demo)
    return _watch(servers + children)


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[IO[str]]:
    """Hold an exclusive lock on `path`; the kernel releases it if this process dies."""
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise SystemExit(f"pmaas dev is already running (pid {holder}) on PMAAS_HOME={path.parent}; "
                             "stop it first, or set another PMAAS_HOME and ports") from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield handle


def _check_ports_free(settings: Settings) -> None:
    """Name the setting to change, rather than let a server fail to bind halfway through the start."""
    wanted = [name for name in components.COMPONENTS
              if name in components.GRPC_COMPONENTS | components.HTTP_COMPONENTS]
    if not settings.temporal_address:
        wanted += ["temporal", "temporal_ui"]
    ports = [(settings.port_of(name), f"PMAAS_{name.upper()}_PORT") for name in wanted]
    ports += [(metrics_port(settings, name), "PMAAS_METRICS_PORT (the first metrics port)")
              for name in components.COMPONENTS]
    for port, setting in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is no conflict
            try:
                probe.bind((settings.host, port))
            except OSError as exc:
                raise StartupError(f"{settings.host}:{port} is not free ({exc.strerror}): "
                                   f"set {setting} to another port") from None


def metrics_port(settings: Settings, name: str) -> int:
    """Each component's own metrics port: PMAAS_METRICS_PORT (default 9101) for the first, then the next ones."""
    return (settings.metrics_port or DEV_METRICS_PORT) + list(components.COMPONENTS).index(name)


def _start(name: str, env: dict[str, str]) -> Child:
    process = subprocess.Popen(
        [sys.executable, "-m", "services.platform.cli", "serve", name],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, bufsize=1, start_new_session=True,
    )
    relay = threading.Thread(target=_relay, args=(name, process.stdout), name=f"relay-{name}", daemon=True)
    relay.start()
    return Child(name, process, relay)


def _relay(name: str, stream: IO[str]) -> None:
    width = max(map(len, components.COMPONENTS))
    for line in stream:
        say(f"{name:<{width}} | {line.rstrip()}")


def _watch(children: list[Child]) -> int:
    """Block until Ctrl-C/SIGTERM (raised as KeyboardInterrupt) or until a child exits on its own."""
    while True:
        for child in children:
            code = child.process.poll()
            if code is not None:
                say(f"\n!!! {child.name} exited unexpectedly ({describe_exit(code)}); it is not restarted, "
                    "see its output above. Stopping the stack.", err=True)
                return 1
        time.sleep(WATCH_INTERVAL_S)


def _stop(children: list[Child], timeout_s: float) -> None:
    """SIGTERM all at once, wait up to `timeout_s` in total, then SIGKILL the rest."""
    for child in children:
        if child.process.poll() is None:
            child.process.terminate()
    deadline = time.monotonic() + timeout_s
    for child in children:
        code = embedded.stop_process(child.process, max(0.0, deadline - time.monotonic()), signalled=True)
        if child.relay is not None:
            child.relay.join(timeout=2)  # its last lines
        say(f"stopped {child.name} ({describe_exit(code)})")


def _endpoints(settings: Settings, database: embedded.Database, temporal_address: str, token: str) -> str:
    host = _loopback(settings.host)
    rows = [(name, f"{host}:{settings.port_of(name)}  gRPC (health, reflection)"
             if name in components.GRPC_COMPONENTS else _running(name, settings))
            for name in components.COMPONENTS]
    rows.append(("temporal", f"{temporal_address}  namespace {settings.temporal_namespace}"))
    if ui := embedded.temporal_ui_url(settings):
        rows.append(("temporal UI", ui))
    rows.append(("postgresql", f"{_redact(database.runtime)}  (migrations: {_redact(database.migration)})"))
    logs = "components: below, prefixed by name"
    if not settings.temporal_address:
        logs += f"; temporal: {settings.home_dir / 'logs' / 'temporal.log'}"
    if not settings.database_url:
        logs += f"; postgresql: {embedded.pgdata(settings) / 'log'}"
    rows.append(("logs", logs))
    rows.append(("metrics", "Prometheus, GET /metrics: " + ", ".join(
        f"{name} :{metrics_port(settings, name)}" for name in components.COMPONENTS)))
    if otlp := os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        rows.append(("traces", f"OTLP to {otlp} (every component)"))
    width = max(len(label) for label, _ in rows)
    projects = f"{host}:{settings.projects_port}"
    example = (
        f"{sys.executable} -c \"import grpc, os; "
        "from pmaas.projects.v1 import projects_service_pb2 as pb, projects_service_pb2_grpc as rpc; "
        f"stub = rpc.ProjectsServiceStub(grpc.insecure_channel('{projects}')); "
        "print(stub.ListOrganizations(pb.ListOrganizationsRequest(), "
        "metadata=[('authorization', 'Bearer ' + os.environ['PMAAS_TOKEN'])]))\""
    )
    rule = "=" * 78
    return "\n".join([
        rule,
        "PMaaS dev stack is ready. Ctrl-C stops everything.",
        "",
        *(f"  {label:<{width}}  {value}" for label, value in rows),
        "",
        f"Dev token (sub dev; every role in organization demo; valid {DEV_TOKEN_TTL_S // 3600}h):",
        f"  export PMAAS_TOKEN={token}",
        "Call the projects service with it:",
        f"  {example}",
        "Other tokens: pmaas token --sub alice --org demo:pm,member --ttl 1h",
        rule,
    ])


def _demo(settings: Settings, seed: bool) -> None:
    """Seed the demo beside the running stack (a thread, so a component that dies is still noticed), the first
    time only: the seed's marker under the home records it."""
    from services.demo import seed as demo  # here: it loads every service's generated API

    url = sign_in_url(settings)
    if demo.marker_path(settings).exists():
        say(f"demo: seeded before with this PMAAS_HOME; sign in at {url} (`pmaas demo` checks it again)")
    elif not seed:
        say(f"demo: not seeded (--no-demo or PMAAS_DEMO=0); `pmaas demo` seeds it. Sign in at {url}")
    else:
        say("seeding the demo, the first start with this PMAAS_HOME only (skip it: `pmaas dev --no-demo` or "
            "PMAAS_DEMO=0)")
        threading.Thread(target=demo.run, args=(settings, say), kwargs={"sign_in_url": url},
                         name="demo-seed", daemon=True).start()


def sign_in_url(settings: Settings) -> str:
    """The gateway's pages, where the demo people sign in."""
    return f"http://{_loopback(settings.host)}:{settings.gateway_port}/"


def _running(name: str, settings: Settings) -> str:
    if name == "gateway":
        return f"http://{_loopback(settings.host)}:{settings.gateway_port}  REST (docs: /docs, /openapi.json)"
    if name == "worker":
        return f"running  Temporal task queue {settings.temporal_task_queue}"
    return "running"


def _wait_until_ready(url: str, timeout_s: float, process: subprocess.Popen) -> None:
    """Poll an HTTP readiness probe until 200; fail early if `process` exits."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise StartupError(f"exited ({describe_exit(process.returncode)}) before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass  # not listening yet, or a service not ready (503)
        if time.monotonic() > deadline:
            raise StartupError(f"{url} not ready after {timeout_s:.0f}s")
        time.sleep(0.2)


def _loopback(host: str) -> str:
    """Where to reach a server bound to `host` from this machine."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
