"""The governance policy between the API (pb.GovernancePolicy) and workflows.policy's dataclasses.

Money limits are in the organization's default currency; an unset limit (or -1 days) means
"no limit", as -1 does in the dataclasses. Input problems the dataclasses cannot represent
(a wrong currency, an invalid timestamp, a project of another organization) are reported here
as field violations; the rules of a usable policy are workflows.policy.validate's.
"""

from __future__ import annotations

import datetime as dt

from google.protobuf import duration_pb2
from google.type import timeofday_pb2

from pmaas.governance.v1 import audits_pb2 as audits_pb
from pmaas.governance.v1 import billing_cycles_pb2 as billing_pb
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from services.governance.convert import (
    candidates,
    checklist_item,
    enum_name,
    enum_number,
    iso_date,
    money,
    project_name,
    rule,
    seconds,
)
from services.platform import errors
from services.platform import money as money_lib
from services.platform.errors import Violations
from services.platform.names import PROJECT_PATTERN
from services.platform.resources import check_text, to_timestamp
from workflows import approvals as ap
from workflows import calendar as cal
from workflows import policy as pol

UPDATABLE = {"pmo_type", "change_tiers", "emergency", "standard_catalogue", "blackout_windows", "gate_criteria",
             "gate_approval", "task_sla", "calendar", "escalation_paths", "sla_warning_percent",
             "escalate_task_breaches", "billing", "quality"}
LEVEL_NAME_MAX = 200
# Public holidays are expanded for these years around the year a policy is saved (see workflows/calendar.py).
HOLIDAY_YEARS_BEFORE, HOLIDAY_YEARS_AFTER = 1, 5


# --- dataclasses -> API -------------------------------------------------------------------------


def _limit(micros: int, currency: str):
    return None if micros < 0 else money(micros, currency)


def _tier(t: pol.ChangeTier, currency: str) -> pb.ChangeTier:
    return pb.ChangeTier(
        id=t.id, max_budget_delta=_limit(t.max_budget_delta_micros, currency),
        max_schedule_delta_days=t.max_schedule_delta_days, scope_change_allowed=t.scope_change_allowed,
        candidates=candidates(t.candidates), rule=rule(t.rule), due_duration=seconds(t.due_s),
        reminders=[seconds(s) for s in t.reminders_before_s],
        on_timeout=enum_number(pb.TimeoutAction, "TIMEOUT_ACTION_", t.on_timeout),
        escalate_to=candidates(t.escalate_to), business_time=t.business_time)


def _time_of_day(minutes: int) -> timeofday_pb2.TimeOfDay:
    return timeofday_pb2.TimeOfDay(hours=minutes // 60, minutes=minutes % 60)


def _calendar(c: cal.BusinessCalendar) -> pb.BusinessCalendar:
    return pb.BusinessCalendar(
        time_zone=c.time_zone, working_days=[d + 1 for d in c.working_days],  # google.type.DayOfWeek: MONDAY = 1
        day_start=_time_of_day(c.day_start_min), day_end=_time_of_day(c.day_end_min),
        holidays=[iso_date(d) for d in c.holidays], holiday_country=c.holiday_country,
        holiday_subdivision=c.holiday_subdivision, public_holidays=[iso_date(d) for d in c.public_holidays])


def _escalation_path(p: pol.EscalationPath) -> pb.EscalationPath:
    return pb.EscalationPath(
        severity=enum_number(risks_pb.IssueSeverity, "ISSUE_SEVERITY_", p.severity),
        levels=[pb.EscalationLevel(name=lv.name, owners=candidates(lv.owners),
                                   acknowledge_duration=seconds(lv.acknowledge_s),
                                   resolve_duration=seconds(lv.resolve_s)) for lv in p.levels])


def to_proto(p: pol.GovernancePolicy, org: str, currency: str, update_time: dt.datetime | None,
             etag: str) -> pb.GovernancePolicy:
    g = p.gate_approval
    return pb.GovernancePolicy(
        name=f"organizations/{org}/governancePolicy", version=p.version,
        pmo_type=enum_number(projects_pb.PmoType, "PMO_TYPE_", p.pmo_type),
        change_tiers=[_tier(t, currency) for t in p.change_tiers], emergency=_tier(p.emergency, currency),
        standard_catalogue=[pb.StandardChange(id=s.id, title=s.title, description=s.description,
                                              max_budget_delta=money(s.max_budget_delta_micros, currency),
                                              max_schedule_delta_days=s.max_schedule_delta_days)
                            for s in p.standard_catalogue],
        blackout_windows=[pb.BlackoutWindow(id=w.id, start_time=to_timestamp(w.start), end_time=to_timestamp(w.end),
                                            project=project_name(org, w.project), reason=w.reason)
                          for w in p.blackout_windows],
        gate_criteria=[pb.GateCriteria(
            methodology=enum_number(projects_pb.Methodology, "METHODOLOGY_", c.methodology),
            phase=enum_number(projects_pb.Phase, "PHASE_", c.phase),
            criteria=[pb.GateCriterion(id=x.id, required=x.required, threshold=x.threshold) for x in c.criteria])
            for c in p.gate_criteria],
        gate_approval=pb.GateApproval(
            candidates=candidates(g.candidates), rule=rule(g.rule), due_duration=seconds(g.due_s),
            reminders=[seconds(s) for s in g.reminders_before_s],
            on_timeout=enum_number(pb.TimeoutAction, "TIMEOUT_ACTION_", g.on_timeout),
            escalate_to=candidates(g.escalate_to), business_time=g.business_time),
        task_sla=seconds(p.task_sla_s), update_time=to_timestamp(update_time), etag=etag,
        calendar=_calendar(p.calendar), escalation_paths=[_escalation_path(e) for e in p.escalation_paths],
        sla_warning_percent=p.sla_warning_percent, escalate_task_breaches=p.escalate_task_breaches,
        billing=_billing(p.billing, currency), quality=_quality(p.quality))


def _billing(b: pol.BillingPolicy, currency: str) -> billing_pb.BillingPolicy:
    return billing_pb.BillingPolicy(
        period=enum_number(billing_pb.BillingPeriod, "BILLING_PERIOD_", b.period),
        schedule_day_of_month=b.day_of_month, schedule_hour=b.hour,
        approval_threshold=money(b.approval_threshold_micros, b.approval_currency or currency),
        approval_duration=seconds(b.approval_due_s), schedule_enabled=b.schedule_enabled)


def _quality(q: pol.QualityPolicy) -> audits_pb.QualityPolicy:
    return audits_pb.QualityPolicy(
        audit_cron=q.cron, audit_interval_days=q.interval_days, pass_threshold=q.pass_threshold,
        checklists=[audits_pb.AuditChecklist(
            methodology=enum_number(projects_pb.Methodology, "METHODOLOGY_", c.methodology),
            phase=enum_number(projects_pb.Phase, "PHASE_", c.phase),
            items=[checklist_item(i) for i in c.items]) for c in q.checklists],
        corrective_action_slas=[audits_pb.CorrectiveActionSla(
            severity=enum_number(audits_pb.FindingSeverity, "FINDING_SEVERITY_", s.severity),
            due_duration=seconds(s.due_s)) for s in q.action_slas],
        auditor_roles=q.auditors.roles, auditor_people=q.auditors.people, escalate_to_roles=q.escalate_to.roles,
        escalate_to_people=q.escalate_to.people)


# --- API -> dataclasses -------------------------------------------------------------------------


class _Reader:
    """Reads one pb.GovernancePolicy, collecting violations under `governance_policy.`."""

    def __init__(self, org: str, currency: str, v: Violations) -> None:
        self.org, self.currency, self.v = org, currency, v

    def path(self, p: str) -> str:
        return f"governance_policy.{p}"

    def seconds(self, d: duration_pb2.Duration, path: str) -> float:
        if d.seconds < 0 or d.nanos < 0 or d.nanos > 999_999_999:
            self.v.add(self.path(path), "must be a non-negative duration")
            return 0.0
        return d.seconds + d.nanos / 1e9

    def limit(self, msg, field: str, path: str, *, unlimited: bool) -> int:
        """Micros of a money limit; -1 when unset and `unlimited` allows that."""
        if not msg.HasField(field):
            if unlimited:
                return -1
            self.v.add(self.path(path), "is required")
            return 0
        amount = money_lib.from_proto(getattr(msg, field), self.path(path), self.v)
        if amount is None:
            return 0
        if amount.currency != self.currency:
            self.v.add(self.path(f"{path}.currency_code"),
                       f"must be {self.currency}, the organization's currency")
        return amount.micros

    def candidates(self, c: pb.Candidates) -> ap.Candidates:
        return ap.Candidates(roles=list(c.roles), people=list(c.people))

    def rule(self, r: pb.ApprovalRule) -> ap.ApprovalRule:
        return ap.ApprovalRule(
            kind=enum_name(pb.RuleKind, "RULE_KIND_", r.kind), required=r.required, percent=r.percent,
            seats=r.seats, mandatory=list(r.mandatory_approvers),
            tiers=[ap.ApprovalTier(self.candidates(t.candidates), enum_name(pb.RuleKind, "RULE_KIND_", t.kind),
                                   t.required, t.percent, t.seats) for t in r.tiers])

    def timeout(self, number: int) -> str:
        return enum_name(pb.TimeoutAction, "TIMEOUT_ACTION_", number)

    def tier(self, t: pb.ChangeTier, path: str) -> pol.ChangeTier:
        return pol.ChangeTier(
            id=t.id, max_budget_delta_micros=self.limit(t, "max_budget_delta", f"{path}.max_budget_delta",
                                                        unlimited=True),
            max_schedule_delta_days=t.max_schedule_delta_days if t.max_schedule_delta_days >= 0 else -1,
            scope_change_allowed=t.scope_change_allowed, candidates=self.candidates(t.candidates),
            rule=self.rule(t.rule), due_s=self.seconds(t.due_duration, f"{path}.due_duration"),
            reminders_before_s=[self.seconds(r, f"{path}.reminders[{i}]") for i, r in enumerate(t.reminders)],
            on_timeout=self.timeout(t.on_timeout), escalate_to=self.candidates(t.escalate_to),
            business_time=t.business_time)

    def minutes(self, msg, field: str, default: int) -> int:
        """Minutes after midnight of a TimeOfDay (whole minutes; 24:00 allowed), or `default` when unset."""
        if not msg.HasField(field):
            return default
        t = getattr(msg, field)
        if t.seconds or t.nanos or not (0 <= t.hours <= 23 and 0 <= t.minutes <= 59 or (t.hours, t.minutes) == (24, 0)):
            self.v.add(self.path(f"calendar.{field}"), "must be a whole minute from 00:00 to 24:00")
            return default
        return t.hours * 60 + t.minutes

    def dates(self, values, path: str) -> list[str]:
        out = []
        for i, d in enumerate(values):
            try:
                out.append(dt.date(d.year, d.month, d.day).isoformat())
            except ValueError:
                self.v.add(self.path(f"{path}[{i}]"), "must be a full, valid date")
        return out

    def calendar(self, c: pb.BusinessCalendar, today: dt.date) -> cal.BusinessCalendar:
        """The calendar `c` describes, with the country's public holidays expanded around `today`."""
        default = cal.BusinessCalendar()
        days = sorted({d - 1 for d in c.working_days})
        if any(d not in range(7) for d in days):
            self.v.add(self.path("calendar.working_days"), "must be days of the week, MONDAY to SUNDAY")
        result = cal.BusinessCalendar(
            time_zone=c.time_zone or default.time_zone, working_days=days if c.working_days else default.working_days,
            day_start_min=self.minutes(c, "day_start", default.day_start_min),
            day_end_min=self.minutes(c, "day_end", default.day_end_min),
            holidays=sorted(set(self.dates(c.holidays, "calendar.holidays"))),
            holiday_country=c.holiday_country.upper(), holiday_subdivision=c.holiday_subdivision.upper())
        if result.holiday_subdivision and not result.holiday_country:
            self.v.add(self.path("calendar.holiday_subdivision"), "needs holiday_country")
        elif result.holiday_country:
            years = range(today.year - HOLIDAY_YEARS_BEFORE, today.year + HOLIDAY_YEARS_AFTER + 1)
            try:
                result.public_holidays = cal.public_holidays(result.holiday_country, result.holiday_subdivision, years)
            except ValueError as exc:
                field, _, why = str(exc).partition(": ")
                self.v.add(self.path(f"calendar.{field}"), why)
        return result

    def time(self, msg, field: str, path: str) -> dt.datetime:
        if not msg.HasField(field):
            self.v.add(self.path(path), "is required")
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return getattr(msg, field).ToDatetime(tzinfo=dt.UTC)

    def billing(self, msg: pb.GovernancePolicy) -> pol.BillingPolicy:
        """The billing section; unset (or unset parts of it): the defaults."""
        default = pol.BillingPolicy()
        if not msg.HasField("billing"):
            return default
        b = msg.billing
        threshold = default.approval_threshold_micros
        if b.HasField("approval_threshold"):  # in the organization's currency, as every limit of the policy
            threshold = self.limit(b, "approval_threshold", "billing.approval_threshold", unlimited=False)
        return pol.BillingPolicy(
            period=enum_name(billing_pb.BillingPeriod, "BILLING_PERIOD_", b.period) or default.period,
            day_of_month=b.schedule_day_of_month or default.day_of_month, hour=b.schedule_hour,
            approval_threshold_micros=threshold, approval_currency=self.currency,
            approval_due_s=self.seconds(b.approval_duration, "billing.approval_duration") or default.approval_due_s,
            schedule_enabled=b.schedule_enabled if b.HasField("schedule_enabled") else True)

    def quality(self, msg: pb.GovernancePolicy) -> pol.QualityPolicy:
        """The quality section; unset (or unset parts of it): the defaults."""
        default = pol.QualityPolicy()
        if not msg.HasField("quality"):
            return default
        q = msg.quality
        cron, days = q.audit_cron.strip(), q.audit_interval_days
        return pol.QualityPolicy(
            cron=cron or (default.cron if not days else ""), interval_days=days,
            checklists=[pol.AuditChecklist(
                methodology=enum_name(projects_pb.Methodology, "METHODOLOGY_", c.methodology),
                phase=enum_name(projects_pb.Phase, "PHASE_", c.phase),
                items=[pol.ChecklistItem(i.id, i.text, i.weight, i.evidence_required) for i in c.items])
                for c in q.checklists] or default.checklists,
            pass_threshold=q.pass_threshold or default.pass_threshold,
            action_slas=[pol.ActionSla(
                severity=enum_name(audits_pb.FindingSeverity, "FINDING_SEVERITY_", s.severity),
                due_s=self.seconds(s.due_duration, f"quality.corrective_action_slas[{i}].due_duration"))
                for i, s in enumerate(q.corrective_action_slas)] or default.action_slas,
            auditors=ap.Candidates(roles=list(q.auditor_roles), people=list(q.auditor_people))
            if q.auditor_roles or q.auditor_people else default.auditors,
            escalate_to=ap.Candidates(roles=list(q.escalate_to_roles), people=list(q.escalate_to_people))
            if q.escalate_to_roles or q.escalate_to_people else default.escalate_to)

    def escalation_path(self, p: pb.EscalationPath, path: str) -> pol.EscalationPath:
        levels = []
        for j, lv in enumerate(p.levels):
            at = f"{path}.levels[{j}]"
            check_text(lv.name, self.path(f"{at}.name"), self.v, max_len=LEVEL_NAME_MAX, required=True)
            levels.append(pol.EscalationLevel(
                name=lv.name, owners=self.candidates(lv.owners),
                acknowledge_s=self.seconds(lv.acknowledge_duration, f"{at}.acknowledge_duration"),
                resolve_s=self.seconds(lv.resolve_duration, f"{at}.resolve_duration")))
        return pol.EscalationPath(severity=enum_name(risks_pb.IssueSeverity, "ISSUE_SEVERITY_", p.severity),
                                  levels=levels)

    def project(self, name: str, path: str) -> str:
        if not name:
            return ""
        try:
            parts = PROJECT_PATTERN.parse(name, self.path(path))
        except errors.ApiError as exc:
            self.v.items.extend(exc.violations)
            return ""
        if parts["organization"] != self.org:
            self.v.add(self.path(path), f"must be a project of organizations/{self.org}")
        return parts["project"]


def from_proto(msg: pb.GovernancePolicy, org: str, currency: str, base: pol.GovernancePolicy,
               v: Violations, today: dt.date) -> pol.GovernancePolicy:
    """The policy `msg` describes; what the API does not carry (the post-implementation review) from `base`.

    Public holidays of the calendar's country are expanded for the years around `today`."""
    r = _Reader(org, currency, v)
    g = msg.gate_approval
    return pol.GovernancePolicy(
        version=base.version, pmo_type=enum_name(projects_pb.PmoType, "PMO_TYPE_", msg.pmo_type),
        change_tiers=[r.tier(t, f"change_tiers[{i}]") for i, t in enumerate(msg.change_tiers)],
        emergency=r.tier(msg.emergency, "emergency"),
        standard_catalogue=[pol.StandardChange(
            id=s.id, title=s.title, description=s.description,
            max_budget_delta_micros=r.limit(s, "max_budget_delta", f"standard_catalogue[{i}].max_budget_delta",
                                            unlimited=False),
            max_schedule_delta_days=s.max_schedule_delta_days) for i, s in enumerate(msg.standard_catalogue)],
        blackout_windows=[pol.BlackoutWindow(
            id=w.id, start=r.time(w, "start_time", f"blackout_windows[{i}].start_time"),
            end=r.time(w, "end_time", f"blackout_windows[{i}].end_time"),
            project=r.project(w.project, f"blackout_windows[{i}].project"), reason=w.reason)
            for i, w in enumerate(msg.blackout_windows)],
        gate_criteria=[pol.GateCriteria(
            methodology=enum_name(projects_pb.Methodology, "METHODOLOGY_", c.methodology),
            phase=enum_name(projects_pb.Phase, "PHASE_", c.phase),
            criteria=[pol.GateCriterion(x.id, x.required, x.threshold) for x in c.criteria])
            for c in msg.gate_criteria],
        gate_approval=pol.GateApproval(
            candidates=r.candidates(g.candidates), rule=r.rule(g.rule),
            due_s=r.seconds(g.due_duration, "gate_approval.due_duration"),
            reminders_before_s=[r.seconds(d, f"gate_approval.reminders[{i}]") for i, d in enumerate(g.reminders)],
            on_timeout=r.timeout(g.on_timeout), escalate_to=r.candidates(g.escalate_to),
            business_time=g.business_time),
        post_review=base.post_review,
        task_sla_s=r.seconds(msg.task_sla, "task_sla"),
        calendar=r.calendar(msg.calendar, today),
        escalation_paths=[r.escalation_path(e, f"escalation_paths[{i}]") for i, e in enumerate(msg.escalation_paths)],
        sla_warning_percent=msg.sla_warning_percent, escalate_task_breaches=msg.escalate_task_breaches,
        billing=r.billing(msg), quality=r.quality(msg))


def violations_of(p: pol.GovernancePolicy) -> list[tuple[str, str]]:
    """workflows.policy.validate's findings, as paths of the UpdateGovernancePolicy request."""
    return [(f"governance_policy.{path}", why) for path, why in pol.validate(p)]
