"""Governance bench (`make bench`): change requests end to end against a bare workflow, and the
approver inbox against a bare keyset SELECT, measured in the same run on the same servers.

1. Change requests: submit over gRPC → assess (activity) → approval task → DecideTask over gRPC →
   apply (new baseline in ProjectsService) → complete, on the real Temporal dev server with the
   real worker, against BareWorkflow (one activity + one update) on the same server, in
   alternating rounds. Reported per workflow and per Temporal step (activities + updates, counted
   from a recorded history), with the ratio of the per-step rates. Target: >= 70%.
2. ListTasks (the inbox, "me", page of 50) with 10,000 open tasks in the read model, against the
   same keyset SELECT statement run bare with asyncpg on one connection; an empty gRPC call is shown
   as the floor under any RPC. Target: p50 <= 3x the bare SELECT.

Each service, the governance worker and the bare workflow's worker run in processes of their own
(`pmaas serve ...`, as production runs them); this process is the load generator. Compare only
within a run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import grpc
import psutil
from google.type import date_pb2, money_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as ppb
from services.governance import convert, store
from services.platform import db, embedded
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings
from tests.bench.bare_workflow import BareWorkflow
from tests.bench.harness import CpuMeter, Postgres, log, percentile
from tests.support import free_port
from workflows import approvals as ap
from workflows.change_request import ChangeRequestView

ORG = "bench-gov"
INBOX_ORG = "bench-inbox"
PAGE = 50
LOCAL_ACTIVITY_MARKER = "core_local_activity"  # what the SDK records in history for a local activity's run
# Between reads of a change request while its approval task opens: from 50 ms, growing to 1 s, as a
# client that does not hammer the service would (a fixed 50 ms made the reads themselves about a fifth of
# the stack's CPU per change request, competing with the workflows being measured).
POLL_FIRST_S, POLL_MAX_S = 0.05, 1.0
WAIT_S = 120.0


@dataclass
class Round:
    latencies_ms: list[float]
    elapsed_s: float
    cpu_s: dict[str, float] = field(default_factory=dict)  # process group -> CPU seconds in the round

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0


def ms(values: list[float], q: float) -> float:
    return percentile(sorted(values), q) if values else 0.0


async def closed_loop(call, total: int, concurrency: int, cpu: CpuMeter | None = None) -> Round:
    latencies: list[float] = []
    before = cpu.snapshot() if cpu else {}
    counter = iter(range(total))

    async def one_worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            await call(i)
            latencies.append((time.perf_counter() - t0) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(one_worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return Round(latencies, elapsed, CpuMeter.delta(before, cpu.snapshot()) if cpu else {})


SERVICES = ("projects", "risks", "billing", "governance")
READY_TIMEOUT_S = 90.0


class Stack:
    """Embedded PostgreSQL, the Temporal dev server, the four services and the governance worker, each
    service and worker in a process of its own (`pmaas serve <component>`, as production runs them), and
    the bare workflow's worker in a process of its own too; the load generator is this process."""

    async def start(self, args: argparse.Namespace) -> None:
        """Everything up, or (a component failing to start) everything started so far stopped again."""
        self.children: list[subprocess.Popen] = []
        try:
            await self._start(args)
        except BaseException:
            for child in self.children:
                child.kill()
            if hasattr(self, "env"):
                await self.env.shutdown()
            if hasattr(self, "postgres"):
                self.postgres.close()
            raise

    async def _start(self, args: argparse.Namespace) -> None:
        log("starting embedded PostgreSQL and the Temporal dev server")
        self.postgres = Postgres()
        self.home = Path(tempfile.mkdtemp(prefix="pmaas-bench-gov-"))
        extra = ["--log-level", "error"]
        for key, kind in embedded.TEMPORAL_SEARCH_ATTRIBUTES.items():
            extra += ["--search-attribute", f"{key}={kind}"]
        temporal = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
        self.env = await WorkflowEnvironment.start_local(dev_server_existing_path=temporal,
                                                         dev_server_extra_args=extra)
        ports = {name: free_port() for name in SERVICES}
        queue = "bench-" + uuid.uuid4().hex[:8]
        self.settings = Settings(home=self.home, jwt_secret=secrets.token_urlsafe(32), log_level="WARNING",
                                 temporal_task_queue=queue, **{f"{n}_port": p for n, p in ports.items()})
        self.authority = TokenAuthority(self.settings)
        env = {**os.environ, "PMAAS_HOME": str(self.home), "PMAAS_DATABASE_URL": self.postgres.dsn,
               "PMAAS_TEMPORAL_ADDRESS": self.env.client.service_client.config.target_host,
               "PMAAS_JWT_SECRET": self.settings.jwt_secret, "PMAAS_TEMPORAL_TASK_QUEUE": queue,
               "PMAAS_LOG_LEVEL": "WARNING", "PMAAS_DB_POOL_MAX": "20",
               **{f"PMAAS_{n.upper()}_PORT": str(p) for n, p in ports.items()}}
        pmaas = str(Path(sys.executable).parent / "pmaas")
        for name in SERVICES:  # in order (schemas migrated by Postgres()): the later ones call the earlier
            log(f"starting {name}")
            self.children.append(subprocess.Popen([pmaas, "serve", name], env=env, stdout=subprocess.DEVNULL))
            await self._ready(ports[name], name)
        self.worker = subprocess.Popen([pmaas, "serve", "worker"], env=env, stdout=subprocess.DEVNULL)
        self.children.append(self.worker)  # `worker`: its pid is what the escalation bench measures (RSS)
        self.bare_queue = queue + "-bare"
        self.children.append(subprocess.Popen(
            [sys.executable, "-m", "tests.bench.bare_workflow", env["PMAAS_TEMPORAL_ADDRESS"], self.bare_queue],
            stdout=subprocess.DEVNULL))
        dsn = self.postgres.dsn
        self.pool = await db.create_pool(dsn, schema="governance", min_size=1, max_size=10,
                                         statement_timeout_ms=10_000)
        self.channels = [grpc.aio.insecure_channel(f"127.0.0.1:{ports[n]}") for n in ("projects", "governance")]
        self.projects_stub = projects_service_pb2_grpc.ProjectsServiceStub(self.channels[0])
        self.gov = governance_service_pb2_grpc.GovernanceServiceStub(self.channels[1])
        self.health = health_pb2_grpc.HealthStub(self.channels[1])
        self.bare_conn = await asyncpg.connect(dsn, server_settings={"search_path": "governance,public"})
        temporal_server = next(p for p in psutil.Process().children() if "temporal" in p.name())
        # Where a workflow's cost lands: every process of the stack (PostgreSQL with its connections).
        self.cpu = CpuMeter({
            **{name: c.pid for name, c in zip(SERVICES, self.children, strict=False)},
            "worker": self.worker.pid, "bare worker": self.children[-1].pid, "temporal": temporal_server.pid,
            "postgres": self.postgres.pid}, with_children=frozenset({"postgres"}))

    async def _ready(self, port: int, name: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            while True:
                try:
                    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                if time.monotonic() > deadline or any(c.poll() is not None for c in self.children):
                    raise RuntimeError(f"{name} did not start (see its output above)")
                await asyncio.sleep(0.2)

    def metadata(self, sub: str, roles: list[str], org: str = ORG) -> tuple:
        return (("authorization", f"Bearer {self.authority.issue(sub, {org: roles}, 6 * 3600)}"),)

    async def stop(self) -> None:
        await self.bare_conn.close()
        for channel in self.channels:
            await channel.close()
        await self.pool.close()
        for child in reversed(self.children):
            child.send_signal(signal.SIGTERM)
        for child in reversed(self.children):
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        await self.env.shutdown()
        self.postgres.close()
        shutil.rmtree(self.home, ignore_errors=True)


def eur(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


async def seed_projects(stack: Stack, count: int) -> list[str]:
    """`count` projects with a first baseline, one per change request (no conflicts between them)."""
    admin = stack.metadata("bench-admin", ["admin"])
    await stack.projects_stub.CreateOrganization(papi.CreateOrganizationRequest(
        organization_id=ORG, organization=ppb.Organization(display_name="Bench", pmo_type=ppb.PMO_TYPE_TACTICAL,
                                                            default_currency_code="EUR")), metadata=admin)
    pmo = stack.metadata("bench-pmo", ["pmo"])
    names: list[str] = []

    async def make(i: int) -> None:
        project = await stack.projects_stub.CreateProject(papi.CreateProjectRequest(
            parent=f"organizations/{ORG}", project_id=f"p{i}", project=ppb.Project(
                code=f"B-{i}", display_name=f"Bench {i}", methodology=ppb.METHODOLOGY_WATERFALL,
                budget=eur(100_000), planned_start_date=date_pb2.Date(year=2027, month=1, day=1),
                planned_end_date=date_pb2.Date(year=2027, month=12, day=31))), metadata=pmo, timeout=30)
        await stack.projects_stub.CreateBaseline(papi.CreateBaselineRequest(
            parent=project.name, budget=eur(100_000), start_date=date_pb2.Date(year=2027, month=1, day=1),
            end_date=date_pb2.Date(year=2027, month=12, day=31), reason="plan"), metadata=pmo, timeout=30)
        names.append(project.name)

    for start in range(0, count, 20):
        await asyncio.gather(*(make(i) for i in range(start, min(start + 20, count))))
    return sorted(names, key=lambda n: int(n.rsplit("/p", 1)[1]))


class ChangeRequests:
    def __init__(self, stack: Stack, projects: list[str]) -> None:
        self.stack = stack
        self.projects = iter(projects)
        self.pm = stack.metadata("bench-pm", ["pm"])
        self.pmo = stack.metadata("bench-pmo", ["pmo"])
        self.workflow_ids: list[str] = []

    async def one(self, _: int) -> None:
        gov = self.stack.gov
        cr = await gov.SubmitChangeRequest(gapi.SubmitChangeRequestRequest(
            parent=f"organizations/{ORG}", request_id=str(uuid.uuid4()), change_request=gpb.ChangeRequest(
                project=next(self.projects), title="More testing", type=gpb.CHANGE_TYPE_NORMAL,
                budget_delta=eur(2_000), schedule_delta_days=2)), metadata=self.pm, timeout=30)
        cr = await self._until(cr.name, lambda c: bool(c.tasks))
        await gov.DecideTask(gapi.DecideTaskRequest(name=cr.tasks[0], choice="APPROVE", comment="ok",
                                                    request_id=str(uuid.uuid4())), metadata=self.pmo, timeout=30)
        # The end: the workflow's result (a long poll on Temporal, no polling load on the services).
        view = await self.stack.env.client.get_workflow_handle(cr.workflow_id,
                                                               result_type=ChangeRequestView).result()
        if view.state not in ("APPLIED", "COMPLETED"):
            raise RuntimeError(f"{cr.name} ended {view.state}: {view.outcome_reason}")
        self.workflow_ids.append(cr.workflow_id)

    async def _until(self, name: str, ready) -> gpb.ChangeRequest:
        deadline, pause = time.monotonic() + WAIT_S, POLL_FIRST_S
        while True:
            cr = await self.stack.gov.GetChangeRequest(gapi.GetChangeRequestRequest(name=name), metadata=self.pm,
                                                       timeout=30)
            if ready(cr):
                return cr
            if cr.state in (gpb.CHANGE_REQUEST_STATE_FAILED, gpb.CHANGE_REQUEST_STATE_REJECTED):
                raise RuntimeError(f"{name} ended {gpb.ChangeRequestState.Name(cr.state)}: {cr.outcome_reason}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} stuck in {gpb.ChangeRequestState.Name(cr.state)}")
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, POLL_MAX_S)


async def bare_one(stack: Stack, i: int) -> None:
    handle = await stack.env.client.start_workflow(BareWorkflow.run, i, id=f"bare-{uuid.uuid4().hex}",
                                                   task_queue=stack.bare_queue)
    await handle.execute_update(BareWorkflow.approve)
    await handle.result()


def activities_in(events) -> list[str]:
    """The type of each activity a history ran, regular (scheduled) or local (its marker), in order."""
    kinds = []
    for e in events:
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            kinds.append(e.activity_task_scheduled_event_attributes.activity_type.name)
        elif (e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
              and e.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER):
            data = e.marker_recorded_event_attributes.details["data"].payloads[0].data
            kinds.append(json.loads(data)["activity_type"])
    return kinds


async def steps_of(stack: Stack, workflow_id: str) -> int:
    """Activities (regular or local) and updates in one workflow's history: the same count of steps whether a
    write runs as a local activity or not, so that the per-step rate compares the same work."""
    events = (await stack.env.client.get_workflow_handle(workflow_id).fetch_history()).events
    return len(activities_in(events)) + sum(
        e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED for e in events)


# --- the inbox ---------------------------------------------------------------------------------


async def seed_inbox(stack: Stack, count: int) -> None:
    now = dt.datetime.now(dt.UTC)
    spec = ap.TaskSpec(key="approval", kind="CHANGE_APPROVAL", title="Bench task", requester="someone",
                       candidates=ap.Candidates(roles=["pmo"]), rule=ap.ApprovalRule(), due_after_s=86400)
    async with stack.pool.acquire() as conn:
        for i in range(count):
            ref = ap.ProcessRef(org=INBOX_ORG, project=f"p{i % 100}", workflow_id=f"bench/{i}", policy_version=1,
                                process=f"organizations/{INBOX_ORG}/changeRequests/c{i}")
            due = now + dt.timedelta(minutes=i - count // 10)  # a tenth overdue
            task = ap.Task(id=f"t{i:06d}", spec=spec, ref=ref, created=now, due_time=due, reminder_times=[],
                           version=1)
            await store.upsert_task(conn, ap.TaskSync(task=task, new_events=[], pending_approvers=["role:pmo"],
                                                      sla_state="ON_TRACK"),
                                    convert.task_message(task, ["role:pmo"], 1, now).SerializeToString())
        await conn.execute("ANALYZE tasks")


# The statement ListTasks runs (labels: the caller and their roles; delegators' labels joined in SQL), run bare.
BARE_INBOX = store.TaskQuery(org=INBOX_ORG, labels=["bench-pmo", "role:pmo"], not_requested_by="bench-pmo",
                             delegate="bench-pmo", include_closed=False, filter_text="", after=None, limit=PAGE + 1)


async def bench_inbox(stack: Stack, samples: int) -> dict[str, list[float]]:
    md = stack.metadata("bench-pmo", ["pmo"], INBOX_ORG)
    out: dict[str, list[float]] = {"ListTasks": [], "bare SELECT": [], "empty RPC": []}
    request = gapi.ListTasksRequest(parent=f"organizations/{INBOX_ORG}", assignee="me", page_size=PAGE)
    first = await stack.gov.ListTasks(request, metadata=md, timeout=30)
    if len(first.tasks) != PAGE:
        raise RuntimeError(f"ListTasks returned {len(first.tasks)} tasks, expected {PAGE}")
    for _ in range(samples):  # alternate, so drift hits all three alike
        t0 = time.perf_counter()
        await stack.gov.ListTasks(request, metadata=md, timeout=30)
        out["ListTasks"].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        rows = await store.list_tasks(stack.bare_conn, BARE_INBOX)  # one asyncpg fetch of the same statement
        out["bare SELECT"].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        await stack.health.Check(health_pb2.HealthCheckRequest(), timeout=30)
        out["empty RPC"].append((time.perf_counter() - t0) * 1000)
    assert len(rows) == PAGE + 1
    return out


# --- report ------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) if i else c.ljust(w)  # noqa: E731
                                           for i, (c, w) in enumerate(zip(cells, widths, strict=True))) + " |"
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


async def main(args: argparse.Namespace) -> int:
    stack = Stack()
    await stack.start(args)
    try:
        total_crs = args.rounds * args.workflows + args.concurrency
        log(f"seeding {total_crs} projects with a first baseline")
        crs = ChangeRequests(stack, await seed_projects(stack, total_crs))
        log("warm-up")
        await closed_loop(crs.one, args.concurrency, args.concurrency)
        await closed_loop(lambda i: bare_one(stack, i), args.concurrency, args.concurrency)
        rounds: dict[str, list[Round]] = {"change request": [], "bare workflow": []}
        for r in range(args.rounds):
            log(f"round {r + 1}/{args.rounds}: {args.workflows} workflows each, {args.concurrency} in flight")
            rounds["bare workflow"].append(await closed_loop(lambda i: bare_one(stack, i), args.workflows,
                                                             args.concurrency, stack.cpu))
            rounds["change request"].append(await closed_loop(crs.one, args.workflows, args.concurrency,
                                                              stack.cpu))
        steps = {"change request": await steps_of(stack, crs.workflow_ids[-1]), "bare workflow": 2}
        log(f"seeding {args.tasks} open tasks in the read model")
        await seed_inbox(stack, args.tasks)
        inbox = await bench_inbox(stack, args.samples)
    finally:
        await stack.stop()

    rows, rates = [], {}
    for name, rs in rounds.items():
        lat = [x for r in rs for x in r.latencies_ms]
        wf_rate = sum(len(r.latencies_ms) for r in rs) / sum(r.elapsed_s for r in rs)
        rates[name] = wf_rate * steps[name]
        rows.append([name, str(len(lat)), str(steps[name]), f"{wf_rate:.1f}",
                     f"{min(r.rate for r in rs):.1f} - {max(r.rate for r in rs):.1f}",
                     f"{rates[name]:.1f}", f"{ms(lat, 50):.1f}", f"{ms(lat, 99):.1f}"])
    ratio = rates["change request"] / rates["bare workflow"]
    print(f"\nGovernance workflows ({args.concurrency} in flight, {args.rounds} alternating rounds)")
    print(table(["workflow", "count", "steps", "wf/s", "wf/s per round", "steps/s", "p50 ms", "p99 ms"], rows))
    verdict = "met" if ratio >= 0.7 else "NOT met"
    print(f"per-step rate, change request / bare = {ratio:.2f} (target >= 0.70): {verdict}")
    print("steps = activities (regular or local) + updates accepted in one workflow's history; a change request runs "
          "submit → assess → approve → apply end to end")
    print(cpu_table(rounds, steps))

    bare_p50 = ms(inbox["bare SELECT"], 50)
    rows = [[name, f"{ms(v, 50):.2f}", f"{ms(v, 99):.2f}", f"{ms(v, 50) / bare_p50:.2f}x"] for name, v in inbox.items()]
    inbox_ratio = ms(inbox["ListTasks"], 50) / bare_p50
    print(f"\nInbox: ListTasks (me, page {PAGE}) with {args.tasks} open tasks, {args.samples} samples")
    print(table(["call", "p50 ms", "p99 ms", "p50 / bare"], rows))
    print(f"ListTasks p50 / bare SELECT p50 = {inbox_ratio:.2f} (target <= 3): "
          f"{'met' if inbox_ratio <= 3 else 'NOT met'}")
    return 0


def cpu_table(rounds: dict[str, list[Round]], steps: dict[str, int]) -> str:
    """CPU milliseconds per workflow and per step, by process: where each kind's cost lands."""
    per_wf: dict[str, dict[str, float]] = {}
    for kind, rs in rounds.items():
        count = sum(len(r.latencies_ms) for r in rs)
        per_wf[kind] = {g: sum(r.cpu_s.get(g, 0.0) for r in rs) * 1000 / count for g in rs[0].cpu_s
                        if g != "other processes"}  # the rest of the machine: noise, not the workflow's
    groups = list(next(iter(per_wf.values())))
    rows = [[g, *(f"{per_wf[k][g]:.1f}" for k in rounds)] for g in groups]
    rows.append(["total", *(f"{sum(per_wf[k].values()):.1f}" for k in rounds)])
    rows.append(["total per step", *(f"{sum(per_wf[k].values()) / steps[k]:.1f}" for k in rounds)])
    return ("\nCPU ms per workflow, by process (both kinds' rounds)\n"
            + table(["process", *rounds], rows))


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=100, help="workflows per round and kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=10_000, help="open tasks in the inbox")
    parser.add_argument("--samples", type=int, default=200)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
