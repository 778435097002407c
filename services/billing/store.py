"""SQL for the billing schema: one `Table` per resource, row <-> proto, engagements, rates, and the
time aggregate that invoices and financial reports share. What reaches across invoices and the
charges they bill is in invoice_store."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from pmaas.billing.v1 import resources_pb2 as pb
from services.billing import rules
from services.platform.filters import Field
from services.platform.money import Amount
from services.platform.names import (
    BILLING_PERIOD_LOCK_PATTERN,
    CREDIT_NOTE_PATTERN,
    ENGAGEMENT_PATTERN,
    EXPENSE_PATTERN,
    INVOICE_PATTERN,
    RATE_PATTERN,
    TIME_ENTRY_PATTERN,
)
from services.platform.resources import etag_of, to_date, to_timestamp
from services.platform.tables import Table

_ENGAGEMENT_CHILD = ("org_id", "engagement_id", "id")


def _money(micros: int | None, currency: str):
    return None if micros is None else Amount(micros, currency).to_proto()


def engagement_name(org: str, engagement_id: str) -> str:
    return ENGAGEMENT_PATTERN.format(organization=org, engagement=engagement_id)


def project_name(org: str, project_id: str) -> str:
    return f"organizations/{org}/projects/{project_id}" if project_id else ""


def _child(segment: str, row: asyncpg.Record) -> str:
    return f"{engagement_name(row['org_id'], row['engagement_id'])}/{segment}/{row['id']}"


def invoice_name(org: str, engagement_id: str, invoice_id: str | None) -> str:
    return f"{engagement_name(org, engagement_id)}/invoices/{invoice_id}" if invoice_id else ""


def engagement(row: asyncpg.Record) -> pb.Engagement:
    name = engagement_name(row["org_id"], row["id"])
    currency = row["currency"]
    return pb.Engagement(
        name=name, display_name=row["display_name"],
        projects=[project_name(row["org_id"], p) for p in row["project_ids"]],
        billing_model=row["billing_model"], currency_code=currency, cap=_money(row["cap_micros"], currency),
        payment_terms_days=row["payment_terms_days"], closed_through=to_date(row["closed_through"]),
        fee=_money(row["fee_micros"], currency),
        milestone_fees=[pb.MilestoneFee(milestone=f["milestone"], amount=_money(f["micros"], currency))
                        for f in json.loads(row["milestone_fees"])],
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def rate(row: asyncpg.Record) -> pb.Rate:
    return pb.Rate(
        name=f"organizations/{row['org_id']}/rates/{row['id']}",
        engagement=engagement_name(row["org_id"], row["engagement_id"]) if row["engagement_id"] else "",
        role=row["role"], hourly_rate=_money(row["hourly_micros"], row["currency"]),
        start_date=to_date(row["start_date"]), end_date=to_date(row["end_date"]),
        create_time=to_timestamp(row["create_time"]),
    )


def time_entry(row: asyncpg.Record) -> pb.TimeEntry:
    name = _child("timeEntries", row)
    return pb.TimeEntry(
        name=name, person=row["person"], role=row["role"], project=project_name(row["org_id"], row["project_id"]),
        work_date=to_date(row["work_date"]), hours=rules.hours_text(row["minutes"]), minutes=row["minutes"],
        billable=row["billable"], note=row["note"], approval_state=row["approval_state"],
        invoice=invoice_name(row["org_id"], row["engagement_id"], row["invoice_id"]),
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]), recorder=row["recorder"],
    )


def expense(row: asyncpg.Record) -> pb.Expense:
    name = _child("expenses", row)
    return pb.Expense(
        name=name, project=project_name(row["org_id"], row["project_id"]),
        expense_date=to_date(row["expense_date"]), category=row["category"],
        amount=_money(row["amount_micros"], row["currency"]), receipt_reference=row["receipt_reference"],
        billable=row["billable"], note=row["note"], person=row["person"],
        invoice=invoice_name(row["org_id"], row["engagement_id"], row["invoice_id"]),
        create_time=to_timestamp(row["create_time"]), approval_state=row["approval_state"],
        update_time=to_timestamp(row["update_time"]), etag=etag_of(name, row["version"]),
    )


def line_item(row: asyncpg.Record, currency: str) -> pb.LineItem:
    org, eng = row["org_id"], row["engagement_id"]
    minutes = row["minutes"]
    return pb.LineItem(
        kind=row["kind"], description=row["description"], project=project_name(org, row["project_id"]),
        role=row["role"], person=row["person"], milestone=row["milestone"],
        expense=f"{engagement_name(org, eng)}/expenses/{row['expense_id']}" if row["expense_id"] else "",
        quantity=rules.hours_text(minutes) if minutes is not None else "1",
        unit_price=_money(row["unit_micros"], currency), amount=_money(row["amount_micros"], currency),
    )


def invoice(row: asyncpg.Record, lines: list[asyncpg.Record] = ()) -> pb.Invoice:
    name = _child("invoices", row)
    currency = row["currency"]
    return pb.Invoice(
        name=name, period_start=to_date(row["period_start"]), period_end=to_date(row["period_end"]),
        state=row["state"], line_items=[line_item(r, currency) for r in lines],
        total=_money(row["total_micros"], currency), credited=_money(row["credited_micros"], currency),
        notes=row["notes"], purchase_order=row["purchase_order"], issue_date=to_date(row["issue_date"]),
        due_date=to_date(row["due_date"]), paid_date=to_date(row["paid_date"]),
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def credit_note(row: asyncpg.Record) -> pb.CreditNote:
    return pb.CreditNote(
        name=f"{invoice_name(row['org_id'], row['engagement_id'], row['invoice_id'])}/creditNotes/{row['id']}",
        amount=_money(row["amount_micros"], row["currency"]), reason=row["reason"], creator=row["creator"],
        create_time=to_timestamp(row["create_time"]),
    )


def period_lock(row: asyncpg.Record) -> pb.BillingPeriodLock:
    return pb.BillingPeriodLock(
        name=BILLING_PERIOD_LOCK_PATTERN.format(organization=row["org_id"], billing_period_lock=row["id"]),
        period_start=to_date(row["period_start"]), period_end=to_date(row["period_end"]), locker=row["locker"],
        create_time=to_timestamp(row["create_time"]))


ENGAGEMENTS = Table("engagements", ENGAGEMENT_PATTERN, ("org_id", "id"), {
    "display_name": Field("display_name"),
    "billing_model": Field("billing_model", "enum", pb.BillingModel.DESCRIPTOR),
    "currency_code": Field("currency"),
}, engagement)
RATES = Table("rates", RATE_PATTERN, ("org_id", "id"), {
    "role": Field("role"), "currency_code": Field("currency"), "start_date": Field("start_date", "date"),
}, rate)
TIME_ENTRIES = Table("time_entries", TIME_ENTRY_PATTERN,
                     _ENGAGEMENT_CHILD, {
                         "person": Field("person"), "role": Field("role"),
                         "work_date": Field("work_date", "date"), "billable": Field("billable", "bool"),
                         "approval_state": Field("approval_state", "enum", pb.ApprovalState.DESCRIPTOR),
                     }, time_entry)
EXPENSES = Table("expenses", EXPENSE_PATTERN,
                 _ENGAGEMENT_CHILD, {
                     "category": Field("category", "enum", pb.ExpenseCategory.DESCRIPTOR),
                     "expense_date": Field("expense_date", "date"), "billable": Field("billable", "bool"),
                     "approval_state": Field("approval_state", "enum", pb.ApprovalState.DESCRIPTOR),
                 }, expense)
INVOICES = Table("invoices", INVOICE_PATTERN,
                 _ENGAGEMENT_CHILD, {
                     "state": Field("state", "enum", pb.InvoiceState.DESCRIPTOR),
                     "period_start": Field("period_start", "date"),
                 }, invoice)
CREDIT_NOTES = Table("credit_notes", CREDIT_NOTE_PATTERN,
    ("org_id", "engagement_id", "invoice_id", "id"), {}, credit_note)
PERIOD_LOCKS = Table("period_locks", BILLING_PERIOD_LOCK_PATTERN, ("org_id", "id"), {}, period_lock)


# --- engagements -------------------------------------------------------------------

async def engagements_of_project(conn: asyncpg.Connection, org: str, project_id: str) -> list[asyncpg.Record]:
    """Every engagement that holds the project, oldest first."""
    return await conn.fetch(
        "SELECT * FROM engagements WHERE org_id = $1 AND $2 = ANY(project_ids) ORDER BY seq", org, project_id)


async def payment_terms_days(conn: asyncpg.Connection, org: str, engagement_id: str) -> int:
    return await conn.fetchval("SELECT payment_terms_days FROM engagements WHERE org_id = $1 AND id = $2",
                               org, engagement_id)


async def charges_on_projects(conn: asyncpg.Connection, org: str, engagement_id: str,
                              project_ids: list[str]) -> int:
    """How many time entries and expenses of the engagement are booked to any of `project_ids`."""
    return await conn.fetchval(
        """SELECT count(*) FROM (SELECT project_id FROM time_entries
                                 WHERE org_id = $1 AND engagement_id = $2 AND project_id = ANY($3)
                                 UNION ALL
                                 SELECT project_id FROM expenses
                                 WHERE org_id = $1 AND engagement_id = $2 AND project_id = ANY($3)) c""",
        org, engagement_id, project_ids)


# --- rates and time aggregates ---------------------------------------------------

async def lock_rate_line(conn: asyncpg.Connection, org: str, engagement_id: str, role: str) -> None:
    """One writer per rate card line (organization or engagement, role) at a time, so two overlapping
    rates cannot both pass."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('rate:' || $1 || ':' || $2 || ':' || $3))",
                       org, engagement_id, role)


async def rate_spans(conn: asyncpg.Connection, org: str, engagement_id: str, role: str,
                     currency: str) -> list[rules.RateSpan]:
    """The spans of one rate card line ('' engagement: the organization's own) in one currency."""
    rows = await conn.fetch(
        """SELECT id, start_date, end_date FROM rates
           WHERE org_id = $1 AND engagement_id = $2 AND role = $3 AND currency = $4""",
        org, engagement_id, role, currency)
    return [rules.RateSpan(r["id"], r["start_date"], r["end_date"]) for r in rows]


async def end_rate(conn: asyncpg.Connection, org: str, rate_id: str, end_date: dt.date) -> None:
    await conn.execute("UPDATE rates SET end_date = $3 WHERE org_id = $1 AND id = $2", org, rate_id, end_date)


_RATE_MATCH = """r.org_id = $1 AND r.engagement_id IN ('', $2) AND r.role = $3 AND r.currency = $4
                 AND r.start_date <= $5 AND (r.end_date IS NULL OR r.end_date >= $5)"""


async def rate_for(conn: asyncpg.Connection, org: str, engagement_id: str, role: str, currency: str,
                   day: dt.date) -> int | None:
    """The hourly rate in effect: the engagement's own, else the organization's."""
    return await conn.fetchval(f"SELECT hourly_micros FROM rates r WHERE {_RATE_MATCH} ORDER BY r.engagement_id = '' "
                               "LIMIT 1", org, engagement_id, role, currency, day)


@dataclass(frozen=True)
class TimeGroup:
    project_id: str
    role: str
    person: str
    hourly_micros: int | None  # None: no rate in effect
    minutes: int


# Which time `_time_groups` sums: a statement giving the engagement's ($1, $2) time rows (project_id, role, person,
# work_date, minutes), params from $4. Fixed here, never a caller's text.
_COLUMNS = "t.project_id, t.role, t.person, t.work_date, t.minutes"
_CHARGED = (f"SELECT {_COLUMNS} FROM time_entries t "
            "WHERE t.org_id = $1 AND t.engagement_id = $2 AND t.approval_state <> $4")
_PROJECT_COST = f"{_CHARGED} AND t.work_date <= $5 AND t.project_id = $6"
# Marks what an invoice ($4) bills and gives exactly the rows it marked: the engagement's approved ($5) billable
# time dated up to $6 on no invoice yet. One statement: the rows are read once, and a row approved concurrently
# is either marked and summed or left for the next invoice.
_BILL = f"""UPDATE time_entries t SET invoice_id = $4, version = version + 1, update_time = now()
            WHERE t.org_id = $1 AND t.engagement_id = $2 AND t.invoice_id IS NULL AND t.billable
              AND t.approval_state = $5 AND t.work_date <= $6
            RETURNING {_COLUMNS}"""


async def _time_groups(conn: asyncpg.Connection, org: str, engagement_id: str, currency: str, source: str,
                       *args: Any) -> list[TimeGroup]:
    """Time of the engagement that `source` (one of the statements above) gives, summed per project, role,
    person and rate. The rate is looked up once per role and day (a few dozen lookups), not per entry.

    MATERIALIZED pins that shape: the generic plan of the prepared statement (from its sixth run) misjudges
    the source's rows and otherwise looks the rate up per entry, then sorts every entry for the GROUP BY."""
    rows = await conn.fetch(f"""
        WITH t AS ({source}),
        rated AS MATERIALIZED (
            SELECT d.role, d.work_date, r.hourly_micros
            FROM (SELECT DISTINCT role, work_date FROM t) d LEFT JOIN LATERAL (
                SELECT hourly_micros FROM rates r
                WHERE r.org_id = $1 AND r.engagement_id IN ('', $2) AND r.role = d.role AND r.currency = $3
                  AND r.start_date <= d.work_date AND (r.end_date IS NULL OR r.end_date >= d.work_date)
                ORDER BY r.engagement_id = '' LIMIT 1) r ON true),
        groups AS MATERIALIZED (
            SELECT t.project_id, t.role, t.person, rated.hourly_micros, sum(t.minutes)::numeric AS minutes
            FROM t JOIN rated ON rated.role = t.role AND rated.work_date = t.work_date
            GROUP BY 1, 2, 3, 4)
        SELECT * FROM groups ORDER BY 1, 2, 3, 4""", org, engagement_id, currency, *args)
    return [TimeGroup(r["project_id"], r["role"], r["person"], r["hourly_micros"], int(r["minutes"])) for r in rows]


async def bill_time(conn: asyncpg.Connection, org: str, engagement_id: str, currency: str, invoice_id: str,
                    period_end: dt.date) -> list[TimeGroup]:
    """Put the engagement's approved billable time dated up to `period_end`, on no invoice yet, on this invoice;
    returns that time, grouped."""
    return await _time_groups(conn, org, engagement_id, currency, _BILL, invoice_id, pb.APPROVAL_STATE_APPROVED,
                              period_end)


async def project_time(conn: asyncpg.Connection, org: str, engagement_id: str, currency: str, project_id: str,
                       through: dt.date) -> list[TimeGroup]:
    """Non-rejected time of the engagement booked to one project, dated up to `through`."""
    return await _time_groups(conn, org, engagement_id, currency, _PROJECT_COST,
                              pb.APPROVAL_STATE_REJECTED, through, project_id)


async def engagement_charges(conn: asyncpg.Connection, org: str, engagement_id: str, currency: str) -> int:
    """Micros of the charges recorded on the engagement: non-rejected expenses plus non-rejected time at the
    rates in effect (time without a rate counts zero). Summed in numeric and Python ints, so it cannot overflow."""
    expenses = await conn.fetchval(
        """SELECT coalesce(sum(amount_micros), 0)::numeric FROM expenses
           WHERE org_id = $1 AND engagement_id = $2 AND approval_state <> $3""",
        org, engagement_id, pb.APPROVAL_STATE_REJECTED)
    groups = await _time_groups(conn, org, engagement_id, currency, _CHARGED, pb.APPROVAL_STATE_REJECTED)
    return int(expenses) + sum(rules.time_amount(g.minutes, g.hourly_micros, currency)
                               for g in groups if g.hourly_micros is not None)


async def lock_engagement_charges(conn: asyncpg.Connection, org: str, engagement_id: str) -> None:
    """One writer of charges per engagement at a time, so concurrent charges cannot together pass the bound."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('charges:' || $1 || ':' || $2))", org, engagement_id)


async def expense_cost(conn: asyncpg.Connection, org: str, engagement_id: str, project_id: str,
                       through: dt.date) -> int:
    """Micros of the non-rejected expenses of the engagement booked to one project, dated up to `through`."""
    return int(await conn.fetchval(
        """SELECT coalesce(sum(amount_micros), 0)::numeric FROM expenses
           WHERE org_id = $1 AND engagement_id = $2 AND project_id = $3 AND expense_date <= $4
             AND approval_state <> $5""",
        org, engagement_id, project_id, through, pb.APPROVAL_STATE_REJECTED))


async def lock_person_day(conn: asyncpg.Connection, org: str, person: str, day: dt.date) -> None:
    """One writer per person-day, so concurrent entries cannot together pass 24 h."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('time:' || $1 || ':' || $2 || ':' || $3))",
                       org, person, day.isoformat())


async def minutes_recorded(conn: asyncpg.Connection, org: str, person: str, day: dt.date) -> int:
    """Minutes of the person's non-rejected time on `day`, over every engagement of the organization."""
    return await conn.fetchval(
        """SELECT coalesce(sum(minutes), 0) FROM time_entries
           WHERE org_id = $1 AND person = $2 AND work_date = $3 AND approval_state <> $4""",
        org, person, day, pb.APPROVAL_STATE_REJECTED)


async def pending_reviews(conn: asyncpg.Connection, org: str, engagement_id: str, through: dt.date) -> tuple[int, int]:
    """(time entries, expenses) of the engagement dated up to `through` that still await approval."""
    row = await conn.fetchrow(
        """SELECT (SELECT count(*) FROM time_entries WHERE org_id = $1 AND engagement_id = $2
                     AND work_date <= $3 AND approval_state = $4) AS time_entries,
                  (SELECT count(*) FROM expenses WHERE org_id = $1 AND engagement_id = $2
                     AND expense_date <= $3 AND approval_state = $4) AS expenses""",
        org, engagement_id, through, pb.APPROVAL_STATE_SUBMITTED)
    return row["time_entries"], row["expenses"]


# --- closed periods ------------------------------------------------------------------

async def guard_periods(conn: asyncpg.Connection, org: str, *, exclusive: bool) -> None:
    """Locking a period (exclusive) waits for the time and expenses being recorded in the organization (shared),
    and they wait for it: none is written into a period locked meanwhile."""
    if exclusive:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('period-locks:' || $1))", org)
    else:
        await conn.execute("SELECT pg_advisory_xact_lock_shared(hashtext('period-locks:' || $1))", org)


async def lock_covering(conn: asyncpg.Connection, org: str, day: dt.date) -> asyncpg.Record | None:
    """The earliest lock of the organization whose period holds `day`, if any."""
    return await conn.fetchrow(
        """SELECT * FROM period_locks WHERE org_id = $1 AND period_start <= $2 AND period_end >= $2
           ORDER BY seq LIMIT 1""", org, day)
