"""Append-only, per-organization hash-chained audit log.

Every event's hash is sha256(prev_hash + seq + "|" + canonical JSON of the
event), so changing, removing or reordering any past event breaks every later
link. The database computes it on append (`audit_append`); this module
computes it again to verify, and holds the log's reads
(`events_page` for AuditService.ListAuditEvents). The
table refuses UPDATE, DELETE and TRUNCATE by trigger; `verify_chain` walks an
organization's chain and names the first broken link. An event by the
governance service principal names, beside its actor, the person it acted for
(`on_behalf_of`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from google.protobuf.message import Message

from services.platform import db, filters, pagination

GENESIS = "0" * 64


def digest(message: Message | None) -> str:
    """Stable fingerprint of a resource state ('' when there is none)."""
    if message is None:
        return ""
    return hashlib.sha256(message.SerializeToString(deterministic=True)).hexdigest()


@dataclass
class AuditEvent:
    org_id: str
    actor: str
    action: str  # e.g. "CreateProject", "TransitionProjectPhase"
    resource: str
    request_id: str = ""
    trace_id: str = ""
    before_digest: str = ""
    after_digest: str = ""
    detail: dict = field(default_factory=dict)
    on_behalf_of: str = ""  # the person the actor (the governance service principal) acted for

    def body(self, event_time: datetime) -> str:
        """Canonical JSON of everything but the chain fields."""
        body = {
            "org_id": self.org_id, "event_time": _iso(event_time), "actor": self.actor, "action": self.action,
            "resource": self.resource, "request_id": self.request_id, "trace_id": self.trace_id,
            "before_digest": self.before_digest, "after_digest": self.after_digest, "detail": self.detail,
        }
        if self.on_behalf_of:  # only then: events from before the field hash as they always did
            body["on_behalf_of"] = self.on_behalf_of
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def canonical(self, seq: int, event_time: datetime) -> bytes:
        return f"{seq}|{self.body(event_time)}".encode()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="microseconds")


def _append_values(event: AuditEvent) -> tuple:
    """audit_append's arguments, in its order: the event stamped now, and its canonical body."""
    now = datetime.now(UTC)
    return (event.org_id, now, event.actor, event.on_behalf_of, event.action, event.resource, event.request_id,
            event.trace_id, event.before_digest, event.after_digest, json.dumps(event.detail), event.body(now))


async def append(conn: asyncpg.Connection, event: AuditEvent) -> int:
    """Append inside the caller's transaction; returns the event's sequence number."""
    return await conn.fetchval("SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12)",
                               *_append_values(event))


def append_statement(event: AuditEvent) -> str:
    """The append as one statement with its values written in (db.literal), to send in the same message as the
    transaction's COMMIT (mutations.run_mutation): the organization's chain lock, which the append takes, is
    then held for no round trip to the client."""
    values = [db.literal(v if isinstance(v, str) else _iso(v)) for v in _append_values(event)]
    values[1] += "::timestamptz"
    values[10] += "::jsonb"
    return f"SELECT audit_append({', '.join(values)})"


@dataclass
class ChainReport:
    org_id: str
    events: int
    ok: bool
    first_broken_seq: int | None = None
    problem: str = ""


async def verify_chain(conn: asyncpg.Connection, org_id: str) -> ChainReport:
    prev, expected_seq, count = GENESIS, 1, 0
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for row in conn.cursor("SELECT * FROM audit_events WHERE org_id = $1 ORDER BY seq", org_id):
            count += 1
            seq = row["seq"]
            if seq != expected_seq:
                return ChainReport(org_id, count, False, expected_seq, f"event {expected_seq} is missing")
            if row["prev_hash"] != prev:
                return ChainReport(org_id, count, False, seq, "prev_hash does not match the previous event")
            event = AuditEvent(
                org_id=row["org_id"], actor=row["actor"], action=row["action"], resource=row["resource"],
                request_id=row["request_id"], trace_id=row["trace_id"], before_digest=row["before_digest"],
                after_digest=row["after_digest"], detail=json.loads(row["detail"]),
                on_behalf_of=row["on_behalf_of"],
            )
            if chain_hash(prev, event.canonical(seq, row["event_time"])) != row["hash"]:
                return ChainReport(org_id, count, False, seq, "event content does not match its hash")
            prev, expected_seq = row["hash"], seq + 1
    return ChainReport(org_id, count, True)


async def events_page(conn: asyncpg.Connection, org_id: str, filter_text: str, fields: dict[str, filters.Field],
                      page: pagination.Page, *, newest_first: bool) -> list[asyncpg.Record]:
    """Up to page.size + 1 events of an organization matching the filter, in chain order (or newest first),
    after the page's keyset: `seq` is per organization, so the primary key (org_id, seq) serves both orders."""
    args: list = [org_id]
    where = "org_id = $1"
    if page.after_seq:  # 0: the first page, in either order
        args.append(page.after_seq)
        where += f" AND seq {'<' if newest_first else '>'} $2"
    compiled = filters.compile_filter(filter_text, fields, len(args) + 1)
    args += compiled.args
    args.append(page.size + 1)
    return await conn.fetch(
        f"SELECT * FROM audit_events WHERE {where} {compiled.sql} "
        f"ORDER BY seq {'DESC' if newest_first else 'ASC'} LIMIT ${len(args)}", *args)
