"""Billing's 0002 migration on data written before it: each time entry's recorder comes from its
CreateTimeEntry audit event (the person acted for, else the actor), or is its person without one; expenses
already invoiced count as approved, the others await review."""

from __future__ import annotations

import shutil
import uuid

import asyncpg

from services.billing import server as billing_server
from services.platform import audit, db


async def test_0002_backfills_recorders_from_the_audit_log_and_reviews_of_invoiced_expenses(database_url, tmp_path):
    schema = "billing_0002_" + uuid.uuid4().hex[:8]
    before = tmp_path / "billing" / "migrations"  # same folder owner, so the migration keys match
    before.mkdir(parents=True)
    shutil.copy(billing_server.MIGRATIONS / "0001_billing.sql", before)
    conn = await asyncpg.connect(database_url)
    try:
        await db.migrate(conn, schema, before)
        await conn.execute(f'SET search_path TO "{schema}", public')
        await conn.execute("""INSERT INTO engagements (org_id, id, display_name, project_ids, billing_model,
                                                       currency, payment_terms_days)
                              VALUES ('o', 'e', 'E', '{p}', 1, 'EUR', 30)""")
        for tid in ("by-pat", "by-governance", "unaudited"):
            await conn.execute("""INSERT INTO time_entries (org_id, engagement_id, id, person, role, project_id,
                                                            work_date, minutes, billable, approval_state)
                                  VALUES ('o', 'e', $1, 'ann', 'consultant', 'p', '2027-01-04', 60, true, 1)""", tid)
        entry = "organizations/o/engagements/e/timeEntries/"
        await audit.append(conn, audit.AuditEvent("o", "pat", "CreateTimeEntry", entry + "by-pat"))
        await audit.append(conn, audit.AuditEvent("o", "svc-governance", "CreateTimeEntry", entry + "by-governance",
                                                  on_behalf_of="quinn"))
        await audit.append(conn, audit.AuditEvent("o", "pat", "ApproveTimeEntry", entry + "unaudited"))
        for xid, invoice in (("billed", "inv"), ("open", None)):
            await conn.execute("""INSERT INTO expenses (org_id, engagement_id, id, project_id, expense_date, category,
                                                        currency, amount_micros, billable, person, invoice_id)
                                  VALUES ('o', 'e', $1, 'p', '2027-01-06', 1, 'EUR', 5000000, true, 'ann', $2)""",
                               xid, invoice)

        applied = await db.migrate(conn, schema, billing_server.MIGRATIONS)

        assert "billing/0002" in applied
        await conn.execute(f'SET search_path TO "{schema}", public')
        recorders = dict(await conn.fetch("SELECT id, recorder FROM time_entries"))
        assert recorders == {"by-pat": "pat", "by-governance": "quinn", "unaudited": "ann"}
        expenses = {r["id"]: r for r in await conn.fetch("SELECT * FROM expenses")}
        assert {i: r["approval_state"] for i, r in expenses.items()} == {"billed": 2, "open": 1}
        assert all(r["update_time"] == r["create_time"] and r["version"] == 1 for r in expenses.values())
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
