"""Several replicas of each component against one PostgreSQL and one Temporal, as production scales out: each
replica its own `pmaas serve <name>` process on a port of its own, with metrics on a port of its own, and every
caller's target listing every replica of a service (gRPC's `ipv4:` scheme, as a headless Service's DNS name with an
A record per pod would), so clients.CHANNEL_OPTIONS' round_robin spreads the calls, not the connections.

`ChangeRequestLoad` is the load the scale-out test and bench run against it: a pm submits a change request, a pmo
approves its task (DecideTask), the workflow applies it. The gateway is not part of these stacks: the load speaks
gRPC to the services directly."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as ppb
from pmaas.risks.v1 import risks_service_pb2 as rapi
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.platform import clients, components, embedded
from tests.e2e.stack import START_TIMEOUT_S, Stack
from tests.support import Caller, date, eur, free_port, rid
from workflows.change_request import ChangeRequestView

# What the scale-out proof runs: several workers, two of every service.
SCALED = {"projects": 2, "risks": 2, "billing": 2, "governance": 2, "worker": 3}
SINGLE = {name: 1 for name in SCALED}
# The series a replica's work is counted by: calls its service served (health checks left out), and the workflow
# and activity tasks a worker ran (temporalio's own histograms; `_count` is the number of tasks).
CALLS = "rpc_server_call_duration_seconds_count"
WORKFLOW_TASKS = "temporal_workflow_task_execution_latency_seconds_count"
ACTIVITY_TASKS = "temporal_activity_execution_latency_seconds_count"
SERVICES = {"projects": "pmaas.projects.v1.ProjectsService", "risks": "pmaas.risks.v1.RisksService",
            "billing": "pmaas.billing.v1.BillingService", "governance": "pmaas.governance.v1.GovernanceService"}


@dataclass
class Replica:
    component: str
    index: int
    port: int | None  # its gRPC port; None for a worker, which listens on none
    metrics_port: int
    process: subprocess.Popen | None = None

    @property
    def name(self) -> str:
        return f"{self.component}-{self.index}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not started"
        return self.process.pid

    def scrape(self) -> list[tuple[str, dict[str, str], float]]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as reply:
            text = reply.read().decode()
        return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]

    def total(self, name: str, **labels: str) -> float:
        """The sum of every series `name` with (at least) `labels` it exports now; 0 when none."""
        return sum(value for n, have, value in self.scrape() if n == name and labels.items() <= have.items())

    def work(self) -> dict[str, float]:
        """What it did so far: calls its service served (by method too), or the workflow and activity tasks it ran."""
        if self.component == "worker":
            return {"workflow tasks": self.total(WORKFLOW_TASKS), "activity tasks": self.total(ACTIVITY_TASKS)}
        done: dict[str, float] = {"calls": 0.0}
        for name, labels, value in self.scrape():
            if name == CALLS and labels.get("rpc_service") == SERVICES[self.component]:
                done["calls"] += value
                done[labels["rpc_method"]] = done.get(labels["rpc_method"], 0.0) + value
        return done


class Replicas(Stack):
    """`counts[component]` processes of each component (of SCALED's: the gRPC services and the worker); `env`
    from stack_env. Every process gets every service's target as the list of that service's replicas."""

    def __init__(self, env: dict[str, str], logs: Path, counts: dict[str, int]) -> None:
        unknown = set(counts) - set(SCALED)
        assert not unknown, f"only the gRPC services and the worker are replicated here, not {unknown}"
        taken: set[int] = set()

        def port() -> int:
            while (p := free_port()) in taken:
                pass
            taken.add(p)
            return p

        self.replicas = {component: [Replica(component, i + 1, None if component == "worker" else port(), port())
                                     for i in range(counts[component])]
                         for component in components.COMPONENTS if counts.get(component)}
        targets = {f"PMAAS_{c.upper()}_TARGET": self.target(c) for c in self.replicas if c != "worker"}
        own = {r.name: {"PMAAS_METRICS_PORT": str(r.metrics_port),
                        **({f"PMAAS_{r.component.upper()}_PORT": str(r.port)} if r.port else {})}
               for r in self.all()}
        super().__init__({**env, **targets}, logs, own)

    def all(self) -> list[Replica]:
        return [r for replicas in self.replicas.values() for r in replicas]

    def start(self) -> None:
        for replica in self.all():  # pmaas dev's order; a service waits for its schema, callers connect lazily
            with (self.logs / f"{replica.name}.log").open("w") as log:
                replica.process = self.processes[replica.name] = subprocess.Popen(
                    [sys.executable, "-m", "services.platform.cli", "serve", replica.component],
                    env={**self.env, **self.own[replica.name]}, stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT)
        for replica in self.all():
            if replica.port:
                embedded.wait_until_serving(replica.address, "", START_TIMEOUT_S, replica.process)

    async def workers_polling(self, client: Client, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until every worker polls the task queue for workflow and activity tasks (Temporal lists its pollers by
        identity, `<pid>@<host>` by default)."""
        pids = {str(r.pid) for r in self.replicas.get("worker", ())}
        deadline = time.monotonic() + timeout_s
        for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY):
            while True:
                described = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
                    namespace=client.namespace, task_queue=TaskQueue(name=self.env["PMAAS_TEMPORAL_TASK_QUEUE"]),
                    task_queue_type=kind))
                if pids <= {p.identity.split("@", 1)[0] for p in described.pollers}:
                    break
                for r in self.replicas["worker"]:
                    assert r.process.poll() is None, f"{r.name} exited: {self.log_lines(r.name)[-5:]}"
                assert time.monotonic() < deadline, f"the workers did not all poll {TaskQueueType.Name(kind)}"
                await asyncio.sleep(0.3)

    def target(self, name: str) -> str:
        return "ipv4:" + ",".join(r.address for r in self.replicas[name])


class ChangeRequestLoad:
    """Change requests as people make them, in one organization of their own: a pm reads the project's risks and
    submits a change on it, a pmo approves the task that opens (DecideTask), and the workflow applies it. The
    load's channels are clients' own (round_robin over each target's replicas)."""

    POLL_FIRST_S, POLL_MAX_S = 0.05, 1.0  # between reads while the approval task opens, as a patient client would
    WAIT_S = 120.0

    def __init__(self, stack: Replicas, authority, temporal: Client, org: str | None = None) -> None:
        self.org = org or "scale-" + uuid.uuid4().hex[:10]
        self.temporal = temporal
        self.channels = {name: clients.channel(stack.target(name)) for name in ("projects", "risks", "governance")}
        self.projects = projects_service_pb2_grpc.ProjectsServiceStub(self.channels["projects"])
        self.risks = risks_service_pb2_grpc.RisksServiceStub(self.channels["risks"])
        self.gov = governance_service_pb2_grpc.GovernanceServiceStub(self.channels["governance"])
        self.admin = Caller(authority, "scale-admin", {self.org: ["admin"]}, ttl_s=6 * 3600)
        self.pm = Caller(authority, "scale-pm", {self.org: ["pm"]}, ttl_s=6 * 3600)
        self.pmo = Caller(authority, "scale-pmo", {self.org: ["pmo"]}, ttl_s=6 * 3600)
        self.decide_ms: list[float] = []
        self.completed: list[ChangeRequestView] = []

    async def seed(self, count: int) -> list[str]:
        """The organization and `count` projects, each with a first baseline; their names."""
        await self.call(self.admin, self.projects.CreateOrganization, papi.CreateOrganizationRequest(
            organization_id=self.org, organization=ppb.Organization(
                display_name="Scale-out", pmo_type=ppb.PMO_TYPE_TACTICAL, default_currency_code="EUR")))

        async def one(i: int) -> str:
            project = await self.call(self.admin, self.projects.CreateProject, papi.CreateProjectRequest(
                parent=f"organizations/{self.org}", project_id=f"p{i}", request_id=rid(), project=ppb.Project(
                    code=f"S-{i}", display_name=f"Scale {i}", methodology=ppb.METHODOLOGY_WATERFALL,
                    budget=eur(100_000), planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 6, 30))))
            await self.call(self.admin, self.projects.CreateBaseline, papi.CreateBaselineRequest(
                parent=project.name, budget=eur(100_000), start_date=date(2027, 1, 1), end_date=date(2027, 6, 30),
                reason="plan", request_id=rid()))
            return project.name

        names: list[str] = []
        for start in range(0, count, 16):
            names += await asyncio.gather(*(one(i) for i in range(start, min(start + 16, count))))
        return names

    async def submit(self, project: str) -> gpb.ChangeRequest:
        """The pm reads the project's risks and submits a minor change on it (one pmo decides it)."""
        await self.call(self.pm, self.risks.ListRisks, rapi.ListRisksRequest(parent=project, page_size=10))
        return await self.call(self.pm, self.gov.SubmitChangeRequest, gapi.SubmitChangeRequestRequest(
            parent=f"organizations/{self.org}", request_id=rid(), change_request=gpb.ChangeRequest(
                project=project, title="Two more days", type=gpb.CHANGE_TYPE_NORMAL, budget_delta=eur(1_000),
                schedule_delta_days=2)))

    async def open(self, project: str) -> gpb.ChangeRequest:
        """A change request on `project`, submitted and assessed: back once its approval task is open."""
        return await self._until_task((await self.submit(project)).name)

    async def change(self, project: str) -> ChangeRequestView:
        """One change request on `project`, from submission to its workflow's end; raises unless it was applied."""
        cr = await self.open(project)
        started = time.perf_counter()
        await self.call(self.pmo, self.gov.DecideTask, gapi.DecideTaskRequest(
            name=cr.tasks[0], choice="APPROVE", comment="ok", request_id=rid()))
        self.decide_ms.append((time.perf_counter() - started) * 1000)
        # The end is the workflow's result: a long poll on Temporal, no polling load on the services.
        view = await self.temporal.get_workflow_handle(cr.workflow_id, result_type=ChangeRequestView).result()
        if view.state != "COMPLETED":
            raise AssertionError(f"{cr.name} ended {view.state}: {view.outcome_reason}")
        self.completed.append(view)
        return view

    async def _until_task(self, name: str) -> gpb.ChangeRequest:
        deadline, pause = time.monotonic() + self.WAIT_S, self.POLL_FIRST_S
        while True:
            cr = await self.call(self.pm, self.gov.GetChangeRequest, gapi.GetChangeRequestRequest(name=name))
            if cr.tasks:
                return cr
            if cr.state in (gpb.CHANGE_REQUEST_STATE_FAILED, gpb.CHANGE_REQUEST_STATE_REJECTED):
                raise AssertionError(f"{name} ended {gpb.ChangeRequestState.Name(cr.state)}: {cr.outcome_reason}")
            assert time.monotonic() < deadline, f"{name} stuck in {gpb.ChangeRequestState.Name(cr.state)}"
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, self.POLL_MAX_S)

    @staticmethod
    async def call(caller: Caller, method, request):
        return await method(request, metadata=caller.metadata(), timeout=30)

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()
