"""Time entries and expenses, and their review: each recorded against one of an engagement's own projects
in an open period, within the day's and the engagement's bounds, and approved or rejected by someone else."""

from __future__ import annotations

import datetime as dt

import asyncpg

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from services.billing import invoicing, rules, store
from services.billing.core import BillingCore, positive_amount
from services.billing.periods import check_unlocked
from services.billing.store import ENGAGEMENTS, EXPENSES, TIME_ENTRIES
from services.platform import errors, money, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.handlers import chosen_id
from services.platform.mutations import Tx
from services.platform.resources import check_enum, check_etag, check_text, from_date
from services.platform.tables import Table


class ChargeHandlers(BillingCore):
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
        the day is neither in a closed period of the engagement nor in a locked period of the organization."""
        engagement = await tables.require(conn, ENGAGEMENTS, key, name)
        match = rules.PROJECT_RE.match(project)
        if not match or match.group(1) != key[0] or match.group(2) not in engagement["project_ids"]:
            raise errors.bad_field(f"{field}.project", f"{project or '(empty)'} is not one of the projects of {name}")
        rules.check_open_period(day, engagement["closed_through"], f"{field}.{date_field}")
        await check_unlocked(conn, key[0], day, f"{field}.{date_field}")
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
            micros = positive_amount(x, "amount", "expense.amount", engagement["currency"], v)
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
