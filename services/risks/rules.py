"""Pure rules of the Risks domain: validation, scoring, escalation, views.

No I/O here, so each rule is unit-tested on its own. Validators take the
whole (merged) resource, record every problem in `Violations`, and return the
column values to store.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pmaas.risks.v1 import resources_pb2 as pb
from services.platform.errors import Violations, failed_precondition
from services.platform.resources import check_enum, check_text, from_date

TITLE_MAX = 200
TEXT_MAX = 10_000
PERSON_MAX = 128
ACTIONS_MAX = 100
ACTION_TEXT_MAX = 2000
DEFAULT_REVIEW_CADENCE_DAYS = 30
MAX_SCORE = 25

THREAT_STRATEGIES = {pb.RESPONSE_STRATEGY_AVOID, pb.RESPONSE_STRATEGY_MITIGATE, pb.RESPONSE_STRATEGY_TRANSFER,
                     pb.RESPONSE_STRATEGY_ACCEPT}
OPPORTUNITY_STRATEGIES = {pb.RESPONSE_STRATEGY_EXPLOIT, pb.RESPONSE_STRATEGY_ENHANCE, pb.RESPONSE_STRATEGY_ACCEPT}
# Risks that still need attention; the views count only these.
ACTIVE_STATUSES = (pb.RISK_STATUS_OPEN, pb.RISK_STATUS_MITIGATING)
_FINISHED_ACTIONS = {pb.ACTION_STATE_DONE, pb.ACTION_STATE_CANCELLED}


# --- the risk matrix ----------------------------------------------------------

@dataclass(frozen=True)
class Band:
    min_score: int
    max_score: int
    level: int


@dataclass(frozen=True)
class Matrix:
    bands: tuple[Band, ...]

    def level_of(self, score: int) -> int:
        """The level of a probability × impact score; UNSPECIFIED for 0 (not assessed)."""
        for band in self.bands:
            if band.min_score <= score <= band.max_score:
                return band.level
        return pb.RISK_LEVEL_UNSPECIFIED

    def to_json(self) -> str:
        return json.dumps([{"min": b.min_score, "max": b.max_score, "level": b.level} for b in self.bands])

    @staticmethod
    def from_json(text: str) -> Matrix:
        return Matrix(tuple(Band(b["min"], b["max"], b["level"]) for b in json.loads(text)))

    def to_protos(self) -> list[pb.RiskScoreBand]:
        return [pb.RiskScoreBand(min_score=b.min_score, max_score=b.max_score, level=b.level) for b in self.bands]


# Scores a 5×5 matrix can reach: 1-6, 8-10, 12, 15, 16, 20, 25.
DEFAULT_MATRIX = Matrix((
    Band(1, 4, pb.RISK_LEVEL_LOW), Band(5, 9, pb.RISK_LEVEL_MEDIUM),
    Band(10, 19, pb.RISK_LEVEL_HIGH), Band(20, 25, pb.RISK_LEVEL_CRITICAL),
))


def matrix_from_bands(bands: Iterable[pb.RiskScoreBand], v: Violations) -> Matrix:
    """Bands must run 1..25 ascending with no gap or overlap, each level higher than the last."""
    bands = list(bands)
    if not bands:
        v.add("risk_matrix.bands", "is required: bands covering scores 1..25")
        return DEFAULT_MATRIX
    expected_min, last_level = 1, pb.RISK_LEVEL_UNSPECIFIED
    for i, band in enumerate(bands):
        field = f"risk_matrix.bands[{i}]"
        check_enum(band.level, pb.RiskLevel.DESCRIPTOR, f"{field}.level", v, required=True)
        if band.min_score != expected_min:
            v.add(f"{field}.min_score", f"must be {expected_min}: bands ascend from 1 with no gap or overlap")
        if not band.min_score <= band.max_score <= MAX_SCORE:
            v.add(f"{field}.max_score", f"must be between min_score and {MAX_SCORE}")
        if band.level and band.level <= last_level:
            v.add(f"{field}.level", "must be higher than the level of the band before")
        expected_min, last_level = band.max_score + 1, max(last_level, band.level)
    if bands[-1].max_score != MAX_SCORE:
        v.add(f"risk_matrix.bands[{len(bands) - 1}].max_score", f"must be {MAX_SCORE}: the bands cover 1..25")
    return Matrix(tuple(Band(b.min_score, b.max_score, b.level) for b in bands))


# --- risks ----------------------------------------------------------------------

def _check_scale(value: int, field: str, v: Violations, *, allow_zero: bool = False) -> None:
    if not (1 <= value <= 5 or (allow_zero and value == 0)):
        v.add(field, "must be between 1 and 5" + (" (or 0 when not assessed)" if allow_zero else ""))


def _plan_json(actions, field: str, v: Violations) -> str:
    if len(actions) > ACTIONS_MAX:
        v.add(field, f"has {len(actions)} actions; at most {ACTIONS_MAX}")
    plan = []
    for i, action in enumerate(actions):
        f = f"{field}[{i}]"
        check_text(action.description, f"{f}.description", v, max_len=ACTION_TEXT_MAX, required=True, multiline=True)
        check_text(action.owner, f"{f}.owner", v, max_len=PERSON_MAX)
        check_enum(action.state, pb.ActionState.DESCRIPTOR, f"{f}.state", v)
        due = from_date(action, "due_date", v, prefix=f)
        plan.append({"description": action.description.strip(), "owner": action.owner.strip(),
                     "due_date": due.isoformat() if due else None, "state": action.state or pb.ACTION_STATE_PLANNED})
    return json.dumps(plan, sort_keys=True)


def risk_columns(r: pb.Risk, v: Violations) -> dict[str, Any]:
    check_text(r.title, "risk.title", v, max_len=TITLE_MAX, required=True)
    for field in ("description", "cause", "effect"):
        check_text(getattr(r, field), f"risk.{field}", v, max_len=TEXT_MAX, multiline=True)
    check_text(r.category, "risk.category", v, max_len=TITLE_MAX)
    check_text(r.owner, "risk.owner", v, max_len=PERSON_MAX)
    _check_scale(r.probability, "risk.probability", v)
    _check_scale(r.impact, "risk.impact", v)
    _check_scale(r.residual_probability, "risk.residual_probability", v, allow_zero=True)
    _check_scale(r.residual_impact, "risk.residual_impact", v, allow_zero=True)
    if (r.residual_probability == 0) != (r.residual_impact == 0):
        v.add("risk.residual_impact", "residual_probability and residual_impact are assessed together: set both")
    check_enum(r.response_strategy, pb.ResponseStrategy.DESCRIPTOR, "risk.response_strategy", v)
    allowed = OPPORTUNITY_STRATEGIES if r.is_opportunity else THREAT_STRATEGIES
    if r.response_strategy in THREAT_STRATEGIES | OPPORTUNITY_STRATEGIES and r.response_strategy not in allowed:
        kind = "an opportunity" if r.is_opportunity else "a threat"
        names = ", ".join(sorted(pb.ResponseStrategy.Name(s) for s in allowed))
        v.add("risk.response_strategy", f"does not answer {kind}; use one of {names}")
    check_enum(r.status, pb.RiskStatus.DESCRIPTOR, "risk.status", v)
    cadence = r.review_cadence_days or DEFAULT_REVIEW_CADENCE_DAYS
    if not 1 <= cadence <= 365:
        v.add("risk.review_cadence_days", "must be between 1 and 365 (0 means the default, 30)")
    return {
        "title": r.title.strip(), "description": r.description, "category": r.category.strip(),
        "cause": r.cause, "effect": r.effect, "owner": r.owner.strip(), "probability": r.probability,
        "impact": r.impact, "is_opportunity": r.is_opportunity, "response_strategy": r.response_strategy,
        "mitigation_plan": _plan_json(r.mitigation_plan, "risk.mitigation_plan", v),
        "contingency_plan": _plan_json(r.contingency_plan, "risk.contingency_plan", v),
        "residual_probability": r.residual_probability, "residual_impact": r.residual_impact,
        "status": r.status or pb.RISK_STATUS_OPEN, "review_cadence_days": cadence,
    }


def check_risk_status_change(current: int, target: int) -> None:
    """OCCURRED is reached through OccurRisk alone, and an occurred risk can only be closed."""
    if target == current:
        return
    if target == pb.RISK_STATUS_OCCURRED:
        raise failed_precondition("USE_OCCUR_RISK", "a risk becomes RISK_STATUS_OCCURRED through OccurRisk, "
                                  "which also raises its issue")
    if current == pb.RISK_STATUS_OCCURRED and target != pb.RISK_STATUS_CLOSED:
        raise failed_precondition("RISK_OCCURRED", "an occurred risk can only be closed; its issue carries on")


def check_can_occur(status: int, is_opportunity: bool) -> None:
    if is_opportunity:
        raise failed_precondition("OPPORTUNITY_CANNOT_OCCUR", "an opportunity that happens is not an issue")
    if status not in ACTIVE_STATUSES:
        raise failed_precondition("RISK_NOT_ACTIVE",
                                  f"the risk is {pb.RiskStatus.Name(status)}; only OPEN or MITIGATING risks occur")


def scores_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Whether a change belongs in the score history."""
    keys = ("probability", "impact", "residual_probability", "residual_impact", "status")
    return any(before[k] != after[k] for k in keys)


def next_review(now: dt.datetime, cadence_days: int) -> dt.datetime:
    return now + dt.timedelta(days=cadence_days)


# --- issues ---------------------------------------------------------------------

def issue_columns(i: pb.Issue, v: Violations) -> dict[str, Any]:
    check_text(i.title, "issue.title", v, max_len=TITLE_MAX, required=True)
    check_text(i.description, "issue.description", v, max_len=TEXT_MAX, multiline=True)
    check_enum(i.severity, pb.IssueSeverity.DESCRIPTOR, "issue.severity", v, required=True)
    check_text(i.owner, "issue.owner", v, max_len=PERSON_MAX)
    due = from_date(i, "due_date", v, prefix="issue")
    check_enum(i.status, pb.IssueStatus.DESCRIPTOR, "issue.status", v)
    check_text(i.resolution, "issue.resolution", v, max_len=TEXT_MAX,
               required=i.status == pb.ISSUE_STATUS_RESOLVED, multiline=True)
    return {"title": i.title.strip(), "description": i.description, "severity": i.severity,
            "owner": i.owner.strip(), "due_date": due, "status": i.status or pb.ISSUE_STATUS_OPEN,
            "resolution": i.resolution}


_SEVERITY_OF_LEVEL = {pb.RISK_LEVEL_LOW: pb.ISSUE_SEVERITY_LOW, pb.RISK_LEVEL_MEDIUM: pb.ISSUE_SEVERITY_MEDIUM,
                      pb.RISK_LEVEL_HIGH: pb.ISSUE_SEVERITY_HIGH, pb.RISK_LEVEL_CRITICAL: pb.ISSUE_SEVERITY_CRITICAL}


def issue_from_risk(risk: pb.Risk, given: pb.Issue) -> pb.Issue:
    """The issue an occurred risk becomes: `given` fields first, the rest from the risk."""
    issue = pb.Issue()
    issue.CopyFrom(given)
    issue.title = given.title or risk.title
    issue.description = given.description or risk.effect or risk.description
    issue.owner = given.owner or risk.owner
    issue.severity = given.severity or _SEVERITY_OF_LEVEL[risk.inherent_level]
    return issue


def escalation_trigger(previous: int | None, severity: int) -> int | None:
    """The escalation an issue's severity change sets off, if any.

    Raising at HIGH or CRITICAL, or re-grading up to one of them (including
    HIGH -> CRITICAL), escalates; anything below HIGH or any downgrade does not.
    """
    if severity < pb.ISSUE_SEVERITY_HIGH:
        return None
    if previous is None:
        return pb.ESCALATION_TRIGGER_RAISED
    return pb.ESCALATION_TRIGGER_REGRADED if severity > previous else None


def escalation_ended(before: Mapping[str, Any], after: Mapping[str, Any] | None) -> bool:
    """Whether a change ends the escalation an issue set off: it was HIGH or CRITICAL and is now deleted
    (`after` None), resolved or closed, or re-graded below HIGH."""
    if before["severity"] < pb.ISSUE_SEVERITY_HIGH or before["status"] in _DONE:
        return False
    return after is None or after["status"] in _DONE or after["severity"] < pb.ISSUE_SEVERITY_HIGH


_DONE = (pb.ISSUE_STATUS_RESOLVED, pb.ISSUE_STATUS_CLOSED)
_FINISHING = {pb.ISSUE_STATUS_RESOLVED: "resolve", pb.ISSUE_STATUS_CLOSED: "close"}


def is_escalated(severity: int, source_risk: str) -> bool:
    """On the escalation path: at HIGH or CRITICAL (so it set off an escalation event), or raised from a risk."""
    return severity >= pb.ISSUE_SEVERITY_HIGH or bool(source_risk)


def escalation_managed_change(before: Mapping[str, Any], after: Mapping[str, Any] | None) -> str | None:
    """What a change does that only the escalation path may do to an escalated issue, or None.

    `before` and `after` hold the issue's severity, status and source_risk; `after` is None for a delete.
    Deleting, resolving or closing, and re-grading down are managed; anything else (notes, owner, due
    date, a higher severity) stays with the team.
    """
    if after is None:
        return "delete" if is_escalated(before["severity"], before["source_risk"]) else None
    if not (is_escalated(before["severity"], before["source_risk"]) or is_escalated(after["severity"], "")):
        return None
    if after["severity"] < before["severity"]:
        return "downgrade"
    if after["status"] != before["status"]:
        return _FINISHING.get(after["status"])
    return None


# --- views ----------------------------------------------------------------------

def heat_map(counts: dict[tuple[int, int], int], matrix: Matrix) -> list[pb.HeatMapCell]:
    """All 25 cells, probability then impact ascending, from counts per (probability, impact)."""
    return [pb.HeatMapCell(probability=p, impact=i, count=counts.get((p, i), 0), level=matrix.level_of(p * i))
            for p in range(1, 6) for i in range(1, 6)]


def review_overdue(risk: pb.Risk, now: dt.datetime) -> bool:
    return risk.status in ACTIVE_STATUSES and risk.next_review_time.ToDatetime(dt.UTC) < now


def overdue_actions(risk: pb.Risk, today: dt.date) -> list[pb.OverdueAction]:
    """Unfinished actions of an active risk whose due date has passed."""
    if risk.status not in ACTIVE_STATUSES:
        return []
    found = []
    for plan in ("mitigation_plan", "contingency_plan"):
        for index, action in enumerate(getattr(risk, plan)):
            if action.state in _FINISHED_ACTIONS or not action.HasField("due_date"):
                continue
            due = dt.date(action.due_date.year, action.due_date.month, action.due_date.day)
            if due < today:
                found.append(pb.OverdueAction(risk=risk.name, plan=plan, index=index, action=action))
    return found


def _due(found: pb.OverdueAction) -> tuple[int, int, int]:
    d = found.action.due_date
    return (d.year, d.month, d.day)


def exposure(scope: str, risks: list[pb.Risk], now: dt.datetime, max_items: int) -> pb.RiskExposure:
    """Where attention is needed among `risks` (in creation order); each list capped at `max_items`."""
    active = [r for r in risks if r.status in ACTIVE_STATUSES]
    by_score = sorted(active, key=lambda r: -r.inherent_score)  # stable: older first among equals
    reviews = sorted((r for r in active if review_overdue(r, now)), key=lambda r: r.next_review_time.ToNanoseconds())
    actions = sorted((a for r in active for a in overdue_actions(r, now.date())), key=_due)
    unowned = [r.name for r in by_score if not r.owner]
    return pb.RiskExposure(
        scope=scope, top_risks=by_score[:max_items], overdue_reviews=reviews[:max_items],
        overdue_review_count=len(reviews), overdue_actions=actions[:max_items], overdue_action_count=len(actions),
        unowned_risks=unowned[:max_items], unowned_risk_count=len(unowned), active_risk_count=len(active),
    )
