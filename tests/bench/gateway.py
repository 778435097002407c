"""Gateway bench (`make bench`): the REST gateway against the gRPC calls it makes, in the same run.

1. Pass-through GET: GetProject through the gateway (`pmaas serve gateway` in a process of its own; one
   keep-alive HTTP/1.1 connection per request in flight, a minimal client on asyncio streams) against the same
   GetProject over gRPC directly, at each concurrency, alternating which goes first in each round. Reported:
   req/s, p50, p99, and CPU ms per request of the gateway process, the projects service and the load generator.
   Target (issue 8): gateway throughput at c=32 >= 50% of the direct call's.
2. DecideTask, one at a time: `POST /v1/{task}:decide` through the gateway against DecideTask over gRPC
   against the bare Temporal update (BareWorkflow.approve, tests/bench/bare_workflow.py), alternating. Each
   change request's task is open before its decision is timed, and its workflow has ended before the next
   decision starts, so no decision pays for the last one's apply. Reported: p50, p99 and the ratios.

The stack is the governance bench's (tests/bench/governance.py: each service, the worker and the bare
workflow's worker in processes of their own on embedded PostgreSQL and the Temporal dev server); this process
is the load generator, on the same machine: compare only within a run.

    .venv/bin/python -m tests.bench.gateway
    .venv/bin/python -m tests.bench.gateway --requests 2000 --rounds 5 --decisions 50 --profile gateway.raw
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from tests.bench.bare_workflow import BareWorkflow
from tests.bench.governance import (
    ORG,
    SERVICES,
    ChangeRequests,
    Round,
    Stack,
    closed_loop,
    eur,
    ms,
    seed_projects,
    table,
)
from tests.bench.harness import CpuMeter, log
from tests.support import free_port

TARGET = 0.50  # gateway / direct GetProject throughput at c=TARGET_CONCURRENCY (issue 8)
TARGET_CONCURRENCY = 32
READY_TIMEOUT_S = 60.0


def start_gateway(stack: Stack) -> tuple[subprocess.Popen, str]:
    """`pmaas serve gateway` on a free loopback port, pointed at the stack's services; stopped with the stack."""
    port = free_port()
    env = {**os.environ, "PMAAS_HOME": str(stack.home), "PMAAS_HOST": "127.0.0.1", "PMAAS_GATEWAY_PORT": str(port),
           "PMAAS_JWT_SECRET": stack.settings.jwt_secret, "PMAAS_LOG_LEVEL": "WARNING",
           **{f"PMAAS_{name.upper()}_TARGET": f"127.0.0.1:{stack.settings.port_of(name)}" for name in SERVICES}}
    process = subprocess.Popen([str(Path(sys.executable).parent / "pmaas"), "serve", "gateway"], env=env,
                               stdout=subprocess.DEVNULL)
    stack.children.append(process)  # stopped (SIGTERM, then waited for) by stack.stop(), first
    return process, f"http://127.0.0.1:{port}"


async def wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with httpx.AsyncClient(base_url=url) as client:
        while True:
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the gateway did not become ready")
            await asyncio.sleep(0.2)


def profile(pid: int, out: str) -> subprocess.Popen:
    """py-spy sampling the gateway process until SIGINT (py-spy is in the dev dependencies)."""
    return subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--format",
                             "raw", "--output", out, "--rate", "200"], stdout=subprocess.DEVNULL)


# --- 1. pass-through GET ---------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection sending pre-encoded GETs and reading each answer by its Content-Length:
    what a load generator like wrk does, so the run measures the gateway rather than the client. httpx cost the
    load generator 2.1-2.7 ms of CPU per request (one client per request in flight; a shared one 8 ms), against
    0.5 ms for the direct gRPC call's C-core client: on two cores shared with the gateway, the HTTP side lost a
    third of its throughput to its own client."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        return cls(*await asyncio.open_connection(parts.hostname, parts.port))

    async def get(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        length = None
        for line in header_lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "transfer-encoding":
                raise RuntimeError("a chunked answer: this client reads Content-Length only")
        if length is None:
            raise RuntimeError(f"an answer without Content-Length: {status_line}")
        return int(status_line.split(" ", 2)[1]), await self.reader.readexactly(length)

    async def aclose(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


class Callers:
    """`count` connections, one per request in flight, opened per run (uvicorn closes a connection idle for 5 s);
    each GET takes an idle one."""

    def __init__(self, connections: list[Connection]) -> None:
        self.all = connections
        self.idle: asyncio.Queue[Connection] = asyncio.Queue()
        for connection in connections:
            self.idle.put_nowait(connection)

    @classmethod
    async def open(cls, url: str, count: int) -> Callers:
        return cls(list(await asyncio.gather(*(Connection.open(url) for _ in range(count)))))

    async def get(self, request: bytes) -> None:
        connection = await self.idle.get()
        try:
            status, body = await connection.get(request)
        finally:
            self.idle.put_nowait(connection)
        if status != 200:
            raise RuntimeError(f"GET: {status} {body[:300]!r}")

    async def aclose(self) -> None:
        await asyncio.gather(*(connection.aclose() for connection in self.all))


def encode_get(url: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {urlsplit(url).netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def bench_get(stack: Stack, url: str, cpu: CpuMeter, project: str,
                    args: argparse.Namespace) -> dict[tuple[str, int], list[Round]]:
    viewer = stack.metadata("bench-viewer", ["viewer"])
    request = papi.GetProjectRequest(name=project)
    get = encode_get(url, "/v1/" + project, {"Authorization": viewer[0][1]})

    async def direct(total: int, c: int, meter: CpuMeter | None) -> Round:
        async def call(_: int) -> None:
            await stack.projects_stub.GetProject(request, metadata=viewer, timeout=30)
        return await closed_loop(call, total, c, meter)

    async def gateway(total: int, c: int, meter: CpuMeter | None) -> Round:
        callers = await Callers.open(url, c)
        try:
            await closed_loop(lambda _: callers.get(get), c, c)  # one round on every connection, unmeasured
            return await closed_loop(lambda _: callers.get(get), total, c, meter)
        finally:
            await callers.aclose()

    runners = {"gRPC direct": direct, "gateway": gateway}
    log("warm-up")
    for run in runners.values():
        await run(args.requests // 4, max(args.concurrency), None)
    runs: dict[tuple[str, int], list[Round]] = {(name, c): [] for c in args.concurrency for name in runners}
    for r in range(args.rounds):
        log(f"GET round {r + 1}/{args.rounds}")
        for c in args.concurrency:
            for name in (list(runners) if r % 2 == 0 else list(reversed(runners))):
                runs[(name, c)].append(await runners[name](args.requests, c, cpu))
    return runs


def get_report(runs: dict[tuple[str, int], list[Round]], concurrency: list[int]) -> str:
    rows, rates = [], {}
    for (name, c), rounds in runs.items():
        lat = [x for r in rounds for x in r.latencies_ms]
        rates[(name, c)] = len(lat) / sum(r.elapsed_s for r in rounds)
        cpu_ms = {g: sum(r.cpu_s.get(g, 0.0) for r in rounds) * 1000 / len(lat) for g in rounds[0].cpu_s}
        rows.append([name, str(c), str(len(lat)), f"{rates[(name, c)]:.0f}", f"{ms(lat, 50):.2f}",
                     f"{ms(lat, 99):.2f}", f"{cpu_ms.get('gateway', 0.0):.2f}", f"{cpu_ms.get('projects', 0.0):.2f}",
                     f"{cpu_ms.get('load generator', 0.0):.2f}"])
    lines = ["\nPass-through GET: GetProject through the gateway against the same call over gRPC",
             table(["path", "concurrency", "requests", "req/s", "p50 ms", "p99 ms", "gateway CPU ms/req",
                    "projects CPU ms/req", "load generator CPU ms/req"], rows)]
    for c in concurrency:
        ratio = rates[("gateway", c)] / rates[("gRPC direct", c)]
        verdict = (f" (target >= {TARGET:.2f}): {'met' if ratio >= TARGET else 'NOT met'}"
                   if c == TARGET_CONCURRENCY else "")
        lines.append(f"throughput gateway / direct at c={c} = {ratio:.2f}{verdict}")
    return "\n".join(lines)


# --- 2. DecideTask -----------------------------------------------------------------------------------


async def open_task(crs: ChangeRequests) -> tuple[str, str]:
    """A submitted change request whose approval task is open: (the task's name, the workflow id)."""
    cr = await crs.stack.gov.SubmitChangeRequest(gapi.SubmitChangeRequestRequest(
        parent=f"organizations/{ORG}", request_id=str(uuid.uuid4()), change_request=gpb.ChangeRequest(
            project=next(crs.projects), title="More testing", type=gpb.CHANGE_TYPE_NORMAL,
            budget_delta=eur(2_000), schedule_delta_days=2)), metadata=crs.pm, timeout=30)
    cr = await crs._until(cr.name, lambda c: bool(c.tasks))
    return cr.tasks[0], cr.workflow_id


async def bench_decide(stack: Stack, url: str, crs: ChangeRequests, decisions: int) -> dict[str, list[float]]:
    pmo = crs.pmo

    async def through_gateway(task: str) -> float:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            await client.get("/healthz")  # connected before the decision is timed
            t0 = time.perf_counter()
            answer = await client.post(f"/v1/{task}:decide", json={"choice": "APPROVE", "comment": "ok"},
                                       headers={"Authorization": pmo[0][1], "Idempotency-Key": str(uuid.uuid4())})
            elapsed = (time.perf_counter() - t0) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"decide {task}: {answer.status_code} {answer.text[:300]}")
        return elapsed

    async def over_grpc(task: str) -> float:
        t0 = time.perf_counter()
        await stack.gov.DecideTask(gapi.DecideTaskRequest(name=task, choice="APPROVE", comment="ok",
                                                          request_id=str(uuid.uuid4())), metadata=pmo, timeout=30)
        return (time.perf_counter() - t0) * 1000

    out: dict[str, list[float]] = {"gateway": [], "gRPC DecideTask": [], "bare update": []}
    for i in range(decisions + 1):  # the first of each kind warms up and is not counted
        for kind, decide in (("gateway", through_gateway), ("gRPC DecideTask", over_grpc)):
            task, workflow_id = await open_task(crs)
            elapsed = await decide(task)
            await stack.env.client.get_workflow_handle(workflow_id).result()  # applied: quiet again
            if i:
                out[kind].append(elapsed)
        handle = await stack.env.client.start_workflow(BareWorkflow.run, i, id=f"bare-{uuid.uuid4().hex}",
                                                       task_queue=stack.bare_queue)
        t0 = time.perf_counter()
        await handle.execute_update(BareWorkflow.approve)
        elapsed = (time.perf_counter() - t0) * 1000
        await handle.result()
        if i:
            out["bare update"].append(elapsed)
    return out


def decide_report(out: dict[str, list[float]]) -> str:
    bare50, bare99 = ms(out["bare update"], 50), ms(out["bare update"], 99)
    rows = [[name, str(len(v)), f"{ms(v, 50):.1f}", f"{ms(v, 99):.1f}", f"{ms(v, 50) / bare50:.2f}x",
             f"{ms(v, 99) / bare99:.2f}x"] for name, v in out.items()]
    over = ms(out["gateway"], 50) - ms(out["gRPC DecideTask"], 50)
    return "\n".join([
        "\nDecideTask, one at a time: through the gateway, over gRPC, and the bare Temporal update",
        table(["call", "count", "p50 ms", "p99 ms", "p50 / bare", "p99 / bare"], rows),
        f"gateway / gRPC DecideTask p50 = {ms(out['gateway'], 50) / ms(out['gRPC DecideTask'], 50):.2f} "
        f"(the gateway adds {over:.1f} ms at p50)"])


async def main(args: argparse.Namespace) -> int:
    stack = Stack()
    await stack.start(args)
    try:
        process, url = start_gateway(stack)
        await wait_ready(url, process)
        log(f"seeding {2 * (args.decisions + 1) + 1} projects with a first baseline")
        projects = await seed_projects(stack, 2 * (args.decisions + 1) + 1)
        cpu = CpuMeter({"gateway": process.pid, "projects": stack.children[SERVICES.index("projects")].pid})
        profiler = profile(process.pid, args.profile) if args.profile else None
        runs = await bench_get(stack, url, cpu, projects[0], args)
        if profiler:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(30)
        log(f"DecideTask: {args.decisions} decisions of each kind")
        decided = await bench_decide(stack, url, ChangeRequests(stack, projects[1:]), args.decisions)
    finally:
        await stack.stop()
    print(get_report(runs, args.concurrency))
    print(decide_report(decided))
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="GET requests per run (path, concurrency, round)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 32],
                        help="comma-separated requests in flight")
    parser.add_argument("--decisions", type=int, default=20, help="DecideTask decisions per kind")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the gateway during the GET runs: collapsed stacks "
                                                          "to FILE (flamegraph.pl or speedscope read them)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
