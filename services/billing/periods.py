"""Closed billing periods: the billing cycle (or finance) locks a period of the organization, and from then on
no time entry or expense dated inside it is recorded, so the invoices generated for it stay complete."""

from __future__ import annotations

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from services.billing import rules, store
from services.billing.core import BillingCore
from services.billing.store import PERIOD_LOCKS
from services.platform import errors, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.mutations import Tx
from services.platform.names import BILLING_PERIOD_LOCK_PATTERN, ORG_PATTERN
from services.platform.resources import from_date


def lock_id(start, end) -> str:
    """The period is the lock's id, so locking it again finds the first lock (whatever the request id)."""
    return f"p{start:%Y%m%d}-{end:%Y%m%d}"


async def check_unlocked(conn, org: str, day, field: str) -> None:
    """FAILED_PRECONDITION (PERIOD_LOCKED) when `day` lies in a locked period of the organization. Called in
    the writing transaction, which holds the organization's period guard (shared)."""
    await store.guard_periods(conn, org, exclusive=False)
    lock = await store.lock_covering(conn, org, day)
    if lock is not None:
        name = store.period_lock(lock).name
        raise errors.failed_precondition(
            "PERIOD_LOCKED", f"{field} {day.isoformat()} is in the locked billing period {lock['period_start']}.."
            f"{lock['period_end']} ({name}): it has been invoiced", lock=name, field=field)


class PeriodLockHandlers(BillingCore):
    async def LockBillingPeriod(self, request: api.LockBillingPeriodRequest, context) -> pb.BillingPeriodLock:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.BILLING_PERIOD_LOCK)
        v = Violations()
        start = from_date(request, "period_start", v, required=True)
        end = from_date(request, "period_end", v, required=True)
        rules.check_period(start, end, v)
        v.raise_if_any()
        lid = lock_id(start, end)
        name = BILLING_PERIOD_LOCK_PATTERN.format(organization=org, billing_period_lock=lid)

        async def work(tx: Tx):
            await store.guard_periods(tx.conn, org, exclusive=True)
            existing = await tables.fetch(tx.conn, PERIOD_LOCKS, [org, lid])
            if existing is not None:  # already locked: the lock stands, nothing new is recorded
                return store.period_lock(existing)
            row = await self.insert_row(tx.conn, PERIOD_LOCKS, {
                "org_id": org, "id": lid, "period_start": start, "period_end": end, "locker": principal().person}, name)
            created = store.period_lock(row)
            tx.record("LockBillingPeriod", name, None, created)
            return created

        return await self.mutate(org, "LockBillingPeriod", request, pb.BillingPeriodLock, work)

    async def ListBillingPeriodLocks(self, request, context):
        return await self.list_resources(PERIOD_LOCKS, None, request, api.ListBillingPeriodLocksResponse(),
                                         "billing_period_locks")
