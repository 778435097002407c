"""Pure rules of Billing: validation, durations, rates, invoice arithmetic, EVM.

No I/O here, so each rule is tested on its own (hypothesis covers the money).

The one rounding rule: an amount that needs a division is rounded half to
even to the currency's minor unit once, where it is made — a TIME line is
round(minutes × hourly rate / 60), a pro-rated value round(BAC × share).
Everything else is integer sums of those amounts: an invoice total is the sum
of its lines, always, and a report's actual cost is the sum of the same lines.

Bounds, so no sum overflows the bigint micros it is stored in (2^63 - 1, about 9.2 x 10^12 units):
one amount is at most 10^12 currency units (money.MAX_MICROS); the charges recorded on one
engagement (its expenses plus its non-rejected time at the rates in effect) total at most
MAX_ENGAGEMENT_CHARGES_MICROS, checked as each is recorded; its milestone fees add up to at most
the same. An invoice is then at most a few times 10^12 units; GenerateInvoice still refuses one that
would not fit (a later rate change can reprice recorded time). Sums are taken in numeric (SQL) or
Python ints, never in bigint. Dates are within resources.MIN_DATE..MAX_DATE.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import grpc

from pmaas.billing.v1 import resources_pb2 as pb
from services.platform import money
from services.platform.errors import ApiError, Violations, failed_precondition
from services.platform.resources import ID_PART, check_enum, check_text, from_date

NAME_MAX = 200
NOTE_MAX = 2000
PERSON_MAX = 128
MINUTES_PER_DAY = 24 * 60
MAX_PERIOD_DAYS = 366
MAX_ENGAGEMENT_CHARGES_MICROS = 10**12 * money.MICROS  # 10^12 currency units
BIGINT_MAX = 2**63 - 1
_HOURS = re.compile(r"^\d{1,2}(\.\d{1,2})?\Z")
# Segments are ids (ID_PART), so a name cannot smuggle a newline or other text into a stored id.
PROJECT_RE = re.compile(rf"^organizations/({ID_PART})/projects/({ID_PART})\Z")
MILESTONE_RE = re.compile(rf"^organizations/({ID_PART})/projects/({ID_PART})/milestones/({ID_PART})\Z")


# --- time ---------------------------------------------------------------------

def minutes_of(entry: pb.TimeEntry, v: Violations) -> int:
    """Whole minutes from `hours` (decimal string) or `minutes`; never a float."""
    if entry.hours and entry.minutes:
        v.add("time_entry.hours", "set hours or minutes, not both")
        return 0
    if entry.hours:
        if not _HOURS.match(entry.hours):
            v.add("time_entry.hours", 'must be a positive decimal with at most 2 decimals, e.g. "7.5"')
            return 0
        minutes = Decimal(entry.hours) * 60
        if minutes != minutes.to_integral_value():
            v.add("time_entry.hours", f"{entry.hours} h is not a whole number of minutes; set minutes instead")
            return 0
        total = int(minutes)
    else:
        total = entry.minutes
    if total <= 0:
        v.add("time_entry.hours", "must be more than zero (set hours or minutes)")
    elif total > MINUTES_PER_DAY:
        v.add("time_entry.hours", "must be at most 24 hours")
    return total


def hours_text(minutes: int) -> str:
    """Minutes as hours, rounded half to even to 2 decimals, for display ("7.5", "0.33")."""
    hundredths = money.div_round(minutes * 100, 60)
    text = f"{hundredths // 100}.{hundredths % 100:02d}".rstrip("0").rstrip(".")
    return text


def check_daily_limit(person: str, day: dt.date, already: int, adding: int) -> None:
    if already + adding > MINUTES_PER_DAY:
        raise failed_precondition(
            "DAILY_HOURS_EXCEEDED",
            f"{person} already has {hours_text(already)} h on {day.isoformat()}; {hours_text(adding)} h more "
            f"would exceed 24 h (at most {hours_text(MINUTES_PER_DAY - already)} h fits)",
            person=person, date=day.isoformat())


def check_reviewer(reviewer: str, person: str, recorder: str, name: str) -> None:
    """Four eyes: nobody approves or rejects their own time or expense, nor one they recorded for someone."""
    if reviewer == person:
        raise ApiError(grpc.StatusCode.PERMISSION_DENIED, "SELF_APPROVAL",
                       f"{name} is {reviewer}'s own: someone else approves or rejects it (segregation of duties)",
                       metadata={"resource": name, "person": person})
    if reviewer == recorder:
        raise ApiError(grpc.StatusCode.PERMISSION_DENIED, "SELF_APPROVAL",
                       f"{name} was recorded by {reviewer} for {person}: someone else approves or rejects it "
                       "(segregation of duties)", metadata={"resource": name, "person": person, "recorder": recorder})


def check_open_period(day: dt.date, closed_through: dt.date | None, field: str) -> None:
    if closed_through is not None and day <= closed_through:
        raise failed_precondition(
            "PERIOD_CLOSED", f"{field} {day.isoformat()} is in a closed period (closed through "
            f"{closed_through.isoformat()})", closed_through=closed_through.isoformat(), field=field)


# --- engagements ----------------------------------------------------------------

def _money_field(message, field: str, path: str, currency: str, v: Violations, *,
                 required: bool = False) -> int | None:
    if not message.HasField(field):
        if required:
            v.add(path, "is required")
        return None
    amount = money.from_proto(getattr(message, field), path, v)
    if amount is None:
        return None
    if amount.currency != currency:
        v.add(f"{path}.currency_code", f"must be {currency}, the engagement's currency")
    return amount.micros


def project_ids(names, org: str, field: str, v: Violations) -> list[str]:
    ids = []
    for i, name in enumerate(names):
        match = PROJECT_RE.match(name)
        if not match:
            v.add(f"{field}[{i}]", "must be organizations/{organization}/projects/{project}")
        elif match.group(1) != org:
            v.add(f"{field}[{i}]", "must be a project of the engagement's own organization")
        else:
            ids.append(match.group(2))
    if len(set(ids)) != len(ids):
        v.add(field, "lists a project twice")
    return ids


def engagement_columns(e: pb.Engagement, org: str, v: Violations) -> dict[str, Any]:
    check_text(e.display_name, "engagement.display_name", v, max_len=NAME_MAX, required=True)
    check_enum(e.billing_model, pb.BillingModel.DESCRIPTOR, "engagement.billing_model", v, required=True)
    money.check_currency(e.currency_code, "engagement.currency_code", v)
    if not e.projects:
        v.add("engagement.projects", "is required: at least one project")
    projects = project_ids(e.projects, org, "engagement.projects", v)
    if not 0 <= e.payment_terms_days <= 365:
        v.add("engagement.payment_terms_days", "must be between 0 and 365")
    currency = e.currency_code
    cap = _money_field(e, "cap", "engagement.cap", currency, v)
    model = e.billing_model
    fee = _money_field(e, "fee", "engagement.fee", currency, v,
                       required=model in (pb.BILLING_MODEL_RETAINER, pb.BILLING_MODEL_FIXED_FEE))
    fees = []
    for i, mf in enumerate(e.milestone_fees):
        path = f"engagement.milestone_fees[{i}]"
        match = MILESTONE_RE.match(mf.milestone)
        if not match or match.group(2) not in projects or match.group(1) != org:
            v.add(f"{path}.milestone", "must be a milestone of one of the engagement's projects")
        micros = _money_field(mf, "amount", f"{path}.amount", currency, v, required=True)
        fees.append({"milestone": mf.milestone, "micros": micros or 0})
    if len({f["milestone"] for f in fees}) != len(fees):
        v.add("engagement.milestone_fees", "lists a milestone twice")
    if model in (pb.BILLING_MODEL_MILESTONE, pb.BILLING_MODEL_FIXED_FEE) and not fees:
        v.add("engagement.milestone_fees", "is required for milestone and fixed-fee billing")
    if model == pb.BILLING_MODEL_FIXED_FEE and fee is not None and fees and sum(f["micros"] for f in fees) != fee:
        v.add("engagement.milestone_fees", "must add up to the fixed fee")
    elif sum(f["micros"] for f in fees) > MAX_ENGAGEMENT_CHARGES_MICROS:
        v.add("engagement.milestone_fees", f"must add up to at most {bound_text(currency)}")
    return {
        "display_name": e.display_name.strip(), "project_ids": projects, "billing_model": model,
        "currency": currency, "cap_micros": cap, "payment_terms_days": e.payment_terms_days,
        "closed_through": from_date(e, "closed_through", v, prefix="engagement"), "fee_micros": fee,
        "milestone_fees": fees,
    }


# --- rates ----------------------------------------------------------------------

@dataclass(frozen=True)
class RateSpan:
    id: str
    start: dt.date
    end: dt.date | None  # inclusive; None is open-ended


def rate_to_close(existing: list[RateSpan], start: dt.date, end: dt.date | None) -> RateSpan | None:
    """The open-ended rate a new rate supersedes, or None; any other overlap is refused.

    A new rate starting after an open-ended one closes it the day before, so a
    rate change is one call and the old rate stays in the history.
    """
    to_close = None
    for r in existing:
        overlaps = (end is None or r.start <= end) and (r.end is None or start <= r.end)
        if not overlaps:
            continue
        if r.end is None and r.start < start and to_close is None:
            to_close = r
            continue
        shown = f"{r.start.isoformat()}..{r.end.isoformat() if r.end else 'open'}"
        raise failed_precondition("RATE_OVERLAP", f"the rate overlaps rate {r.id} ({shown}) for the same role",
                                  rate=r.id)
    return to_close


# --- invoices -------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    kind: int  # LineItemKind
    description: str
    unit_micros: int
    amount_micros: int
    project_id: str = ""
    role: str = ""
    person: str = ""
    milestone: str = ""
    expense_id: str = ""
    minutes: int | None = None  # TIME lines: the exact quantity


def time_amount(minutes: int, hourly_micros: int, currency: str) -> int:
    """A TIME line: minutes × hourly rate / 60, rounded half to even to the minor unit."""
    return money.div_round_minor(minutes * hourly_micros, 60, currency)


def time_line(project_id: str, role: str, person: str, minutes: int, hourly_micros: int, currency: str) -> Line:
    return Line(pb.LINE_ITEM_KIND_TIME, f"{role}: {person}", hourly_micros,
                time_amount(minutes, hourly_micros, currency), project_id=project_id, role=role, person=person,
                minutes=minutes)


def total(lines: list[Line]) -> int:
    """An invoice's total: the sum of its line amounts, nothing else."""
    return sum(line.amount_micros for line in lines)


def cap_adjustment(invoiced_before: int, lines_total: int, cap: int | None) -> int:
    """The (negative) amount that keeps the engagement's invoiced total within its cap."""
    if cap is None or lines_total <= 0:
        return 0
    room = max(cap - invoiced_before, 0)
    return -(lines_total - room) if lines_total > room else 0


def amount_text(micros: int, currency: str) -> str:
    """e.g. "1234.50 EUR", exact, for messages."""
    digits = len(str(money.minor_unit_micros(currency))) - 1
    return f"{Decimal(micros).scaleb(-6).quantize(Decimal(1).scaleb(digits - 6))} {currency}"


def bound_text(currency: str) -> str:
    return amount_text(MAX_ENGAGEMENT_CHARGES_MICROS, currency)


def check_engagement_charges(recorded: int, adding: int, currency: str, engagement: str) -> None:
    """Refuse a charge that would take the engagement's recorded charges past the documented bound."""
    if recorded + adding > MAX_ENGAGEMENT_CHARGES_MICROS:
        room = max(MAX_ENGAGEMENT_CHARGES_MICROS - recorded, 0)
        raise failed_precondition(
            "ENGAGEMENT_CHARGES_LIMIT",
            f"{engagement} has {amount_text(recorded, currency)} of charges recorded; "
            f"{amount_text(adding, currency)} more would exceed the limit of {bound_text(currency)} per engagement "
            f"(at most {amount_text(room, currency)} fits)", engagement=engagement)


def check_invoice_fits(lines: list[Line], currency: str, engagement: str) -> None:
    """An invoice whose lines or total do not fit its bigint columns is refused, never half-stored."""
    amounts = [line.amount_micros for line in lines] + [total(lines)]
    if any(abs(a) > BIGINT_MAX for a in amounts):
        raise failed_precondition(
            "INVOICE_TOO_LARGE", f"the invoice of {engagement} for this period would total "
            f"{amount_text(total(lines), currency)}, more than an invoice can hold; invoice a shorter period",
            engagement=engagement)


def check_period(start: dt.date | None, end: dt.date | None, v: Violations) -> None:
    if start and end:
        if end < start:
            v.add("period_end", "must not be before period_start")
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            v.add("period_end", f"the period may be at most {MAX_PERIOD_DAYS} days")


# Allowed invoice state changes: the method -> (from states, to state).
TRANSITIONS = {
    "IssueInvoice": ({pb.INVOICE_STATE_DRAFT}, pb.INVOICE_STATE_ISSUED),
    "PayInvoice": ({pb.INVOICE_STATE_ISSUED}, pb.INVOICE_STATE_PAID),
    "VoidInvoice": ({pb.INVOICE_STATE_DRAFT, pb.INVOICE_STATE_ISSUED}, pb.INVOICE_STATE_VOID),
}


def check_transition(method: str, state: int) -> int:
    allowed, target = TRANSITIONS[method]
    if state not in allowed:
        names = " or ".join(sorted(pb.InvoiceState.Name(s) for s in allowed))
        raise failed_precondition("INVOICE_STATE", f"{method} needs an invoice in {names}; this one is "
                                  f"{pb.InvoiceState.Name(state)}", state=pb.InvoiceState.Name(state))
    return target


# --- earned value ---------------------------------------------------------------

def ratio_text(numerator: int, denominator: int) -> str:
    """numerator / denominator as a decimal string with 4 decimals (half to even); '' if undefined."""
    if denominator == 0:
        return ""
    e4 = money.div_round(numerator * 10_000, denominator)
    whole, fraction = divmod(abs(e4), 10_000)
    return f"{'-' if e4 < 0 else ''}{whole}.{fraction:04d}"


@dataclass(frozen=True)
class Figures:
    """One project's (or a sum of projects') inputs to a report, in micros."""
    bac: int
    pv: int
    ev: int
    time_cost: int
    expense_cost: int

    @property
    def ac(self) -> int:
        return self.time_cost + self.expense_cost

    def __add__(self, other: Figures) -> Figures:
        return Figures(self.bac + other.bac, self.pv + other.pv, self.ev + other.ev,
                       self.time_cost + other.time_cost, self.expense_cost + other.expense_cost)


ZERO = Figures(0, 0, 0, 0, 0)


def planned_value(bac: int, start: dt.date | None, end: dt.date | None, as_of: dt.date, currency: str) -> int:
    """BAC × the share of the planned days (inclusive) elapsed by as_of; 0 without planned dates."""
    if start is None or end is None:
        return 0
    total = (end - start).days + 1
    elapsed = min(max((as_of - start).days + 1, 0), total)
    return money.div_round_minor(bac * elapsed, total, currency)


def earned_value(bac: int, percent_complete: int, currency: str) -> int:
    return money.div_round_minor(bac * percent_complete, 100, currency)


@dataclass(frozen=True)
class Evm:
    bac: int
    pv: int
    ev: int
    ac: int
    cpi: str
    spi: str
    eac: int
    etc: int
    vac: int
    tcpi: str


def evm(f: Figures, currency: str) -> Evm:
    """EVM from exact integers. EAC = BAC × AC / EV (BAC / CPI without rounding CPI first); while
    CPI is undefined or zero (no cost or nothing earned yet), EAC = AC + (BAC − EV): the rest at plan."""
    eac = money.div_round_minor(f.bac * f.ac, f.ev, currency) if f.ev and f.ac else f.ac + f.bac - f.ev
    return Evm(bac=f.bac, pv=f.pv, ev=f.ev, ac=f.ac, cpi=ratio_text(f.ev, f.ac), spi=ratio_text(f.ev, f.pv),
               eac=eac, etc=eac - f.ac, vac=f.bac - eac, tcpi=ratio_text(f.bac - f.ev, f.bac - f.ac))


def burn_rate_per_day(ac: int, start: dt.date | None, as_of: dt.date, currency: str) -> int | None:
    """Actual cost per calendar day since the planned start (inclusive); None before it or without one."""
    if start is None or as_of < start:
        return None
    return money.div_round_minor(ac, (as_of - start).days + 1, currency)
