"""Impact of a change request on its project: pure arithmetic over facts the assessment activity read.

The activity (workflows/activities/projects.py) reads the project, its milestones and
assignments from ProjectsService and, when the project belongs to an engagement, its
financial report from BillingService; `compute_impact` turns those facts and the change
into an `Impact`. No I/O and no clock here, so every case is a hand-worked unit test.

Earned value after the change follows BillingService's definitions (EAC = BAC × AC / EV,
or AC + (BAC − EV) while CPI is undefined; PV over the planned days, inclusive) with the
new budget and end date, computed exactly and rounded once, half to even, to micros.
Problems with the change itself raise ValueError("field: reason"), like policy.route.
"""

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from workflows.change_request import AssessInput, Impact, format_money


@dataclass
class ProjectFacts:
    name: str  # organizations/{org}/projects/{project}
    etag: str
    currency: str
    budget_micros: int
    start_date: str  # ISO dates, "" when unset
    end_date: str
    percent_complete: int


@dataclass
class Dated:
    """A milestone (its due date) or an assignment (its end date)."""

    name: str
    date: str  # ISO date
    open: bool = True  # False for an achieved or cancelled milestone: nothing of it moves


@dataclass
class Actuals:
    """From BillingService's financial report of the project."""

    as_of: str  # ISO date
    ac_micros: int
    cpi: str
    spi: str
    eac_micros: int


def compute_impact(change: AssessInput, project: ProjectFacts, milestones: list[Dated], assignments: list[Dated],
                   actuals: Actuals | None, assess_time: dt.datetime | None = None) -> Impact:
    if change.currency and change.currency != project.currency:
        raise ValueError(f"budget_delta.currency_code: must be {project.currency}, the project's currency")
    new_budget = project.budget_micros + change.budget_delta_micros
    if new_budget < 0:
        raise ValueError(f"budget_delta: would make the budget negative ({format_money(new_budget, project.currency)})")
    current_end = _date(project.end_date, "project.planned_end_date")
    start = _date(project.start_date, "project.planned_start_date")
    if current_end is None or start is None:
        raise ValueError(f"project: {project.name} has no planned start and end dates; the new baseline needs both")
    new_end = new_end_date(change, current_end)
    if new_end < start:
        raise ValueError(f"new_end_date: {new_end.isoformat()} is before the project's start {start.isoformat()}")
    by_id = {m.name.rsplit("/", 1)[-1]: m for m in milestones}
    named: set[str] = set()
    for i, mc in enumerate(change.milestone_changes):
        milestone_id = mc.milestone.rsplit("/", 1)[-1]
        if milestone_id not in by_id:
            raise ValueError(f"milestone_changes[{i}].milestone: {project.name} has no milestone {milestone_id!r}")
        _date(mc.new_due_date, f"milestone_changes[{i}].new_due_date", required=True)
        named.add(by_id[milestone_id].name)
    late = {m.name for m in milestones if m.open and m.date and _date(m.date, "due_date") > new_end}
    outlasting = [a.name for a in assignments if a.date and _date(a.date, "end_date") > new_end]
    cpi_after = spi_after = ""
    eac_after = 0
    if actuals is not None:
        cpi_after, spi_after, eac_after = evm_after(new_budget, start, new_end, _date(actuals.as_of, "as_of"),
                                                    project.percent_complete, actuals.ac_micros)
    return Impact(
        current_end_date=project.end_date, new_end_date=new_end.isoformat(),
        currency=project.currency, current_budget_micros=project.budget_micros, new_budget_micros=new_budget,
        budget_delta_micros=change.budget_delta_micros,
        schedule_delta_days=(new_end - current_end).days,
        affected_milestones=sorted(late | named), affected_assignments=sorted(outlasting),
        cpi_before=actuals.cpi if actuals else "", cpi_after=cpi_after,
        spi_before=actuals.spi if actuals else "", spi_after=spi_after,
        eac_before_micros=actuals.eac_micros if actuals else 0, eac_after_micros=eac_after,
        project_etag=project.etag, assess_time=assess_time, current_start_date=project.start_date)


def new_end_date(change: AssessInput, current_end: dt.date) -> dt.date:
    """The end date the change asks for: `new_end_date`, or the current one moved by `schedule_delta_days`."""
    if change.new_end_date and change.schedule_delta_days:
        raise ValueError("new_end_date: give either new_end_date or schedule_delta_days, not both")
    if change.new_end_date:
        return _date(change.new_end_date, "new_end_date", required=True)
    return current_end + dt.timedelta(days=change.schedule_delta_days)


def evm_after(bac: int, start: dt.date | None, end: dt.date | None, as_of: dt.date, percent_complete: int,
              ac: int) -> tuple[str, str, int]:
    """(CPI, SPI, EAC micros) with budget `bac` and planned dates start..end, at the same progress and cost."""
    ev = Fraction(bac * percent_complete, 100)
    pv = Fraction(0)
    if start and end:
        total = (end - start).days + 1
        elapsed = min(max((as_of - start).days + 1, 0), total)
        pv = Fraction(bac * elapsed, total)
    eac = bac * Fraction(ac) / ev if ev and ac else ac + bac - ev
    return ratio_text(ev, Fraction(ac)), ratio_text(ev, pv), round(eac)  # round(): half to even


def ratio_text(numerator: Fraction, denominator: Fraction) -> str:
    """numerator / denominator with 4 decimals (half to even), "" when undefined: BillingService's format."""
    if denominator == 0:
        return ""
    e4 = round(numerator * 10_000 / denominator)
    whole, fraction = divmod(abs(e4), 10_000)
    return f"{'-' if e4 < 0 else ''}{whole}.{fraction:04d}"


def _date(text: str, field: str, required: bool = False) -> dt.date | None:
    if not text:
        if required:
            raise ValueError(f"{field}: is required")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not an ISO date (YYYY-MM-DD)") from None
