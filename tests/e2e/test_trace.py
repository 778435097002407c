"""One user action is one trace, across processes: the components run as `pmaas dev` runs them (each its own
`pmaas serve <name>` process), exporting OTLP to a receiver this test starts. One decision through the gateway
must be one trace id from the gateway's server span down to PostgreSQL under a data service, and that id must be
in the audit events and the JSON log lines the decision wrote."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import asyncpg
import grpc
import httpx
import pytest

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as ppb
from services.platform import components, embedded
from tests.e2e.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support import Caller, date, eur, rid

START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Stack:
    """Every component as its own process, logging JSON lines to a file each."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for name in components.COMPONENTS:  # pmaas dev's order
            with (self.logs / f"{name}.log").open("w") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-m", "services.platform.cli", "serve", name], env=self.env,
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
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


@pytest.fixture
async def otlp():
    receiver = await OtlpReceiver().start()
    yield receiver
    await receiver.stop()


@pytest.fixture
def stack(settings, runtime_database_url, temporal_env, otlp, tmp_path):
    env = {**os.environ,
           "PMAAS_HOME": str(tmp_path), "PMAAS_DATABASE_URL": runtime_database_url,
           "PMAAS_TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host,
           "PMAAS_TEMPORAL_TASK_QUEUE": "trace-" + uuid.uuid4().hex[:10], "PMAAS_JWT_SECRET": settings.jwt_secret,
           "PMAAS_WEBHOOK_ALLOW_LOOPBACK": "true", "PMAAS_LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1",
           "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_EXPORTER_OTLP_INSECURE": "true",
           "OTEL_BSP_SCHEDULE_DELAY": "200"}
    for name in components.GRPC_COMPONENTS | components.HTTP_COMPONENTS:
        env[f"PMAAS_{name.upper()}_PORT"] = str(free_port())
    running = Stack(env, tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


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


def chain(spans: list[ReceivedSpan], leaf: ReceivedSpan) -> list[ReceivedSpan]:
    """`leaf` and its ancestors, root first."""
    by_id = {s.span_id: s for s in spans}
    path = [leaf]
    while path[-1].parent_id in by_id:
        path.append(by_id[path[-1].parent_id])
    return path[::-1]


async def test_a_decision_through_the_gateway_is_one_trace_from_the_gateway_to_postgresql(
        stack, otlp, authority, runtime_database_url):
    org = "trace-" + uuid.uuid4().hex[:10]
    change_request, task_id = await open_change_approval(stack, authority, org)
    pmo = Caller(authority, "trace-pmo", {org: ["pmo"]})

    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as gateway:
        decided = await gateway.post(f"/v1/organizations/{org}/tasks/{task_id}:decide",
                                     json={"choice": "APPROVE", "comment": "go"},
                                     headers={"Authorization": f"Bearer {pmo.token}",
                                              "Idempotency-Key": str(uuid.uuid4())})
    assert decided.status_code == 200, decided.text

    # The trace of the decision: the one the gateway's server span for this route started.
    route = "POST /v1/organizations/{org}/tasks/{task}:decide"

    def gateway_span():
        return next((s for s in otlp.spans if s.service == "pmaas-gateway" and s.kind == "SERVER"
                     and s.name == route), None)

    root = await otlp.wait_for(gateway_span, "the gateway's server span")
    assert root.parent_id == "", "the decision starts its own trace"
    trace_id = root.trace_id

    def applied_in_projects():
        """The path from the root to a ProjectsService write the approval applied (the new baseline), with its
        SQL, once every process on it has exported its spans."""
        spans = otlp.trace(trace_id)
        for leaf in spans:
            statement = leaf.attributes.get("db.statement", "")
            if leaf.service == "pmaas-projects" and statement.lstrip().upper().startswith("INSERT") \
                    and "baselines" in statement:
                path = chain(spans, leaf)
                if path[0] == root:
                    return path
        return None

    path = await otlp.wait_for(applied_in_projects, "the approved change's baseline INSERT in the decision's trace")
    steps = [(s.service, s.kind, s.name) for s in path]
    assert path[0] == root, steps

    def index(service: str, kind: str, name: str) -> int:
        found = [i for i, (sv, k, n) in enumerate(steps) if sv == service and k == kind and n.startswith(name)]
        assert found, f"no {service} {kind} {name} on the path: {steps}"
        return found[0]

    order = [
        index("pmaas-gateway", "SERVER", "POST"),
        index("pmaas-gateway", "CLIENT", "/pmaas.governance.v1.GovernanceService/DecideTask"),
        index("pmaas-governance", "SERVER", "/pmaas.governance.v1.GovernanceService/DecideTask"),
        index("pmaas-governance", "CLIENT", "StartWorkflowUpdate:decide"),
        index("pmaas-worker", "SERVER", "HandleUpdate:decide"),
        index("pmaas-worker", "SERVER", "RunActivity:"),
        index("pmaas-worker", "CLIENT", "/pmaas.projects.v1.ProjectsService/"),
        index("pmaas-projects", "SERVER", "/pmaas.projects.v1.ProjectsService/"),
        len(steps) - 1,
    ]
    assert order == sorted(order), steps
    # The decision's own update handler wrote the read model and the audit log on the worker, in this trace.
    spans = otlp.trace(trace_id)
    assert any(s.service == "pmaas-worker" and s.name == "RunActivity:sync_task" for s in spans)
    assert any(s.service == "pmaas-worker" and s.attributes.get("db.system") for s in spans)

    # Its audit events carry the trace id: the decision in governance's log, the baseline in projects'.
    conn = await asyncpg.connect(runtime_database_url)
    try:
        decided_events = await conn.fetch(
            "SELECT action, trace_id FROM governance.audit_events WHERE org_id = $1 AND action = 'TaskDecided'", org)
        baseline_events = await conn.fetch(
            "SELECT action, trace_id FROM projects.audit_events WHERE org_id = $1 AND action = 'CreateBaseline' "
            "ORDER BY seq", org)
    finally:
        await conn.close()
    assert [e["trace_id"] for e in decided_events] == [trace_id]
    assert baseline_events[-1]["trace_id"] == trace_id, "the approved change's baseline (the first is the plan's)"

    # The JSON log lines written while serving it carry the trace id, in every process it crossed.
    stack.stop()  # flush the logs
    for name in ("gateway", "governance", "worker", "projects"):
        traced = [line for line in stack.log_lines(name) if line.get("trace_id") == trace_id]
        assert traced, f"no log line of {name} carries the decision's trace id"
        assert all(line["component"] == name for line in traced)
