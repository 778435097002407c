"""The organization's governance policy: the stored current version, or the defaults of its PMO type
(version 0) until the first update. Each update records the next version; processes keep the version
they started with."""

from __future__ import annotations

import datetime as dt

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import resources_pb2 as projects_pb
from services.governance import policy_convert, store
from services.governance.convert import enum_name, load
from services.governance.core import GovernanceCore
from services.platform import errors
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.mutations import Tx
from services.platform.names import GOVERNANCE_POLICY_PATTERN
from services.platform.resources import check_etag, etag_of, mask_paths, merged
from workflows.policy import GovernancePolicy, default_policy


class PolicyHandlers(GovernanceCore):
    async def GetGovernancePolicy(self, request: api.GetGovernancePolicyRequest, context) -> pb.GovernancePolicy:
        org = GOVERNANCE_POLICY_PATTERN.parse(request.name)["organization"]
        principal().require(org, P.READ)
        policy, currency, row = await self.policy(org, context)
        return policy_convert.to_proto(policy, org, currency, row["create_time"] if row else None,
                                       etag_of(request.name, policy.version))

    async def UpdateGovernancePolicy(self, request: api.UpdateGovernancePolicyRequest,
                                     context) -> pb.GovernancePolicy:
        requested = request.governance_policy
        name = requested.name
        org = GOVERNANCE_POLICY_PATTERN.parse(name, "governance_policy.name")["organization"]
        principal().require(org, P.GOVERNANCE_POLICY_WRITE)
        paths = mask_paths(requested, request.update_mask, policy_convert.UPDATABLE, "governance_policy")
        # The defaults need the organization's PMO type and currency: read them before the transaction,
        # which holds no connection across a call to another service.
        async with self.pool.acquire() as conn:
            stored = await store.current_policy(conn, org)
        organization = None if stored is not None else await self.organization(org, context)

        async def work(tx: Tx) -> pb.GovernancePolicy:
            await store.lock_policy(tx.conn, org)
            row = await store.current_policy(tx.conn, org)
            if row is not None:
                base = load(GovernancePolicy, row["body"])
                base.version, currency = row["version"], row["currency"]
            elif organization is not None:
                base = default_policy(enum_name(projects_pb.PmoType, "PMO_TYPE_",
                                                 organization.pmo_type) or "TACTICAL")
                currency = organization.default_currency_code
            else:  # the stored policy vanished: versions are never deleted
                raise errors.internal()
            check_etag(requested.etag, name, base.version)
            before = policy_convert.to_proto(base, org, currency, row["create_time"] if row else None,
                                             etag_of(name, base.version))
            v = Violations()
            updated = policy_convert.from_proto(merged(before, requested, paths), org, currency, base, v,
                                                dt.datetime.now(dt.UTC).date())
            v.raise_if_any()
            problems = policy_convert.violations_of(updated)
            if problems:
                raise errors.invalid_argument(problems)
            updated.version = base.version + 1
            new_row = await store.insert_policy(tx.conn, org, updated.version, updated.pmo_type, currency,
                                                store.to_json(updated), tx.actor)
            after = policy_convert.to_proto(updated, org, currency, new_row["create_time"],
                                            etag_of(name, updated.version))
            tx.record("UpdateGovernancePolicy", name, before, after, fields=sorted(paths), version=updated.version)
            return after

        return await self.mutate(org, "UpdateGovernancePolicy", request, pb.GovernancePolicy, work,
                                 dry_run=request.validate_only)
