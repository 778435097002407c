"""CreateProject taken apart (`make bench`): the real server against skeleton servers that run its statements
without its code, in one run.

Issue 11 asks CreateProject at 32 in flight for half the floor rate 1/(1/empty RPC + 1/bare INSERT). This shows
how much of the distance is the transaction's statements and how much is our Python. A skeleton is a grpc.aio
server of the same generated ProjectsService with one method, CreateProject, which maps the request to columns
(rules.project_columns, no other validation) and answers with store.project of the row, as the real one does;
each step adds to the one before:

  skeleton: INSERT        one INSERT ... RETURNING, autocommit: a CRUD endpoint with no guarantees
  skeleton: + claim       BEGIN with the idempotency claim, the INSERT, COMMIT
  skeleton: + audit       the real path's three messages: the claim, the INSERT, then the stored response, the
                          audit append and COMMIT in one (mutations' own statements)
  skeleton: + intercept.  the same behind the production interceptor chain (grpc_server.interceptors)
  ProjectsService         the real server, as `make bench` runs it: everything it does

The floor is measured alongside: the empty RPC (health Check on the real server) and the bare INSERT. The load
alternates between the paths in slices (each path once per round, the order reversed every other round), so the
machine's drift falls on all alike; figures are medians over the slices.

    python -m tests.bench.skeleton
    python -m tests.bench.skeleton --concurrency 1 --slices 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
from dataclasses import dataclass

import grpc

from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import audit, auth, db, errors, grpc_server, mutations, tables, telemetry
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings
from services.projects import rules, store
from tests.bench import harness

STEPS = {  # skeleton step -> its label; each does what the one before does, and more
    "insert": "skeleton: INSERT",
    "claim": "skeleton: + claim",
    "audit": "skeleton: + audit",
    "intercept": "skeleton: + intercept.",
}
REAL, EMPTY, BARE = "ProjectsService", "empty RPC", "bare INSERT"
GUARANTEES_SHARE = 0.90  # proposed: the real server's rate against the skeleton's with the same statements
SUBJECT = "bench"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.bench.skeleton", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    p.add_argument("--slices", type=int, default=8, help="rounds; each runs every path for one slice")
    p.add_argument("--slice-seconds", type=float, default=2.0, help="length of one slice")
    p.add_argument("--pool-size", type=int, default=Settings.model_fields["db_pool_max"].default,
                   help="connections of each server's pool and of the bare loop's")
    args = p.parse_args(argv)
    if args.concurrency < 1 or args.slices < 1 or args.slice_seconds <= 0 or args.pool_size < 1:
        p.error("--concurrency, --slices and --pool-size must be at least 1, --slice-seconds above 0")
    return args


# --- the skeleton server (a child process) ------------------------------------------------------------------


class SkeletonProjects(projects_service_pb2_grpc.ProjectsServiceServicer):
    """CreateProject with the statements of `step` and as little Python around them as gives the same answer."""

    def __init__(self, pool, step: str) -> None:
        self.pool, self.step = pool, step
        self.principal = auth.Principal(SUBJECT, {})  # whom the claim's request hash names

    async def CreateProject(self, request, context) -> pb.Project:
        org = request.parent.removeprefix("organizations/")
        columns = rules.project_columns(request.project, org, request.project.budget.currency_code,
                                        errors.Violations())
        values = {"org_id": org, "id": request.project_id, "phase": pb.PHASE_INITIATION, **columns}
        async with self.pool.acquire() as conn:
            if self.step == "insert":
                return store.project(await tables.insert(conn, "projects", values))
            auth.current_principal.set(self.principal)
            # The same statements as mutations.run_mutation sends: its private builders, so they cannot drift.
            await conn.execute(mutations._begin(org, request.request_id, "CreateProject", request))
            created = store.project(await tables.insert(conn, "projects", values))
            if self.step == "claim":
                await conn.execute("COMMIT")
                return created
            event = audit.AuditEvent(org_id=org, actor=SUBJECT, action="CreateProject", resource=created.name,
                                     request_id=request.request_id, after_digest=audit.digest(created))
            await conn.execute(mutations._commit([event], org, request.request_id, created))
            return created


async def serve(dsn: str, step: str, pool_size: int, jwt_secret: str) -> None:
    telemetry.setup("projects", log_level="WARNING")  # what the real server does: the same tracer provider
    pool = await db.create_pool(dsn, schema="projects", min_size=pool_size, max_size=pool_size)
    authority = TokenAuthority(Settings(jwt_algorithm="HS256", jwt_secret=jwt_secret))
    server = grpc.aio.server(interceptors=grpc_server.interceptors(authority) if step == "intercept" else None)
    # Served as the real server serves its methods: generic handlers only (grpc_server._GenericHandlersOnly says why).
    projects_service_pb2_grpc.add_ProjectsServiceServicer_to_server(SkeletonProjects(pool, step),
                                                                    grpc_server._GenericHandlersOnly(server))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    stop = harness.stop_event()
    print(json.dumps({"port": port}), flush=True)
    await stop.wait()
    await server.stop(1)
    await pool.close()


async def start_skeleton(dsn: str, step: str, pool_size: int, jwt_secret: str) -> harness.ServerProcess:
    return await harness.ServerProcess.spawn(
        [sys.executable, "-m", "tests.bench.skeleton", "serve", "--dsn", dsn, "--step", step,
         "--pool-size", str(pool_size)], jwt_secret)


# --- the load generator -------------------------------------------------------------------------------------


@dataclass
class Slice:
    rate: float
    p50_ms: float
    cpu_ms: dict[str, float]  # per request: server, postgres, load generator


async def measure(args: argparse.Namespace) -> list[str]:
    pg = harness.Postgres()
    secret = "bench-" + secrets.token_hex(16)
    servers: dict[str, harness.ServerProcess] = {}
    channels = []
    bare = None
    try:
        options = harness.ServerOptions(dsn=pg.dsn, jwt_secret=secret, home=pg.home, pool_min=1,
                                        pool_max=args.pool_size)
        token = TokenAuthority(options.settings()).issue(SUBJECT, {SUBJECT: ["admin"]})
        metadata = (("authorization", f"Bearer {token}"),)
        harness.log("starting the real ProjectsService and the skeletons")
        servers[REAL] = await harness.ServerProcess.start(options)
        for step, label in STEPS.items():
            servers[label] = await start_skeleton(pg.dsn, step, args.pool_size, secret)
        stubs = {}
        for label, server in servers.items():
            channel, stub = harness.grpc_stub(server.port)
            channels.append(channel)
            stubs[label] = (channel, stub)
        await harness.create_orgs(stubs[REAL][1], metadata, [SUBJECT])
        bare = await harness.bare_pool(pg.dsn, 1, args.pool_size)
        async with bare.acquire() as conn:
            await harness.create_bare_table(conn)
        run_tag = secrets.token_hex(3)
        loads: dict[str, harness.Workload] = {
            label: harness.GrpcCreate(stub, metadata, [SUBJECT], f"{n}{run_tag}")
            for n, (label, (_, stub)) in enumerate(stubs.items())}
        loads[EMPTY] = harness.GrpcEmpty(stubs[REAL][0])
        loads[BARE] = harness.BareInsert(bare, [SUBJECT], f"b{run_tag}")
        meter = harness.CpuMeter({"postgres": pg.pid, **{label: s.pid for label, s in servers.items()}},
                                 with_children=frozenset({"postgres"}))
        for load in loads.values():  # warm-up
            await harness.drive(load, args.concurrency, seconds=min(1.0, args.slice_seconds))
        slices: dict[str, list[Slice]] = {label: [] for label in loads}
        async for k, label, sample, used in harness.interleaved(loads, meter, args.concurrency, args.slices,
                                                                args.slice_seconds):
            n = max(sample.count, 1)
            server = REAL if label == EMPTY else label if label in servers else None  # none: the bare loop
            cpu = {"server": used[server] if server else 0.0, "postgres": used["postgres"],
                   "load generator": used["load generator"]}
            slices[label].append(Slice(sample.rate, statistics.median(sample.latencies_ns) / 1e6,
                                       {key: v / n * 1e3 for key, v in cpu.items()}))
            if all(len(done) == k + 1 for done in slices.values()):
                harness.log(f"round {k + 1}/{args.slices}")
        return report(args, slices)
    finally:
        for channel in channels:
            await channel.close()
        for server in servers.values():
            await server.stop()
        if bare is not None:
            await bare.close()
        pg.close()


def report(args: argparse.Namespace, slices: dict[str, list[Slice]]) -> list[str]:
    def median(label: str, of) -> float:
        return statistics.median(of(s) for s in slices[label])

    rate = {label: median(label, lambda s: s.rate) for label in slices}
    floor = harness.floor_rate(rate[EMPTY], rate[BARE])
    lines = [f"CreateProject taken apart at {args.concurrency} in flight: {args.slices} rounds of "
             f"{args.slice_seconds:g} s slices, medians over slices; CPU ms per request by process",
             "",
             "| path                   |   req/s | of floor | p50 ms | server | postgres | load gen | total |",
             "|------------------------|--------:|---------:|-------:|-------:|---------:|---------:|------:|"]
    for label in [*STEPS.values(), REAL, EMPTY, BARE]:
        cpu = {k: median(label, lambda s, k=k: s.cpu_ms[k]) for k in ("server", "postgres", "load generator")}
        share = f"{rate[label] / floor:.0%}" if floor and label not in (EMPTY, BARE) else ""
        lines.append(f"| {label:<22} | {rate[label]:>7,.0f} | {share:>8} | {median(label, lambda s: s.p50_ms):>6.2f} "
                     f"| {cpu['server']:>6.3f} | {cpu['postgres']:>8.3f} | {cpu['load generator']:>8.3f} "
                     f"| {sum(cpu.values()):>5.3f} |")
    lines += ["", f"floor 1/(1/empty RPC + 1/bare INSERT) = {floor:,.0f} req/s; the target (issue 11) is 50% of it "
                  f"at 32 in flight. A skeleton has no interceptors (but the last), no auth, no validation: what the "
                  f"same statements cost with almost none of our code."]
    guarantees = rate[STEPS["audit"]]  # the transaction the guarantees need, with none of our code around it
    ratio = rate[REAL] / guarantees if guarantees else 0.0
    lines.append(f"{REAL} / {STEPS['audit']} = {ratio:.2f} (proposed target >= {GUARANTEES_SHARE:.2f}, issue 11's "
                 f"notes: what our code may cost on top of the guarantees' statements): "
                 f"{'met' if ratio >= GUARANTEES_SHARE else 'NOT met'}")
    return lines


def main(argv: list[str] | None = None) -> None:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["serve"]:
        p = argparse.ArgumentParser(prog="python -m tests.bench.skeleton serve")
        p.add_argument("--dsn", required=True)
        p.add_argument("--step", choices=sorted(STEPS), required=True)
        p.add_argument("--pool-size", type=int, required=True)
        served = p.parse_args(argv[1:])
        secret = os.environ.get("BENCH_JWT_SECRET")
        if not secret:
            raise SystemExit("BENCH_JWT_SECRET is not set (this command is started by tests.bench.skeleton)")
        from services.projects import server as projects_server

        with asyncio.Runner(loop_factory=projects_server.loop_factory) as runner:  # the real server's loop
            runner.run(serve(served.dsn, served.step, served.pool_size, secret))
        return
    print("\n".join(asyncio.run(measure(parse_args(argv)))))


if __name__ == "__main__":
    main()
