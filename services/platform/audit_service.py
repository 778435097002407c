"""pmaas.audit.v1.AuditService: an organization's audit log, read by its admins and auditors.

Every data-owning service serves it beside its own API (`service.start` registers it), each over the
`audit_events` of its own schema: ListAuditEvents pages a chain (AIP-132 order, AIP-158 keyset pages,
AIP-160 filter), VerifyAuditChain walks it with the verifier behind `pmaas audit verify`. Only
`audit.read` (admin, auditor) of the organization may call either; reading changes nothing.
"""

from __future__ import annotations

import json

import asyncpg
import grpc
from google.protobuf import struct_pb2

from pmaas.audit.v1 import audit_service_pb2 as api
from pmaas.audit.v1 import audit_service_pb2_grpc
from pmaas.audit.v1 import resources_pb2 as pb
from services.platform import audit, errors, pagination
from services.platform.auth import Permission, principal
from services.platform.filters import Field
from services.platform.grpc_server import ServiceRegistration
from services.platform.names import ORG_PATTERN
from services.platform.resources import to_timestamp

FULL_NAME = api.DESCRIPTOR.services_by_name["AuditService"].full_name

FILTERS = {
    "resource": Field("resource"),
    "actor": Field("actor"),
    "on_behalf_of": Field("on_behalf_of"),
    "action": Field("action"),
    "request_id": Field("request_id"),
    "sequence": Field("seq", "int"),
    "event_time": Field("event_time", "timestamp"),
}
# order_by (whitespace-normalized) -> newest first? Only the sequence orders the chain: event times are
# taken before the append lock, so two concurrent events may carry them out of order.
ORDERS = {"": False, "sequence": False, "sequence desc": True}


def _org(parent: str) -> str:
    org = ORG_PATTERN.parse(parent, "parent")["organization"]
    principal().require(org, Permission.AUDIT_READ)
    return org


def event(row: asyncpg.Record) -> pb.AuditEvent:
    detail = struct_pb2.Struct()
    detail.update(json.loads(row["detail"]))
    return pb.AuditEvent(
        name=f"organizations/{row['org_id']}/auditEvents/{row['seq']}", sequence=row["seq"],
        event_time=to_timestamp(row["event_time"]), actor=row["actor"], on_behalf_of=row["on_behalf_of"],
        action=row["action"], resource=row["resource"], request_id=row["request_id"], trace_id=row["trace_id"],
        before_digest=row["before_digest"], after_digest=row["after_digest"], detail=detail,
        prev_hash=row["prev_hash"], hash=row["hash"],
    )


class AuditServicer(audit_service_pb2_grpc.AuditServiceServicer):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def ListAuditEvents(self, request: api.ListAuditEventsRequest, context) -> api.ListAuditEventsResponse:
        org = _org(request.parent)
        order = " ".join(request.order_by.split())
        if order not in ORDERS:
            raise errors.bad_field("order_by", '"sequence" (oldest first, the default) or "sequence desc" '
                                   "(newest first) are the orders of the audit log")
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            order, of=api.ListAuditEventsResponse)
        async with self.pool.acquire() as conn:
            rows = await audit.events_page(conn, org, request.filter, FILTERS, page, newest_first=ORDERS[order])
        return api.ListAuditEventsResponse(audit_events=[event(r) for r in rows[: page.size]],
                                           next_page_token=page.next_token(rows))

    async def VerifyAuditChain(self, request: api.VerifyAuditChainRequest,
                               context) -> api.VerifyAuditChainResponse:
        org = _org(request.parent)
        async with self.pool.acquire() as conn:
            report = await audit.verify_chain(conn, org)
        return api.VerifyAuditChainResponse(intact=report.ok, events_checked=report.events,
                                            first_broken_sequence=report.first_broken_seq or 0,
                                            problem=report.problem)


def registration(pool: asyncpg.Pool) -> ServiceRegistration:
    """The AuditService over `pool`'s schema, to serve beside a service's own API."""
    servicer = AuditServicer(pool)

    def add(server: grpc.aio.Server) -> None:
        audit_service_pb2_grpc.add_AuditServiceServicer_to_server(servicer, server)

    return ServiceRegistration(FULL_NAME, add)
