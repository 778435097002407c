"""Helpers for BillingService tests: dates, money, and the common calls."""

from __future__ import annotations

import datetime as dt

from google.type import date_pb2, money_pb2

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from tests.support import rid


def D(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


def as_date(d: date_pb2.Date) -> dt.date:
    return dt.date(d.year, d.month, d.day)


def EUR(units: int, nanos: int = 0) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units, nanos=nanos)


async def create_engagement(stub, caller, org: str, projects: list[str], engagement_id: str = "main",
                            **fields) -> pb.Engagement:
    fields.setdefault("display_name", "Apollo delivery")
    fields.setdefault("billing_model", pb.BILLING_MODEL_TIME_AND_MATERIALS)
    fields.setdefault("currency_code", "EUR")
    fields.setdefault("payment_terms_days", 30)
    return await caller(stub.CreateEngagement, api.CreateEngagementRequest(
        parent=f"organizations/{org}", engagement_id=engagement_id,
        engagement=pb.Engagement(projects=projects, **fields), request_id=rid()))


async def create_rate(stub, caller, org: str, role: str = "consultant", units: int = 100, start=None, end=None,
                      engagement: str = "", currency: str = "EUR") -> pb.Rate:
    return await caller(stub.CreateRate, api.CreateRateRequest(
        parent=f"organizations/{org}", rate=pb.Rate(
            role=role, engagement=engagement, hourly_rate=money_pb2.Money(currency_code=currency, units=units),
            start_date=start or D(2027, 1, 1), end_date=end), request_id=rid()))


async def log_time(stub, caller, engagement: str, project: str, day=None, hours: str = "8", **fields) -> pb.TimeEntry:
    fields.setdefault("role", "consultant")
    return await caller(stub.CreateTimeEntry, api.CreateTimeEntryRequest(
        parent=engagement, time_entry=pb.TimeEntry(project=project, work_date=day or D(2027, 1, 4), hours=hours,
                                                   **fields), request_id=rid()))


async def approve(stub, caller, entry: pb.TimeEntry) -> pb.TimeEntry:
    return await caller(stub.ApproveTimeEntry, api.ApproveTimeEntryRequest(name=entry.name, request_id=rid()))


async def log_expense(stub, caller, engagement: str, project: str, day=None, amount=None, **fields) -> pb.Expense:
    fields.setdefault("category", pb.EXPENSE_CATEGORY_TRAVEL)
    return await caller(stub.CreateExpense, api.CreateExpenseRequest(
        parent=engagement, expense=pb.Expense(project=project, expense_date=day or D(2027, 1, 6),
                                              amount=amount or EUR(50), **fields), request_id=rid()))


async def approve_expense(stub, caller, expense: pb.Expense) -> pb.Expense:
    return await caller(stub.ApproveExpense, api.ApproveExpenseRequest(name=expense.name, request_id=rid()))


async def generate(stub, caller, engagement: str, start=None, end=None) -> pb.Invoice:
    return await caller(stub.GenerateInvoice, api.GenerateInvoiceRequest(
        parent=engagement, period_start=start or D(2027, 1, 1), period_end=end or D(2027, 1, 31), request_id=rid()))


async def audit_count(db, org: str, action: str | None = None) -> int:
    if action is None:
        return await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org)
    return await db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = $2", org, action)
