"""BillingService RPC handlers.

Same order as every service: parse names (INVALID_ARGUMENT), check the
caller's role in the organization (PERMISSION_DENIED before any read), validate
the input, then read or write. Writes go through `run_mutation` (one
transaction, idempotent request_id, audit event). Projects and milestones are
checked with ProjectsService as the caller, never read from its tables.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import asyncpg
import grpc

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as projects_pb
from services.billing import invoice_store, invoicing, reports, rules, store
from services.billing.store import CREDIT_NOTES, ENGAGEMENTS, EXPENSES, INVOICES, RATES, TIME_ENTRIES
from services.platform import clients, errors, money, pagination, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.handlers import ResourceHandlers, chosen_id
from services.platform.mutations import Tx
from services.platform.names import ORG_PATTERN
from services.platform.resources import (
    check_enum,
    check_etag,
    check_text,
    from_date,
    mask_paths,
    new_id,
)
from services.platform.settings import Settings
from services.platform.tables import Table

ENGAGEMENT_UPDATABLE = {"display_name", "projects", "cap", "payment_terms_days", "closed_through", "fee",
                        "milestone_fees"}
INVOICE_UPDATABLE = {"notes", "purchase_order"}


def _org_of(parent: str) -> str:
    return ORG_PATTERN.parse(parent, "parent")["organization"]


def _amount(message, field: str, path: str, currency: str, v: Violations) -> int | None:
    """Positive micros of `message.<field>`, which must be in `currency`."""
    if not message.HasField(field):
        v.add(path, "is required")
        return None
    amount = money.from_proto(getattr(message, field), path, v)
    if amount is None:
        return None
    if amount.micros == 0:
        v.add(path, "must be more than zero")
    if amount.currency != currency:
        v.add(f"{path}.currency_code", f"must be {currency}, the engagement's currency")
    return amount.micros


class BillingServicer(ResourceHandlers, billing_service_pb2_grpc.BillingServiceServicer):
    def __init__(self, pool: asyncpg.Pool, settings: Settings,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self.pool = pool
        self.today = today
        self.timeout_s = settings.call_timeout_s
        self._channel = clients.channel(settings.target_of("projects"))
        self.projects = projects_service_pb2_grpc.ProjectsServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    # --- shared mechanics ---------------------------------------------------

    async def _referenced(self, method, request, field: str, context):
        """Get a project or milestone as the caller; a missing one is the caller's bad input."""
        try:
            return await clients.call(method, request, context, self.timeout_s)
        except errors.ApiError as exc:
            if exc.code == grpc.StatusCode.NOT_FOUND:
                raise errors.bad_field(field, f"{request.name} does not exist") from None
            raise

    async def _check_references(self, e: pb.Engagement, context) -> None:
        """Every project and scheduled milestone must exist (ProjectsService says so). The projects are pinned
        (AttachProjectReference), so none is deleted between this check and our write, nor after it; that also
        covers the time and expenses booked to them, which go only to an engagement's own projects."""
        await clients.fan_out([
            *(self._referenced(self.projects.AttachProjectReference, projects_api.AttachProjectReferenceRequest(
                name=name, holder="billing", kind="engagement"), f"engagement.projects[{i}]", context)
              for i, name in enumerate(e.projects)),
            *(self._referenced(self.projects.GetMilestone, projects_api.GetMilestoneRequest(name=mf.milestone),
                               f"engagement.milestone_fees[{i}].milestone", context)
              for i, mf in enumerate(e.milestone_fees))])

    # --- engagements --------------------------------------------------------

    async def CreateEngagement(self, request: api.CreateEngagementRequest, context) -> pb.Engagement:
        org = _org_of(request.parent)
        principal().require(org, P.BILLING_WRITE)
        v = Violations()
        eid = chosen_id(request.engagement_id, "engagement_id", v)
        columns = rules.engagement_columns(request.engagement, org, v)
        v.raise_if_any()
        await self._check_references(request.engagement, context)
        name = store.engagement_name(org, eid)

        async def work(tx: Tx):
            row = await self.insert_row(tx.conn, ENGAGEMENTS, {
                "org_id": org, "id": eid, **columns, "milestone_fees": json.dumps(columns["milestone_fees"])}, name)
            created = store.engagement(row)
            tx.record("CreateEngagement", name, None, created)
            return created

        return await self.mutate(org, "CreateEngagement", request, pb.Engagement, work)

    async def GetEngagement(self, request, context) -> pb.Engagement:
        return await self.get_resource(ENGAGEMENTS, request.name)

    async def ListEngagements(self, request, context):
        return await self.list_resources(ENGAGEMENTS, None, request, api.ListEngagementsResponse(), "engagements")

    async def UpdateEngagement(self, request: api.UpdateEngagementRequest, context) -> pb.Engagement:
        current: dict[str, asyncpg.Record] = {}

        def to_columns(engagement: pb.Engagement, row: asyncpg.Record, v: Violations) -> dict[str, Any]:
            current["row"] = row
            columns = rules.engagement_columns(engagement, row["org_id"], v)
            old, new = row["closed_through"], columns["closed_through"]
            invalid = new is None and engagement.HasField("closed_through")  # reported by engagement_columns
            if old is not None and not invalid and (new is None or new < old):
                v.add("engagement.closed_through",
                      f"a closed period is not reopened: must be on or after {old.isoformat()}")
            return columns

        async def check(tx: Tx, key: list[str], columns: dict[str, Any]) -> None:
            await self._check_engagement_change(tx.conn, key, current["row"], columns)

        # References are checked over gRPC by `prepare`, before the transaction: no row lock is held meanwhile.
        return await self.update_resource(
            ENGAGEMENTS, request, "engagement", P.BILLING_WRITE, ENGAGEMENT_UPDATABLE, "UpdateEngagement",
            to_columns, check, prepare=lambda engagement: self._check_references(engagement, context),
            jsonb={"milestone_fees"})

    async def _check_engagement_change(self, conn: asyncpg.Connection, key: list[str], row: asyncpg.Record,
                                       columns: dict[str, Any]) -> None:
        """A project with charges stays in the engagement; a period closes only once its time is reviewed."""
        dropped = sorted(set(row["project_ids"]) - set(columns["project_ids"]))
        if dropped:
            charged = await store.charges_on_projects(conn, *key, dropped)
            if charged:
                raise errors.failed_precondition(
                    "PROJECT_HAS_CHARGES", f"{charged} time entries or expenses are recorded against "
                    f"{', '.join(dropped)}; a project with charges stays in its engagement",
                    field="engagement.projects")
        closing = columns["closed_through"]
        if closing is not None and closing != row["closed_through"]:
            time_entries, expenses = await store.pending_reviews(conn, *key, closing)
            if time_entries or expenses:
                raise errors.failed_precondition(
                    "PENDING_APPROVALS", f"{time_entries} time entries and {expenses} expenses up to "
                    f"{closing.isoformat()} still await approval; approve or reject them before closing the period",
                    field="engagement.closed_through")

    # --- rates --------------------------------------------------------------

    async def CreateRate(self, request: api.CreateRateRequest, context) -> pb.Rate:
        org = _org_of(request.parent)
        principal().require(org, P.BILLING_WRITE)
        r = request.rate
        role = r.role.strip()
        v = Violations()
        rid = chosen_id(request.rate_id, "rate_id", v)
        engagement_id = ""
        if r.engagement:
            engagement_key = ENGAGEMENTS.key_of(r.engagement, "rate.engagement")
            if engagement_key[0] != org:
                v.add("rate.engagement", "must be an engagement of the rate's own organization")
            engagement_id = engagement_key[1]
        check_text(r.role, "rate.role", v, max_len=rules.NAME_MAX, required=True)
        amount = None
        if not r.HasField("hourly_rate"):
            v.add("rate.hourly_rate", "is required")
        else:
            amount = money.from_proto(r.hourly_rate, "rate.hourly_rate", v)
            if amount is not None and amount.micros == 0:
                v.add("rate.hourly_rate", "must be more than zero")
        start = from_date(r, "start_date", v, required=True, prefix="rate")
        end = from_date(r, "end_date", v, prefix="rate")
        if start and end and end < start:
            v.add("rate.end_date", "must not be before rate.start_date")
        v.raise_if_any()
        name = f"{request.parent}/rates/{rid}"

        async def work(tx: Tx):
            if engagement_id:
                engagement = await tables.require(tx.conn, ENGAGEMENTS, [org, engagement_id], r.engagement)
                if engagement["currency"] != amount.currency:
                    raise errors.bad_field("rate.hourly_rate.currency_code",
                                           f"must be {engagement['currency']}, the engagement's currency")
            await store.lock_rate_line(tx.conn, org, engagement_id, role)
            spans = await store.rate_spans(tx.conn, org, engagement_id, role, amount.currency)
            superseded = rules.rate_to_close(spans, start, end)
            if superseded is not None:
                await store.end_rate(tx.conn, org, superseded.id, start - dt.timedelta(days=1))
                tx.record("SupersedeRate", f"{request.parent}/rates/{superseded.id}", None, None,
                          end_date=(start - dt.timedelta(days=1)).isoformat(), by=name)
            row = await self.insert_row(tx.conn, RATES, {
                "org_id": org, "id": rid, "engagement_id": engagement_id, "role": role, "currency": amount.currency,
                "hourly_micros": amount.micros, "start_date": start, "end_date": end}, name)
            created = store.rate(row)
            tx.record("CreateRate", name, None, created)
            return created

        return await self.mutate(org, "CreateRate", request, pb.Rate, work)

    async def GetRate(self, request, context) -> pb.Rate:
        return await self.get_resource(RATES, request.name)

    async def ListRates(self, request, context):
        return await self.list_resources(RATES, None, request, api.ListRatesResponse(), "rates")

    # --- time and expenses --------------------------------------------------

    def _require_recorder(self, org: str, person: str) -> None:
        """Anyone with time.write records their own time; time.approve also records others'."""
        caller = principal()
        if person != caller.subject:
            caller.require(org, P.TIME_APPROVE)
        elif not caller.can(org, P.TIME_APPROVE):
            caller.require(org, P.TIME_WRITE)

    async def _open_engagement(self, conn: asyncpg.Connection, key: list[str], name: str, project: str,
                               day: dt.date, field: str, date_field: str) -> tuple[asyncpg.Record, str]:
        """The engagement and the project's id, once the project is one of the engagement's own and
        the day is not in a closed period."""
        engagement = await tables.require(conn, ENGAGEMENTS, key, name)
        match = rules.PROJECT_RE.match(project)
        if not match or match.group(1) != key[0] or match.group(2) not in engagement["project_ids"]:
            raise errors.bad_field(f"{field}.project", f"{project or '(empty)'} is not one of the projects of {name}")
        rules.check_open_period(day, engagement["closed_through"], f"{field}.{date_field}")
        return engagement, match.group(2)

    async def CreateTimeEntry(self, request: api.CreateTimeEntryRequest, context) -> pb.TimeEntry:
        key = ENGAGEMENTS.key_of(request.parent, "parent")
        t = request.time_entry
        person, role = t.person or principal().subject, t.role.strip()
        self._require_recorder(key[0], person)
        v = Violations()
        tid = chosen_id(request.time_entry_id, "time_entry_id", v)
        check_text(person, "time_entry.person", v, max_len=rules.PERSON_MAX)
        check_text(t.role, "time_entry.role", v, max_len=rules.NAME_MAX, required=True)
        check_text(t.note, "time_entry.note", v, max_len=rules.NOTE_MAX, multiline=True)
        if not t.project:
            v.add("time_entry.project", "is required")
        day = from_date(t, "work_date", v, required=True, prefix="time_entry")
        minutes = rules.minutes_of(t, v)
        v.raise_if_any()
        name = f"{request.parent}/timeEntries/{tid}"

        async def work(tx: Tx):
            engagement, project_id = await self._open_engagement(tx.conn, key, request.parent, t.project, day,
                                                                 "time_entry", "work_date")
            hourly = await store.rate_for(tx.conn, key[0], key[1], role, engagement["currency"], day)
            if hourly is None:
                raise invoicing.rate_missing(role, engagement["currency"])
            await store.lock_person_day(tx.conn, key[0], person, day)
            already = await store.minutes_recorded(tx.conn, key[0], person, day)
            rules.check_daily_limit(person, day, already, minutes)
            await store.lock_engagement_charges(tx.conn, *key)
            currency = engagement["currency"]
            rules.check_engagement_charges(await store.engagement_charges(tx.conn, *key, currency),
                                           rules.time_amount(minutes, hourly, currency), currency, request.parent)
            row = await self.insert_row(tx.conn, TIME_ENTRIES, {
                "org_id": key[0], "engagement_id": key[1], "id": tid, "person": person, "role": role,
                "project_id": project_id, "work_date": day, "minutes": minutes,
                "billable": t.billable if t.HasField("billable") else True, "note": t.note,
                "approval_state": pb.APPROVAL_STATE_SUBMITTED, "recorder": principal().person}, name)
            created = store.time_entry(row)
            tx.record("CreateTimeEntry", name, None, created)
            return created

        return await self.mutate(key[0], "CreateTimeEntry", request, pb.TimeEntry, work)

    async def GetTimeEntry(self, request, context) -> pb.TimeEntry:
        return await self.get_resource(TIME_ENTRIES, request.name)

    async def ListTimeEntries(self, request, context):
        return await self.list_resources(TIME_ENTRIES, ENGAGEMENTS, request, api.ListTimeEntriesResponse(),
                                         "time_entries")

    async def _review(self, request, table: Table, response_type, method: str, state: int):
        """Approve or reject (with a reason) a time entry or an expense: by a holder of time.approve who neither
        is its person nor recorded it, while it awaits review and is on no invoice."""
        key = table.key_of(request.name)
        principal().require(key[0], P.TIME_APPROVE)
        detail = {}
        if state == pb.APPROVAL_STATE_REJECTED:
            v = Violations()
            check_text(request.reason, "reason", v, max_len=rules.NOTE_MAX, required=True, multiline=True)
            v.raise_if_any()
            detail["reason"] = request.reason

        async def work(tx: Tx):
            row = await tables.require(tx.conn, table, key, request.name, lock=True)
            check_etag(request.etag, request.name, row["version"])
            recorder = row["recorder"] if table is TIME_ENTRIES else row["person"]  # expenses: one's own only
            rules.check_reviewer(principal().person, row["person"], recorder, request.name)
            if row["invoice_id"]:
                raise errors.failed_precondition("ENTRY_INVOICED", f"{request.name} is on an invoice already")
            if row["approval_state"] != pb.APPROVAL_STATE_SUBMITTED:
                raise errors.failed_precondition(
                    "ENTRY_REVIEWED", f"{request.name} is {pb.ApprovalState.Name(row['approval_state'])} already")
            before = table.to_proto(row)
            after = table.to_proto(await tables.update(tx.conn, table, key, {"approval_state": state}))
            tx.record(method, request.name, before, after, **detail)
            return after

        return await self.mutate(key[0], method, request, response_type, work)

    async def ApproveTimeEntry(self, request: api.ApproveTimeEntryRequest, context) -> pb.TimeEntry:
        return await self._review(request, TIME_ENTRIES, pb.TimeEntry, "ApproveTimeEntry", pb.APPROVAL_STATE_APPROVED)

    async def RejectTimeEntry(self, request: api.RejectTimeEntryRequest, context) -> pb.TimeEntry:
        return await self._review(request, TIME_ENTRIES, pb.TimeEntry, "RejectTimeEntry", pb.APPROVAL_STATE_REJECTED)

    async def CreateExpense(self, request: api.CreateExpenseRequest, context) -> pb.Expense:
        key = ENGAGEMENTS.key_of(request.parent, "parent")
        self._require_recorder(key[0], principal().subject)
        x = request.expense
        v = Violations()
        xid = chosen_id(request.expense_id, "expense_id", v)
        check_enum(x.category, pb.ExpenseCategory.DESCRIPTOR, "expense.category", v, required=True)
        check_text(x.receipt_reference, "expense.receipt_reference", v, max_len=rules.NOTE_MAX)
        check_text(x.note, "expense.note", v, max_len=rules.NOTE_MAX, multiline=True)
        if not x.project:
            v.add("expense.project", "is required")
        day = from_date(x, "expense_date", v, required=True, prefix="expense")
        if x.HasField("amount"):
            money.from_proto(x.amount, "expense.amount", v)
        else:
            v.add("expense.amount", "is required")
        v.raise_if_any()
        name = f"{request.parent}/expenses/{xid}"

        async def work(tx: Tx):
            engagement, project_id = await self._open_engagement(tx.conn, key, request.parent, x.project, day,
                                                                 "expense", "expense_date")
            v = Violations()
            micros = _amount(x, "amount", "expense.amount", engagement["currency"], v)
            v.raise_if_any()
            await store.lock_engagement_charges(tx.conn, *key)
            currency = engagement["currency"]
            rules.check_engagement_charges(await store.engagement_charges(tx.conn, *key, currency), micros,
                                           currency, request.parent)
            row = await self.insert_row(tx.conn, EXPENSES, {
                "org_id": key[0], "engagement_id": key[1], "id": xid,
                "project_id": project_id, "expense_date": day,
                "category": x.category, "currency": engagement["currency"], "amount_micros": micros,
                "receipt_reference": x.receipt_reference, "billable": x.billable if x.HasField("billable") else True,
                "note": x.note, "person": principal().person}, name)
            created = store.expense(row)
            tx.record("CreateExpense", name, None, created)
            return created

        return await self.mutate(key[0], "CreateExpense", request, pb.Expense, work)

    async def GetExpense(self, request, context) -> pb.Expense:
        return await self.get_resource(EXPENSES, request.name)

    async def ListExpenses(self, request, context):
        return await self.list_resources(EXPENSES, ENGAGEMENTS, request, api.ListExpensesResponse(), "expenses")

    async def ApproveExpense(self, request: api.ApproveExpenseRequest, context) -> pb.Expense:
        return await self._review(request, EXPENSES, pb.Expense, "ApproveExpense", pb.APPROVAL_STATE_APPROVED)

    async def RejectExpense(self, request: api.RejectExpenseRequest, context) -> pb.Expense:
        return await self._review(request, EXPENSES, pb.Expense, "RejectExpense", pb.APPROVAL_STATE_REJECTED)

    # --- invoices -----------------------------------------------------------

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
            await invoice_store.insert_lines(tx.conn, key[0], key[1], iid, lines)
            created = store.invoice(row, await invoice_store.invoice_lines(tx.conn, [*key, iid]))
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
            micros = _amount(note, "amount", "credit_note.amount", invoice["currency"], v)
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

    # --- financial report ---------------------------------------------------

    async def GetFinancialReport(self, request: api.GetFinancialReportRequest, context) -> pb.FinancialReport:
        org, scope, scope_id = reports.parse_name(request.name)
        principal().require(org, P.READ)
        v = Violations()
        as_of = from_date(request, "as_of", v) or self.today()
        v.raise_if_any()

        async def get_project(name: str) -> projects_pb.Project:
            try:
                return await clients.call(self.projects.GetProject, projects_api.GetProjectRequest(name=name),
                                          context, self.timeout_s)
            except errors.ApiError as exc:
                # A project deleted before deletion respected engagements: its costs still count in the
                # engagement's report, with no budget, rather than the report failing for good.
                if scope == "engagements" and exc.code == grpc.StatusCode.NOT_FOUND:
                    return projects_pb.Project(name=name)
                raise

        if scope == "projects":
            return await reports.project_report(self.pool, get_project, org, scope_id, as_of)
        return await reports.engagement_report(self.pool, get_project, org, scope_id, as_of)

