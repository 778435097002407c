"""Scale-out bench (`make bench`, issue 11's "Scale"): the same load against one process per component, then
against replicas of each (tests/e2e/replicas.py: two of every service, three workers), on this machine.

1. Change requests (submit → assess → approval task → DecideTask → apply → complete) from `--concurrency` clients
   for `--seconds` per configuration: change requests completed per second, DecideTask p50/p99, and per process
   the calls it served (or the workflow and activity tasks it ran, for a worker) and its CPU seconds.
2. CreateProject at concurrency 32 for `--create-seconds` against one ProjectsService process, then two.
3. The worker's RSS (one worker) while `--open-workflows` (10,000) change requests are opened and left waiting
   for approval (each client waits for its approval task before the next submission), against its workflow
   cache (max_cached_workflows): past the cache's size the worker evicts; the table shows how much it still grows.

Each configuration runs its own processes (`pmaas serve <name>`) on one embedded PostgreSQL and one Temporal dev
server; this process is the load generator, its channels round_robin over each service's replicas. Every replica
shares the same cores: on a 2-core machine expect no gain, only the cost of more processes. Progress goes to
stderr, the tables to stdout.

    .venv/bin/python -m tests.bench.scaleout --seconds 20
    .venv/bin/python -m tests.bench.scaleout --open-workflows 0   # without the 10,000 open change requests
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil
from temporalio.testing import WorkflowEnvironment

from pmaas.projects.v1 import projects_service_pb2_grpc
from services.platform import clients, embedded
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings
from tests.bench.governance import table
from tests.bench.harness import CpuMeter, GrpcCreate, Postgres, create_orgs, drive, log, percentile
from tests.e2e.replicas import SCALED, SINGLE, ChangeRequestLoad, Replicas
from tests.e2e.stack import stack_env
from tests.support import Caller

CONFIGURATIONS = {"1 per component": SINGLE, "2 per service, 3 workers": SCALED}
CREATE_CONCURRENCY = 32
CREATE_WARMUP_S = 2.0
METRICS_SETTLE_S = 2.0  # the worker drains temporalio's metric buffer every second
OPEN_PER_PROJECT = 10  # open change requests per project (each lists the others as non-blocking conflicts)
OPEN_IN_FLIGHT = 32
OPEN_WAIT_S = 3600.0


@dataclass
class Run:
    """One configuration's measured window."""
    completed: int
    elapsed_s: float
    latencies_ms: list[float]  # DecideTask, or CreateProject
    work: dict[str, dict[str, float]]  # process -> what it did in the window
    cpu_s: dict[str, float]  # process (and temporal, postgres, load generator) -> CPU seconds in the window

    @property
    def rate(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s else 0.0

    def ms(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q) if self.latencies_ms else 0.0


class Servers:
    """The embedded PostgreSQL and the Temporal dev server every configuration runs against."""

    async def start(self) -> None:
        log("starting embedded PostgreSQL and the Temporal dev server")
        self.postgres = Postgres()
        self.home = Path(tempfile.mkdtemp(prefix="pmaas-bench-scale-"))
        extra = ["--log-level", "error"]
        for key, kind in embedded.TEMPORAL_SEARCH_ATTRIBUTES.items():
            extra += ["--search-attribute", f"{key}={kind}"]
        self.temporal = await WorkflowEnvironment.start_local(dev_server_existing_path=embedded.temporal_binary(),
                                                              dev_server_extra_args=extra)
        self.settings = Settings(home=self.home, jwt_secret=secrets.token_urlsafe(32))
        self.authority = TokenAuthority(self.settings)
        temporal_pid = next(p.pid for p in psutil.Process().children() if "temporal" in p.name())
        self.pids = {"temporal": temporal_pid, "postgres": self.postgres.pid}

    def stack(self, counts: dict[str, int], name: str, **extra: str) -> Replicas:
        logs = self.home / name.replace(" ", "-").replace(",", "")
        logs.mkdir()
        # 11 processes' pools within PostgreSQL's 100 connections.
        env = stack_env(self.settings, self.postgres.dsn, self.temporal, logs, PMAAS_LOG_LEVEL="WARNING",
                        PMAAS_DB_POOL_MAX="8", **extra)
        return Replicas(env, logs, counts)

    def meter(self, stack: Replicas) -> CpuMeter:
        return CpuMeter({**{r.name: r.pid for r in stack.all()}, **self.pids}, with_children=frozenset({"postgres"}))

    async def stop(self) -> None:
        await self.temporal.shutdown()
        self.postgres.close()
        shutil.rmtree(self.home, ignore_errors=True)


async def started(stack: Replicas, servers: Servers) -> Replicas:
    t0 = time.monotonic()
    try:
        await asyncio.to_thread(stack.start)
        if "worker" in stack.replicas:
            await stack.workers_polling(servers.temporal.client)
    except BaseException:
        await asyncio.to_thread(stack.stop)
        raise
    log(f"  {len(stack.all())} processes serving in {time.monotonic() - t0:.1f}s")
    return stack


def work_of(stack: Replicas) -> dict[str, dict[str, float]]:
    return {r.name: r.work() for r in stack.all()}


def since(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {name: {k: v - before[name].get(k, 0.0) for k, v in done.items()} for name, done in after.items()}


async def change_requests(servers: Servers, name: str, counts: dict[str, int], args: argparse.Namespace) -> Run:
    """`args.concurrency` clients, each changing a project of its own again and again, for `args.seconds`."""
    log(f"change requests, {name}: starting the processes")
    stack = await started(servers.stack(counts, name), servers)
    load = ChangeRequestLoad(stack, servers.authority, servers.temporal.client)
    try:
        projects = await load.seed(args.concurrency)
        log("  warm-up: one change request per client")
        await asyncio.gather(*(load.change(p) for p in projects))
        load.decide_ms.clear()
        load.completed.clear()
        meter = servers.meter(stack)
        before_work, before_cpu = work_of(stack), meter.snapshot()
        log(f"  measuring for {args.seconds:.0f}s, {args.concurrency} in flight")
        start = time.perf_counter()
        deadline = start + args.seconds

        async def client(project: str) -> None:
            while time.perf_counter() < deadline:
                await load.change(project)

        await asyncio.gather(*(client(p) for p in projects))
        elapsed = time.perf_counter() - start
        cpu = CpuMeter.delta(before_cpu, meter.snapshot())
        await asyncio.sleep(METRICS_SETTLE_S)
        return Run(len(load.completed), elapsed, load.decide_ms, since(before_work, work_of(stack)), cpu)
    finally:
        await load.close()
        await asyncio.to_thread(stack.stop)


async def create_projects(servers: Servers, replicas: int, args: argparse.Namespace) -> Run:
    log(f"CreateProject, {replicas} ProjectsService process(es): starting")
    stack = await started(servers.stack({"projects": replicas}, f"create-{replicas}"), servers)
    channel = clients.channel(stack.target("projects"))
    try:
        stub = projects_service_pb2_grpc.ProjectsServiceStub(channel)
        orgs = [f"create-{replicas}-{i}" for i in range(8)]
        admin = Caller(servers.authority, "bench-admin", {org: ["admin"] for org in orgs}, ttl_s=3600)
        await create_orgs(stub, admin.metadata(), orgs)
        create = GrpcCreate(stub, admin.metadata(), orgs, tag=f"r{replicas}")
        await drive(create, CREATE_CONCURRENCY, seconds=CREATE_WARMUP_S)
        meter = servers.meter(stack)
        before_work, before_cpu = work_of(stack), meter.snapshot()
        log(f"  measuring for {args.create_seconds:.0f}s at concurrency {CREATE_CONCURRENCY}")
        sample = await drive(create, CREATE_CONCURRENCY, seconds=args.create_seconds)
        cpu = CpuMeter.delta(before_cpu, meter.snapshot())
        return Run(sample.count, sample.elapsed_ns / 1e9, [ns / 1e6 for ns in sample.latencies_ns],
                   since(before_work, work_of(stack)), cpu)
    finally:
        await channel.close()
        await asyncio.to_thread(stack.stop)


async def open_workflows(servers: Servers, count: int, cache: int) -> list[tuple[int, float]]:
    """[(open change requests, worker RSS MiB)] as `count` open, the worker keeping `cache` runs in memory."""
    log(f"worker RSS with {count} open change requests, cache {cache}: starting one process per component")
    stack = await started(servers.stack(SINGLE, "open-workflows", PMAAS_WORKER_CACHE_SIZE=str(cache)), servers)
    load = ChangeRequestLoad(stack, servers.authority, servers.temporal.client)
    worker = psutil.Process(stack.replicas["worker"][0].pid)
    conn = await asyncpg.connect(servers.postgres.dsn)
    try:
        projects = await load.seed(-(-count // OPEN_PER_PROJECT))
        await asyncio.gather(*(load.change(p) for p in projects[:4]))  # a warm worker: every code path loaded
        points = [(0, worker.memory_info().rss / 2**20)]
        log(f"  submitting {count} change requests, {OPEN_IN_FLIGHT} in flight")
        gate = asyncio.Semaphore(OPEN_IN_FLIGHT)

        # Held until its approval task is open: a submission returns once the workflow has started, and 10,000
        # workflows assessing at once would measure the cache thrashing, not open workflows waiting.
        async def submit(i: int) -> None:
            async with gate:
                await load.open(projects[i % len(projects)])

        submitting = asyncio.gather(*(submit(i) for i in range(count)))
        marks = sorted({max(1, count * k // 8) for k in range(1, 9)})
        started_at = time.monotonic()
        deadline = started_at + OPEN_WAIT_S
        while marks:
            # The read model's open approval tasks: one per change request once its workflow waits for a decision.
            opened = await conn.fetchval("SELECT count(*) FROM governance.tasks WHERE org_id = $1 AND state = 'OPEN'",
                                         load.org)
            if opened >= marks[0]:
                points.append((opened, worker.memory_info().rss / 2**20))
                log(f"  {opened} open after {time.monotonic() - started_at:.0f}s: worker RSS {points[-1][1]:.0f} MiB")
                marks = [m for m in marks if m > opened]
            elif submitting.done() and submitting.exception():
                raise submitting.exception()
            elif time.monotonic() > deadline:
                raise TimeoutError(f"only {opened} of {count} change requests opened their approval task")
            else:
                await asyncio.sleep(1.0)
        await submitting
        return points
    finally:
        await conn.close()
        await load.close()
        await asyncio.to_thread(stack.stop)


# --- report ------------------------------------------------------------------------------------


def what(done: dict[str, float]) -> str:
    if "workflow tasks" in done:
        return f"{done['workflow tasks']:.0f} workflow + {done['activity tasks']:.0f} activity tasks"
    return f"{done['calls']:.0f} calls"


def per_process(run: Run) -> str:
    rows = [[name, what(done), f"{run.cpu_s.get(name, 0.0):.1f}"] for name, done in run.work.items()]
    rows += [[name, "", f"{run.cpu_s[name]:.1f}"] for name in ("temporal", "postgres", "load generator",
                                                               "other processes") if name in run.cpu_s]
    return table(["process", "served / ran", "CPU s"], rows)


def report(crs: dict[str, Run], creates: dict[int, Run], opened: tuple[int, list[tuple[int, float]]] | None,
           args: argparse.Namespace, load: tuple[str, str]) -> None:
    print(f"\nScale-out on this machine ({os.cpu_count()} cores; load average {load[0]} before, {load[1]} after)")
    print(f"\nChange requests end to end, {args.concurrency} clients, {args.seconds:.0f}s per configuration")
    rows = []
    for name, run in crs.items():
        total_cpu = sum(v for k, v in run.cpu_s.items() if k != "other processes")
        rows.append([name, str(run.completed), f"{run.rate:.2f}", f"{run.ms(50):.1f}", f"{run.ms(99):.1f}",
                     f"{total_cpu / run.completed * 1000:.0f}" if run.completed else "-"])
    print(table(["configuration", "completed", "CR/s", "DecideTask p50 ms", "p99 ms", "CPU ms per CR"], rows))
    single, scaled = crs.values()
    if single.rate and single.ms(50):
        print(f"replicated / single: CR/s {scaled.rate / single.rate:.2f}x, DecideTask p50 "
              f"{scaled.ms(50) / single.ms(50):.2f}x, p99 {scaled.ms(99) / single.ms(99):.2f}x")
    for name, run in crs.items():
        print(f"\nPer process, {name}")
        print(per_process(run))

    print(f"\nCreateProject at concurrency {CREATE_CONCURRENCY}, {args.create_seconds:.0f}s per configuration")
    rows = [[f"{n} ProjectsService process{'es' if n > 1 else ''}", str(run.completed), f"{run.rate:.0f}",
             f"{run.ms(50):.1f}", f"{run.ms(99):.1f}",
             " / ".join(f"{run.work[r]['calls']:.0f} ({run.cpu_s.get(r, 0.0):.1f} s)" for r in run.work),
             f"{run.cpu_s.get('load generator', 0.0):.1f}"]
            for n, run in creates.items()]
    print(table(["servers", "created", "req/s", "p50 ms", "p99 ms", "calls (CPU) per process", "load gen CPU s"],
                rows))
    one, two = creates.values()
    if one.rate:
        print(f"2 processes / 1: throughput {two.rate / one.rate:.2f}x")
    print("Every process shares the same cores: on a 2-core machine more replicas add processes, not capacity.")
    if opened is not None:
        cache, points = opened
        print(f"\nWorker RSS with open change requests (each waiting for its approval); max_cached_workflows = {cache}")
        print(table(["open change requests", "worker RSS MiB", "MiB over idle"],
                    [[str(n), f"{rss:.0f}", f"{rss - points[0][1]:.0f}"] for n, rss in points]))


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def main(args: argparse.Namespace) -> int:
    # SIGTERM stops the run like Ctrl-C does: cancelled, then every process stopped in `finally`.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    servers = Servers()
    await servers.start()
    before = load_average()
    try:
        crs = {name: await change_requests(servers, name, counts, args) for name, counts in CONFIGURATIONS.items()}
        creates = {n: await create_projects(servers, n, args) for n in (1, 2)}
        opened = (args.cache_size, await open_workflows(servers, args.open_workflows, args.cache_size)) \
            if args.open_workflows else None
    finally:
        after = load_average()
        await servers.stop()
    report(crs, creates, opened, args, (before, after))
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="change requests measured per configuration")
    parser.add_argument("--concurrency", type=int, default=8, help="change-request clients in flight")
    parser.add_argument("--create-seconds", type=float, default=10.0, help="CreateProject measured per configuration")
    parser.add_argument("--open-workflows", type=int, default=10_000, metavar="N",
                        help="the worker's RSS with N change requests waiting for approval (0 skips it)")
    parser.add_argument("--cache-size", type=int, default=Settings.model_fields["worker_cache_size"].default,
                        metavar="N", help="the worker's workflow cache for that (PMAAS_WORKER_CACHE_SIZE)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
