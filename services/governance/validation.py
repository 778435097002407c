"""Field checks of GovernanceService requests (every problem at once, as field violations)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from services.governance.convert import enum_name
from services.platform import money
from services.platform.auth import subject_problem
from services.platform.errors import Violations
from services.platform.names import (
    ISSUE_PATTERN,
    MILESTONE_PATTERN,
    PROJECT_PATTERN,
    RISK_PATTERN,
    TASK_PATTERN,
    parse_into,
)
from services.platform.resources import check_enum, check_text, from_date
from workflows.approvals import Condition
from workflows.change_request import MilestoneChange

TITLE_MAX = 200
TEXT_MAX = 4000
COMMENT_MAX = 4000
MILESTONE_CHANGES_MAX = 200
CONDITIONS_MAX = 50


@dataclass
class ChangeRequestFields:
    """A submitted change request, checked; money is checked against the project's currency later."""

    project: str  # project id
    type: str  # STANDARD, NORMAL, EMERGENCY
    budget_delta_micros: int
    budget_currency: str  # "" when no budget change was given
    new_end_date: str  # ISO or ""
    milestone_changes: list[MilestoneChange]


def change_request(cr: pb.ChangeRequest, org: str, v: Violations) -> ChangeRequestFields:
    f = "change_request"
    project = ""
    if not cr.project:
        v.add(f"{f}.project", "is required (organizations/{organization}/projects/{project})")
    elif (parts := parse_into(PROJECT_PATTERN, cr.project, f"{f}.project", v)) is not None:
        if parts["organization"] != org:
            v.add(f"{f}.project", f"must be a project of organizations/{org}, the parent")
        project = parts["project"]
    check_enum(cr.type, pb.ChangeType.DESCRIPTOR, f"{f}.type", v, required=True)
    change_type = enum_name(pb.ChangeType, "CHANGE_TYPE_", cr.type)
    if change_type == "STANDARD" and not cr.catalogue_item.strip():
        v.add(f"{f}.catalogue_item", "is required for CHANGE_TYPE_STANDARD (an id of the policy's standard_catalogue)")
    elif change_type != "STANDARD" and cr.catalogue_item:
        v.add(f"{f}.catalogue_item", "is only for CHANGE_TYPE_STANDARD")
    check_text(cr.title, f"{f}.title", v, max_len=TITLE_MAX, required=True)
    check_text(cr.description, f"{f}.description", v, max_len=TEXT_MAX, multiline=True)
    check_text(cr.scope_change, f"{f}.scope_change", v, max_len=TEXT_MAX, multiline=True)
    budget_micros, currency = 0, ""
    if cr.HasField("budget_delta"):
        amount = money.from_proto(cr.budget_delta, f"{f}.budget_delta", v, allow_negative=True)
        if amount is not None:
            budget_micros, currency = amount.micros, amount.currency
    new_end = from_date(cr, "new_end_date", v, prefix=f)
    if new_end is not None and cr.schedule_delta_days:
        v.add(f"{f}.new_end_date", "set new_end_date or schedule_delta_days, not both")
    if abs(cr.schedule_delta_days) > 3650:
        v.add(f"{f}.schedule_delta_days", "must be within ten years (±3650 days)")
    if len(cr.milestone_changes) > MILESTONE_CHANGES_MAX:
        v.add(f"{f}.milestone_changes", f"at most {MILESTONE_CHANGES_MAX}")
    changes = []
    for i, mc in enumerate(cr.milestone_changes):
        path = f"{f}.milestone_changes[{i}]"
        parts = parse_into(MILESTONE_PATTERN, mc.milestone, f"{path}.milestone", v)
        if parts is not None and (parts["organization"], parts["project"]) != (org, project):
            v.add(f"{path}.milestone", f"must be a milestone of {cr.project}")
        due = from_date(mc, "new_due_date", v, required=True, prefix=path)
        if parts is not None and due is not None:
            changes.append(MilestoneChange(parts["milestone"], due.isoformat()))
    for field, pattern, value in (("linked_risk", RISK_PATTERN, cr.linked_risk),
                                  ("linked_issue", ISSUE_PATTERN, cr.linked_issue)):
        if value and (parts := parse_into(pattern, value, f"{f}.{field}", v)) is not None \
                and (parts["organization"], parts["project"]) != (org, project):
            v.add(f"{f}.{field}", f"must belong to {cr.project}")
    if not (cr.HasField("budget_delta") or cr.schedule_delta_days or new_end or cr.scope_change.strip()
            or cr.milestone_changes):
        v.add(f"{f}", "changes nothing: set budget_delta, schedule_delta_days, new_end_date, scope_change or "
                      "milestone_changes")
    return ChangeRequestFields(project, change_type, budget_micros, currency,
                               new_end.isoformat() if new_end else "", changes)


ESCALATION_INPUT = ("title", "description", "severity", "subject")  # the rest of an Escalation is output only


def escalation(e: pb.Escalation, org: str, project: str, v: Violations) -> str:
    """An escalation raised on `project`, checked; returns its severity as the workflow names it ("HIGH")."""
    f = "escalation"
    check_text(e.title, f"{f}.title", v, max_len=TITLE_MAX, required=True)
    check_text(e.description, f"{f}.description", v, max_len=TEXT_MAX, multiline=True)
    check_enum(e.severity, risks_pb.IssueSeverity.DESCRIPTOR, f"{f}.severity", v, required=True)
    if e.subject:
        pattern, whose = (TASK_PATTERN, f"a task of organizations/{org}") if "/tasks/" in e.subject else \
            (ISSUE_PATTERN, f"an issue of organizations/{org}/projects/{project}")
        parts = parse_into(pattern, e.subject, f"{f}.subject", v)
        if parts is not None and (parts["organization"], parts.get("project", project)) != (org, project):
            v.add(f"{f}.subject", f"must be {whose}")
    rest = pb.Escalation()
    rest.CopyFrom(e)
    for name in ESCALATION_INPUT:
        rest.ClearField(name)
    if rest.ByteSize():
        v.add(f, f"only {', '.join(ESCALATION_INPUT)} are set by the caller; the rest is output only")
    return enum_name(risks_pb.IssueSeverity, "ISSUE_SEVERITY_", e.severity)


def period(request, v: Violations) -> tuple[dt.date | None, dt.date | None]:
    """`start_date` and `end_date` of `request`, both optional and inclusive."""
    start = from_date(request, "start_date", v)
    end = from_date(request, "end_date", v)
    if start is not None and end is not None and end < start:
        v.add("end_date", "must not be before start_date")
    return start, end


def comment(value: str, field: str, v: Violations) -> None:
    check_text(value, field, v, max_len=COMMENT_MAX, multiline=True)


def subject(value: str, field: str, v: Violations) -> None:
    problem = subject_problem(value)
    if problem:
        v.add(field, problem)


def conditions(items, v: Violations) -> list[Condition]:
    if len(items) > CONDITIONS_MAX:
        v.add("conditions", f"at most {CONDITIONS_MAX}")
    out = []
    for i, c in enumerate(items):
        path = f"conditions[{i}]"
        check_text(c.description, f"{path}.description", v, max_len=TEXT_MAX, required=True, multiline=True)
        if c.owner:
            subject(c.owner, f"{path}.owner", v)
        due = from_date(c, "due_date", v, prefix=path)
        if c.met or c.HasField("met_time"):
            v.add(f"{path}.met", "is output only: a condition is met later, not when it is set")
        out.append(Condition(description=c.description, owner=c.owner, due_date=due.isoformat() if due else ""))
    return out


def timestamp(msg, field: str, path: str, v: Violations, *, required: bool) -> dt.datetime | None:
    if not msg.HasField(field):
        if required:
            v.add(path, "is required")
        return None
    ts = getattr(msg, field)
    if not 0 <= ts.nanos < 1_000_000_000 or not -62135596800 <= ts.seconds <= 253402300799:
        v.add(path, "is not a valid timestamp")
        return None
    return ts.ToDatetime(tzinfo=dt.UTC)
