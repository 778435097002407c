"""Making an invoice's lines inside GenerateInvoice's transaction.

What is billed is marked (`invoice_id` set by one UPDATE each for time and
expenses), and the lines are built from exactly the rows marked, as the
UPDATE returns them (time summed in the same statement). A row
approved concurrently is either marked and billed, or left for the next
invoice: never billed twice, never marked without a line. Approved billable
time and approved billable expenses dated up to the period's end are billed,
so late approvals land on the next invoice.
"""

from __future__ import annotations

import datetime as dt
import json

import asyncpg

from pmaas.billing.v1 import resources_pb2 as pb
from services.billing import invoice_store, rules, store
from services.platform import errors


async def build_lines(conn: asyncpg.Connection, engagement: asyncpg.Record, invoice_id: str, period_end: dt.date,
                      achieved: dict[str, dt.date]) -> list[rules.Line]:
    """Lines of a new invoice; `achieved` maps milestone names to their completion dates."""
    org, eng, currency = engagement["org_id"], engagement["id"], engagement["currency"]
    model = engagement["billing_model"]
    lines: list[rules.Line] = []
    if model == pb.BILLING_MODEL_TIME_AND_MATERIALS:
        lines += await _time_lines(conn, org, eng, currency, invoice_id, period_end)
    elif model == pb.BILLING_MODEL_RETAINER:
        lines.append(rules.Line(pb.LINE_ITEM_KIND_FEE, "Retainer fee", engagement["fee_micros"],
                                engagement["fee_micros"]))
    else:
        lines += await _milestone_lines(conn, engagement, period_end, achieved)
    lines += await _expense_lines(conn, org, eng, invoice_id, period_end)
    invoiced_before = await invoice_store.invoiced_total(conn, org, eng)
    adjustment = rules.cap_adjustment(invoiced_before, rules.total(lines), engagement["cap_micros"])
    if adjustment:
        lines.append(rules.Line(pb.LINE_ITEM_KIND_CAP_ADJUSTMENT, "Engagement cap reached", adjustment, adjustment))
    rules.check_invoice_fits(lines, currency, store.engagement_name(org, eng))
    return lines


async def _time_lines(conn: asyncpg.Connection, org: str, eng: str, currency: str, invoice_id: str,
                      period_end: dt.date) -> list[rules.Line]:
    groups = await store.bill_time(conn, org, eng, currency, invoice_id, period_end)
    missing = [g for g in groups if g.hourly_micros is None]
    if missing:
        raise rate_missing(missing[0].role, currency)
    return [rules.time_line(g.project_id, g.role, g.person, g.minutes, g.hourly_micros, currency) for g in groups]


async def _milestone_lines(conn: asyncpg.Connection, engagement: asyncpg.Record, period_end: dt.date,
                           achieved: dict[str, dt.date]) -> list[rules.Line]:
    billed = await invoice_store.billed_milestones(conn, engagement["org_id"], engagement["id"])
    lines = []
    for fee in json.loads(engagement["milestone_fees"]):
        done = achieved.get(fee["milestone"])
        if done is not None and done <= period_end and fee["milestone"] not in billed:
            project_id = rules.MILESTONE_RE.match(fee["milestone"]).group(2)
            lines.append(rules.Line(pb.LINE_ITEM_KIND_MILESTONE, f"Milestone achieved {done.isoformat()}",
                                    fee["micros"], fee["micros"], project_id=project_id, milestone=fee["milestone"]))
    return lines


async def _expense_lines(conn: asyncpg.Connection, org: str, eng: str, invoice_id: str,
                         period_end: dt.date) -> list[rules.Line]:
    rows = await invoice_store.mark_expenses_billed(conn, org, eng, invoice_id, period_end)
    return [rules.Line(pb.LINE_ITEM_KIND_EXPENSE,
                       f"{pb.ExpenseCategory.Name(r['category']).removeprefix('EXPENSE_CATEGORY_').title()} "
                       f"{r['expense_date'].isoformat()}",
                       r["amount_micros"], r["amount_micros"], project_id=r["project_id"], expense_id=r["id"])
            for r in sorted(rows, key=lambda r: r["seq"])]


def rate_missing(role: str, currency: str) -> errors.ApiError:
    return errors.failed_precondition(
        "RATE_MISSING", f"no {currency} rate for role {role!r} is in effect on that date: add one to the "
        "organization's rate card or the engagement's", role=role, currency=currency)
