"""Every component serves its metrics in Prometheus format on its own port: after doing the thing each series
counts, scrape the component that counts it and find the series with its labels. The components run as
`pmaas dev` runs them (tests/e2e/stack.py), each with PMAAS_METRICS_PORT of its own."""

from __future__ import annotations

import asyncio
import time
import urllib.request
import uuid

import asyncpg
import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pmaas.governance.v1 import billing_cycles_pb2 as cycles_api
from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as gpb
from pmaas.projects.v1 import projects_service_pb2 as papi
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.risks.v1 import resources_pb2 as risks_pb
from services.platform import components
from tests.e2e.stack import Stack, open_change_approval, stack_env, until
from tests.support import Caller, date, free_port, rid


@pytest.fixture
def stack(settings, runtime_database_url, temporal_env, tmp_path):
    env = stack_env(settings, runtime_database_url, temporal_env, tmp_path, PMAAS_METRICS_REFRESH_S="0.5")
    own = {name: {"PMAAS_METRICS_PORT": str(free_port())} for name in components.COMPONENTS}
    running = Stack(env, tmp_path, own)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def scrape(stack: Stack, component: str) -> list[tuple[str, dict[str, str], float]]:
    port = stack.own[component]["PMAAS_METRICS_PORT"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]


def current(stack: Stack, component: str, name: str, **labels: str) -> float:
    """What `component` exports now for `name` with (at least) `labels`; 0 when it exports no such series yet."""
    return next((value for n, have, value in scrape(stack, component) if n == name and labels.items() <= have.items()),
                0.0)


async def series(stack: Stack, component: str, name: str, at_least: float = 1, timeout_s: float = 60.0,
                 **labels: str) -> float:
    """The value of `name` with (at least) `labels`, once `component` exports it at `at_least` or more."""
    deadline = time.monotonic() + timeout_s
    while True:
        samples = scrape(stack, component)
        found = [value for n, have, value in samples if n == name and labels.items() <= have.items()]
        if found and found[0] >= at_least:
            return found[0]
        if time.monotonic() > deadline:
            names = sorted({n for n, _, _ in samples})
            raise AssertionError(f"{component} exports {name} with {labels} as {found}, not at least {at_least}; "
                          f"it exports: {names}")
        await asyncio.sleep(0.3)


async def test_each_component_exports_red_pool_temporal_and_business_series(stack, authority, database_url):
    org = "metrics-" + uuid.uuid4().hex[:10]
    _, task_id = await open_change_approval(stack, authority, org)
    admin, pmo = Caller(authority, "metrics-admin", {org: ["admin"]}), Caller(authority, "metrics-pmo", {org: ["pmo"]})
    member = Caller(authority, "metrics-member", {org: ["member"]})
    finance = Caller(authority, "metrics-finance", {org: ["finance"]})
    # Other tests' processes share the database and Temporal: the business series are counted from here on.
    escalated = {"level": "1", "severity": "HIGH"}
    before = {"escalations": current(stack, "governance", "pmaas_governance_escalations_open", **escalated),
              "cycles": current(stack, "governance", "pmaas_governance_billing_cycles_failed_total"),
              "breaches": current(stack, "governance", "pmaas_governance_sla_breaches_total", process="task")}
    async with grpc.aio.insecure_channel(stack.target("projects")) as p, \
            grpc.aio.insecure_channel(stack.target("governance")) as g:
        projects = projects_service_pb2_grpc.ProjectsServiceStub(p)
        gov = governance_service_pb2_grpc.GovernanceServiceStub(g)
        with pytest.raises(grpc.aio.AioRpcError) as missing:  # an error, counted by its code
            await admin(projects.GetProject, papi.GetProjectRequest(name=f"organizations/{org}/projects/none"))
        assert missing.value.code() == grpc.StatusCode.NOT_FOUND
        await member(gov.RaiseEscalation, gapi.RaiseEscalationRequest(
            parent=f"organizations/{org}/projects/apollo", request_id=rid(), escalation=gpb.Escalation(
                title="Vendor API down", severity=risks_pb.ISSUE_SEVERITY_HIGH)))
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as gateway:
        decided = await gateway.post(f"/v1/organizations/{org}/tasks/{task_id}:decide", json={"choice": "APPROVE"},
                              headers={"Authorization": f"Bearer {pmo.token}"})
    assert decided.status_code == 200, decided.text
    # BillingService goes down: the billing cycle cannot lock its period (each attempt of the activity fails),
    # so the cycle fails.
    stack.processes["billing"].terminate()
    stack.processes["billing"].wait(timeout=30)
    async with grpc.aio.insecure_channel(stack.target("governance")) as g:
        gov = governance_service_pb2_grpc.GovernanceServiceStub(g)
        cycle = await finance(gov.RunBillingCycle, cycles_api.RunBillingCycleRequest(
            parent=f"organizations/{org}", request_id=rid(), period_start=date(2027, 1, 1),
            period_end=date(2027, 1, 31)))

        async def cycle_failed() -> bool:
            got = await finance(gov.GetBillingCycle, cycles_api.GetBillingCycleRequest(name=cycle.name))
            return got.state == cycles_api.BILLING_CYCLE_STATE_FAILED

        # Its own state first: when the series below is missing, this tells whether the cycle or the metric lags.
        await until(cycle_failed, "the billing cycle FAILED in the read model", timeout_s=120)

    # RED per RPC, in the service that served it: the rate and latency of each method, the errors by code.
    project_rpc = {"rpc_service": "pmaas.projects.v1.ProjectsService"}
    await series(stack, "projects", "rpc_server_call_duration_seconds_count", **project_rpc,
                 rpc_method="CreateProject", rpc_grpc_status_code="0")
    await series(stack, "projects", "rpc_server_call_duration_seconds_count", **project_rpc,
                 rpc_method="GetProject", rpc_grpc_status_code="5")
    await series(stack, "projects", "rpc_server_call_duration_seconds_bucket", **project_rpc,
                 rpc_method="CreateProject", le="+Inf")
    await series(stack, "governance", "rpc_server_call_duration_seconds_count",
                 rpc_service="pmaas.governance.v1.GovernanceService", rpc_method="DecideTask")
    # ... and in the gateway, per route and status.
    await series(stack, "gateway", "http_server_duration_milliseconds_count",
                 http_target="/v1/organizations/{org}/tasks/{task}:decide", http_status_code="200")

    # Database pool use, in every process that holds a pool.
    for name in ("projects", "risks", "governance", "worker"):  # billing: stopped above
        await series(stack, name, "db_client_connection_max", db_client_connection_pool_name=name)
        await series(stack, name, "db_client_connection_count", at_least=0, db_client_connection_pool_name=name,
                     db_client_connection_state="idle")

    # temporalio's own: the worker's task slots and schedule-to-start latency, failed activities by type.
    await series(stack, "worker", "temporal_worker_task_slots_available", worker_type="ActivityWorker")
    await series(stack, "worker", "temporal_activity_schedule_to_start_latency_seconds_count")
    await series(stack, "worker", "temporal_workflow_task_schedule_to_start_latency_seconds_count")
    # ... with buckets fine enough for a healthy p99 (milliseconds), not OpenTelemetry's default (0, 5, 10 s...).
    await series(stack, "worker", "temporal_workflow_task_schedule_to_start_latency_seconds_bucket", at_least=0,
                 le="0.01")
    await series(stack, "worker", "temporal_activity_execution_failed_total", activity_type="lock_billing_period")

    # The business signals, from the governance read model.
    await series(stack, "governance", "pmaas_governance_escalations_open", at_least=before["escalations"] + 1,
                 **escalated)
    await series(stack, "governance", "pmaas_governance_billing_cycles_failed_total", at_least=before["cycles"] + 1)
    # A task past its due time (two days old, due yesterday): BREACHED, aged 1-3 days, and one breach more.
    conn = await asyncpg.connect(database_url)
    try:
        await until(lambda: conn.fetchval(
            """UPDATE governance.tasks SET create_time = now() - interval '2 days', due_time = now() - interval '1 day'
               WHERE org_id = $1 AND state IN ('OPEN', 'CLAIMED') AND kind = 'ESCALATION' RETURNING id""", org),
            "the escalation's open task in the read model")
    finally:
        await conn.close()
    await series(stack, "governance", "pmaas_governance_tasks_open", kind="ESCALATION", sla_state="BREACHED",
                 age="1d_to_3d")
    await series(stack, "governance", "pmaas_governance_sla_breaches_total", at_least=before["breaches"] + 1,
                 process="task")


def test_pmaas_dev_gives_each_component_a_metrics_port_of_its_own():
    from services.platform import dev
    from services.platform.settings import Settings

    for first in (0, 9300):
        ports = [dev.metrics_port(Settings(metrics_port=first), name) for name in components.COMPONENTS]
        assert ports == list(range(first or dev.DEV_METRICS_PORT, (first or dev.DEV_METRICS_PORT) + len(ports)))
