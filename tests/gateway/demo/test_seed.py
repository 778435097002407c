"""`pmaas demo`'s seed against the session's real services and governance worker (the gateway tests' own, so
the browser tests find the same demo): everything the walk-through needs exists afterwards, and a second run
writes nothing."""

from __future__ import annotations

import asyncpg
import pytest

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.governance.v1 import governance_service_pb2 as gov_api
from pmaas.governance.v1 import resources_pb2 as gov_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from services.demo import roster, seed
from tests.support import Caller

ORGS = [o.id for o in roster.ORGANIZATIONS]
SCHEMAS = ("projects", "risks", "billing", "governance")


@pytest.fixture(scope="module")
async def seeded(targets, authority):
    lines: list[str] = []
    report = await seed.seed(targets, authority, say=lines.append)
    return report, lines


def as_demo(authority, subject: str) -> Caller:
    person = roster.user(subject)
    return Caller(authority, subject, {o: list(r) for o, r in person.orgs.items()})


async def test_the_demo_has_organizations_portfolios_and_projects_in_different_phases(
        seeded, authority, projects_stub):
    pmo = as_demo(authority, "omar")
    orgs = await pmo(projects_stub.ListOrganizations, projects_api.ListOrganizationsRequest())
    assert {o.name for o in orgs.organizations} >= {f"organizations/{o}" for o in ORGS}
    phases, rags = set(), set()
    for org in ORGS:
        portfolios = await pmo(projects_stub.ListPortfolios, projects_api.ListPortfoliosRequest(
            parent=f"organizations/{org}"))
        assert portfolios.portfolios
        projects = await pmo(projects_stub.ListProjects, projects_api.ListProjectsRequest(
            parent=f"organizations/{org}"))
        for project in projects.projects:
            phases.add(project.phase)
            assert project.portfolio
            milestones = await pmo(projects_stub.ListMilestones, projects_api.ListMilestonesRequest(
                parent=project.name))
            assert milestones.milestones, project.name
            reports = await pmo(projects_stub.ListStatusReports, projects_api.ListStatusReportsRequest(
                parent=project.name))
            assert len(reports.status_reports) == 1, project.name
            rags.add(reports.status_reports[0].health.schedule)
    assert phases >= {projects_pb.PHASE_INITIATION, projects_pb.PHASE_PLANNING, projects_pb.PHASE_EXECUTION}
    assert rags == {projects_pb.RAG_GREEN, projects_pb.RAG_AMBER, projects_pb.RAG_RED}


async def test_the_demo_has_risks_in_several_heat_map_cells_and_an_escalated_issue(
        seeded, authority, risks_stub, governance_stub):
    pm = as_demo(authority, "priya")
    cells = set()
    for project in ("erp", "plant-safety", "customer-portal"):
        risks = await pm(risks_stub.ListRisks, risks_api.ListRisksRequest(
            parent=f"organizations/acme/projects/{project}"))
        cells |= {(r.probability, r.impact) for r in risks.risks}
    assert len(cells) >= 4
    escalations = await pm(governance_stub.ListEscalations, gov_api.ListEscalationsRequest(
        parent="organizations/acme/projects/erp"))
    [escalation] = escalations.escalations
    assert escalation.subject == "organizations/acme/projects/erp/issues/test-environment"
    assert escalation.raised_by == "lee" and escalation.state == gov_pb.ESCALATION_STATE_OPEN
    inbox = await pm(governance_stub.ListTasks, gov_api.ListTasksRequest(parent="organizations/acme", assignee="me"))
    assert escalation.title in [t.title for t in inbox.tasks] or any(
        t.process == escalation.name for t in inbox.tasks)


async def test_the_demo_has_rate_cards_approved_time_and_an_issued_invoice(seeded, authority, billing_stub):
    finance = as_demo(authority, "felix")
    engagement = "organizations/acme/engagements/erp-delivery"
    rates = await finance(billing_stub.ListRates, billing_api.ListRatesRequest(parent="organizations/acme"))
    assert {r.role for r in rates.rates if r.engagement == engagement} == {"project-manager", "engineer"}
    entries = await finance(billing_stub.ListTimeEntries, billing_api.ListTimeEntriesRequest(parent=engagement,
                                                                                             page_size=1000))
    states = {e.approval_state for e in entries.time_entries}
    assert billing_pb.APPROVAL_STATE_APPROVED in states
    assert {e.person for e in entries.time_entries} == {"priya", "lee"}
    invoices = await finance(billing_stub.ListInvoices, billing_api.ListInvoicesRequest(parent=engagement))
    [invoice] = invoices.invoices
    assert invoice.state == billing_pb.INVOICE_STATE_ISSUED and invoice.total.units > 0
    assert all(e.invoice == invoice.name for e in entries.time_entries
               if e.approval_state == billing_pb.APPROVAL_STATE_APPROVED)


async def test_the_change_request_waits_in_the_sponsors_inbox_and_the_gate_in_the_pmo_leads(
        seeded, authority, governance_stub):
    report, _ = seeded
    sam, omar = as_demo(authority, "sam"), as_demo(authority, "omar")
    inbox = await sam(governance_stub.ListTasks, gov_api.ListTasksRequest(parent="organizations/acme",
                                                                          assignee="me"))
    change = next(t for t in inbox.tasks if t.title.endswith(seed.WAITING_CHANGE[3]))
    assert change.kind == gov_pb.TASK_KIND_CHANGE_APPROVAL and change.state == gov_pb.TASK_STATE_OPEN
    assert change.requester == "priya"
    pmo_inbox = await omar(governance_stub.ListTasks, gov_api.ListTasksRequest(parent="organizations/acme",
                                                                               assignee="me"))
    kinds = {t.kind for t in pmo_inbox.tasks}
    assert {gov_pb.TASK_KIND_CHANGE_APPROVAL, gov_pb.TASK_KIND_PHASE_GATE} <= kinds
    gates = await omar(governance_stub.ListPhaseGates, gov_api.ListPhaseGatesRequest(
        parent="organizations/acme/projects/plant-safety", filter="state = PHASE_GATE_STATE_AWAITING_DECISION"))
    assert [g.to_phase for g in gates.phase_gates] == [projects_pb.PHASE_EXECUTION]
    assert any(w.person.subject == "sam" and w.task == change.name for w in report.waiting)
    assert "Samantha Reyes" in report.summary()


async def test_the_requester_of_one_change_request_is_also_a_candidate_approver(seeded, authority, governance_stub):
    report, _ = seeded
    [own] = report.self_requested
    assert own.person.subject == "sam" and own.title.endswith(seed.SELF_REQUESTED_CHANGE[3])
    task = await as_demo(authority, "sam")(governance_stub.GetTask, gov_api.GetTaskRequest(name=own.task))
    assert task.requester == "sam" and "role:sponsor" in task.pending_approvers
    assert "segregation of duties" in report.summary()


async def test_a_second_run_writes_nothing_and_says_so(seeded, targets, authority, database_url):
    before = await _written(database_url)
    lines: list[str] = []
    again = await seed.seed(targets, authority, say=lines.append)
    assert again.tally.created == 0
    assert all("already there" in line for line in lines), lines
    assert again.summary().startswith("demo: nothing new")
    assert await _written(database_url) == before


async def _written(database_url: str) -> dict[str, int]:
    """Audit events per service schema, and governance processes and tasks, of the demo's organizations."""
    conn = await asyncpg.connect(database_url)
    try:
        counts = {schema: await conn.fetchval(f"SELECT count(*) FROM {schema}.audit_events WHERE org_id = ANY($1)",
                                              ORGS) for schema in SCHEMAS}
        for table in ("processes", "tasks"):
            counts[table] = await conn.fetchval(f"SELECT count(*) FROM governance.{table} WHERE org_id = ANY($1)",
                                                ORGS)
        return counts
    finally:
        await conn.close()
