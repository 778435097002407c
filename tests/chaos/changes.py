"""What the chaos scenarios share: a wave of change requests on baselined projects, the components run as their own
`pmaas serve <name>` processes, and the count of what the wave left behind (baselines, decisions, audit events,
activity attempts) that proves each change applied exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import grpc

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import resources_pb2 as ppb
from services.platform import audit, embedded
from tests.support import Caller, date, eur, rid
from workflows import change_request, ids

WAIT_S = 180.0
STOP_S = 30.0
APPLIED = frozenset({gpb.CHANGE_REQUEST_STATE_APPLIED, gpb.CHANGE_REQUEST_STATE_COMPLETED})
_STARTS = itertools.count(1)  # each started process its own log file


def serve(component: str, settings, database_url: str, home: Path, **env: str) -> subprocess.Popen:
    """`pmaas serve <component>` exactly as production runs it, pointed at this session's servers; `env` adds or
    overrides PMAAS_* variables (PMAAS_PROJECTS_TARGET, PMAAS_CALL_TIMEOUT_S, ...)."""
    base = {"PMAAS_HOME": str(home), "PMAAS_DATABASE_URL": database_url, "PMAAS_JWT_SECRET": settings.jwt_secret,
            "PMAAS_TEMPORAL_TASK_QUEUE": settings.temporal_task_queue, "PMAAS_LOG_LEVEL": "WARNING",
            **{f"PMAAS_{name.upper()}_TARGET": settings.target_of(name) for name in ("projects", "risks", "billing")}}
    # Its log goes to a file under `home`: a pipe nobody reads fills after 64 KiB of warnings (every failed
    # activity logs one) and then blocks the process on its next log line.
    home.mkdir(parents=True, exist_ok=True)
    with (home / f"{component}-{next(_STARTS)}.log").open("w") as log:
        return subprocess.Popen([sys.executable, "-m", "services.platform.cli", "serve", component],
                                env={**os.environ, **base, **env}, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)


def worker(settings, database_url: str, temporal_env, home: Path, **env: str) -> subprocess.Popen:
    return serve("worker", settings, database_url, home,
                 PMAAS_TEMPORAL_ADDRESS=temporal_env.client.service_client.config.target_host, **env)


def kill(process: subprocess.Popen) -> None:
    process.kill()  # SIGKILL: no shutdown, no goodbye to anyone
    process.wait(timeout=STOP_S)


async def stop(process: subprocess.Popen) -> None:
    await asyncio.to_thread(embedded.stop_process, process, STOP_S)


async def until(check, what: str, timeout_s: float = WAIT_S):
    deadline = time.monotonic() + timeout_s
    while not (found := await check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)
    return found


@contextlib.asynccontextmanager
async def governance(settings, database_url: str, authority, temporal_env) -> AsyncIterator:
    """A GovernanceService of the test's own (in-process), starting its workflows on settings' task queue."""
    from services.governance import server as governance_server

    running = await governance_server.start(settings, database_url, "127.0.0.1:0", authority,
                                            client=temporal_env.client)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            yield governance_service_pb2_grpc.GovernanceServiceStub(channel)
    finally:
        await running.stop()


@dataclass
class Wave:
    """`count` baselined projects in `org`, one change request each (+1 000 EUR, +3 days; one pmo decides it)."""
    gov: governance_service_pb2_grpc.GovernanceServiceStub
    pmo: Caller
    pm: Caller
    org: str
    projects: list[str]
    change_requests: list[str]
    tasks: list[str]  # the approval task of each change request, once `open_tasks` saw them
    decisions: dict[str, str]  # task -> the request id of its decision (a retry sends the same)

    @classmethod
    async def submit(cls, gov, projects_stub, pmo: Caller, pm: Caller, org: str, count: int, tag: str) -> Wave:
        projects = []
        for i in range(count):
            p = await pmo(projects_stub.CreateProject, papi.CreateProjectRequest(
                parent=f"organizations/{org}", project_id=f"{tag}{i}", project=ppb.Project(
                    code=f"{tag.upper()}-{i}", display_name=f"{tag} {i}", methodology=ppb.METHODOLOGY_WATERFALL,
                    budget=eur(100_000), planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 6, 30))))
            await pmo(projects_stub.CreateBaseline, papi.CreateBaselineRequest(
                parent=p.name, budget=eur(100_000), start_date=date(2027, 1, 1), end_date=date(2027, 6, 30),
                reason="plan"))
            projects.append(p.name)
        crs = [await pm(gov.SubmitChangeRequest, gapi.SubmitChangeRequestRequest(
            parent=f"organizations/{org}", request_id=rid(), change_request=gpb.ChangeRequest(
                project=name, title=f"Extend {i}", type=gpb.CHANGE_TYPE_NORMAL, budget_delta=eur(1_000),
                schedule_delta_days=3))) for i, name in enumerate(projects)]
        return cls(gov, pmo, pm, org, projects, [c.name for c in crs], [], {})

    async def open_tasks(self) -> list[str]:
        """Wait (a worker must be running) until every change request has its approval task open."""
        async def all_pending():
            got = [await self.get(name) for name in self.change_requests]
            return got if all(c.tasks for c in got) else None

        self.tasks = [c.tasks[0] for c in await until(all_pending, "every change request to open its approval task")]
        self.decisions = {t: rid() for t in self.tasks}
        return self.tasks

    async def get(self, name: str) -> gpb.ChangeRequest:
        return await self.pm(self.gov.GetChangeRequest, gapi.GetChangeRequestRequest(name=name))

    async def decide(self, task: str) -> None:
        await self.pmo(self.gov.DecideTask, gapi.DecideTaskRequest(name=task, choice="APPROVE", comment="go",
                                                                   request_id=self.decisions[task]))

    async def decide_until_answered(self, task: str, timeout_s: float = WAIT_S) -> int:
        """What a client does when its call dies or times out: send it again, same request id, until answered;
        returns the tries it took."""
        deadline = time.monotonic() + timeout_s
        for tries in itertools.count(1):
            try:
                await self.decide(task)
                return tries
            except grpc.aio.AioRpcError as exc:
                if exc.code() not in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAVAILABLE) \
                        or time.monotonic() > deadline:
                    raise

    async def applied(self, indexes: range | None = None, states: frozenset = APPLIED) -> int:
        """How many of the change requests (those at `indexes`, or all) are applied (or in one of `states`)."""
        names = [self.change_requests[i] for i in indexes or range(len(self.change_requests))]
        return sum([(await self.get(n)).state in states for n in names])

    async def until_applied(self, indexes: range | None = None, at_least: int = 0, timeout_s: float = WAIT_S,
                            states: frozenset = APPLIED) -> int:
        wanted = at_least or len(indexes or self.change_requests)

        async def enough():
            return (n := await self.applied(indexes, states)) >= wanted and n

        return await until(enough, f"{wanted} change requests to be applied", timeout_s)

    async def until_completed(self, timeout_s: float = WAIT_S) -> list[gpb.ChangeRequest]:
        """Every change request closed; returns them (a FAILED one ends the wait too, for the test to see)."""
        async def closed():
            got = [await self.get(n) for n in self.change_requests]
            return got if all(c.state in (gpb.CHANGE_REQUEST_STATE_COMPLETED, gpb.CHANGE_REQUEST_STATE_FAILED)
                              for c in got) else None

        return await until(closed, "every change request to complete", timeout_s)

    def workflow_ids(self) -> list[str]:
        return [ids.workflow_id(change_request.ID_PREFIX, self.org, n.rsplit("/", 1)[1])
                for n in self.change_requests]


@dataclass
class Outcome:
    """What the wave left behind, per project and per task: each must be exactly once."""
    baselines: Counter  # project -> baselines (the plan + the change: 2)
    moved: int  # projects whose budget and end date moved by the change exactly once
    apply_events: Counter  # project -> CreateBaseline audit events (2)
    decisions: Counter  # task -> decisions recorded (1)
    chains_ok: bool

    @classmethod
    async def of(cls, wave: Wave, projects_stub, database_url: str) -> Outcome:
        baselines, moved = Counter(), 0
        for name in wave.projects:
            got = await wave.pmo(projects_stub.ListBaselines, papi.ListBaselinesRequest(parent=name))
            baselines[name] = len(got.baselines)
            assert [b.revision for b in got.baselines] == list(range(1, len(got.baselines) + 1)), name
            project = await wave.pmo(projects_stub.GetProject, papi.GetProjectRequest(name=name))
            moved += project.budget.units == 101_000 and project.planned_end_date == date(2027, 7, 3)
        decisions = Counter()
        for task in wave.tasks:
            got = await wave.pmo(wave.gov.GetTask, gapi.GetTaskRequest(name=task))
            decisions[task] = len(got.decisions)
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch("SELECT resource FROM projects.audit_events WHERE org_id = $1 "
                                    "AND action = 'CreateBaseline'", wave.org)
            apply_events = Counter(r["resource"].rsplit("/baselines/", 1)[0] for r in rows)
            chains_ok = True
            for schema in ("projects", "governance"):
                await conn.execute(f"SET search_path = {schema}, public")
                chains_ok &= (await audit.verify_chain(conn, wave.org)).ok
        finally:
            await conn.close()
        return cls(baselines, moved, apply_events, decisions, chains_ok)

    def assert_each_once(self, wave: Wave) -> None:
        assert self.baselines == Counter({p: 2 for p in wave.projects}), "a change applied twice, or not at all"
        assert self.moved == len(wave.projects), "a project's budget or end date moved other than once"
        assert self.apply_events == Counter({p: 2 for p in wave.projects}), "CreateBaseline audited other than once"
        assert self.decisions == Counter({t: 1 for t in wave.tasks}), "a decision recorded twice, or not at all"
        assert self.chains_ok, "an audit chain does not verify"

    def counts(self) -> dict[str, int | str]:
        """For chaos_report: each as "min..max" per project / task (2..2 and 1..1 when each happened once)."""
        def spread(counter: Counter) -> str:
            return f"{min(counter.values(), default=0)}..{max(counter.values(), default=0)}"

        return {"baselines_per_project": spread(self.baselines), "apply_audit_events_per_project":
                spread(self.apply_events), "decisions_per_task": spread(self.decisions),
                "duplicates": sum(max(0, n - 2) for n in self.baselines.values())
                + sum(max(0, n - 2) for n in self.apply_events.values())
                + sum(max(0, n - 1) for n in self.decisions.values()),
                "audit_chains_ok": str(self.chains_ok)}


async def activity_attempts(client, workflow_ids: list[str], activity_types: frozenset[str] | None = None) -> list:
    """(activity type, start event) of each run of those activities (or all) in those workflows' histories: the
    event's `attempt` is how many tries it took, its `last_failure` why the try before failed."""
    started = []
    for workflow_id in workflow_ids:
        types: dict[int, str] = {}
        async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
            if event.HasField("activity_task_scheduled_event_attributes"):
                types[event.event_id] = event.activity_task_scheduled_event_attributes.activity_type.name
            elif event.HasField("activity_task_started_event_attributes"):
                attrs = event.activity_task_started_event_attributes
                kind = types[attrs.scheduled_event_id]
                if activity_types is None or kind in activity_types:
                    started.append((kind, attrs))
    return started
