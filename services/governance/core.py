"""What every GovernanceService handler shares: the verified caller as a workflow Actor, the
organization's policy, calls to ProjectsService as the caller, and updates whose refusals are
recorded before the caller hears of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import grpc
from temporalio.client import Client

from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.governance import convert, refusals, store, temporal
from services.platform import clients, errors
from services.platform.auth import principal
from services.platform.handlers import ResourceHandlers
from services.platform.mutations import validate_request_id
from services.platform.settings import Settings
from workflows.approvals import Actor, Delegator
from workflows.policy import GovernancePolicy, default_policy


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class GovernanceCore(ResourceHandlers):
    def __init__(self, pool: asyncpg.Pool, settings: Settings, client: Client) -> None:
        self.pool = pool
        self.client = client
        self.task_queue = settings.temporal_task_queue
        self.timeout_s = settings.call_timeout_s
        # Billing and risks are read only by validate_only's what-if, with the caller's token.
        self._channels = {name: clients.channel(settings.target_of(name)) for name in ("projects", "risks", "billing")}
        self.projects = projects_service_pb2_grpc.ProjectsServiceStub(self._channels["projects"])
        self.risks = risks_service_pb2_grpc.RisksServiceStub(self._channels["risks"])
        self.billing = billing_service_pb2_grpc.BillingServiceStub(self._channels["billing"])

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()

    # --- who is calling ----------------------------------------------------------------------

    async def actor(self, org: str) -> Actor:
        """The verified caller: subject and roles from the token, delegations from this service's own store.
        Nothing a client writes in a request ever names who acts."""
        caller = principal()
        async with self.pool.acquire() as conn:
            rows = await store.active_delegations(conn, org, caller.subject, utc_now())
        return Actor(subject=caller.subject, roles=sorted(r.value for r in caller.roles_in(org)),
                     delegators=[Delegator(r["delegator"], list(r["roles"])) for r in rows])

    def deadline_s(self, context: grpc.aio.ServicerContext, default_s: float) -> float:
        """The caller's remaining deadline, capped at `default_s`."""
        remaining = context.time_remaining() if context is not None else None
        return max(0.1, min(default_s, remaining)) if remaining is not None else default_s

    # --- other services, as the caller -----------------------------------------------------------

    async def organization(self, org: str, context) -> projects_pb.Organization:
        return await clients.call(self.projects.GetOrganization,
                                  projects_api.GetOrganizationRequest(name=f"organizations/{org}"), context,
                                  self.deadline_s(context, self.timeout_s))

    async def project(self, name: str, context, field: str | None, pin_for: str = "") -> projects_pb.Project:
        """The project as the caller sees it; a missing one is the caller's bad `field` (or NOT_FOUND).

        Before starting a `pin_for` process ("change_request", "phase_gate") the project is pinned instead
        (AttachProjectReference): ProjectsService then refuses to delete it while the process refers to it."""
        method, request = self.projects.GetProject, projects_api.GetProjectRequest(name=name)
        if pin_for:
            method, request = self.projects.AttachProjectReference, projects_api.AttachProjectReferenceRequest(
                name=name, holder="governance", kind=pin_for)
        try:
            return await clients.call(method, request, context, self.deadline_s(context, self.timeout_s))
        except errors.ApiError as exc:
            if exc.code == grpc.StatusCode.NOT_FOUND:
                raise (errors.bad_field(field, f"{name} does not exist") if field else errors.not_found(name)) \
                    from None
            raise

    # --- policy ----------------------------------------------------------------------------------

    async def policy(self, org: str, context) -> tuple[GovernancePolicy, str, asyncpg.Record | None]:
        """The current policy, its money currency and its stored row (None: the defaults, version 0)."""
        async with self.pool.acquire() as conn:
            row = await store.current_policy(conn, org)
        if row is not None:
            policy = convert.load(GovernancePolicy, row["body"])
            policy.version = row["version"]
            return policy, row["currency"], row
        organization = await self.organization(org, context)
        pmo_type = convert.enum_name(projects_pb.PmoType, "PMO_TYPE_", organization.pmo_type) or "TACTICAL"
        return default_policy(pmo_type), organization.default_currency_code, None

    # --- updates ---------------------------------------------------------------------------------

    async def send_update(self, *, org: str, method: str, target: str, workflow_id: str, update: str, arg: Any,
                          actor: Actor, request_id: str, context, result_type: type | None = None,
                          invalid_field: str = "") -> Any:
        """Send `update`; a refusal is recorded (refused_attempts + audit chain) and answered as an error.

        The update id is the method, the caller and their request id: a retry returns the first outcome
        and changes nothing, and nobody else's request id can stand for theirs.
        """
        validate_request_id(request_id)
        update_id = f"{method}/{actor.subject}/{request_id}" if request_id else None
        try:
            return await temporal.update(self.client, workflow_id, update, arg, update_id=update_id,
                                         result_type=result_type,
                                         timeout_s=self.deadline_s(context, temporal.DEFAULT_UPDATE_TIMEOUT_S))
        except temporal.Refused as refused:
            attempt = store.RefusedAttempt(
                org=org, actor=actor.subject, on_behalf_of=",".join(d.subject for d in actor.delegators),
                method=method, target=target, reason=refused.reason, message=refused.message)
            async with self.pool.acquire() as conn:
                await store.record_refusal(conn, attempt)
            raise refusals.api_error(refused.reason, refused.message, target, invalid_field) from None
