"""Between the API (protos) and the workflows' dataclasses: tasks, change requests, phase gates.

Workflows speak bare enum names ("OPEN", "PENDING_APPROVAL"), ISO dates, project ids and
integer micros; the API speaks proto enums, google.type.Date/Money and resource names.
The policy's conversion is in policy_convert.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import asyncpg
from google.protobuf import duration_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.type import date_pb2

from pmaas.governance.v1 import audits_pb2 as audits_pb
from pmaas.governance.v1 import billing_cycles_pb2 as billing_pb
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from services.governance import typed_json
from services.platform.money import Amount
from services.platform.names import CHANGE_REQUEST_PATTERN, PROJECT_PATTERN, TASK_PATTERN
from services.platform.resources import etag_of, to_date, to_timestamp
from workflows import approvals as ap
from workflows.billing_cycle import KIND as BILLING_CYCLE_KIND
from workflows.billing_cycle import BillingCycleView
from workflows.change_request import KIND as CHANGE_REQUEST_KIND
from workflows.change_request import ChangeRequestView, Impact, Route
from workflows.corrective_action import KIND as CORRECTIVE_ACTION_KIND
from workflows.corrective_action import CorrectiveActionView
from workflows.escalation import KIND as ESCALATION_KIND
from workflows.escalation import EscalationView
from workflows.phase_gate import PhaseGateView
from workflows.post_project_review import KIND as POST_PROJECT_REVIEW_KIND
from workflows.quality_audit import KIND as QUALITY_AUDIT_KIND
from workflows.quality_audit import QualityAuditView

T = TypeVar("T")
M = TypeVar("M", pb.ChangeRequest, pb.PhaseGate, pb.Escalation, audits_pb.QualityAudit, audits_pb.CorrectiveAction,
          billing_pb.BillingCycle)


# --- small pieces ---------------------------------------------------------------------------------


def enum_number(enum: EnumTypeWrapper, prefix: str, name: str) -> int:
    """PHASE_ + "PLANNING" -> its number; 0 (UNSPECIFIED) for a name the API does not know."""
    try:
        return enum.Value(prefix + name) if name else 0
    except ValueError:
        return 0


def enum_name(enum: EnumTypeWrapper, prefix: str, number: int) -> str:
    """The bare name of a set enum value ("" for UNSPECIFIED or unknown)."""
    if not number:
        return ""
    try:
        return enum.Name(number).removeprefix(prefix)
    except ValueError:
        return ""


def iso_date(value: str) -> date_pb2.Date | None:
    return to_date(dt.date.fromisoformat(value)) if value else None


def seconds(value: float) -> duration_pb2.Duration:
    d = duration_pb2.Duration()
    d.FromTimedelta(dt.timedelta(seconds=value))
    return d


def money(micros: int, currency: str):
    return Amount(micros, currency).to_proto()


def project_name(org: str, project: str) -> str:
    return PROJECT_PATTERN.format(organization=org, project=project) if project else ""


def task_name(org: str, task_id: str) -> str:
    return TASK_PATTERN.format(organization=org, task=task_id)


def load(hint: type[T], data: Any) -> T:
    """A dataclass back from the JSON a workflow sent (as stored in a jsonb column)."""
    return typed_json.load(hint, data)


def candidates(c: ap.Candidates) -> pb.Candidates:
    return pb.Candidates(roles=c.roles, people=c.people)


def rule(r: ap.ApprovalRule) -> pb.ApprovalRule:
    return pb.ApprovalRule(
        kind=enum_number(pb.RuleKind, "RULE_KIND_", r.kind), required=r.required, percent=r.percent, seats=r.seats,
        tiers=[pb.ApprovalTier(candidates=candidates(t.candidates), kind=enum_number(pb.RuleKind, "RULE_KIND_", t.kind),
                               required=t.required, percent=t.percent, seats=t.seats) for t in r.tiers],
        mandatory_approvers=r.mandatory)


def condition(c: ap.Condition) -> pb.GateCondition:
    return pb.GateCondition(description=c.description, owner=c.owner, due_date=iso_date(c.due_date), met=c.met,
                            met_time=to_timestamp(c.met_time))


# --- tasks ----------------------------------------------------------------------------------------


def _event(e: ap.TaskEvent) -> pb.TaskEvent:
    detail = f"{e.detail}: {e.comment}" if e.detail and e.comment else (e.detail or e.comment)
    if e.on_behalf_of:
        detail = f"{detail} (for {e.on_behalf_of})" if detail else f"for {e.on_behalf_of}"
    return pb.TaskEvent(event_time=to_timestamp(e.time), kind=e.kind, actor=e.actor, detail=detail)


def task_message(t: ap.Task, pending_approvers: list[str], version: int, update_time: dt.datetime) -> pb.Task:
    """The API's Task for the workflow's task; stored beside it by sync_task (its SLA state as of writing)."""
    ref, spec = t.ref, t.spec
    name = task_name(ref.org, t.id)
    return pb.Task(
        name=name, kind=enum_number(pb.TaskKind, "TASK_KIND_", spec.kind), title=spec.title, summary=spec.summary,
        process=ref.process, project=project_name(ref.org, ref.project), requester=spec.requester,
        candidates=candidates(t.current_candidates()), rule=rule(spec.rule), choices=spec.choices,
        state=enum_number(pb.TaskState, "TASK_STATE_", t.state), outcome=t.outcome, claimant=t.claimant,
        assignee=t.assignee, pending_approvers=pending_approvers,
        decisions=[pb.TaskDecision(voter=v.voter, actor=v.actor, on_behalf_of=v.on_behalf_of, choice=v.choice,
                                   comment=v.comment, conditions=[condition(c) for c in v.conditions],
                                   decide_time=to_timestamp(v.time)) for v in t.votes],
        history=[_event(e) for e in t.history], due_time=to_timestamp(t.due_time),
        reminder_times=[to_timestamp(r) for r in t.reminder_times], escalated=t.escalated,
        sla_state=enum_number(pb.SlaState, "SLA_STATE_", t.sla_state(update_time)),
        policy_version=ref.policy_version, create_time=to_timestamp(t.created),
        update_time=to_timestamp(update_time), close_time=to_timestamp(t.closed),
        etag=etag_of(name, version))


OPEN_TASK_STATES = frozenset({pb.TASK_STATE_OPEN, pb.TASK_STATE_CLAIMED})


def task(row: asyncpg.Record, now: dt.datetime) -> pb.Task:
    """A read-model row as the API's Task; an open task's SLA state is as of `now`."""
    if row["api"] is not None:
        message = pb.Task.FromString(row["api"])
    else:
        message = task_message(load(ap.Task, row["data"]), row["pending_approvers"], row["version"],
                               row["update_time"])
    if message.state in OPEN_TASK_STATES and message.sla_state != pb.SLA_STATE_PAUSED:
        message.sla_state = sla_state(message, now)
    return message


def sla_state(task: pb.Task, now: dt.datetime) -> int:
    """As workflows.approvals.Task.sla_state, on the API's fields."""
    if now >= task.due_time.ToDatetime(dt.UTC):
        return pb.SLA_STATE_BREACHED
    if task.reminder_times and now >= min(r.ToDatetime(dt.UTC) for r in task.reminder_times):
        return pb.SLA_STATE_WARNING
    return pb.SLA_STATE_ON_TRACK


# --- change requests ------------------------------------------------------------------------------


def _impact(i: Impact) -> pb.ImpactAssessment:
    cur = i.currency
    return pb.ImpactAssessment(
        current_end_date=iso_date(i.current_end_date), new_end_date=iso_date(i.new_end_date),
        current_budget=money(i.current_budget_micros, cur), new_budget=money(i.new_budget_micros, cur),
        budget_delta=money(i.budget_delta_micros, cur), schedule_delta_days=i.schedule_delta_days,
        affected_milestones=i.affected_milestones, affected_assignments=i.affected_assignments,
        cpi_before=i.cpi_before, cpi_after=i.cpi_after, spi_before=i.spi_before, spi_after=i.spi_after,
        eac_before=money(i.eac_before_micros, cur), eac_after=money(i.eac_after_micros, cur),
        project_etag=i.project_etag, assess_time=to_timestamp(i.assess_time))


def route(r: Route) -> pb.ApprovalRoute:
    return pb.ApprovalRoute(tier=r.tier, auto_approved=r.auto_approved, due_duration=seconds(r.due_s),
                            rule=rule(r.rule), candidates=candidates(r.candidates),
                            mandatory_approvers=r.rule.mandatory)


def change_request(view: ChangeRequestView, version: int | None = None) -> pb.ChangeRequest:
    """`version`: the read model's row version (the etag); None for a what-if that is not stored."""
    cr = pb.ChangeRequest(
        name=view.name, project=project_name(view.org, view.project), title=view.title, description=view.description,
        type=enum_number(pb.ChangeType, "CHANGE_TYPE_", view.type), requester=view.requester,
        state=enum_number(pb.ChangeRequestState, "CHANGE_REQUEST_STATE_", view.state),
        policy_version=view.policy_version, tasks=[task_name(view.org, t) for t in view.tasks],
        outcome_reason=view.outcome_reason, workflow_id=view.workflow_id,
        create_time=to_timestamp(view.create_time), update_time=to_timestamp(view.update_time),
        conflicts=[pb.Conflict(kind=enum_number(pb.ConflictKind, "CONFLICT_KIND_", c.kind), description=c.description,
                               blackout=c.blackout, change_request=c.change_request, blocking=c.blocking)
                   for c in view.conflicts])
    i = view.input
    if i is not None:
        cr.catalogue_item = i.catalogue_item
        if i.currency:
            cr.budget_delta.CopyFrom(money(i.budget_delta_micros, i.currency))
        cr.schedule_delta_days = i.schedule_delta_days
        if i.new_end_date:
            cr.new_end_date.CopyFrom(iso_date(i.new_end_date))
        cr.scope_change = i.scope_change
        cr.linked_risk, cr.linked_issue = i.linked_risk, i.linked_issue
        cr.milestone_changes.extend(
            pb.MilestoneChange(milestone=f"{cr.project}/milestones/{m.milestone}",
                               new_due_date=iso_date(m.new_due_date)) for m in i.milestone_changes)
    if view.impact is not None:
        cr.impact.CopyFrom(_impact(view.impact))
    if view.route is not None:
        cr.route.CopyFrom(route(view.route))
    if version is not None:
        cr.etag = etag_of(view.name, version)
    return cr


def _tasks(published: list[str], in_read_model: list[str]) -> list[str]:
    """The process's tasks: as the task read model has them (it knows a task as soon as it opens, before the
    process publishes its view again), then any the view names that the read model has not seen."""
    return [*in_read_model, *(t for t in published if t not in in_read_model)]


def _process_row(row: asyncpg.Record, task_ids: list[str], view_type: type, build, message_type: type[M]) -> M:
    """A process's read-model row as its API message: stored beside the view, or built from the view (rows
    written before submits stored it); its tasks as the task read model knows them."""
    if row["api"] is None:
        view = load(view_type, row["view"])
        view.tasks = _tasks(view.tasks, task_ids)
        return build(view, row["version"])
    message = message_type.FromString(row["api"])
    _merge_tasks(message, task_ids)
    return message


def change_request_row(row: asyncpg.Record, task_ids: list[str]) -> pb.ChangeRequest:
    return _process_row(row, task_ids, ChangeRequestView, change_request, pb.ChangeRequest)


def change_request_name(org: str, cr_id: str) -> str:
    return CHANGE_REQUEST_PATTERN.format(organization=org, change_request=cr_id)


# --- phase gates ----------------------------------------------------------------------------------


def phase_gate(view: PhaseGateView, version: int | None = None) -> pb.PhaseGate:
    gate = pb.PhaseGate(
        name=view.name, from_phase=enum_number(projects_pb.Phase, "PHASE_", view.from_phase),
        to_phase=enum_number(projects_pb.Phase, "PHASE_", view.to_phase),
        state=enum_number(pb.PhaseGateState, "PHASE_GATE_STATE_", view.state), requester=view.requester,
        criteria=[pb.CriterionResult(criterion=c.criterion, description=c.description, passed=c.passed,
                                     required=c.required, evidence=c.evidence, evidence_values=c.evidence_values)
                  for c in view.criteria],
        decision=enum_number(pb.GateDecision, "GATE_DECISION_", view.decision),
        conditions=[condition(c) for c in view.conditions], reasons=view.reasons,
        policy_version=view.policy_version, tasks=[task_name(view.org, t) for t in view.tasks],
        workflow_id=view.workflow_id, create_time=to_timestamp(view.create_time),
        update_time=to_timestamp(view.update_time))
    if version is not None:
        gate.etag = etag_of(view.name, version)
    return gate


def phase_gate_row(row: asyncpg.Record, task_ids: list[str]) -> pb.PhaseGate:
    return _process_row(row, task_ids, PhaseGateView, phase_gate, pb.PhaseGate)


def _merge_tasks(message: pb.ChangeRequest | pb.PhaseGate | pb.Escalation, task_ids: list[str]) -> None:
    org = message.name.split("/")[1]
    published = [name.rsplit("/", 1)[1] for name in message.tasks]
    del message.tasks[:]
    message.tasks.extend(task_name(org, t) for t in _tasks(published, task_ids))


def escalation(view: EscalationView, version: int | None = None) -> pb.Escalation:
    message = pb.Escalation(
        name=view.name, title=view.title, description=view.description,
        severity=enum_number(risks_pb.IssueSeverity, "ISSUE_SEVERITY_", view.severity),
        source=enum_number(pb.EscalationSource, "ESCALATION_SOURCE_", view.source), subject=view.subject,
        raised_by=view.raised_by, state=enum_number(pb.EscalationState, "ESCALATION_STATE_", view.state),
        level=view.level, level_name=view.level_name, levels=view.levels, owners=view.owners,
        acknowledged_by=view.acknowledged_by, acknowledge_due_time=to_timestamp(view.acknowledge_due),
        resolve_due_time=to_timestamp(view.resolve_due), paused=view.paused,
        breaches=[pb.EscalationBreach(level=b.level, clock=b.clock, time=to_timestamp(b.time)) for b in view.breaches],
        notes=[pb.EscalationNote(author=n.author, text=n.text, time=to_timestamp(n.time)) for n in view.notes],
        resolution=view.resolution, resolved_by=view.resolved_by, tasks=[task_name(view.org, t) for t in view.tasks],
        policy_version=view.policy_version, workflow_id=view.workflow_id, create_time=to_timestamp(view.create_time),
        update_time=to_timestamp(view.update_time), close_time=to_timestamp(view.close_time))
    if version is not None:
        message.etag = etag_of(view.name, version)
    return message


def escalation_row(row: asyncpg.Record, task_ids: list[str]) -> pb.Escalation:
    return _process_row(row, task_ids, EscalationView, escalation, pb.Escalation)


def process_message(kind: str, view: dict, version: int) -> bytes | None:
    """What sync_process stores beside the view: the API message, built once per publication (None for a
    post-project review, whose data the API reads from ProjectsService: GetPostProjectReview)."""
    if kind == POST_PROJECT_REVIEW_KIND:
        return None
    if kind == CHANGE_REQUEST_KIND:
        return change_request(load(ChangeRequestView, view), version).SerializeToString()
    if kind == ESCALATION_KIND:
        return escalation(load(EscalationView, view), version).SerializeToString()
    if kind == QUALITY_AUDIT_KIND:
        return quality_audit(load(QualityAuditView, view), version).SerializeToString()
    if kind == CORRECTIVE_ACTION_KIND:
        return corrective_action(load(CorrectiveActionView, view), version).SerializeToString()
    if kind == BILLING_CYCLE_KIND:
        return billing_cycle(load(BillingCycleView, view), version).SerializeToString()
    return phase_gate(load(PhaseGateView, view), version).SerializeToString()


# --- quality audits and corrective actions --------------------------------------------------------


def _severity(name: str) -> int:
    return enum_number(audits_pb.FindingSeverity, "FINDING_SEVERITY_", name)


def checklist_item(i) -> audits_pb.ChecklistItem:
    return audits_pb.ChecklistItem(id=i.id, text=i.text, weight=i.weight, evidence_required=i.evidence_required)


def corrective_action(view: CorrectiveActionView, version: int | None = None) -> audits_pb.CorrectiveAction:
    message = audits_pb.CorrectiveAction(
        name=view.name, finding_id=view.finding_id, severity=_severity(view.severity), description=view.description,
        owner=view.owner, auditor=view.auditor,
        state=enum_number(audits_pb.CorrectiveActionState, "CORRECTIVE_ACTION_STATE_", view.state), round=view.round,
        due_time=to_timestamp(view.due_time), completion_note=view.completion_note, verdict=view.verdict,
        verdict_comment=view.verdict_comment, tasks=[task_name(view.org, t) for t in view.tasks],
        create_time=to_timestamp(view.create_time), update_time=to_timestamp(view.update_time),
        close_time=to_timestamp(view.close_time))
    if version is not None:
        message.etag = etag_of(view.name, version)
    return message


def corrective_action_row(row: asyncpg.Record, task_ids: list[str]) -> audits_pb.CorrectiveAction:
    return _process_row(row, task_ids, CorrectiveActionView, corrective_action, audits_pb.CorrectiveAction)


def quality_audit(view: QualityAuditView, version: int | None = None) -> audits_pb.QualityAudit:
    actions = {a.finding_id: a for a in view.corrective_actions}
    message = audits_pb.QualityAudit(
        name=view.name, state=enum_number(audits_pb.QualityAuditState, "QUALITY_AUDIT_STATE_", view.state),
        trigger=enum_number(audits_pb.AuditTrigger, "AUDIT_TRIGGER_", view.trigger), auditor=view.auditor,
        requested_by=view.requested_by, re_audit_of=view.re_audit_of,
        methodology=enum_number(projects_pb.Methodology, "METHODOLOGY_", view.methodology),
        phase=enum_number(projects_pb.Phase, "PHASE_", view.phase),
        checklist=[checklist_item(i) for i in view.checklist],
        results=[audits_pb.ItemResult(item_id=r.item_id, passed=r.passed, evidence=r.evidence, note=r.note)
                 for r in view.results],
        findings=[audits_pb.Finding(id=f.id, severity=_severity(f.severity), description=f.description,
                                    evidence=f.evidence, item_id=f.item_id, owner=f.owner,
                                    corrective_action=actions[f.id].name if f.id in actions else "")
                  for f in view.findings],
        score=view.score, pass_threshold=view.pass_threshold, passed=view.passed, re_audit=view.re_audit,
        reason=view.reason, tasks=[task_name(view.org, t) for t in view.tasks], policy_version=view.policy_version,
        workflow_id=view.workflow_id, create_time=to_timestamp(view.create_time),
        update_time=to_timestamp(view.update_time), complete_time=to_timestamp(view.complete_time),
        close_time=to_timestamp(view.close_time),
        corrective_actions=[audits_pb.CorrectiveAction(
            name=a.name, finding_id=a.finding_id, owner=a.owner,
            state=enum_number(audits_pb.CorrectiveActionState, "CORRECTIVE_ACTION_STATE_", a.state))
            for a in view.corrective_actions])
    if version is not None:
        message.etag = etag_of(view.name, version)
    return message


def quality_audit_row(row: asyncpg.Record, task_ids: list[str]) -> audits_pb.QualityAudit:
    return _process_row(row, task_ids, QualityAuditView, quality_audit, audits_pb.QualityAudit)


# --- billing cycles ---------------------------------------------------------------------------------


def _money_or_none(micros: int, currency: str):
    return money(micros, currency) if currency else None


def billing_cycle(view: BillingCycleView, version: int | None = None) -> billing_pb.BillingCycle:
    message = billing_pb.BillingCycle(
        name=view.name, period_start=iso_date(view.period_start), period_end=iso_date(view.period_end),
        state=enum_number(billing_pb.BillingCycleState, "BILLING_CYCLE_STATE_", view.state),
        requested_by=view.requested_by, run=view.run, period_lock=view.period_lock,
        engagements=[billing_pb.EngagementBilling(
            engagement=e.engagement, invoice=e.invoice, total=_money_or_none(e.total_micros, e.currency),
            state=enum_number(billing_pb.EngagementBillingState, "ENGAGEMENT_BILLING_STATE_", e.state),
            task=task_name(view.org, e.task) if e.task else "", error=e.error) for e in view.engagements],
        projects=[billing_pb.ProjectCost(
            project=p.project, budget=_money_or_none(p.budget_micros, p.currency),
            actual_cost=_money_or_none(p.actual_cost_micros, p.currency),
            remaining=_money_or_none(p.remaining_micros, p.currency),
            forecast_at_completion=_money_or_none(p.forecast_micros, p.currency),
            potential_savings=_money_or_none(p.savings_micros, p.currency), percent_complete=p.percent_complete,
            error=p.error) for p in view.projects],
        error=view.error, tasks=[task_name(view.org, t) for t in view.tasks], policy_version=view.policy_version,
        workflow_id=view.workflow_id, create_time=to_timestamp(view.create_time),
        update_time=to_timestamp(view.update_time), close_time=to_timestamp(view.close_time))
    if version is not None:
        message.etag = etag_of(view.name, version)
    return message


def billing_cycle_row(row: asyncpg.Record, task_ids: list[str]) -> billing_pb.BillingCycle:
    return _process_row(row, task_ids, BillingCycleView, billing_cycle, billing_pb.BillingCycle)
