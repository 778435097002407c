"""The one path every write takes: one transaction, idempotency, audit.

    return await run_mutation(pool, org_id=org, method="CreateProject",
                              request=request, response_type=Project, work=work)

`work(tx)` does the SQL on `tx.conn` and calls `tx.record(...)` for each
audited change. With a `request_id` (AIP-155), the first response is stored
beside the change in the same transaction: a retry with the same id and the
same request gets that response back and changes nothing; the same id with a
different request is refused. A concurrent duplicate waits on the key's row
lock and then replays, so it never writes twice.

Keys are kept PMAAS_IDEMPOTENCY_RETENTION_DAYS (30), longer than any workflow
retries a mutating activity (workflows/ids.py MUTATION_RETRY_HORIZON), then
pruned by each service process (`prune_periodically`) or `pmaas prune`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg
import grpc
from google.protobuf.message import Message
from opentelemetry import trace

from services.platform import audit, db, errors
from services.platform.auth import principal

M = TypeVar("M", bound=Message)

log = logging.getLogger(__name__)


@dataclass
class Tx:
    conn: asyncpg.Connection
    org_id: str
    actor: str
    request_id: str
    on_behalf_of: str = ""  # the person the actor (the governance principal) acts for
    # Set when an admin takes a governance-only action by GOVERNANCE_OVERRIDE: every event of the
    # change then carries `"override": true` in its detail.
    override: bool = False
    events: list[audit.AuditEvent] = field(default_factory=list)

    def record(self, action: str, resource: str, before: Message | None = None,
               after: Message | None = None, **detail: object) -> None:
        if self.override:
            detail["override"] = True
        self.events.append(audit.AuditEvent(
            org_id=self.org_id, actor=self.actor, action=action, resource=resource,
            request_id=self.request_id, trace_id=current_trace_id(),
            before_digest=audit.digest(before), after_digest=audit.digest(after), detail=detail,
            on_behalf_of=self.on_behalf_of,
        ))


def _tx(conn: asyncpg.Connection, org_id: str, request_id: str) -> Tx:
    caller = principal()
    return Tx(conn=conn, org_id=org_id, actor=caller.subject, request_id=request_id,
              on_behalf_of=caller.on_behalf_of or "")


def current_trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""


def validate_request_id(request_id: str) -> None:
    if request_id:
        try:
            uuid.UUID(request_id)
        except ValueError:
            raise errors.bad_field("request_id", "must be a UUID (e.g. 3f0c2a8e-...)") from None


def _request_hash(request: Message) -> str:
    """The request as the caller sent it, and who sent it (for whom): another caller reusing an id is
    refused, and so is the governance principal reusing one for another person."""
    caller = principal()
    who = caller.subject.encode()
    if caller.on_behalf_of:  # absent otherwise, so the keys stored before it existed still match
        who += b"\x00on-behalf-of\x00" + caller.on_behalf_of.encode()
    return hashlib.sha256(who + b"\x00" + request.SerializeToString(deterministic=True)).hexdigest()


async def run_mutation(
    pool: asyncpg.Pool,
    *,
    org_id: str,
    method: str,
    request: Message,
    response_type: type[M],
    work: Callable[[Tx], Awaitable[M]],
    dry_run: bool = False,
) -> M:
    """Run `work` in one transaction; with `dry_run` (validate_only) roll it all back."""
    request_id: str = getattr(request, "request_id", "")
    validate_request_id(request_id)
    if dry_run:
        return await _dry_run(pool, org_id, work)
    async with pool.acquire() as conn:
        try:
            # Three round trips for a write like CreateProject's (each costs both sides more than the SQL does):
            # BEGIN with the claim; `work`; the response, the appends and COMMIT in one message.
            claim = await conn.execute(_begin(org_id, request_id, method, request))
            if request_id and claim == "INSERT 0 0":
                response = await _replay(conn, org_id, request_id, method, request, response_type)
                await conn.execute("ROLLBACK")  # nothing was written
                return response
            tx = _tx(conn, org_id, request_id)
            response = await work(tx)
            await conn.execute(_commit(tx.events, org_id, request_id, response))
            return response
        except BaseException:
            if not conn.is_closed() and conn.is_in_transaction():
                await conn.execute("ROLLBACK")
            raise


def _begin(org_id: str, request_id: str, method: str, request: Message) -> str:
    """BEGIN and, with a request id, its claim: "INSERT 0 0" when the id is taken. A concurrent duplicate's
    claim waits on the first's until that commits, then finds it taken and replays the stored response."""
    if not request_id:
        return "BEGIN"
    org, rid, hashed = db.literal(org_id), db.literal(request_id), db.literal(_request_hash(request))
    return (f"BEGIN; INSERT INTO idempotency_keys (org_id, request_id, method, request_hash) "
            f"VALUES ({org}, {rid}::uuid, {db.literal(method)}, {hashed}) ON CONFLICT DO NOTHING")


def _commit(events: list[audit.AuditEvent], org_id: str, request_id: str, response: Message) -> str:
    """The stored response, the audit appends and COMMIT, one message. The appends come last: the first takes
    the organization's chain lock, held until COMMIT, which then follows in the same message."""
    statements = []
    if request_id:
        stored = db.literal("\\x" + response.SerializeToString().hex())  # bytea's hex form
        statements.append(f"UPDATE idempotency_keys SET response = {stored}::bytea "
                          f"WHERE org_id = {db.literal(org_id)} AND request_id = {db.literal(request_id)}::uuid")
    statements += [audit.append_statement(event) for event in events]
    return "; ".join([*statements, "COMMIT"])


class _Rollback(Exception):
    def __init__(self, response: Message) -> None:
        self.response = response


async def _dry_run(pool: asyncpg.Pool, org_id: str, work: Callable[[Tx], Awaitable[M]]) -> M:
    """Every check the real call makes, including the database's, then nothing kept."""
    try:
        async with pool.acquire() as conn, conn.transaction():
            raise _Rollback(await work(_tx(conn, org_id, "")))
    except _Rollback as done:
        return done.response  # type: ignore[return-value]


async def _replay(conn: asyncpg.Connection, org_id: str, request_id: str, method: str,
                  request: Message, response_type: type[M]) -> M:
    row = await conn.fetchrow(
        "SELECT method, request_hash, response FROM idempotency_keys WHERE org_id = $1 AND request_id = $2",
        org_id, uuid.UUID(request_id),
    )
    if row["method"] != method or row["request_hash"] != _request_hash(request):
        raise errors.ApiError(
            grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED",
            f"request_id {request_id} was already used for a different request ({row['method']}); "
            "use a new request_id for a new request",
            violations=[("request_id", "already used for a different request")],
        )
    response = response_type()
    response.ParseFromString(row["response"])
    return response


# --- retention ----------------------------------------------------------------------------------


async def prune_idempotency_keys(pool: asyncpg.Pool, *, older_than: dt.timedelta, batch: int) -> int:
    """Delete the request ids stored more than `older_than` ago, oldest first, `batch` rows per statement and
    transaction (short locks, no long burst of WAL); returns how many. Keys a replay holds are skipped."""
    removed = 0
    while True:
        async with pool.acquire() as conn:
            deleted = await conn.fetchval(
                """WITH expired AS (SELECT org_id, request_id FROM idempotency_keys
                                     WHERE create_time < now() - $1::interval
                                     ORDER BY create_time LIMIT $2 FOR UPDATE SKIP LOCKED),
                        deleted AS (DELETE FROM idempotency_keys k USING expired e
                                     WHERE k.org_id = e.org_id AND k.request_id = e.request_id RETURNING 1)
                   SELECT count(*) FROM deleted""",
                older_than, batch)
        removed += deleted
        if deleted < batch:
            return removed


async def prune_periodically(pool: asyncpg.Pool, *, schema: str, retention: dt.timedelta, interval_s: float,
                             batch: int) -> None:
    """Prune now and every `interval_s` until cancelled. Replicas may overlap: SKIP LOCKED keeps them apart."""
    while True:
        try:
            removed = await prune_idempotency_keys(pool, older_than=retention, batch=batch)
            if removed:
                log.info("pruned expired request ids", extra={"schema": schema, "removed": removed})
        except Exception:  # the database restarting must not end the service; the next round tries again
            log.warning("pruning request ids failed; retrying in %.0f s", interval_s, exc_info=True,
                        extra={"schema": schema})
        await asyncio.sleep(interval_s)
