"""Invoices (generated per period from what is approved and achieved, edited while draft, issued, paid,
voided) and the credit notes that correct issued ones."""

from __future__ import annotations

import datetime as dt
import json

import asyncpg

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from services.billing import invoice_store, invoicing, rules, store
from services.billing.core import BillingCore, positive_amount
from services.billing.store import CREDIT_NOTES, ENGAGEMENTS, INVOICES
from services.platform import clients, errors, money, pagination, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.handlers import chosen_id
from services.platform.mutations import Tx
from services.platform.resources import check_etag, check_text, from_date, mask_paths, new_id

INVOICE_UPDATABLE = {"notes", "purchase_order"}


class InvoiceHandlers(BillingCore):
    async def _achieved(self, engagement: asyncpg.Record, context) -> dict[str, dt.date]:
        """Completion dates of the engagement's achieved scheduled milestones, from ProjectsService."""
        if engagement["billing_model"] not in (pb.BILLING_MODEL_MILESTONE, pb.BILLING_MODEL_FIXED_FEE):
            return {}
        names = [f["milestone"] for f in json.loads(engagement["milestone_fees"])]
        milestones = await clients.fan_out(clients.call(self.projects.GetMilestone, projects_api.GetMilestoneRequest(
            name=n), context, self.timeout_s) for n in names)
        return {m.name: dt.date(m.completion_date.year, m.completion_date.month, m.completion_date.day)
                for m in milestones if m.state == projects_pb.MILESTONE_STATE_ACHIEVED and m.completion_date.year}

    async def GenerateInvoice(self, request: api.GenerateInvoiceRequest, context) -> pb.Invoice:
        key = ENGAGEMENTS.key_of(request.parent, "parent")
        principal().require(key[0], P.INVOICE_ISSUE)
        v = Violations()
        start = from_date(request, "period_start", v, required=True)
        end = from_date(request, "period_end", v, required=True)
        rules.check_period(start, end, v)
        v.raise_if_any()
        async with self.pool.acquire() as conn:
            engagement = await tables.require(conn, ENGAGEMENTS, key, request.parent)
        achieved = await self._achieved(engagement, context)

        async def work(tx: Tx):
            # Serializes generation per engagement: the first call creates, the others find it.
            engagement = await tables.require(tx.conn, ENGAGEMENTS, key, request.parent, lock=True)
            overlapping = await invoice_store.overlapping_invoices(tx.conn, *key, start, end)
            for row in overlapping:
                if (row["period_start"], row["period_end"]) == (start, end):
                    return store.invoice(row, await invoice_store.invoice_lines(tx.conn, [*key, row["id"]]))
            if overlapping:
                other = store.invoice_name(key[0], key[1], overlapping[0]["id"])
                raise errors.failed_precondition("PERIOD_OVERLAP", f"the period overlaps invoice {other}",
                                                 invoice=other)
            iid = new_id()
            lines = await invoicing.build_lines(tx.conn, engagement, iid, end, achieved)
            row = await tables.insert(tx.conn, "invoices", {
                "org_id": key[0], "engagement_id": key[1], "id": iid, "period_start": start, "period_end": end,
                "state": pb.INVOICE_STATE_DRAFT, "currency": engagement["currency"],
                "total_micros": rules.total(lines)})
            created = store.invoice(row, await invoice_store.insert_lines(tx.conn, key[0], key[1], iid, lines))
            tx.record("GenerateInvoice", created.name, None, created, lines=len(lines))
            return created

        return await self.mutate(key[0], "GenerateInvoice", request, pb.Invoice, work)

    async def GetInvoice(self, request, context) -> pb.Invoice:
        key = INVOICES.key_of(request.name)
        principal().require(key[0], P.READ)
        async with self.pool.acquire() as conn:
            row = await tables.require(conn, INVOICES, key, request.name)
            return store.invoice(row, await invoice_store.invoice_lines(conn, key))

    async def ListInvoices(self, request, context):
        parent_key = ENGAGEMENTS.key_of(request.parent, "parent")
        principal().require(parent_key[0], P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=api.ListInvoicesResponse)
        async with self.pool.acquire() as conn:
            rows = await tables.list_page(conn, INVOICES, parent_key, request.filter, page)
            if not rows and page.after_seq == 0:
                await tables.require(conn, ENGAGEMENTS, parent_key, request.parent)
            by_invoice = await invoice_store.lines_of_invoices(conn, *parent_key, [r["id"] for r in rows[: page.size]])
        return api.ListInvoicesResponse(
            invoices=[store.invoice(r, by_invoice.get(r["id"], [])) for r in rows[: page.size]],
            next_page_token=page.next_token(rows))

    @staticmethod
    def _invoice_key(name: str, field: str = "name") -> list[str]:
        key = INVOICES.key_of(name, field)
        principal().require(key[0], P.INVOICE_ISSUE)
        return key

    async def _change_invoice(self, request, method: str, key: list[str], name: str, etag: str,
                              change) -> pb.Invoice:
        """Lock the invoice, check its etag; `change(tx, row)` returns the new column values and audit detail."""
        async def work(tx: Tx):
            row = await tables.require(tx.conn, INVOICES, key, name, lock=True)
            check_etag(etag, name, row["version"])
            lines = await invoice_store.invoice_lines(tx.conn, key)
            before = store.invoice(row, lines)
            values, detail = await change(tx, row)
            after = store.invoice(await tables.update(tx.conn, INVOICES, key, values), lines)
            tx.record(method, name, before, after, **detail)
            return after

        return await self.mutate(key[0], method, request, pb.Invoice, work)

    async def UpdateInvoice(self, request: api.UpdateInvoiceRequest, context) -> pb.Invoice:
        invoice = request.invoice
        key = self._invoice_key(invoice.name, "invoice.name")
        paths = mask_paths(invoice, request.update_mask, INVOICE_UPDATABLE, "invoice")
        v = Violations()
        check_text(invoice.notes, "invoice.notes", v, max_len=rules.NOTE_MAX, multiline=True)
        check_text(invoice.purchase_order, "invoice.purchase_order", v, max_len=rules.NAME_MAX)
        v.raise_if_any()

        async def change(tx: Tx, row):
            if row["state"] != pb.INVOICE_STATE_DRAFT:
                raise errors.failed_precondition(
                    "INVOICE_NOT_DRAFT", f"{invoice.name} is {pb.InvoiceState.Name(row['state'])}: an invoice is "
                    "not edited after issue; correct it with a credit note")
            return {p: getattr(invoice, p) for p in paths}, {"fields": sorted(paths)}

        return await self._change_invoice(request, "UpdateInvoice", key, invoice.name, invoice.etag, change)

    async def IssueInvoice(self, request: api.IssueInvoiceRequest, context) -> pb.Invoice:
        key = self._invoice_key(request.name)
        v = Violations()
        issue_date = from_date(request, "issue_date", v) or self.today()
        v.raise_if_any()

        async def change(tx: Tx, row):
            state = rules.check_transition("IssueInvoice", row["state"])
            terms = await store.payment_terms_days(tx.conn, key[0], key[1])
            return {"state": state, "issue_date": issue_date, "due_date": issue_date + dt.timedelta(days=terms)}, {}

        return await self._change_invoice(request, "IssueInvoice", key, request.name, request.etag, change)

    async def PayInvoice(self, request: api.PayInvoiceRequest, context) -> pb.Invoice:
        key = self._invoice_key(request.name)
        v = Violations()
        paid_date = from_date(request, "paid_date", v) or self.today()
        v.raise_if_any()

        async def change(tx: Tx, row):
            state = rules.check_transition("PayInvoice", row["state"])
            if paid_date < row["issue_date"]:
                raise errors.bad_field("paid_date", f"must not be before the issue date {row['issue_date']}")
            return {"state": state, "paid_date": paid_date}, {}

        return await self._change_invoice(request, "PayInvoice", key, request.name, request.etag, change)

    async def VoidInvoice(self, request: api.VoidInvoiceRequest, context) -> pb.Invoice:
        key = self._invoice_key(request.name)
        v = Violations()
        check_text(request.reason, "reason", v, max_len=rules.NOTE_MAX, required=True, multiline=True)
        v.raise_if_any()

        async def change(tx: Tx, row):
            state = rules.check_transition("VoidInvoice", row["state"])
            # What it billed may be billed again by a new invoice.
            await invoice_store.unbill(tx.conn, *key)
            return {"state": state}, {"reason": request.reason}

        return await self._change_invoice(request, "VoidInvoice", key, request.name, request.etag, change)

    # --- credit notes -------------------------------------------------------

    async def CreateCreditNote(self, request: api.CreateCreditNoteRequest, context) -> pb.CreditNote:
        key = self._invoice_key(request.parent, "parent")
        note = request.credit_note
        v = Violations()
        cid = chosen_id(request.credit_note_id, "credit_note_id", v)
        check_text(note.reason, "credit_note.reason", v, max_len=rules.NOTE_MAX, required=True, multiline=True)
        if note.HasField("amount"):
            money.from_proto(note.amount, "credit_note.amount", v)
        else:
            v.add("credit_note.amount", "is required")
        v.raise_if_any()
        name = f"{request.parent}/creditNotes/{cid}"

        async def work(tx: Tx):
            invoice = await tables.require(tx.conn, INVOICES, key, request.parent, lock=True)
            if invoice["state"] not in (pb.INVOICE_STATE_ISSUED, pb.INVOICE_STATE_PAID):
                raise errors.failed_precondition(
                    "INVOICE_NOT_ISSUED", f"{request.parent} is {pb.InvoiceState.Name(invoice['state'])}; credit "
                    "notes correct issued or paid invoices (edit or void a draft instead)")
            v = Violations()
            micros = positive_amount(note, "amount", "credit_note.amount", invoice["currency"], v)
            v.raise_if_any()
            room = invoice["total_micros"] - invoice["credited_micros"]
            if micros > room:
                raise errors.failed_precondition(
                    "CREDIT_EXCEEDS_INVOICE", f"at most {rules.amount_text(room, invoice['currency'])} remains to "
                    f"credit on {request.parent}", invoice=request.parent)
            row = await self.insert_row(tx.conn, CREDIT_NOTES, {
                "org_id": key[0], "engagement_id": key[1], "invoice_id": key[2], "id": cid,
                "currency": invoice["currency"], "amount_micros": micros, "reason": note.reason,
                "creator": tx.actor}, name)
            before = store.invoice(invoice)
            after = store.invoice(await tables.update(tx.conn, INVOICES, key,
                                                     {"credited_micros": invoice["credited_micros"] + micros}))
            created = store.credit_note(row)
            tx.record("CreateCreditNote", name, None, created, reason=note.reason)
            tx.record("CreditInvoice", request.parent, before, after, credit_note=name)
            return created

        return await self.mutate(key[0], "CreateCreditNote", request, pb.CreditNote, work)

    async def ListCreditNotes(self, request, context):
        return await self.list_resources(CREDIT_NOTES, INVOICES, request, api.ListCreditNotesResponse(), "credit_notes")
