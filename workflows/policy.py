"""Governance policy: the per-org rules processes read (pure dataclasses, no I/O).

The GovernanceService stores policy versions (and converts them to and from the
API); a process receives the version current when it starts, records its number,
and keeps it to the end: a new version affects only processes started after it.

Money amounts are integer micros of the org's currency; durations are seconds.
"""

from dataclasses import dataclass, field
from datetime import datetime

from workflows import calendar
from workflows.approvals import ApprovalRule, ApprovalTier, Candidates, RuleKind, TimeoutAction
from workflows.calendar import BusinessCalendar

HOUR = 3600.0
DAY = 24 * HOUR
WORKDAY = 8 * HOUR  # a day of business time on the default calendar (09:00-17:00)
MAX_SLA_S = 366 * DAY  # no SLA a person is held to is longer than a year
MICROS = 1_000_000

CHANGE_TYPES = ("STANDARD", "NORMAL", "EMERGENCY")
METHODOLOGIES = ("WATERFALL", "AGILE", "PRINCE2", "HYBRID")
PHASES = ("INITIATION", "PLANNING", "EXECUTION", "MONITORING", "CLOSING", "CLOSED")
PMO_TYPES = ("STRATEGIC", "TACTICAL", "OPERATIONAL", "PROJECT")
CRITERIA = ("no_open_high_risks", "budget_variance_within_tolerance", "milestones_complete",
            "status_report_fresh", "quality_audit_score")
KNOWN_ROLES = ("admin", "pmo", "pm", "sponsor", "auditor", "finance", "member", "viewer")
SEVERITIES = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
FINDING_SEVERITIES = ("MINOR", "MAJOR", "CRITICAL")


@dataclass
class ChangeTier:
    """Changes up to these impacts are approved by these candidates, by this rule, within this SLA."""

    id: str
    max_budget_delta_micros: int  # absolute value of the budget change; -1: no limit
    max_schedule_delta_days: int  # absolute value; -1: no limit
    scope_change_allowed: bool
    candidates: Candidates
    rule: ApprovalRule
    due_s: float
    reminders_before_s: list[float] = field(default_factory=list)
    on_timeout: str = TimeoutAction.ESCALATE
    escalate_to: Candidates = field(default_factory=Candidates)
    business_time: bool = False  # due_s and reminders count the calendar's working hours only


@dataclass
class StandardChange:
    """A pre-approved change from the catalogue: auto-approved within its limits, still recorded."""

    id: str
    title: str
    max_budget_delta_micros: int
    max_schedule_delta_days: int
    description: str = ""


@dataclass
class BlackoutWindow:
    id: str
    start: datetime
    end: datetime
    project: str = ""  # project id; empty: the whole organization
    reason: str = ""


@dataclass
class GateCriterion:
    id: str  # one of CRITERIA
    required: bool = True
    threshold: str = ""  # e.g. "0.10" budget tolerance, "14" days freshness, "0.80" audit score


@dataclass
class GateCriteria:
    methodology: str  # one of METHODOLOGIES
    phase: str  # the phase being left
    criteria: list[GateCriterion]


@dataclass
class GateApproval:
    candidates: Candidates
    rule: ApprovalRule
    due_s: float
    reminders_before_s: list[float] = field(default_factory=list)
    on_timeout: str = TimeoutAction.ESCALATE
    escalate_to: Candidates = field(default_factory=Candidates)
    business_time: bool = False


@dataclass
class EscalationLevel:
    """One level of an escalation path: who owns it, and how long they have (business time)."""

    name: str  # e.g. "L1 project manager"
    owners: Candidates
    acknowledge_s: float  # from reaching the level
    resolve_s: float  # from reaching the level


@dataclass
class EscalationPath:
    severity: str  # one of SEVERITIES
    levels: list[EscalationLevel]


@dataclass
class ChecklistItem:
    """One thing an auditor checks: its share of the score, and whether a result needs evidence."""

    id: str
    text: str
    weight: int = 1
    evidence_required: bool = False


@dataclass
class AuditChecklist:
    methodology: str  # one of METHODOLOGIES; "" for any
    phase: str  # one of PHASES; "" for any
    items: list[ChecklistItem]


@dataclass
class ActionSla:
    """How long a corrective action for a finding of `severity` has (business time)."""

    severity: str  # one of FINDING_SEVERITIES
    due_s: float


@dataclass
class QualityPolicy:
    """Quality audits: when they run, what they check, what passes, and how fast findings are corrected."""

    # A cron expression (minute hour day-of-month month day-of-week) in the calendar's time zone; or, when
    # interval_days > 0, every that many days instead.
    cron: str = "0 9 1 * *"
    interval_days: int = 0
    checklists: list[AuditChecklist] = field(default_factory=lambda: default_checklists())
    pass_threshold: str = "0.80"  # the score a passing audit reaches (also the gate's default threshold)
    action_slas: list[ActionSla] = field(default_factory=lambda: default_action_slas())
    auditors: Candidates = field(default_factory=lambda: Candidates(roles=["auditor"]))
    escalate_to: Candidates = field(default_factory=lambda: Candidates(roles=["pmo"]))


BILLING_PERIODS = ("MONTHLY",)


@dataclass
class BillingPolicy:
    """The billing cycle: when the organization's schedule closes the previous period, and which invoices
    finance approves before they are issued."""

    period: str = "MONTHLY"  # one of BILLING_PERIODS: the previous calendar month in the calendar's time zone
    day_of_month: int = 1  # when the schedule runs: day (1-28) and hour (0-23) in the calendar's time zone
    hour: int = 6
    approval_threshold_micros: int = 10_000 * MICROS  # invoices above it need a finance approval
    # The threshold's currency (the organization's, set when the policy is saved); "" compares the amount in any
    # currency. An invoice in another currency always needs the approval.
    approval_currency: str = ""
    approval_due_s: float = 2 * WORKDAY  # business time on the calendar
    schedule_enabled: bool = True


@dataclass
class GovernancePolicy:
    version: int
    pmo_type: str
    change_tiers: list[ChangeTier]  # checked in order; the first tier that fits the impact routes
    emergency: ChangeTier
    standard_catalogue: list[StandardChange]
    blackout_windows: list[BlackoutWindow]
    gate_criteria: list[GateCriteria]
    gate_approval: GateApproval
    post_review: GateApproval  # the mandatory review after an emergency change
    task_sla_s: float = 3 * DAY
    # Policies stored before calendars existed decode with this default; their SLAs are wall-clock.
    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    # Issue escalation matrix by severity; stored policies without one get the defaults.
    escalation_paths: list[EscalationPath] = field(default_factory=lambda: default_escalation_paths())
    sla_warning_percent: int = 75  # people hear that an SLA is at risk once this share of it is used
    escalate_task_breaches: bool = True  # a task whose SLA runs out starts an escalation that chases it
    # Stored policies without one get the defaults, so an organization without a policy can audit.
    quality: QualityPolicy = field(default_factory=QualityPolicy)
    # Stored policies without one get the defaults, so every organization's periods close.
    billing: BillingPolicy = field(default_factory=BillingPolicy)


# --- defaults ---------------------------------------------------------------------------------


def _tier(id_: str, budget: int, days: int, scope: bool, roles: list[str], rule: ApprovalRule, due_s: float,
          escalate: list[str], business: bool = True) -> ChangeTier:
    return ChangeTier(id_, budget, days, scope, Candidates(roles=roles), rule, due_s,
                      reminders_before_s=[due_s / 2, due_s / 6], on_timeout=TimeoutAction.ESCALATE,
                      escalate_to=Candidates(roles=escalate), business_time=business)


def default_policy(pmo_type: str = "TACTICAL") -> GovernancePolicy:
    """Sensible defaults per PMO type: a strategic PMO asks sponsors more often and for smaller changes;
    an operational or project PMO lets the PMO decide more on its own."""
    pmo_type = pmo_type if pmo_type in PMO_TYPES else "TACTICAL"
    minor_limit = {"STRATEGIC": 5_000, "TACTICAL": 10_000, "OPERATIONAL": 25_000, "PROJECT": 25_000}[pmo_type]
    major_limit = minor_limit * 10
    any_rule = ApprovalRule(kind=RuleKind.ANY)
    major_rule = ApprovalRule(kind=RuleKind.TIERS, tiers=[
        ApprovalTier(Candidates(roles=["pmo"])), ApprovalTier(Candidates(roles=["sponsor"]))])
    critical_rule = ApprovalRule(kind=RuleKind.TIERS, tiers=[
        ApprovalTier(Candidates(roles=["pmo"])),
        ApprovalTier(Candidates(roles=["sponsor"]), kind=RuleKind.N_OF_M, required=2, seats=2)])
    tiers = [
        _tier("minor", minor_limit * MICROS, 5, False, ["pmo"], any_rule, 2 * WORKDAY, ["sponsor"]),
        _tier("major", major_limit * MICROS, 30, True, ["pmo", "sponsor"], major_rule, 5 * WORKDAY, ["admin"]),
        _tier("critical", -1, -1, True, ["pmo", "sponsor"], critical_rule, 10 * WORKDAY, ["admin"]),
    ]
    if pmo_type == "STRATEGIC":
        tiers[0].candidates = Candidates(roles=["pmo", "sponsor"])
    # Durations below are business time (a "day" is 8 working hours of the calendar), except for
    # emergencies, which are decided around the clock.
    emergency = _tier("emergency", -1, -1, True, ["pmo", "sponsor"], any_rule, 4 * HOUR, ["admin"], business=False)
    review = GateApproval(Candidates(roles=["pmo"]), any_rule, 5 * WORKDAY, [2 * WORKDAY], TimeoutAction.ESCALATE,
                          Candidates(roles=["sponsor"]), business_time=True)
    gate = GateApproval(Candidates(roles=["pmo", "sponsor"]), ApprovalRule(kind=RuleKind.ANY), 5 * WORKDAY,
                        [2 * WORKDAY, 1 * WORKDAY], TimeoutAction.ESCALATE, Candidates(roles=["admin"]),
                        business_time=True)
    return GovernancePolicy(
        version=0, pmo_type=pmo_type, change_tiers=tiers, emergency=emergency,
        standard_catalogue=[
            StandardChange("minor-date-shift", "Move the end date by up to 2 days", 0, 2),
            StandardChange("small-budget-adjustment", "Adjust the budget by up to 1,000", 1_000 * MICROS, 0),
        ],
        blackout_windows=[],
        gate_criteria=[GateCriteria(m, p, _default_criteria(p)) for m in METHODOLOGIES for p in PHASES[:5]],
        gate_approval=gate,
        post_review=review,
    )


def default_escalation_paths() -> list[EscalationPath]:
    """The seeds' pathway: L1 project manager -> L2 PMO lead -> L3 client sponsor and provider senior
    management (admin); CRITICAL issues get a quarter of HIGH's time at each level."""
    def path(severity: str, scale: float) -> EscalationPath:
        return EscalationPath(severity, [
            EscalationLevel("L1 project manager", Candidates(roles=["pm"]), 4 * HOUR * scale, 2 * WORKDAY * scale),
            EscalationLevel("L2 PMO lead", Candidates(roles=["pmo"]), 4 * HOUR * scale, 2 * WORKDAY * scale),
            EscalationLevel("L3 sponsor and senior management", Candidates(roles=["sponsor", "admin"]),
                            1 * WORKDAY * scale, 5 * WORKDAY * scale),
        ])
    return [path("HIGH", 1.0), path("CRITICAL", 0.25)]


def default_checklists() -> list[AuditChecklist]:
    """One checklist for any methodology and phase: the PMO's standards every project is held to."""
    return [AuditChecklist("", "", [
        ChecklistItem("plan-baselined", "The plan and budget are baselined and approved", 3, True),
        ChecklistItem("status-reports", "Status reports are current and reviewed with the sponsor", 2, True),
        ChecklistItem("risk-register", "The risk register is reviewed and risks have owners", 2, True),
        ChecklistItem("change-control", "Changes went through change control", 2, False),
        ChecklistItem("lessons-learned", "Lessons learned are recorded", 1, False),
    ])]


def default_action_slas() -> list[ActionSla]:
    return [ActionSla("MINOR", 10 * WORKDAY), ActionSla("MAJOR", 5 * WORKDAY), ActionSla("CRITICAL", 2 * WORKDAY)]


def audit_checklist(policy: GovernancePolicy, methodology: str, phase: str) -> list[ChecklistItem]:
    """The org's checklist for a project in `phase` under `methodology`: the most specific entry wins
    (methodology and phase, then methodology, then phase, then the catch-all); the defaults without one."""
    entries = {(c.methodology, c.phase): c.items for c in policy.quality.checklists}
    for key in ((methodology, phase), (methodology, ""), ("", phase), ("", "")):
        if key in entries:
            return entries[key]
    return default_checklists()[0].items


def action_sla_s(policy: GovernancePolicy, severity: str) -> float:
    """Business seconds a corrective action for a `severity` finding has (the defaults' when not set)."""
    for sla in (*policy.quality.action_slas, *default_action_slas()):
        if sla.severity == severity:
            return sla.due_s
    return 5 * WORKDAY


def escalation_path(policy: GovernancePolicy, severity: str) -> EscalationPath:
    """The path for `severity`; a severity without its own path (LOW, MEDIUM raised by hand) takes the
    path of the least severe one that has one."""
    paths = {p.severity: p for p in policy.escalation_paths}
    for s in SEVERITIES[SEVERITIES.index(severity):] + SEVERITIES[::-1]:
        if s in paths:
            return paths[s]
    return default_escalation_paths()[0]


def _default_criteria(phase: str) -> list[GateCriterion]:
    criteria = [GateCriterion("no_open_high_risks"), GateCriterion("status_report_fresh", threshold="14")]
    if phase in ("EXECUTION", "MONITORING", "CLOSING"):
        criteria.append(GateCriterion("budget_variance_within_tolerance", threshold="0.10"))
        criteria.append(GateCriterion("milestones_complete", required=phase == "CLOSING"))
    criteria.append(GateCriterion("quality_audit_score", required=False, threshold="0.80"))
    return criteria


# --- rules read from a policy -----------------------------------------------------------------


@dataclass
class ChangeImpact:
    budget_delta_micros: int
    schedule_delta_days: int
    scope_change: bool


def route(policy: GovernancePolicy, change_type: str, impact: ChangeImpact,
          catalogue_item: str = "") -> ChangeTier | None:
    """The tier that decides a change; None for a STANDARD change the catalogue pre-approves.

    Raises ValueError (with the field to blame) when a STANDARD change is not in the catalogue or exceeds it.
    """
    if change_type == "EMERGENCY":
        return policy.emergency
    if change_type == "STANDARD":
        item = next((s for s in policy.standard_catalogue if s.id == catalogue_item), None)
        if item is None:
            raise ValueError(f"catalogue_item: {catalogue_item!r} is not in the organization's standard catalogue")
        if abs(impact.budget_delta_micros) > item.max_budget_delta_micros or \
                abs(impact.schedule_delta_days) > item.max_schedule_delta_days or impact.scope_change:
            raise ValueError(f"catalogue_item: the change exceeds what {item.id!r} pre-approves; submit it as NORMAL")
        return None
    for tier in policy.change_tiers:
        if _within(abs(impact.budget_delta_micros), tier.max_budget_delta_micros) and \
                _within(abs(impact.schedule_delta_days), tier.max_schedule_delta_days) and \
                (tier.scope_change_allowed or not impact.scope_change):
            return tier
    return policy.change_tiers[-1]


def _within(value: int, limit: int) -> bool:
    return limit < 0 or value <= limit


def blackouts_at(policy: GovernancePolicy, project: str, when: datetime) -> list[BlackoutWindow]:
    """Change freezes covering `when` for the project (org-wide ones included)."""
    return [w for w in policy.blackout_windows if w.start <= when < w.end and w.project in ("", project)]


def gate_criteria_for(policy: GovernancePolicy, methodology: str, phase: str) -> list[GateCriterion]:
    for entry in policy.gate_criteria:
        if entry.methodology == methodology and entry.phase == phase:
            return entry.criteria
    return _default_criteria(phase)


# --- validation -------------------------------------------------------------------------------


def validate(policy: GovernancePolicy) -> list[tuple[str, str]]:
    """Field violations (path, reason) in API field names; empty when the policy is usable."""
    out: list[tuple[str, str]] = []
    if policy.pmo_type not in PMO_TYPES:
        out.append(("pmo_type", f"must be one of {', '.join(PMO_TYPES)}"))
    if not policy.change_tiers:
        out.append(("change_tiers", "at least one tier is required"))
    seen: set[str] = set()
    for i, tier in enumerate(policy.change_tiers):
        _check_tier(f"change_tiers[{i}]", tier, out)
        if tier.id in seen:
            out.append((f"change_tiers[{i}].id", f"duplicate tier id {tier.id!r}"))
        seen.add(tier.id)
    if policy.change_tiers and (policy.change_tiers[-1].max_budget_delta_micros >= 0
                                or policy.change_tiers[-1].max_schedule_delta_days >= 0):
        out.append((f"change_tiers[{len(policy.change_tiers) - 1}]",
                    "the last tier must have no limits (-1) so every change has a route"))
    _check_tier("emergency", policy.emergency, out)
    for i, item in enumerate(policy.standard_catalogue):
        if not item.id.strip():
            out.append((f"standard_catalogue[{i}].id", "is required"))
        if item.max_budget_delta_micros < 0 or item.max_schedule_delta_days < 0:
            out.append((f"standard_catalogue[{i}]", "limits of a standard change must be zero or more"))
    for i, w in enumerate(policy.blackout_windows):
        if w.end <= w.start:
            out.append((f"blackout_windows[{i}].end_time", "must be after start_time"))
    for i, entry in enumerate(policy.gate_criteria):
        if entry.methodology not in METHODOLOGIES:
            out.append((f"gate_criteria[{i}].methodology", f"must be one of {', '.join(METHODOLOGIES)}"))
        if entry.phase not in PHASES[:5]:
            out.append((f"gate_criteria[{i}].phase", "must be a phase a project can leave"))
        for j, c in enumerate(entry.criteria):
            if c.id not in CRITERIA:
                out.append((f"gate_criteria[{i}].criteria[{j}].id", f"must be one of {', '.join(CRITERIA)}"))
            elif c.threshold and not _is_number(c.threshold):
                out.append((f"gate_criteria[{i}].criteria[{j}].threshold", "must be a decimal number"))
    for name, approval in (("gate_approval", policy.gate_approval), ("post_review", policy.post_review)):
        _check_approval(name, approval.candidates, approval.rule, approval.due_s, approval.on_timeout,
                        approval.escalate_to, out)
    for i, p in enumerate(policy.escalation_paths):
        if p.severity not in SEVERITIES:
            out.append((f"escalation_paths[{i}].severity", f"must be one of {', '.join(SEVERITIES)}"))
        if not p.levels:
            out.append((f"escalation_paths[{i}].levels", "at least one level is required"))
        for j, level in enumerate(p.levels):
            at = f"escalation_paths[{i}].levels[{j}]"
            _check_candidates(f"{at}.owners", level.owners, out)
            for name, value in (("acknowledge_duration", level.acknowledge_s), ("resolve_duration", level.resolve_s)):
                if not 0 < value <= MAX_SLA_S:
                    out.append((f"{at}.{name}", "must be positive and at most 366 days"))
    if len({p.severity for p in policy.escalation_paths}) != len(policy.escalation_paths):
        out.append(("escalation_paths", "one path per severity"))
    if not 0 <= policy.sla_warning_percent < 100:
        out.append(("sla_warning_percent", "must be from 0 (no warning) to 99"))
    if not 0 < policy.task_sla_s <= MAX_SLA_S:
        out.append(("task_sla", "must be positive and at most 366 days"))
    out.extend(calendar.validate(policy.calendar))
    _check_quality(policy.quality, out)
    _check_billing(policy.billing, out)
    return out


def _check_billing(b: BillingPolicy, out: list[tuple[str, str]]) -> None:
    if b.period not in BILLING_PERIODS:
        out.append(("billing.period", f"must be one of {', '.join(BILLING_PERIODS)}"))
    if not 1 <= b.day_of_month <= 28:
        out.append(("billing.schedule_day_of_month", "must be from 1 to 28 (every month has it)"))
    if not 0 <= b.hour <= 23:
        out.append(("billing.schedule_hour", "must be from 0 to 23"))
    if b.approval_threshold_micros < 0:
        out.append(("billing.approval_threshold", "must not be negative"))
    if not 0 < b.approval_due_s <= MAX_SLA_S:
        out.append(("billing.approval_duration", "must be positive and at most 366 days"))


CRON_FIELDS = 5


def _check_quality(q: QualityPolicy, out: list[tuple[str, str]]) -> None:
    if q.interval_days < 0 or q.interval_days > 366:
        out.append(("quality.audit_interval_days", "must be from 0 (use the cron expression) to 366"))
    if q.interval_days == 0 and len(q.cron.split()) != CRON_FIELDS:
        out.append(("quality.audit_cron", "must be a cron expression of 5 fields (minute hour day month weekday) "
                    "when no interval is set"))
    if not _is_number(q.pass_threshold) or not 0 <= float(q.pass_threshold) <= 1:
        out.append(("quality.pass_threshold", "must be a decimal number from 0 to 1"))
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(q.checklists):
        at = f"quality.checklists[{i}]"
        if c.methodology and c.methodology not in METHODOLOGIES:
            out.append((f"{at}.methodology", f"must be one of {', '.join(METHODOLOGIES)} or unset"))
        if c.phase and c.phase not in PHASES:
            out.append((f"{at}.phase", f"must be one of {', '.join(PHASES)} or unset"))
        if (c.methodology, c.phase) in seen:
            out.append((at, "one checklist per methodology and phase"))
        seen.add((c.methodology, c.phase))
        if not c.items:
            out.append((f"{at}.items", "at least one item is required"))
        ids: set[str] = set()
        for j, item in enumerate(c.items):
            if not item.id.strip() or len(item.id) > 100:
                out.append((f"{at}.items[{j}].id", "must be 1-100 characters"))
            elif item.id in ids:
                out.append((f"{at}.items[{j}].id", f"duplicate item id {item.id!r}"))
            ids.add(item.id)
            if not item.text.strip():
                out.append((f"{at}.items[{j}].text", "is required"))
            if not 1 <= item.weight <= 100:
                out.append((f"{at}.items[{j}].weight", "must be from 1 to 100"))
    for i, sla in enumerate(q.action_slas):
        if sla.severity not in FINDING_SEVERITIES:
            out.append((f"quality.corrective_action_slas[{i}].severity",
                        f"must be one of {', '.join(FINDING_SEVERITIES)}"))
        if not 0 < sla.due_s <= MAX_SLA_S:
            out.append((f"quality.corrective_action_slas[{i}].due_duration", "must be positive and at most 366 days"))
    _check_candidates("quality.auditors", q.auditors, out)
    _check_candidates("quality.escalate_to", q.escalate_to, out)


def _check_tier(path: str, tier: ChangeTier, out: list[tuple[str, str]]) -> None:
    if not tier.id.strip():
        out.append((f"{path}.id", "is required"))
    _check_approval(path, tier.candidates, tier.rule, tier.due_s, tier.on_timeout, tier.escalate_to, out)
    unbounded = tier.max_budget_delta_micros < 0 or tier.scope_change_allowed
    if tier.on_timeout == TimeoutAction.AUTO_APPROVE and unbounded:
        out.append((f"{path}.on_timeout", "AUTO_APPROVE is allowed only for tiers with a budget limit and no scope "
                    "change"))


def _check_approval(path: str, candidates: Candidates, rule: ApprovalRule, due_s: float, on_timeout: str,
                    escalate_to: Candidates, out: list[tuple[str, str]]) -> None:
    if not 0 < due_s <= MAX_SLA_S:
        out.append((f"{path}.due_duration", "must be positive and at most 366 days"))
    if on_timeout not in tuple(TimeoutAction):
        out.append((f"{path}.on_timeout", f"must be one of {', '.join(TimeoutAction)}"))
    if on_timeout == TimeoutAction.ESCALATE and not (escalate_to.roles or escalate_to.people):
        out.append((f"{path}.escalate_to", "is required when on_timeout is ESCALATE"))
    _check_candidates(f"{path}.escalate_to", escalate_to, out, required=False)
    if rule.kind == RuleKind.TIERS:
        if not rule.tiers:
            out.append((f"{path}.rule.tiers", "TIERS needs at least one tier"))
        for i, t in enumerate(rule.tiers):
            _check_rule(f"{path}.rule.tiers[{i}]", t, out)
            _check_candidates(f"{path}.rule.tiers[{i}].candidates", t.candidates, out)
    else:
        _check_candidates(f"{path}.candidates", candidates, out, required=not rule.mandatory)
        _check_rule(f"{path}.rule", ApprovalTier(candidates, rule.kind, rule.required, rule.percent, rule.seats), out)


def _check_rule(path: str, tier: ApprovalTier, out: list[tuple[str, str]]) -> None:
    if tier.kind not in (RuleKind.ANY, RuleKind.ALL, RuleKind.N_OF_M, RuleKind.PERCENT):
        out.append((f"{path}.kind", "must be ANY, ALL, N_OF_M or PERCENT"))
    if tier.kind == RuleKind.N_OF_M:
        if tier.required < 1:
            out.append((f"{path}.required", "N_OF_M needs required >= 1"))
        elif not tier.candidates.roles and tier.required > len(tier.candidates.people):
            out.append((f"{path}.required", f"{tier.required} approvals cannot come from "
                        f"{len(tier.candidates.people)} named people"))
    if tier.kind == RuleKind.PERCENT and not 1 <= tier.percent <= 100:
        out.append((f"{path}.percent", "must be between 1 and 100"))
    if tier.seats < 0:
        out.append((f"{path}.seats", "must be zero or more"))


def _check_candidates(path: str, c: Candidates, out: list[tuple[str, str]], required: bool = True) -> None:
    if required and not (c.roles or c.people):
        out.append((path, "name at least one role or person"))
    for i, r in enumerate(c.roles):
        if r not in KNOWN_ROLES:
            out.append((f"{path}.roles[{i}]", f"unknown role {r!r}"))
    for i, p in enumerate(c.people):
        if not p.strip() or len(p) > 200:
            out.append((f"{path}.people[{i}]", "must be a subject id of 1-200 characters"))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
