"""Delegations: a person hands their approvals to another for a while (at most 90 days, never two of
the same person at once). The workflow re-checks segregation of duties for every delegated vote."""

from __future__ import annotations

import datetime as dt

from google.protobuf import empty_pb2

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from services.governance import store, validation
from services.governance.core import GovernanceCore, utc_now
from services.governance.store import DELEGATIONS
from services.platform import errors
from services.platform.auth import PERSON_ROLES, Role, principal
from services.platform.auth import Permission as P
from services.platform.errors import Violations
from services.platform.mutations import Tx
from services.platform.names import ORG_PATTERN
from services.platform.resources import check_text, new_id

MAX_PERIOD = dt.timedelta(days=90)
REASON_MAX = 2000
# Besides the delegator, who may end someone's delegation.
ENDING_ROLES = frozenset({Role.PMO, Role.ADMIN})


class DelegationHandlers(GovernanceCore):
    async def SetDelegation(self, request: api.SetDelegationRequest, context) -> pb.Delegation:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        caller = principal()
        caller.require(org, P.DELEGATION_WRITE)
        d = request.delegation
        v = Violations()
        validation.subject(d.delegate, "delegation.delegate", v)
        if d.delegate == caller.subject:
            v.add("delegation.delegate", "must be someone else: you are the delegator")
        now = utc_now()
        start = validation.timestamp(d, "start_time", "delegation.start_time", v, required=False) or now
        end = validation.timestamp(d, "end_time", "delegation.end_time", v, required=True)
        if end is not None:
            if end <= start:
                v.add("delegation.end_time", "must be after start_time")
            elif end - start > MAX_PERIOD:
                v.add("delegation.end_time", f"a delegation lasts at most {MAX_PERIOD.days} days")
            elif end <= now:
                v.add("delegation.end_time", "is in the past")
        check_text(d.reason, "delegation.reason", v, max_len=REASON_MAX, multiline=True)
        v.raise_if_any()
        roles = sorted(r.value for r in caller.roles_in(org) if r in PERSON_ROLES)
        delegation_id = new_id()
        name = f"{request.parent}/delegations/{delegation_id}"

        async def work(tx: Tx) -> pb.Delegation:
            await store.lock_delegator(tx.conn, org, caller.subject)
            other = await store.overlapping_delegation(tx.conn, org, caller.subject, start, end)
            if other is not None:
                other_name = f"{request.parent}/delegations/{other['id']}"
                raise errors.failed_precondition(
                    "DELEGATION_OVERLAPS", f"{other_name} (to {other['delegate']}, {other['start_time'].isoformat()} "
                    f"to {other['end_time'].isoformat()}) overlaps this period: end or delete it first",
                    delegation=other_name)
            row = await self.insert_row(tx.conn, DELEGATIONS, {
                "org_id": org, "id": delegation_id, "delegator": caller.subject, "delegate": d.delegate,
                "start_time": start, "end_time": end, "reason": d.reason, "roles": roles}, name)
            created = store.delegation(row)
            tx.record("SetDelegation", name, None, created)
            return created

        return await self.mutate(org, "SetDelegation", request, pb.Delegation, work)

    async def ListDelegations(self, request: api.ListDelegationsRequest, context):
        return await self.list_resources(DELEGATIONS, None, request, api.ListDelegationsResponse(), "delegations")

    async def DeleteDelegation(self, request: api.DeleteDelegationRequest, context) -> empty_pb2.Empty:
        caller = principal()

        def mine_or_pmo(row) -> None:
            if row["delegator"] != caller.subject and not ENDING_ROLES & caller.roles_in(row["org_id"]):
                raise errors.permission_denied(f"only {row['delegator']} (the delegator) or a pmo can delete "
                                               f"{request.name}")

        return await self.delete_resource(DELEGATIONS, request, "DeleteDelegation", P.DELEGATION_WRITE, mine_or_pmo)
