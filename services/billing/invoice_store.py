"""SQL for invoices: their lines, what they overlap, and marking the expenses they bill (time: store.bill_time).

Invoices and credit notes themselves are `store.INVOICES` and `store.CREDIT_NOTES` rows; this module
holds the statements that reach across invoices, invoice lines and the charges they bill.
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from pmaas.billing.v1 import resources_pb2 as pb
from services.billing import rules


async def invoice_lines(conn: asyncpg.Connection, key: list[str]) -> list[asyncpg.Record]:
    return await conn.fetch("""SELECT * FROM invoice_lines WHERE org_id = $1 AND engagement_id = $2
                               AND invoice_id = $3 ORDER BY line_no""", *key)


async def lines_of_invoices(conn: asyncpg.Connection, org: str, engagement_id: str,
                            invoice_ids: list[str]) -> dict[str, list[asyncpg.Record]]:
    """The lines of several invoices of one engagement (in line order), by invoice id."""
    rows = await conn.fetch(
        """SELECT * FROM invoice_lines WHERE org_id = $1 AND engagement_id = $2 AND invoice_id = ANY($3)
           ORDER BY invoice_id, line_no""", org, engagement_id, invoice_ids)
    by_invoice: dict[str, list[asyncpg.Record]] = {}
    for line in rows:
        by_invoice.setdefault(line["invoice_id"], []).append(line)
    return by_invoice


async def overlapping_invoices(conn: asyncpg.Connection, org: str, engagement_id: str, start: dt.date,
                               end: dt.date) -> list[asyncpg.Record]:
    """The engagement's invoices, void ones aside, whose period shares a day with start..end."""
    return await conn.fetch(
        """SELECT * FROM invoices WHERE org_id = $1 AND engagement_id = $2 AND state <> $3
             AND period_start <= $5 AND period_end >= $4""",
        org, engagement_id, pb.INVOICE_STATE_VOID, start, end)


async def invoiced_total(conn: asyncpg.Connection, org: str, engagement_id: str) -> int:
    """Micros invoiced on the engagement so far, void invoices aside."""
    return int(await conn.fetchval(
        """SELECT coalesce(sum(total_micros), 0)::numeric FROM invoices
           WHERE org_id = $1 AND engagement_id = $2 AND state <> $3""",
        org, engagement_id, pb.INVOICE_STATE_VOID))


async def billed_milestones(conn: asyncpg.Connection, org: str, engagement_id: str) -> set[str]:
    """Milestones already on a line of one of the engagement's invoices, void invoices aside."""
    rows = await conn.fetch(
        """SELECT l.milestone FROM invoice_lines l JOIN invoices i
             ON i.org_id = l.org_id AND i.engagement_id = l.engagement_id AND i.id = l.invoice_id
           WHERE l.org_id = $1 AND l.engagement_id = $2 AND l.milestone <> '' AND i.state <> $3""",
        org, engagement_id, pb.INVOICE_STATE_VOID)
    return {r["milestone"] for r in rows}


async def mark_expenses_billed(conn: asyncpg.Connection, org: str, engagement_id: str, invoice_id: str,
                               period_end: dt.date) -> list[asyncpg.Record]:
    """Put the engagement's approved billable expenses dated up to `period_end`, on no invoice yet, on this
    invoice (as store.bill_time does for time); returns the expenses marked (in no particular order)."""
    return await conn.fetch(
        """UPDATE expenses SET invoice_id = $3, version = version + 1, update_time = now()
           WHERE org_id = $1 AND engagement_id = $2 AND invoice_id IS NULL AND billable
             AND approval_state = $5 AND expense_date <= $4
           RETURNING id, project_id, category, amount_micros, expense_date, seq""",
        org, engagement_id, invoice_id, period_end, pb.APPROVAL_STATE_APPROVED)


async def unbill(conn: asyncpg.Connection, org: str, engagement_id: str, invoice_id: str) -> None:
    """Take the time and expenses off a voided invoice, so a new invoice may bill them again."""
    await conn.execute("""UPDATE time_entries SET invoice_id = NULL
                          WHERE org_id = $1 AND engagement_id = $2 AND invoice_id = $3""",
                       org, engagement_id, invoice_id)
    await conn.execute("""UPDATE expenses SET invoice_id = NULL
                          WHERE org_id = $1 AND engagement_id = $2 AND invoice_id = $3""",
                       org, engagement_id, invoice_id)


async def insert_lines(conn: asyncpg.Connection, org: str, engagement_id: str, invoice_id: str,
                       lines: list[rules.Line]) -> list[asyncpg.Record]:
    """Store an invoice's lines (numbered from 1) in one statement; returns them as stored, in line order."""
    rows = [(ln.kind, ln.description, ln.project_id, ln.role, ln.person, ln.milestone, ln.expense_id, ln.minutes,
             ln.unit_micros, ln.amount_micros) for ln in lines]
    columns = [list(column) for column in zip(*rows, strict=True)] or [[]] * 10  # one array per column
    rows = await conn.fetch(
        """INSERT INTO invoice_lines (org_id, engagement_id, invoice_id, line_no, kind, description, project_id,
                                      role, person, milestone, expense_id, minutes, unit_micros, amount_micros)
           SELECT $1, $2, $3, l.* FROM unnest($4::int[], $5::smallint[], $6::text[], $7::text[], $8::text[],
                                                $9::text[], $10::text[], $11::text[], $12::int[], $13::bigint[],
                                                $14::bigint[]) AS l
           RETURNING *""",
        org, engagement_id, invoice_id, list(range(1, len(lines) + 1)), *columns)
    return sorted(rows, key=lambda r: r["line_no"])
