"""Engagements and rate cards. An engagement's projects and scheduled milestones are checked with
ProjectsService as the caller (the projects pinned), never read from its tables."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import asyncpg
import grpc

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from services.billing import rules, store
from services.billing.core import BillingCore
from services.billing.store import ENGAGEMENTS, RATES
from services.platform import clients, errors, money, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.handlers import chosen_id
from services.platform.mutations import Tx
from services.platform.names import ORG_PATTERN
from services.platform.resources import check_text, from_date

ENGAGEMENT_UPDATABLE = {"display_name", "projects", "cap", "payment_terms_days", "closed_through", "fee",
                        "milestone_fees"}


def _org_of(parent: str) -> str:
    return ORG_PATTERN.parse(parent, "parent")["organization"]


class EngagementHandlers(BillingCore):
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
