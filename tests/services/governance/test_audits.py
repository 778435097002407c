"""Quality audits over the GovernanceService, against the real worker, the Temporal dev server (real time:
tests/workflows/test_quality_audit.py covers the timers) and PostgreSQL: start, record the fieldwork, the
score where phase gates read it, corrective actions closed by their owner, the re-audit, schedules that
fire, bad input per field, other organizations and wrong roles refused, retries that change nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import grpc
import pytest
from google.protobuf import timestamp_pb2

from pmaas.governance.v1 import audits_pb2 as audits_pb
from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from services.governance.audits import schedule_id
from tests.services.governance.processes import until
from tests.support import fails, rid

MAJOR, MINOR = audits_pb.FINDING_SEVERITY_MAJOR, audits_pb.FINDING_SEVERITY_MINOR
OPEN, ACTIONS_OPEN, CLOSED = (audits_pb.QUALITY_AUDIT_STATE_OPEN, audits_pb.QUALITY_AUDIT_STATE_ACTIONS_OPEN,
                              audits_pb.QUALITY_AUDIT_STATE_CLOSED)
# The default checklist (workflows/policy.py default_checklists): id -> evidence required.
DEFAULT_ITEMS = {"plan-baselined": True, "status-reports": True, "risk-register": True, "change-control": False,
                 "lessons-learned": False}


@pytest.fixture
async def audited(projects_stub, as_role, org) -> str:
    """A project of `org` managed by pete (who therefore may not audit it); returns its name."""
    created = await as_role("pmo")(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="atlas", request_id=rid(), project=projects_pb.Project(
            code="ATL-1", display_name="Atlas", methodology=projects_pb.METHODOLOGY_AGILE, project_manager="pete")))
    return created.name


def all_passed(but: tuple[str, ...] = ()) -> list[audits_pb.ItemResult]:
    return [audits_pb.ItemResult(item_id=item, passed=item not in but, evidence="seen" if needs else "")
            for item, needs in DEFAULT_ITEMS.items()]


async def start(stub, caller, project: str, auditor: str = "", **kw) -> audits_pb.QualityAudit:
    kw.setdefault("request_id", rid())
    return await caller(stub.StartAudit, audits_pb.StartAuditRequest(
        parent=project, quality_audit=audits_pb.QualityAudit(auditor=auditor), **kw))


async def record(stub, caller, name: str, **kw) -> audits_pb.QualityAudit:
    kw.setdefault("request_id", rid())
    return await caller(stub.RecordAuditResult, audits_pb.RecordAuditResultRequest(name=name, **kw))


async def audit_in(stub, caller, name: str, check, what: str) -> audits_pb.QualityAudit:
    return await until(lambda: caller(stub.GetAudit, audits_pb.GetAuditRequest(name=name)), check, what)


async def test_an_auditor_records_the_fieldwork_and_the_score_is_what_the_gate_reads(
        governance_stub, worker, as_role, org, audited, db_conn):
    ann = as_role("auditor", "ann")
    audit = await start(governance_stub, ann, audited)
    assert audit.name.startswith(f"{audited}/qualityAudits/")
    assert (audit.state, audit.trigger, audit.requested_by) == (OPEN, audits_pb.AUDIT_TRIGGER_AD_HOC, "ann")
    opened = await audit_in(governance_stub, ann, audit.name, lambda a: a.tasks and a.checklist, "the fieldwork task")
    assert [i.id for i in opened.checklist] == list(DEFAULT_ITEMS)
    assert opened.methodology == projects_pb.METHODOLOGY_AGILE and opened.pass_threshold == "0.80"
    inbox = await until(lambda: ann(governance_stub.ListTasks, api.ListTasksRequest(
        parent=f"organizations/{org}", assignee="me")), lambda r: r.tasks, "the task in the auditor's inbox")
    assert [(t.kind, t.process, list(t.pending_approvers)) for t in inbox.tasks] == [
        (pb.TASK_KIND_AUDIT, audit.name, ["role:auditor"])]

    partial = await record(governance_stub, ann, audit.name, results=all_passed()[:3])
    assert partial.state == OPEN and len(partial.results) == 3 and partial.score == ""
    done = await record(governance_stub, ann, audit.name, results=all_passed(but=("lessons-learned",))[3:],
                        complete=True, comment="well run")
    assert (done.state, done.score, done.passed) == (CLOSED, "0.9000", True)  # 9 of 10 weight points
    assert done.HasField("complete_time") and done.HasField("close_time") and not done.findings
    late = await fails(record(governance_stub, ann, audit.name, results=all_passed()[:1]))
    assert (late.code, late.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "FIELDWORK_COMPLETE")
    listed = await as_role("pm", "pete")(governance_stub.ListAudits, audits_pb.ListAuditsRequest(
        parent=audited, filter="state = QUALITY_AUDIT_STATE_CLOSED"))
    assert [a.name for a in listed.quality_audits] == [audit.name]

    # The phase gate's quality criterion reads the latest closed audit's score.
    gate = await as_role("pm", "pete")(governance_stub.RequestPhaseGate, api.RequestPhaseGateRequest(
        parent=audited, phase_gate=pb.PhaseGate(), request_id=rid()))
    evaluated = await until(lambda: ann(governance_stub.GetPhaseGate, api.GetPhaseGateRequest(name=gate.name)),
                            lambda g: g.criteria, "the gate's criteria")
    quality = next(c for c in evaluated.criteria if c.criterion == "quality_audit_score")
    assert quality.passed and quality.evidence == "latest audit score 0.9000 reaches 0.80"
    assert quality.evidence_values["audit"] == audit.name


async def test_a_major_finding_is_corrected_by_its_owner_checked_and_followed_by_a_re_audit(
        governance_stub, worker, as_role, org, audited):
    ann, pete = as_role("auditor", "ann"), as_role("pm", "pete")
    audit = await start(governance_stub, as_role("pmo", "olga"), audited, auditor="ann")
    await audit_in(governance_stub, ann, audit.name, lambda a: a.tasks, "the fieldwork task")
    finding = audits_pb.Finding(id="f1", severity=MAJOR, description="Risks have no owners",
                                evidence="register export", item_id="risk-register")
    await record(governance_stub, ann, audit.name, results=all_passed(but=("risk-register",)), findings=[finding],
                 complete=True)
    scored = await audit_in(governance_stub, ann, audit.name,
                            lambda a: a.state == ACTIONS_OPEN and a.corrective_actions, "the corrective action")
    assert (scored.score, scored.passed) == ("0.8000", True)  # 8 of 10 weight points
    action = scored.corrective_actions[0]
    assert (action.owner, action.state, scored.findings[0].corrective_action) == (
        "pete", audits_pb.CORRECTIVE_ACTION_STATE_OPEN, action.name)
    inbox = await until(lambda: pete(governance_stub.ListTasks, api.ListTasksRequest(
        parent=f"organizations/{org}", assignee="me")), lambda r: r.tasks, "the action in the owner's inbox")
    assert [t.kind for t in inbox.tasks] == [pb.TASK_KIND_CORRECTIVE_ACTION]

    close = audits_pb.CloseCorrectiveActionRequest(name=action.name, note="owners assigned")
    not_owner = await fails(as_role("member", "mia")(governance_stub.CloseCorrectiveAction, close))
    assert (not_owner.code, not_owner.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_A_CANDIDATE")
    no_note = await fails(pete(governance_stub.CloseCorrectiveAction,
                               audits_pb.CloseCorrectiveActionRequest(name=action.name)))
    assert no_note.code == grpc.StatusCode.INVALID_ARGUMENT and "note" in no_note.fields
    closed = await pete(governance_stub.CloseCorrectiveAction, close)
    assert (closed.state, closed.completion_note) == (audits_pb.CORRECTIVE_ACTION_STATE_AWAITING_VERIFICATION,
                                                      "owners assigned")
    again = await fails(pete(governance_stub.CloseCorrectiveAction, audits_pb.CloseCorrectiveActionRequest(
        name=action.name, note="again", request_id=rid())))
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ACTION_AWAITING_VERIFICATION")

    check = await until(lambda: ann(governance_stub.ListTasks, api.ListTasksRequest(
        parent=f"organizations/{org}", assignee="me")), lambda r: r.tasks, "the effectiveness check")
    assert [t.kind for t in check.tasks] == [pb.TASK_KIND_EFFECTIVENESS_CHECK]
    await ann(governance_stub.DecideTask, api.DecideTaskRequest(name=check.tasks[0].name, choice="EFFECTIVE",
                                                                 request_id=rid()))
    ended = await audit_in(governance_stub, ann, audit.name, lambda a: a.state == CLOSED, "the audit to close")
    assert ended.re_audit and ended.corrective_actions[0].state == audits_pb.CORRECTIVE_ACTION_STATE_CLOSED
    # The re-audit is in the read model once it has read the project and opened (its first publication).
    listed = await until(lambda: ann(governance_stub.ListAudits, audits_pb.ListAuditsRequest(
        parent=audited, filter="trigger = AUDIT_TRIGGER_RE_AUDIT")), lambda r: r.quality_audits, "the re-audit")
    follow_up = listed.quality_audits[0]
    assert (follow_up.name, follow_up.re_audit_of, follow_up.auditor, follow_up.state) == (
        ended.re_audit, audit.name, "ann", OPEN)


async def test_bad_input_is_refused_per_field(governance_stub, worker, as_role, org, audited):
    ann = as_role("auditor", "ann")
    bad_parent = await fails(start(governance_stub, ann, "organizations/x/portfolios/y"))
    assert bad_parent.code == grpc.StatusCode.INVALID_ARGUMENT and "parent" in bad_parent.fields
    own_project = await fails(start(governance_stub, as_role("pmo"), audited, auditor="pete"))
    assert "quality_audit.auditor" in own_project.fields
    output_only = await fails(ann(governance_stub.StartAudit, audits_pb.StartAuditRequest(
        parent=audited, quality_audit=audits_pb.QualityAudit(score="1.0"), request_id=rid())))
    assert "quality_audit" in output_only.fields

    audit = await start(governance_stub, ann, audited)
    await audit_in(governance_stub, ann, audit.name, lambda a: a.tasks, "the fieldwork task")
    malformed = await fails(record(governance_stub, ann, audit.name, results=[audits_pb.ItemResult()],
                                   findings=[audits_pb.Finding(id="f1")]))
    assert malformed.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {"results[0].item_id", "findings[0].severity", "findings[0].description"} <= set(malformed.fields)
    off_checklist = await fails(record(governance_stub, ann, audit.name, results=[
        audits_pb.ItemResult(item_id="coffee", passed=True), audits_pb.ItemResult(item_id="plan-baselined")]))
    assert (off_checklist.code, off_checklist.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert set(off_checklist.fields) == {"results[0].item_id", "results[1].evidence"}
    incomplete = await fails(record(governance_stub, ann, audit.name, complete=True))
    assert "results" in incomplete.fields

    schedule = audits_pb.ScheduleAuditsRequest(parent=audited, enabled=True, audit_cron="daily",
                                               backfill_start_time=timestamp_pb2.Timestamp(seconds=1))
    bad = await fails(ann(governance_stub.ScheduleAudits, schedule))
    assert {"audit_cron", "backfill_end_time"} <= set(bad.fields)
    both = await fails(ann(governance_stub.ScheduleAudits, audits_pb.ScheduleAuditsRequest(
        parent=audited, enabled=True, audit_cron="0 9 * * 1", audit_interval_days=7)))
    assert set(both.fields) == {"audit_interval_days"}


async def test_other_organizations_and_wrong_roles_are_refused(governance_stub, worker, as_role, org, audited):
    audit = await start(governance_stub, as_role("auditor", "ann"), audited)
    stranger = as_role("auditor,pmo,admin", "eve", org_id="org-" + uuid.uuid4().hex[:12])
    for call in (stranger(governance_stub.GetAudit, audits_pb.GetAuditRequest(name=audit.name)),
                 start(governance_stub, stranger, audited),
                 record(governance_stub, stranger, audit.name, complete=True),
                 stranger(governance_stub.ScheduleAudits, audits_pb.ScheduleAuditsRequest(parent=audited))):
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED
    for role in ("pm", "member", "viewer", "finance"):
        denied = await fails(start(governance_stub, as_role(role), audited))
        assert (denied.code, denied.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    read = await as_role("pm")(governance_stub.GetAudit, audits_pb.GetAuditRequest(name=audit.name))
    assert read.name == audit.name
    viewer = await fails(record(governance_stub, as_role("viewer"), audit.name, complete=True))
    assert viewer.code == grpc.StatusCode.PERMISSION_DENIED


async def test_a_retry_with_the_same_request_id_changes_nothing(governance_stub, worker, as_role, org, audited,
                                                                db_conn):
    ann = as_role("auditor", "ann")
    request_id = rid()
    first = await start(governance_stub, ann, audited, request_id=request_id)
    retried = await start(governance_stub, ann, audited, request_id=request_id)
    assert retried.name == first.name
    assert await db_conn.fetchval("SELECT count(*) FROM processes WHERE org_id = $1 AND kind = 'quality_audit'",
                                  org) == 1
    await audit_in(governance_stub, ann, first.name, lambda a: a.tasks, "the fieldwork task")
    again = rid()
    await record(governance_stub, ann, first.name, results=all_passed()[:1], request_id=again)
    await record(governance_stub, ann, first.name, results=all_passed()[:1], request_id=again)
    assert await db_conn.fetchval(
        "SELECT count(*) FROM audit_events WHERE org_id = $1 AND resource = $2 AND action = "
        "'QualityAuditResultRecorded'", org, first.name) == 1


async def test_a_schedule_fires_pauses_backfills_and_is_deleted(governance_stub, worker, as_role, org, audited,
                                                                temporal_env):
    pmo = as_role("pmo", "olga")
    update = api.UpdateGovernancePolicyRequest(governance_policy=pb.GovernancePolicy(
        name=f"organizations/{org}/governancePolicy", calendar=pb.BusinessCalendar(time_zone="Europe/Berlin")),
        request_id=rid())
    update.update_mask.paths.append("calendar")
    await pmo(governance_stub.UpdateGovernancePolicy, update)
    created = await pmo(governance_stub.ScheduleAudits, audits_pb.ScheduleAuditsRequest(
        parent=audited, enabled=True, request_id=rid()))
    assert (created.audit_cron, created.time_zone, created.enabled) == ("0 9 1 * *", "Europe/Berlin", True)
    assert created.schedule_id == schedule_id(org, "atlas") and len(created.next_run_times) == 5
    berlin = ZoneInfo("Europe/Berlin")
    runs = [t.ToDatetime(dt.UTC).astimezone(berlin) for t in created.next_run_times]
    assert {(r.day, r.hour, r.minute) for r in runs} == {(1, 9, 0)}  # 09:00 Berlin time, winter and summer
    assert {t.ToDatetime(dt.UTC).hour for t in created.next_run_times} <= {7, 8}  # not 09:00 UTC

    handle = temporal_env.client.get_schedule_handle(created.schedule_id)
    await handle.trigger()
    listed = await until(lambda: pmo(governance_stub.ListAudits, audits_pb.ListAuditsRequest(
        parent=audited, filter="trigger = AUDIT_TRIGGER_SCHEDULED")), lambda r: r.quality_audits, "a scheduled audit")
    fired = listed.quality_audits[0]
    assert fired.state == OPEN and fired.requested_by == "" and fired.workflow_id.startswith(
        f"quality-audit/{org}/scheduled-atlas")

    paused = await pmo(governance_stub.ScheduleAudits, audits_pb.ScheduleAuditsRequest(
        parent=audited, enabled=False, audit_interval_days=14, request_id=rid()))
    assert (paused.enabled, paused.audit_interval_days, paused.audit_cron) == (False, 14, "")
    assert (await handle.describe()).schedule.state.paused

    # Backfill: the audits a weekly cadence would have started in the two weeks before now, started now.
    now = dt.datetime.now(dt.UTC)
    start_at, end_at = timestamp_pb2.Timestamp(), timestamp_pb2.Timestamp()
    start_at.FromDatetime(now - dt.timedelta(days=14))
    end_at.FromDatetime(now)
    await pmo(governance_stub.ScheduleAudits, audits_pb.ScheduleAuditsRequest(
        parent=audited, enabled=True, audit_cron="0 9 * * 1", backfill_start_time=start_at, backfill_end_time=end_at,
        request_id=rid()))
    await until(lambda: pmo(governance_stub.ListAudits, audits_pb.ListAuditsRequest(
        parent=audited, filter="trigger = AUDIT_TRIGGER_SCHEDULED")), lambda r: len(r.quality_audits) == 3,
        "two backfilled audits")
    first = await pmo(governance_stub.ListAudits, audits_pb.ListAuditsRequest(parent=f"organizations/{org}",
                                                                              page_size=2))
    rest = await pmo(governance_stub.ListAudits, audits_pb.ListAuditsRequest(
        parent=f"organizations/{org}", page_size=2, page_token=first.next_page_token))
    assert len(first.quality_audits) == 2 and len(rest.quality_audits) == 1 and not rest.next_page_token
    assert fired.name == rest.quality_audits[0].name  # newest first: the triggered one came before the backfill

    gone = await pmo(governance_stub.ScheduleAudits, audits_pb.ScheduleAuditsRequest(
        parent=audited, delete=True, request_id=rid()))
    assert not gone.enabled
    with pytest.raises(Exception):  # noqa: B017  (the SDK raises RPCError NOT_FOUND)
        await handle.describe()
    member = await fails(as_role("member")(governance_stub.ScheduleAudits, audits_pb.ScheduleAuditsRequest(
        parent=audited, enabled=True)))
    assert member.code == grpc.StatusCode.PERMISSION_DENIED


async def test_the_quality_policy_is_read_and_written_with_the_governance_policy(governance_stub, worker, as_role,
                                                                                org, audited):
    pmo = as_role("pmo", "olga")
    name = f"organizations/{org}/governancePolicy"
    defaults = await pmo(governance_stub.GetGovernancePolicy, api.GetGovernancePolicyRequest(name=name))
    assert (defaults.quality.audit_cron, defaults.quality.pass_threshold, list(defaults.quality.auditor_roles)) == (
        "0 9 1 * *", "0.80", ["auditor"])
    assert [i.id for i in defaults.quality.checklists[0].items] == list(DEFAULT_ITEMS)
    agile = audits_pb.AuditChecklist(methodology=projects_pb.METHODOLOGY_AGILE, items=[
        audits_pb.ChecklistItem(id="backlog", text="Backlog refined", weight=2, evidence_required=True),
        audits_pb.ChecklistItem(id="demo", text="Sprint demo held", weight=1)])
    wanted = pb.GovernancePolicy(name=name, quality=audits_pb.QualityPolicy(
        audit_interval_days=14, pass_threshold="0.75", checklists=[agile]))
    update = api.UpdateGovernancePolicyRequest(governance_policy=wanted, request_id=rid())
    update.update_mask.paths.append("quality")
    saved = await pmo(governance_stub.UpdateGovernancePolicy, update)
    q = saved.quality
    assert (q.audit_interval_days, q.audit_cron, q.pass_threshold) == (14, "", "0.75")
    assert [i.id for i in saved.quality.checklists[0].items] == ["backlog", "demo"]

    audit = await start(governance_stub, as_role("auditor", "ann"), audited)  # the project is AGILE
    opened = await audit_in(governance_stub, pmo, audit.name, lambda a: a.checklist, "the checklist")
    assert ([i.id for i in opened.checklist], opened.pass_threshold, opened.policy_version) == (
        ["backlog", "demo"], "0.75", saved.version)

    wanted.quality.checklists[0].items[1].weight = 0
    wanted.quality.pass_threshold = "2"
    bad = await fails(pmo(governance_stub.UpdateGovernancePolicy, api.UpdateGovernancePolicyRequest(
        governance_policy=wanted, update_mask={"paths": ["quality"]}, request_id=rid())))
    assert {"governance_policy.quality.pass_threshold", "governance_policy.quality.checklists[0].items[1].weight"} \
        <= set(bad.fields)
