"""Billing cycles: run one for a period now, read them from the read model.

The organization's Temporal Schedule closes the previous period by itself (billing_schedules.py keeps
it); RunBillingCycle closes a period when finance or the PMO asks (again, for a period that had failures: only
what is missing is made). The cycle's id is its period and its workflow id derives from org and period, so a
period never runs twice at once: a run is refused while the period's cycle is open (BILLING_CYCLE_RUNNING).

As a submit does (processes.py), one short transaction claims the request id, audits the run and enters the
cycle in the read model before Temporal is called; a retry with the same request id finds the claim and
starts nothing again. Finance decides the invoices above the policy's threshold as any task (DecideTask).

Who: finance, pmo and admin run a cycle (billing_period.lock, as they lock a period); everyone reads.
"""

from __future__ import annotations

import dataclasses
import json

from temporalio.common import WorkflowIDReusePolicy

from pmaas.governance.v1 import billing_cycles_pb2 as billing_pb
from services.governance import convert, store, temporal
from services.governance.core import GovernanceCore, utc_now
from services.platform import errors, pagination
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.mutations import Tx, validate_request_id
from services.platform.names import BILLING_CYCLE_PATTERN, ORG_PATTERN
from services.platform.resources import from_date
from workflows import billing_cycle as bc
from workflows import calendar
from workflows.approvals import ProcessSync

MAX_PERIOD_DAYS = 366


class BillingCycleHandlers(GovernanceCore):
    async def RunBillingCycle(self, request: billing_pb.RunBillingCycleRequest, context) -> billing_pb.BillingCycle:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.BILLING_PERIOD_LOCK)
        validate_request_id(request.request_id)
        v = Violations()
        start = from_date(request, "period_start", v)
        end = from_date(request, "period_end", v)
        for field, value, other in (("period_start", start, end), ("period_end", end, start)):
            if value is None and other is not None:
                v.add(field, "is required with the other end of the period (or leave both unset: the previous "
                             "period)")
        if start is not None and end is not None:
            if end < start:
                v.add("period_end", "must not be before period_start")
            elif (end - start).days + 1 > MAX_PERIOD_DAYS:
                v.add("period_end", f"the period may be at most {MAX_PERIOD_DAYS} days")
        v.raise_if_any()
        policy, _, _ = await self.policy(org, context)
        if start is None or end is None:
            start, end = calendar.previous_month(policy.calendar, utc_now())
        cid = bc.cycle_id(start, end)
        workflow_id = bc.workflow_id(org, cid)
        actor = await self.actor(org)
        started = {"fresh": False}

        async def work(tx: Tx):
            row = await store.get_process(tx.conn, org, bc.KIND, cid)
            if row is not None and row["open"]:
                raise errors.failed_precondition(
                    "BILLING_CYCLE_RUNNING", f"{row['name']} is running; run it again once it has finished",
                    billing_cycle=row["name"])
            run = json.loads(row["view"]).get("run", 1) + 1 if row is not None else 1
            ran = bc.BillingCycleInput(org=org, period_start=start.isoformat(), period_end=end.isoformat(),
                                       policy=policy, requested_by=actor.subject, run=run)
            view = bc.first_view(ran, policy.version, workflow_id, utc_now())
            # Newer than the last run's views (so the read model shows the run at once), older than this run's.
            await store.upsert_process(tx.conn, ProcessSync(
                kind=bc.KIND, org=org, project="", id=cid, name=view.name, workflow_id=workflow_id,
                state=view.state, requester=actor.subject, policy_version=policy.version,
                version=run * bc.VERSIONS_PER_RUN, view=dataclasses.asdict(view)))
            first = convert.billing_cycle(view)
            tx.record("RunBillingCycle", view.name, None, first)
            started.update(fresh=True, input=ran)
            return first

        first = await self.mutate(org, "RunBillingCycle", request, billing_pb.BillingCycle, work)
        if started["fresh"]:  # a retried request id started it already
            await temporal.start(self.client, bc.WORKFLOW, started["input"], workflow_id=workflow_id,
                                 task_queue=self.task_queue, attributes=temporal.search_attributes(org, "", bc.KIND),
                                 timeout_s=self.deadline_s(context, temporal.START_TIMEOUT_S),
                                 reuse=WorkflowIDReusePolicy.ALLOW_DUPLICATE, after_previous=True)
        return await self._cycle_now(org, cid, first.name) or first

    async def GetBillingCycle(self, request: billing_pb.GetBillingCycleRequest, context) -> billing_pb.BillingCycle:
        parts = BILLING_CYCLE_PATTERN.parse(request.name)
        principal().require(parts["organization"], P.READ)
        found = await self._cycle_now(parts["organization"], parts["billing_cycle"], request.name)
        if found is None:
            raise errors.not_found(request.name)
        return found

    async def ListBillingCycles(self, request: billing_pb.ListBillingCyclesRequest,
                                context) -> billing_pb.ListBillingCyclesResponse:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=billing_pb.ListBillingCyclesResponse)
        async with self.pool.acquire() as conn:
            rows = await store.list_processes(conn, org, bc.KIND, None, request.filter, store.BILLING_CYCLE_FILTERS,
                                              page, newest_first=True)
            tasks = await store.tasks_of(conn, org, [r["name"] for r in rows[: page.size]])
        return billing_pb.ListBillingCyclesResponse(
            billing_cycles=[convert.billing_cycle_row(r, tasks.get(r["name"], [])) for r in rows[: page.size]],
            next_page_token=page.next_token(rows))

    async def _cycle_now(self, org: str, cid: str, name: str) -> billing_pb.BillingCycle | None:
        async with self.pool.acquire() as conn:
            row = await store.get_process(conn, org, bc.KIND, cid)
            tasks = await store.tasks_of(conn, org, [name]) if row is not None else {}
        return convert.billing_cycle_row(row, tasks.get(name, [])) if row is not None else None
