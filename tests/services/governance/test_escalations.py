"""Escalations over the GovernanceService, against the real worker, the Temporal dev server (real time, the
default SLAs of hours, so no clock runs out here: tests/workflows/test_escalation.py covers the timers) and
PostgreSQL: raise, read and list, acknowledge and resolve by the right people only, reassign, notes, paused
clocks, withdrawal, retries, the report, and the escalation matrix in the policy."""

from __future__ import annotations

import dataclasses
import datetime as dt

import grpc
from google.protobuf import duration_pb2, field_mask_pb2
from temporalio.client import Client

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from services.governance import convert, store
from tests.services.governance.processes import until
from tests.support import date, eur, fails, rid
from workflows.approvals import ProcessSync
from workflows.escalation import Breach, EscalationView

HIGH, CRITICAL, LOW = risks_pb.ISSUE_SEVERITY_HIGH, risks_pb.ISSUE_SEVERITY_CRITICAL, risks_pb.ISSUE_SEVERITY_LOW


def an_escalation(**fields) -> pb.Escalation:
    values = {"title": "Vendor API down", "description": "Payments fail since 09:00", "severity": HIGH}
    values.update(fields)
    return pb.Escalation(**values)


async def raise_(stub, caller, project: str, escalation: pb.Escalation | None = None, **kw) -> pb.Escalation:
    kw.setdefault("request_id", rid())
    return await caller(stub.RaiseEscalation, api.RaiseEscalationRequest(
        parent=project, escalation=escalation or an_escalation(), **kw))


async def escalation_in(stub, caller, name: str, check, what: str) -> pb.Escalation:
    return await until(lambda: caller(stub.GetEscalation, api.GetEscalationRequest(name=name)), check, what)


async def refusals(db_conn, org: str) -> list[tuple]:
    rows = await db_conn.fetch("SELECT actor, method, target, reason FROM refused_attempts WHERE org_id = $1 "
                               "ORDER BY seq", org)
    return [tuple(r) for r in rows]


async def test_raised_then_acknowledged_by_the_level_owner_and_resolved_by_someone_above(
        governance_stub, worker, as_role, org, project, db_conn):
    mia = as_role("member", "mia")
    raised = await raise_(governance_stub, mia, project, an_escalation(
        subject=f"{project}/issues/vendor-outage"))
    assert raised.name.startswith(f"{project}/escalations/")
    assert (raised.state, raised.source, raised.raised_by, raised.severity) == (
        pb.ESCALATION_STATE_OPEN, pb.ESCALATION_SOURCE_MANUAL, "mia", HIGH)
    assert (raised.level, raised.level_name, raised.levels) == (1, "L1 project manager", 3)
    assert list(raised.owners) == ["role:admin", "role:pm", "role:pmo", "role:sponsor"]
    assert raised.subject == f"{project}/issues/vendor-outage" and raised.policy_version == 0
    viewer = as_role("viewer")
    opened = await escalation_in(governance_stub, viewer, raised.name, lambda e: e.HasField("acknowledge_due_time"),
                                 "the acknowledge task's due time")
    assert opened.HasField("resolve_due_time") and len(opened.tasks) == 1

    acknowledged = await as_role("pm", "pete")(governance_stub.AcknowledgeEscalation, api.AcknowledgeEscalationRequest(
        name=raised.name, comment="on it", request_id=rid()))
    assert (acknowledged.state, acknowledged.acknowledged_by) == (pb.ESCALATION_STATE_ACKNOWLEDGED, "pete")
    assert not acknowledged.HasField("acknowledge_due_time")

    resolved = await as_role("pmo", "olga")(governance_stub.ResolveEscalation, api.ResolveEscalationRequest(
        name=raised.name, resolution="vendor restored the API; monitoring added", request_id=rid()))
    assert (resolved.state, resolved.resolved_by, resolved.resolution) == (
        pb.ESCALATION_STATE_RESOLVED, "olga", "vendor restored the API; monitoring added")
    assert resolved.HasField("close_time") and not resolved.breaches and len(resolved.tasks) == 2
    tasks = [await viewer(governance_stub.GetTask, api.GetTaskRequest(name=t)) for t in resolved.tasks]
    assert [(t.kind, t.outcome, t.decisions[0].voter) for t in tasks] == [
        (pb.TASK_KIND_ESCALATION, "ACKNOWLEDGE", "pete"), (pb.TASK_KIND_ESCALATION, "RESOLVE", "olga")]
    assert await db_conn.fetchval("SELECT action FROM audit_events WHERE org_id = $1 AND resource = $2 ORDER BY seq "
                                  "LIMIT 1", org, raised.name) == "RaiseEscalation"


async def test_the_escalations_task_is_in_the_inbox_of_the_levels_owners_only(governance_stub, worker, as_role, org,
                                                                            project):
    raised = await raise_(governance_stub, as_role("member", "mia"), project)
    pm = as_role("pm", "pete")
    inbox = await until(lambda: pm(governance_stub.ListTasks, api.ListTasksRequest(
        parent=f"organizations/{org}", assignee="me", filter="kind = TASK_KIND_ESCALATION")),
        lambda r: r.tasks, "the escalation's task in the pm's inbox")
    assert [(t.process, t.choices) for t in inbox.tasks] == [(raised.name, ["ACKNOWLEDGE", "RESOLVE"])]
    members = await as_role("member", "mia")(governance_stub.ListTasks, api.ListTasksRequest(
        parent=f"organizations/{org}", assignee="me"))
    assert not members.tasks


async def test_only_owners_act_and_a_resolution_is_required(governance_stub, worker, as_role, org, project, db_conn):
    raised = await raise_(governance_stub, as_role("pm", "pete"), project)
    member = await fails(as_role("member", "mia")(governance_stub.AcknowledgeEscalation,
                                                  api.AcknowledgeEscalationRequest(name=raised.name)))
    assert (member.code, member.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_A_CANDIDATE")
    assert await refusals(db_conn, org) == [("mia", "AcknowledgeEscalation", raised.name, "NOT_A_CANDIDATE")]
    viewer = await fails(as_role("viewer")(governance_stub.AcknowledgeEscalation,
                                           api.AcknowledgeEscalationRequest(name=raised.name)))
    assert (viewer.code, viewer.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    no_resolution = await fails(as_role("pmo", "olga")(governance_stub.ResolveEscalation,
                                                       api.ResolveEscalationRequest(name=raised.name)))
    assert (no_resolution.code, set(no_resolution.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {"resolution"})
    # The raiser may own a level too: a pm who raised it resolves it at once, on the acknowledge task.
    done = await as_role("pm", "pete")(governance_stub.ResolveEscalation, api.ResolveEscalationRequest(
        name=raised.name, resolution="false alarm: test system"))
    assert (done.state, done.resolved_by, len(done.tasks)) == (pb.ESCALATION_STATE_RESOLVED, "pete", 1)
    late = await fails(as_role("pmo", "olga")(governance_stub.AcknowledgeEscalation,
                                              api.AcknowledgeEscalationRequest(name=raised.name)))
    assert late.code == grpc.StatusCode.FAILED_PRECONDITION and late.reason in ("TASK_CLOSED", "PROCESS_CLOSED")


async def test_a_retried_raise_returns_the_same_escalation_and_starts_one_process(governance_stub, worker, as_role,
                                                                                  org, project, temporal_env,
                                                                                  db_conn):
    mia = as_role("member", "mia")
    request = api.RaiseEscalationRequest(parent=project, escalation=an_escalation(), request_id=rid())
    first = await mia(governance_stub.RaiseEscalation, request)
    again = await mia(governance_stub.RaiseEscalation, request)
    assert again.name == first.name and again.workflow_id == first.workflow_id
    client: Client = temporal_env.client
    assert len([w async for w in client.list_workflows(f'WorkflowId = "{first.workflow_id}"')]) == 1
    assert await db_conn.fetchval("SELECT count(*) FROM processes WHERE org_id = $1", org) == 1
    other = await fails(mia(governance_stub.RaiseEscalation, api.RaiseEscalationRequest(
        parent=project, escalation=an_escalation(title="Another"), request_id=request.request_id)))
    assert (other.code, other.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")

    pete = as_role("pm", "pete")
    ack = api.AcknowledgeEscalationRequest(name=first.name, comment="on it", request_id=rid())
    acknowledged = await pete(governance_stub.AcknowledgeEscalation, ack)
    retried = await pete(governance_stub.AcknowledgeEscalation, ack)
    assert retried.state == acknowledged.state == pb.ESCALATION_STATE_ACKNOWLEDGED
    first_task = await pete(governance_stub.GetTask, api.GetTaskRequest(name=acknowledged.tasks[0]))
    assert [d.voter for d in first_task.decisions] == ["pete"]
    assert not await refusals(db_conn, org)


async def test_notes_paused_clocks_and_withdrawal(governance_stub, worker, as_role, org, project, db_conn):
    mia, pete, olga = as_role("member", "mia"), as_role("pm", "pete"), as_role("pmo", "olga")
    raised = await raise_(governance_stub, mia, project)
    await escalation_in(governance_stub, mia, raised.name, lambda e: e.tasks, "the first task")
    noted = await mia(governance_stub.AddEscalationNote, api.AddEscalationNoteRequest(
        name=raised.name, text="the vendor's status page says investigating", request_id=rid()))
    assert [(n.author, n.text) for n in noted.notes] == [("mia", "the vendor's status page says investigating")]
    not_owner = await fails(mia(governance_stub.PauseEscalation, api.PauseEscalationRequest(
        name=raised.name, reason="waiting")))
    assert (not_owner.code, not_owner.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_A_CANDIDATE")
    no_reason = await fails(pete(governance_stub.PauseEscalation, api.PauseEscalationRequest(name=raised.name)))
    assert set(no_reason.fields) == {"reason"}
    paused = await pete(governance_stub.PauseEscalation, api.PauseEscalationRequest(
        name=raised.name, reason="waiting on the client's vendor", request_id=rid()))
    assert paused.paused and not paused.HasField("resolve_due_time") and not paused.HasField("acknowledge_due_time")
    task = await pete(governance_stub.GetTask, api.GetTaskRequest(name=paused.tasks[-1]))
    assert task.sla_state == pb.SLA_STATE_PAUSED
    resumed = await pete(governance_stub.ResumeEscalation, api.ResumeEscalationRequest(name=raised.name))
    assert not resumed.paused and resumed.HasField("resolve_due_time")

    by_pm = await fails(pete(governance_stub.WithdrawEscalation, api.WithdrawEscalationRequest(
        name=raised.name, reason="dup")))
    assert (by_pm.code, by_pm.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    withdrawn = await olga(governance_stub.WithdrawEscalation, api.WithdrawEscalationRequest(
        name=raised.name, reason="duplicate of the vendor's ticket", request_id=rid()))
    assert (withdrawn.state, withdrawn.resolution, withdrawn.resolved_by) == (
        pb.ESCALATION_STATE_WITHDRAWN, "duplicate of the vendor's ticket", "olga")
    await until(lambda: mia(governance_stub.GetTask, api.GetTaskRequest(name=withdrawn.tasks[-1])),
                lambda t: t.state == pb.TASK_STATE_CANCELLED, "the open task cancelled")
    after = await fails(mia(governance_stub.AddEscalationNote, api.AddEscalationNoteRequest(
        name=raised.name, text="one more thing")))
    assert after.code == grpc.StatusCode.FAILED_PRECONDITION
    assert [r[1:] for r in await refusals(db_conn, org)][0] == ("PauseEscalation", raised.name, "NOT_A_CANDIDATE")


async def test_a_pmo_reassigns_the_open_task(governance_stub, worker, as_role, org, project):
    raised = await raise_(governance_stub, as_role("member", "mia"), project)
    denied = await fails(as_role("pm", "pete")(governance_stub.ReassignEscalation, api.ReassignEscalationRequest(
        name=raised.name, assignee="sam")))
    assert (denied.code, denied.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    reassigned = await as_role("pmo", "olga")(governance_stub.ReassignEscalation, api.ReassignEscalationRequest(
        name=raised.name, assignee="sam", reason="sam runs the vendor relationship", request_id=rid()))
    sam = as_role("member", "sam")
    task = await sam(governance_stub.GetTask, api.GetTaskRequest(name=reassigned.tasks[-1]))
    assert (task.assignee, list(task.pending_approvers)) == ("sam", ["sam"])
    acknowledged = await sam(governance_stub.AcknowledgeEscalation, api.AcknowledgeEscalationRequest(
        name=raised.name))
    assert acknowledged.acknowledged_by == "sam"


async def test_list_filters_pages_newest_first(governance_stub, worker, as_role, org, project, projects_stub):
    hermes = (await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="hermes", project=projects_pb.Project(
            code="HRM-1", display_name="Hermes", methodology=projects_pb.METHODOLOGY_AGILE, budget=eur(50_000),
            planned_start_date=date(2027, 1, 1), planned_end_date=date(2027, 3, 31))))).name
    mia = as_role("member", "mia")
    high = await raise_(governance_stub, mia, project)
    critical = await raise_(governance_stub, as_role("pm", "pete"), project, an_escalation(
        severity=CRITICAL, subject=f"organizations/{org}/tasks/abc123"))
    low = await raise_(governance_stub, mia, hermes, an_escalation(severity=LOW))
    viewer = as_role("viewer")

    async def names(parent: str = f"organizations/{org}", **kw) -> list[str]:
        found, token = [], ""
        while True:
            page = await viewer(governance_stub.ListEscalations, api.ListEscalationsRequest(
                parent=parent, page_size=2, page_token=token, **kw))
            found += [e.name for e in page.escalations]
            token = page.next_page_token
            if not token:
                return found

    assert await names() == [low.name, critical.name, high.name]
    assert await names(project) == [critical.name, high.name]
    assert await names(filter="severity = ISSUE_SEVERITY_CRITICAL") == [critical.name]
    assert await names(filter='raised_by = "mia" AND project = "hermes"') == [low.name]
    assert await names(filter="source = ESCALATION_SOURCE_MANUAL AND level = 1 AND state = ESCALATION_STATE_OPEN") \
        == [low.name, critical.name, high.name]
    assert await names(filter="level >= 2") == []
    # LOW has no path of its own in the defaults: it takes HIGH's.
    assert low.level_name == "L1 project manager"
    assert critical.subject == f"organizations/{org}/tasks/abc123"
    bad = await fails(viewer(governance_stub.ListEscalations, api.ListEscalationsRequest(
        parent=f"organizations/{org}", filter="severity = HIGH")))
    assert "filter" in bad.fields
    token = (await viewer(governance_stub.ListEscalations, api.ListEscalationsRequest(
        parent=f"organizations/{org}", page_size=1))).next_page_token
    other_query = await fails(viewer(governance_stub.ListEscalations, api.ListEscalationsRequest(
        parent=project, page_size=1, page_token=token)))
    assert "page_token" in other_query.fields


async def test_raise_is_validated_field_by_field(governance_stub, as_role, org, project):
    mia = as_role("member", "mia")
    nothing = await fails(raise_(governance_stub, mia, project, pb.Escalation(
        description="x" * 4001, state=pb.ESCALATION_STATE_RESOLVED)))
    assert set(nothing.fields) == {"escalation.title", "escalation.description", "escalation.severity", "escalation"}
    elsewhere = await fails(raise_(governance_stub, mia, project, an_escalation(
        subject="organizations/elsewhere/projects/apollo/issues/i1")))
    assert set(elsewhere.fields) == {"escalation.subject"}
    other_task = await fails(raise_(governance_stub, mia, project, an_escalation(
        subject="organizations/elsewhere/tasks/abc123")))
    assert set(other_task.fields) == {"escalation.subject"}
    not_a_subject = await fails(raise_(governance_stub, mia, project, an_escalation(
        subject=f"{project}/risks/r1")))
    assert set(not_a_subject.fields) == {"escalation.subject"}
    bad_parent = await fails(mia(governance_stub.RaiseEscalation, api.RaiseEscalationRequest(
        parent=f"organizations/{org}", escalation=an_escalation())))
    assert set(bad_parent.fields) == {"parent"}
    missing = await fails(raise_(governance_stub, mia, f"organizations/{org}/projects/nope"))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    bad_id = await fails(raise_(governance_stub, mia, project, request_id="again"))
    assert set(bad_id.fields) == {"request_id"}
    not_found = await fails(mia(governance_stub.GetEscalation, api.GetEscalationRequest(
        name=f"{project}/escalations/abc")))
    assert not_found.code == grpc.StatusCode.NOT_FOUND
    bad_name = await fails(mia(governance_stub.AddEscalationNote, api.AddEscalationNoteRequest(
        name=f"{project}/escalation/abc", text="x")))
    assert set(bad_name.fields) == {"name"}
    no_text = await fails(mia(governance_stub.AddEscalationNote, api.AddEscalationNoteRequest(
        name=f"{project}/escalations/abc")))
    assert set(no_text.fields) == {"text"}
    no_assignee = await fails(as_role("pmo")(governance_stub.ReassignEscalation, api.ReassignEscalationRequest(
        name=f"{project}/escalations/abc")))
    assert set(no_assignee.fields) == {"assignee"}


async def test_another_organization_neither_reads_nor_acts(governance_stub, worker, as_role, org, project):
    raised = await raise_(governance_stub, as_role("member", "mia"), project)
    stranger = as_role("admin", "mallory", org_id="other-org")
    for method, request in ((governance_stub.GetEscalation, api.GetEscalationRequest(name=raised.name)),
                            (governance_stub.ResolveEscalation, api.ResolveEscalationRequest(
                                name=raised.name, resolution="mine now")),
                            (governance_stub.ListEscalations, api.ListEscalationsRequest(parent=project))):
        denied = await fails(stranger(method, request))
        assert denied.code == grpc.StatusCode.PERMISSION_DENIED
    anonymous = await fails(governance_stub.GetEscalation(api.GetEscalationRequest(name=raised.name), timeout=10))
    assert anonymous.code == grpc.StatusCode.UNAUTHENTICATED


# --- the report, over read-model rows as the workflows publish them --------------------------------


def an_escalation_row(org: str, esc_id: str, *, project: str = "apollo", level: int = 1, state: str = "OPEN",
                      age: dt.timedelta = dt.timedelta(hours=1), breaches: int = 0,
                      now: dt.datetime) -> ProcessSync:
    name = f"organizations/{org}/projects/{project}/escalations/{esc_id}"
    created = now - age
    view = EscalationView(
        name=name, org=org, project=project, id=esc_id, severity="HIGH", title="t", description="", source="ISSUE",
        subject="", raised_by="mia", state=state, level=level, level_name=f"L{level}", levels=3, owners=[],
        policy_version=0, workflow_id=f"escalation/{org}/{esc_id}", create_time=created, update_time=now,
        breaches=[Breach(level=i + 1, clock="ACKNOWLEDGE", time=created) for i in range(breaches)])
    return ProcessSync(kind="escalation", org=org, project=project, id=esc_id, name=name, workflow_id=view.workflow_id,
                       state=state, requester="mia", policy_version=0, version=1, view=dataclasses.asdict(view))


async def test_the_report_counts_open_escalations_by_level_and_age_and_breach_rates(governance_stub, as_role, org,
                                                                                   db_conn):
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    rows = [
        an_escalation_row(org, "e1", level=1, age=dt.timedelta(hours=2), now=now),
        an_escalation_row(org, "e2", level=1, age=2 * day, breaches=1, now=now),
        an_escalation_row(org, "e3", level=2, age=5 * day, breaches=2, now=now),
        an_escalation_row(org, "e4", level=3, age=10 * day, breaches=3, project="hermes", now=now),
        an_escalation_row(org, "e5", level=1, age=4 * day, state="RESOLVED", project="hermes", now=now),
        an_escalation_row(org, "e6", level=2, age=40 * day, breaches=1, state="RESOLVED", now=now),
        an_escalation_row(f"{org}-other", "e7", now=now),
    ]
    for sync in rows:
        await store.upsert_process(db_conn, sync, convert.process_message(sync.kind, sync.view, sync.version))
    viewer = as_role("viewer")
    report = await viewer(governance_stub.GetEscalationReport, api.GetEscalationReportRequest(
        parent=f"organizations/{org}"))
    assert [(o.level, o.total, o.under_one_day, o.one_to_three_days, o.three_to_seven_days, o.over_seven_days)
            for o in report.open_by_level] == [(1, 2, 1, 1, 0, 0), (2, 1, 0, 0, 1, 0), (3, 1, 0, 0, 0, 1)]
    assert (report.breach_rate.raised, report.breach_rate.breached, report.breach_rate.breach_rate) == (6, 4, "0.6667")
    assert [(p.project, p.raised, p.breached, p.breach_rate) for p in report.projects] == [
        (f"organizations/{org}/projects/apollo", 4, 3, "0.7500"),
        (f"organizations/{org}/projects/hermes", 2, 1, "0.5000")]

    today = now.date()
    last_week = await viewer(governance_stub.GetEscalationReport, api.GetEscalationReportRequest(
        parent=f"organizations/{org}", start_date=date(*(today - 7 * day).timetuple()[:3]),
        end_date=date(*today.timetuple()[:3])))
    assert (last_week.breach_rate.raised, last_week.breach_rate.breached) == (4, 2)  # e1, e2, e3, e5
    assert len(last_week.open_by_level) == 3  # open ones, whatever the period
    nothing = await viewer(governance_stub.GetEscalationReport, api.GetEscalationReportRequest(
        parent=f"organizations/{org}", start_date=date(2020, 1, 1), end_date=date(2020, 1, 31)))
    assert (nothing.breach_rate.raised, nothing.breach_rate.breach_rate, list(nothing.projects)) == (0, "", [])
    backwards = await fails(viewer(governance_stub.GetEscalationReport, api.GetEscalationReportRequest(
        parent=f"organizations/{org}", start_date=date(2027, 2, 1), end_date=date(2027, 1, 1))))
    assert set(backwards.fields) == {"end_date"}
    invalid = await fails(viewer(governance_stub.GetEscalationReport, api.GetEscalationReportRequest(
        parent=f"organizations/{org}", start_date=date(2027, 2, 30))))
    assert set(invalid.fields) == {"start_date"}


# --- the escalation matrix in the policy ---------------------------------------------------------


def _policy_name(org: str) -> str:
    return f"organizations/{org}/governancePolicy"


def _hours(n: float) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=int(n * 3600))


async def test_the_escalation_matrix_round_trips_and_new_escalations_follow_it(governance_stub, worker, as_role, org,
                                                                              project):
    pmo = as_role("pmo", "olga")
    defaults = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_policy_name(org)))
    assert [p.severity for p in defaults.escalation_paths] == [HIGH, CRITICAL]
    assert defaults.sla_warning_percent == 75
    assert defaults.escalation_paths[0].levels[0].acknowledge_duration.seconds == 4 * 3600
    matrix = [pb.EscalationPath(severity=CRITICAL, levels=[
        pb.EscalationLevel(name="L1 PMO on call", owners=pb.Candidates(roles=["pmo"], people=["olga"]),
                           acknowledge_duration=_hours(0.5), resolve_duration=_hours(4)),
        pb.EscalationLevel(name="L2 sponsor", owners=pb.Candidates(roles=["sponsor"]),
                           acknowledge_duration=_hours(1), resolve_duration=_hours(8))])]
    updated = await pmo(governance_stub.UpdateGovernancePolicy, api.UpdateGovernancePolicyRequest(
        governance_policy=pb.GovernancePolicy(name=_policy_name(org), escalation_paths=matrix, sla_warning_percent=80),
        update_mask=field_mask_pb2.FieldMask(paths=["escalation_paths", "sla_warning_percent"]), request_id=rid()))
    assert list(updated.escalation_paths) == matrix and updated.sla_warning_percent == 80 and updated.version == 1
    read = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_policy_name(org)))
    assert read == updated
    raised = await raise_(governance_stub, as_role("member", "mia"), project, an_escalation(severity=HIGH))
    assert (raised.level_name, raised.levels, raised.policy_version) == ("L1 PMO on call", 2, 1)
    assert list(raised.owners) == ["olga", "role:pmo", "role:sponsor"]


async def test_an_unusable_escalation_matrix_is_refused_field_by_field(governance_stub, as_role, org):
    pmo = as_role("pmo")
    matrix = [
        pb.EscalationPath(severity=HIGH, levels=[
            pb.EscalationLevel(name="", owners=pb.Candidates(roles=["wizard"]),
                               acknowledge_duration=_hours(0), resolve_duration=duration_pb2.Duration(seconds=-5))]),
        pb.EscalationPath(severity=risks_pb.ISSUE_SEVERITY_UNSPECIFIED),
        pb.EscalationPath(severity=HIGH, levels=[pb.EscalationLevel(
            name="L1", owners=pb.Candidates(), acknowledge_duration=_hours(1), resolve_duration=_hours(2))]),
    ]
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, api.UpdateGovernancePolicyRequest(
        governance_policy=pb.GovernancePolicy(name=_policy_name(org), escalation_paths=matrix,
                                              sla_warning_percent=100),
        update_mask=field_mask_pb2.FieldMask(paths=["escalation_paths", "sla_warning_percent"]))))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT
    assert set(bad.fields) == {"governance_policy.escalation_paths[0].levels[0].name",
                               "governance_policy.escalation_paths[0].levels[0].resolve_duration"}
    levels = "governance_policy.escalation_paths[{}].levels[0]"
    matrix[0].levels[0].name = "L1"
    matrix[0].levels[0].resolve_duration.seconds = 3600
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, api.UpdateGovernancePolicyRequest(
        governance_policy=pb.GovernancePolicy(name=_policy_name(org), escalation_paths=matrix,
                                              sla_warning_percent=100),
        update_mask=field_mask_pb2.FieldMask(paths=["escalation_paths", "sla_warning_percent"]))))
    assert set(bad.fields) == {f"{levels.format(0)}.owners.roles[0]", f"{levels.format(0)}.acknowledge_duration",
                               "governance_policy.escalation_paths[1].severity",
                               "governance_policy.escalation_paths[1].levels", f"{levels.format(2)}.owners",
                               "governance_policy.escalation_paths", "governance_policy.sla_warning_percent"}
    unchanged = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=_policy_name(org)))
    assert unchanged.version == 0
