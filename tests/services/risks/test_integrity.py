"""What holds under load and failure: the audit chain, the event order, a missing dependency."""

from __future__ import annotations

import asyncio

import grpc

from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.platform.audit import verify_chain
from services.risks import server as risks_server
from tests.services.risks.builders import a_risk, create_issue, create_risk
from tests.support import fails


async def test_every_mutation_is_in_the_org_s_audit_chain(risks_stub, risks_service, pm, org, project):
    risk = await create_risk(risks_stub, pm, project)
    await pm(risks_stub.OccurRisk, api.OccurRiskRequest(name=risk.name))
    async with risks_service.pool.acquire() as conn:
        report = await verify_chain(conn, org)
        actions = [r["action"] for r in await conn.fetch(
            "SELECT action FROM audit_events WHERE org_id = $1 ORDER BY seq", org)]
    assert report.ok
    assert actions == ["CreateRisk", "OccurRisk", "CreateIssue"]


async def test_concurrent_escalations_are_numbered_without_gaps(risks_stub, pm, org, project):
    await asyncio.gather(*(create_issue(risks_stub, pm, project, f"c{i}", severity=pb.ISSUE_SEVERITY_CRITICAL)
                           for i in range(12)))
    got = await pm(risks_stub.ListIssueEvents, api.ListIssueEventsRequest(parent=f"organizations/{org}"))
    assert [e.sequence for e in got.events] == list(range(1, 13))
    assert len({e.issue for e in got.events}) == 12


async def test_without_projects_service_writes_are_unavailable_and_change_nothing(
        risks_stub, settings, database_url, authority, pm, project):
    unreachable = settings.model_copy(update={"projects_target": "127.0.0.1:1"})
    running = await risks_server.start(unreachable, database_url, "127.0.0.1:0", authority)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = risks_service_pb2_grpc.RisksServiceStub(channel)
            failure = await fails(pm(stub.CreateRisk, api.CreateRiskRequest(parent=project, risk=a_risk())))
    finally:
        await running.stop()
    assert (failure.code, failure.reason) == (grpc.StatusCode.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")
    assert not (await pm(risks_stub.ListRisks, api.ListRisksRequest(parent=project))).risks
