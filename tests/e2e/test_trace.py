"""One user action is one trace, across processes: the components run as `pmaas dev` runs them (each its own
`pmaas serve <name>` process), exporting OTLP to a receiver this test starts. One decision through the gateway
must be one trace id from the gateway's server span down to PostgreSQL under a data service, and that id must be
in the audit events and the JSON log lines the decision wrote."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from tests.e2e.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.e2e.stack import Stack, open_change_approval, stack_env
from tests.support import Caller


@pytest.fixture
async def otlp():
    receiver = await OtlpReceiver().start()
    yield receiver
    await receiver.stop()


@pytest.fixture
def stack(settings, runtime_database_url, temporal_env, otlp, tmp_path):
    env = stack_env(settings, runtime_database_url, temporal_env, tmp_path, PMAAS_LOG_LEVEL="DEBUG",
                    OTEL_EXPORTER_OTLP_ENDPOINT=otlp.endpoint, OTEL_EXPORTER_OTLP_INSECURE="true",
                    OTEL_BSP_SCHEDULE_DELAY="200")
    running = Stack(env, tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


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
