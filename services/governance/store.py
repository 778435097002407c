"""The governance schema: every SQL statement of the GovernanceService and of its read-model activities.

Rows written by the workflows (tasks, processes) carry a `version` that only grows: an upsert
writes only a newer version, and appends that version's new events to the organization's audit
chain in the same transaction, so a retried activity neither regresses a row nor audits twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import asyncpg
from temporalio.converter import AdvancedJSONEncoder

from pmaas.governance.v1 import audits_pb2 as audits_pb
from pmaas.governance.v1 import billing_cycles_pb2 as billing_pb
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.governance.v1 import webhooks_pb2
from pmaas.risks.v1 import resources_pb2 as risks_pb
from services.governance import events
from services.platform import audit, db, filters, pagination
from services.platform.auth import SERVICE_SUBJECT
from services.platform.filters import Field
from services.platform.mutations import current_trace_id
from services.platform.names import DELEGATION_PATTERN, TASK_PATTERN
from services.platform.resources import etag_of, to_timestamp
from services.platform.tables import Table
from workflows.approvals import ProcessSync, TaskEvent, TaskSync

# Process states after which nothing more happens (the `open` column is their negation).
CLOSED_PROCESS_STATES = {
    "change_request": frozenset({"COMPLETED", "REJECTED", "CHANGES_REQUESTED", "WITHDRAWN", "FAILED"}),
    "phase_gate": frozenset({"PASSED", "RECYCLED", "KILLED", "FAILED"}),
    "escalation": frozenset({"RESOLVED", "WITHDRAWN"}),
    "quality_audit": frozenset({"CLOSED", "EXPIRED", "FAILED", "SKIPPED"}),
    "corrective_action": frozenset({"CLOSED"}),
    "post_project_review": frozenset({"CLOSED", "EXPIRED"}),
    "billing_cycle": frozenset({"COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED"}),
}


def to_json(value: Any) -> str:
    """JSON as Temporal's default converter writes it (dataclasses as objects, datetimes as ISO text)."""
    return json.dumps(value, cls=AdvancedJSONEncoder, separators=(",", ":"))


# --- filters: the API speaks proto enum names and resource names, the rows hold workflow strings ---


@dataclass(frozen=True)
class EnumName(Field):
    """An enum filter (e.g. `state = TASK_STATE_OPEN`) on a column holding the bare name (`OPEN`)."""

    prefix: str = ""

    def convert(self, raw: str, quoted: bool) -> Any:
        number = super().convert(raw, quoted)
        return self.enum.values_by_number[number].name.removeprefix(self.prefix)


@dataclass(frozen=True)
class ProjectRef(Field):
    """`project = "organizations/acme/projects/erp"` (or just `erp`) on a column holding the project id."""

    def convert(self, raw: str, quoted: bool) -> Any:
        return raw.rsplit("/", 1)[-1] if raw.startswith("organizations/") else raw


def _enum(column: str, descriptor, prefix: str) -> EnumName:
    return EnumName(column, "enum", descriptor, prefix)


TASK_FILTERS = {
    "project": ProjectRef("project"),
    "kind": _enum("kind", pb.TaskKind.DESCRIPTOR, "TASK_KIND_"),
    "state": _enum("state", pb.TaskState.DESCRIPTOR, "TASK_STATE_"),
    "process": Field("process"),
}
CHANGE_REQUEST_FILTERS = {
    "project": ProjectRef("project"),
    "state": _enum("state", pb.ChangeRequestState.DESCRIPTOR, "CHANGE_REQUEST_STATE_"),
    "type": _enum("type", pb.ChangeType.DESCRIPTOR, "CHANGE_TYPE_"),
    "requester": Field("requester"),
}
PHASE_GATE_FILTERS = {
    "state": _enum("state", pb.PhaseGateState.DESCRIPTOR, "PHASE_GATE_STATE_"),
    "requester": Field("requester"),
}
# An escalation's severity, source and level are in its view only (the row's `requester` is the raiser).
ESCALATION_FILTERS = {
    "project": ProjectRef("project"),
    "state": _enum("state", pb.EscalationState.DESCRIPTOR, "ESCALATION_STATE_"),
    "severity": _enum("(view->>'severity')", risks_pb.IssueSeverity.DESCRIPTOR, "ISSUE_SEVERITY_"),
    "source": _enum("(view->>'source')", pb.EscalationSource.DESCRIPTOR, "ESCALATION_SOURCE_"),
    "level": Field("((view->>'level')::int)", "int"),
    "raised_by": Field("requester"),
}



def delegation(row: asyncpg.Record) -> pb.Delegation:
    name = DELEGATION_PATTERN.format(organization=row["org_id"], delegation=row["id"])
    return pb.Delegation(name=name, delegator=row["delegator"], delegate=row["delegate"],
                         start_time=to_timestamp(row["start_time"]), end_time=to_timestamp(row["end_time"]),
                         reason=row["reason"], roles=row["roles"], create_time=to_timestamp(row["create_time"]),
                         etag=etag_of(name, row["version"]))


DELEGATIONS = Table("delegations", DELEGATION_PATTERN, ("org_id", "id"), {
    "delegator": Field("delegator"),
    "delegate": Field("delegate"),
}, to_proto=delegation)


# --- policy versions ----------------------------------------------------------------------------


async def current_policy(conn: asyncpg.Connection, org: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM policy_versions WHERE org_id = $1 ORDER BY version DESC LIMIT 1", org)


async def lock_policy(conn: asyncpg.Connection, org: str) -> None:
    """Serialize policy updates of one organization until commit (each takes the next version)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('policy:' || $1))", org)


async def insert_policy(conn: asyncpg.Connection, org: str, version: int, pmo_type: str, currency: str,
                        body: str, author: str) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO policy_versions (org_id, version, pmo_type, currency, body, author)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6) RETURNING *""",
        org, version, pmo_type, currency, body, author)


# --- delegations --------------------------------------------------------------------------------


async def active_delegations(conn: asyncpg.Connection, org: str, delegate: str,
                             now: dt.datetime) -> list[asyncpg.Record]:
    """Whose approvals `delegate` holds at `now`."""
    return await conn.fetch(
        """SELECT delegator, roles FROM delegations
           WHERE org_id = $1 AND delegate = $2 AND end_time > $3 AND start_time <= $3
           ORDER BY delegator""", org, delegate, now)


async def lock_delegator(conn: asyncpg.Connection, org: str, delegator: str) -> None:
    """Serialize one person's delegation changes, so two overlapping ones cannot both be set."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('delegation:' || $1 || ':' || $2))", org, delegator)


async def overlapping_delegation(conn: asyncpg.Connection, org: str, delegator: str, start: dt.datetime,
                                 end: dt.datetime) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT * FROM delegations WHERE org_id = $1 AND delegator = $2 AND start_time < $4 AND end_time > $3
           ORDER BY start_time LIMIT 1""", org, delegator, start, end)


# --- read model: tasks --------------------------------------------------------------------------


def _camel(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.lower().split("_"))


def _event_audit(org: str, action: str, resource: str, event: TaskEvent, trace_id: str,
                 **detail: object) -> audit.AuditEvent:
    body = {"event_time": event.time.isoformat(), "detail": event.detail, **detail}
    if event.comment:
        body["comment"] = event.comment
    return audit.AuditEvent(org_id=org, actor=event.actor or SERVICE_SUBJECT, action=action, resource=resource,
                            trace_id=trace_id, detail=body, on_behalf_of=event.on_behalf_of)


async def upsert_task(conn: asyncpg.Connection, sync: TaskSync, api: bytes) -> bool:
    """Write the task (and `api`, the API's Task serialized) if this version is newer than the stored one
    and audit its new events; False when it was not (a retry, or an older write arriving late): nothing
    is written then."""
    task, ref = sync.task, sync.task.ref
    async with db.atomic(conn):
        written = await conn.fetchval(
            """INSERT INTO tasks AS t (org_id, id, workflow_id, kind, process, project, requester, state, title,
                                       pending_approvers, due_time, sla_state, version, data, create_time,
                                       close_time, api)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17)
               ON CONFLICT (org_id, id) DO UPDATE SET
                   state = excluded.state, title = excluded.title, pending_approvers = excluded.pending_approvers,
                   due_time = excluded.due_time, sla_state = excluded.sla_state, version = excluded.version,
                   data = excluded.data, update_time = now(), close_time = excluded.close_time,
                   api = excluded.api
               WHERE t.version < excluded.version
               RETURNING true""",
            ref.org, task.id, ref.workflow_id, task.spec.kind, ref.process, ref.project, task.spec.requester,
            task.state, task.spec.title, sync.pending_approvers, task.due_time, sync.sla_state, task.version,
            to_json(task), task.created, task.closed, api)
        if not written:
            return False
        name = TASK_PATTERN.format(organization=ref.org, task=task.id)
        trace_id = current_trace_id()
        for event in sync.new_events:
            await audit.append(conn, _event_audit(ref.org, f"Task{_camel(event.kind)}", name, event, trace_id,
                                                  process=ref.process, version=task.version))
        return True


async def get_task(conn: asyncpg.Connection, org: str, task_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM tasks WHERE org_id = $1 AND id = $2", org, task_id)


async def tasks_of(conn: asyncpg.Connection, org: str, processes: list[str]) -> dict[str, list[str]]:
    """Task ids of each process, oldest first (the read model knows a task as soon as it opens)."""
    rows = await conn.fetch(
        """SELECT process, id FROM tasks WHERE org_id = $1 AND process = ANY($2::text[])
           ORDER BY process, create_time, id""", org, processes)
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["process"], []).append(r["id"])
    return out


@dataclass(frozen=True)
class TaskQuery:
    org: str
    labels: list[str] | None  # an inbox: tasks pending any of these labels; None: every task
    not_requested_by: str  # an inbox leaves out the caller's own requests (they may not decide them)
    # An inbox also holds what is pending for the people whose approvals this person holds now (their
    # subjects and roles, from their delegations): looked up in the same statement, one round trip.
    delegate: str | None
    include_closed: bool
    filter_text: str
    after: tuple[dt.datetime, str] | None  # keyset: the last (due_time, id) of the previous page
    limit: int


async def list_tasks(conn: asyncpg.Connection, q: TaskQuery) -> list[asyncpg.Record]:
    """Tasks in due order (overdue ones are due earliest, so they come first), then by id."""
    args: list[Any] = [q.org]
    where = ["org_id = $1"]
    if not q.include_closed:
        where.append("state IN ('OPEN', 'CLAIMED')")  # matches the partial index tasks_open_by_due
    if q.labels is not None:
        args += [q.labels, q.not_requested_by]
        labels, requester = f"${len(args) - 1}::text[]", f"${len(args)}"
        if q.delegate is not None:
            args.append(q.delegate)
            labels = f"""({labels} || ARRAY(
                SELECT label FROM delegations d,
                     LATERAL unnest(d.delegator || array(SELECT 'role:' || r FROM unnest(d.roles) r)) AS label
                WHERE d.org_id = $1 AND d.delegate = ${len(args)} AND d.start_time <= now()
                  AND d.end_time > now()))"""
        where.append(f"pending_approvers && {labels} AND requester <> {requester}")
    if q.after is not None:
        args += list(q.after)
        where.append(f"(due_time, id) > (${len(args) - 1}, ${len(args)})")
    compiled = filters.compile_filter(q.filter_text, TASK_FILTERS, len(args) + 1)
    args += compiled.args
    args.append(q.limit)
    return await conn.fetch(
        f"SELECT * FROM tasks WHERE {' AND '.join(where)} {compiled.sql} ORDER BY due_time, id LIMIT ${len(args)}",
        *args)


# --- read model: processes ----------------------------------------------------------------------


async def upsert_process(conn: asyncpg.Connection, sync: ProcessSync, api: bytes | None = None) -> bool:
    """As upsert_task, for one change request or phase gate (`api`: its API message, serialized). The
    catalogued new events go to the outbox (services/governance/events.py) in the same transaction."""
    is_open = sync.state not in CLOSED_PROCESS_STATES.get(sync.kind, frozenset())
    async with db.atomic(conn):
        written = await conn.fetchval(
            """INSERT INTO processes AS p (kind, org_id, id, project, name, workflow_id, state, open, type,
                                           requester, policy_version, version, view, api)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14)
               ON CONFLICT (org_id, id) DO UPDATE SET
                   state = excluded.state, open = excluded.open, type = excluded.type, version = excluded.version,
                   view = excluded.view, api = excluded.api, update_time = now()
               WHERE p.version < excluded.version
               RETURNING true""",
            sync.kind, sync.org, sync.id, sync.project, sync.name, sync.workflow_id, sync.state, is_open,
            str(sync.view.get("type", "")), sync.requester, sync.policy_version, sync.version, to_json(sync.view),
            api)
        if not written:
            return False
        await insert_outbound_events(conn, events.outbound(sync))
        trace_id = current_trace_id()
        for event in sync.new_events:
            await audit.append(conn, _event_audit(sync.org, f"{_camel(sync.kind)}{_camel(event.kind)}", sync.name,
                                                  event, trace_id, state=sync.state, version=sync.version))
        return True


async def get_process(conn: asyncpg.Connection, org: str, kind: str, process_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM processes WHERE org_id = $1 AND id = $2 AND kind = $3",
                               org, process_id, kind)


async def list_processes(conn: asyncpg.Connection, org: str, kind: str, project: str | None, filter_text: str,
                         fields: dict[str, Field], page: pagination.Page,
                         newest_first: bool = False) -> list[asyncpg.Record]:
    """One keyset page (by seq) of one kind of process, optionally of one project."""
    args: list[Any] = [org, kind, page.after_seq]
    # Newest first, the first page has no bound (after_seq 0); each next one starts below the last seq seen.
    where = "org_id = $1 AND kind = $2 AND " + ("($3 = 0 OR seq < $3)" if newest_first else "seq > $3")
    if project is not None:
        args.append(project)
        where += f" AND project = ${len(args)}"
    compiled = filters.compile_filter(filter_text, fields, len(args) + 1)
    args += compiled.args
    args.append(page.size + 1)
    return await conn.fetch(
        f"SELECT * FROM processes WHERE {where} {compiled.sql} ORDER BY seq {'DESC' if newest_first else ''} "
        f"LIMIT ${len(args)}", *args)


async def newest_task(conn: asyncpg.Connection, org: str, process: str) -> asyncpg.Record | None:
    """The id and state of the process's newest task (an escalation's open task, if it has one, is its newest)."""
    return await conn.fetchrow(
        """SELECT id, state FROM tasks WHERE org_id = $1 AND process = $2 ORDER BY create_time DESC, id DESC
           LIMIT 1""", org, process)


# Escalations raised, and open, are counted by the escalation's own create_time (the view's), which the
# version-0 row and every publication of the workflow carry alike.
_RAISED = "(view->>'create_time')::timestamptz"


async def open_escalations_by_level(conn: asyncpg.Connection, org: str, kind: str,
                                    now: dt.datetime) -> list[asyncpg.Record]:
    """Open escalations per current level, by age since raised: < 1 day, 1-3 days, 3-7 days, 7 days or more."""
    return await conn.fetch(
        f"""SELECT level, count(*) AS total,
                   count(*) FILTER (WHERE age < interval '1 day') AS under_one_day,
                   count(*) FILTER (WHERE age >= interval '1 day' AND age < interval '3 days') AS one_to_three_days,
                   count(*) FILTER (WHERE age >= interval '3 days' AND age < interval '7 days') AS three_to_seven_days,
                   count(*) FILTER (WHERE age >= interval '7 days') AS over_seven_days
            FROM (SELECT (view->>'level')::int AS level, $3::timestamptz - {_RAISED} AS age
                  FROM processes WHERE org_id = $1 AND kind = $2 AND open) AS o
            GROUP BY level ORDER BY level""", org, kind, now)


async def escalation_breaches(conn: asyncpg.Connection, org: str, kind: str, start: dt.datetime | None,
                              end: dt.datetime | None) -> list[asyncpg.Record]:
    """Per project: escalations raised in [start, end) (None: open-ended), and those with a breach."""
    return await conn.fetch(
        f"""SELECT project, count(*) AS raised,
                   count(*) FILTER (WHERE jsonb_array_length(view->'breaches') > 0) AS breached
            FROM processes
            WHERE org_id = $1 AND kind = $2 AND ($3::timestamptz IS NULL OR {_RAISED} >= $3)
              AND ($4::timestamptz IS NULL OR {_RAISED} < $4)
            GROUP BY project ORDER BY project""", org, kind, start, end)


async def open_processes(conn: asyncpg.Connection, org: str, kind: str, project: str, exclude_id: str) -> list[str]:
    rows = await conn.fetch(
        """SELECT name FROM processes WHERE org_id = $1 AND kind = $2 AND project = $3 AND open AND id <> $4
           ORDER BY seq""", org, kind, project, exclude_id)
    return [r["name"] for r in rows]


# --- refused attempts and notifications ---------------------------------------------------------


@dataclass(frozen=True)
class RefusedAttempt:
    org: str
    actor: str
    on_behalf_of: str  # delegators whose approvals the actor held, comma-separated
    method: str
    target: str
    reason: str
    message: str


async def record_refusal(conn: asyncpg.Connection, attempt: RefusedAttempt) -> None:
    """Keep the attempt and append it to the audit chain, in one transaction."""
    trace_id = current_trace_id()
    async with conn.transaction():
        await conn.execute(
            """INSERT INTO refused_attempts (org_id, actor, on_behalf_of, method, target, reason, message, trace_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            attempt.org, attempt.actor, attempt.on_behalf_of, attempt.method, attempt.target, attempt.reason,
            attempt.message, trace_id)
        await audit.append(conn, audit.AuditEvent(
            org_id=attempt.org, actor=attempt.actor, action=f"{attempt.method}Refused", resource=attempt.target,
            trace_id=trace_id, detail={"reason": attempt.reason, "message": attempt.message},
            on_behalf_of=attempt.on_behalf_of))


async def insert_notification(conn: asyncpg.Connection, org: str, idempotency_key: str, kind: str, subject: str,
                              recipients: list[str], message: str) -> bool:
    """False when this notification was already recorded (a retried activity)."""
    return bool(await conn.fetchval(
        """INSERT INTO notifications (org_id, idempotency_key, kind, subject, recipients, message)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING true""",
        org, idempotency_key, kind, subject, recipients, message))


# --- events out: webhooks, the outbox, deliveries and their log ----------------------------------


async def insert_outbound_events(conn: asyncpg.Connection, rows: list[events.OutboundEvent]) -> None:
    if rows:
        await conn.executemany(
            """INSERT INTO outbound_events (org_id, id, type, subject, time, data, process_id, version, index)
               VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9) ON CONFLICT DO NOTHING""",
            [(e.org, e.id, e.type, e.subject, e.time, to_json(e.data), e.process_id, e.version, e.index)
             for e in rows])


async def deliveries_to_start(conn: asyncpg.Connection, org: str, process_id: str,
                              version: int) -> list[asyncpg.Record]:
    """The first series of every delivery of this publication's events to the webhooks subscribed when each
    event was written, created if missing, and still pending: a retried sync_process finds the same ones."""
    return await conn.fetch(
        """WITH ev AS (SELECT id, type, create_time FROM outbound_events
                       WHERE org_id = $1 AND process_id = $2 AND version = $3),
                new AS (INSERT INTO deliveries (org_id, id, webhook_id, event_id)
                        SELECT $1, left(md5($1 || '/' || ev.id || '/' || w.id), 20), w.id, ev.id
                        FROM ev JOIN webhooks w ON w.org_id = $1 AND w.state = 'ACTIVE'
                             AND w.create_time <= ev.create_time
                             AND (w.event_types = '{}' OR ev.type = ANY(w.event_types))
                        ON CONFLICT DO NOTHING
                        RETURNING id, webhook_id, event_id, series)
           SELECT * FROM new
           UNION ALL
           SELECT d.id, d.webhook_id, d.event_id, d.series FROM deliveries d JOIN ev ON d.event_id = ev.id
           WHERE d.org_id = $1 AND d.state = 'PENDING' AND d.series = 1
           ORDER BY event_id, webhook_id""", org, process_id, version)


async def delivery_target(conn: asyncpg.Connection, org: str, delivery_id: str) -> asyncpg.Record | None:
    """What one attempt needs: the delivery, its webhook (address, secret, state) and its event."""
    return await conn.fetchrow(
        """SELECT d.id, d.state, d.series, d.webhook_id, w.uri, w.secret, w.state AS webhook_state,
                  e.id AS event_id, e.type, e.subject, e.time, e.data
           FROM deliveries d JOIN webhooks w ON w.org_id = d.org_id AND w.id = d.webhook_id
                JOIN outbound_events e ON e.org_id = d.org_id AND e.id = d.event_id
           WHERE d.org_id = $1 AND d.id = $2""", org, delivery_id)


@dataclass(frozen=True)
class Attempt:
    org: str
    delivery_id: str
    series: int
    attempt: int
    status: int  # HTTP status, 0 when no response came back
    error: str
    duration_ms: int
    time: dt.datetime
    delivered: bool


async def record_attempt(conn: asyncpg.Connection, a: Attempt) -> bool:
    """Log one attempt and carry its outcome to the delivery; False (nothing written) if it was logged already."""
    async with conn.transaction():
        new = await conn.fetchval(
            """INSERT INTO delivery_attempts (org_id, delivery_id, series, attempt, status, error, duration_ms, time)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING true""",
            a.org, a.delivery_id, a.series, a.attempt, a.status, a.error, a.duration_ms, a.time)
        if not new:
            return False
        await conn.execute(
            """UPDATE deliveries SET attempts = attempts + 1, last_status = $3, last_error = $4, update_time = now(),
                   state = CASE WHEN $5 THEN 'DELIVERED' ELSE state END
               WHERE org_id = $1 AND id = $2""", a.org, a.delivery_id, a.status, a.error, a.delivered)
        return True


async def fail_delivery(conn: asyncpg.Connection, org: str, delivery_id: str, series: int, error: str) -> None:
    """The series gave up: FAILED, unless it was delivered or a newer series (a redelivery) has started."""
    await conn.execute(
        """UPDATE deliveries SET state = 'FAILED', update_time = now(),
               last_error = CASE WHEN $4 = '' THEN last_error ELSE $4 END
           WHERE org_id = $1 AND id = $2 AND series = $3 AND state = 'PENDING'""", org, delivery_id, series, error)


async def disable_webhook(conn: asyncpg.Connection, org: str, webhook_id: str) -> None:
    """The endpoint answered 410 Gone: no more deliveries to it until someone creates it again."""
    await conn.execute(
        """UPDATE webhooks SET state = 'DISABLED', version = version + 1, update_time = now()
           WHERE org_id = $1 AND id = $2 AND state = 'ACTIVE'""", org, webhook_id)


async def insert_webhook(conn: asyncpg.Connection, org: str, webhook_id: str, uri: str, event_types: list[str],
                         description: str, secret: str, creator: str) -> asyncpg.Record:
    return await conn.fetchrow(
        """INSERT INTO webhooks (org_id, id, uri, event_types, description, secret, creator)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        org, webhook_id, uri, event_types, description, secret, creator)


async def get_webhook(conn: asyncpg.Connection, org: str, webhook_id: str, *,
                      lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM webhooks WHERE org_id = $1 AND id = $2" + (" FOR UPDATE" if lock
                                                                                          else ""), org, webhook_id)


async def list_webhooks(conn: asyncpg.Connection, org: str, show_deleted: bool,
                        page: pagination.Page) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT * FROM webhooks WHERE org_id = $1 AND seq > $2 AND ($3 OR state <> 'DELETED')
           ORDER BY seq LIMIT $4""", org, page.after_seq, show_deleted, page.size + 1)


async def delete_webhook(conn: asyncpg.Connection, org: str, webhook_id: str) -> asyncpg.Record:
    """Soft delete: the row stays (its deliveries refer to it), no new deliveries start, pending ones stop."""
    return await conn.fetchrow(
        """UPDATE webhooks SET state = 'DELETED', delete_time = now(), version = version + 1, update_time = now()
           WHERE org_id = $1 AND id = $2 RETURNING *""", org, webhook_id)


DELIVERY_FILTERS = {
    "state": _enum("state", webhooks_pb2.DeliveryState.DESCRIPTOR, "DELIVERY_STATE_"),
    "event_type": Field("event_type"),
}


async def list_deliveries(conn: asyncpg.Connection, org: str, webhook_id: str | None, filter_text: str,
                          page: pagination.Page) -> list[asyncpg.Record]:
    """One keyset page of deliveries, newest first, with their event's type and subject."""
    args: list[Any] = [org, page.after_seq]
    where = "d.org_id = $1 AND ($2 = 0 OR d.seq < $2)"
    if webhook_id is not None:
        args.append(webhook_id)
        where += f" AND d.webhook_id = ${len(args)}"
    compiled = filters.compile_filter(filter_text, DELIVERY_FILTERS, len(args) + 1)
    args += compiled.args
    args.append(page.size + 1)
    return await conn.fetch(
        f"""SELECT * FROM (SELECT d.*, e.type AS event_type, e.subject FROM deliveries d
                           JOIN outbound_events e ON e.org_id = d.org_id AND e.id = d.event_id
                           WHERE {where}) AS d
            WHERE true {compiled.sql} ORDER BY seq DESC LIMIT ${len(args)}""", *args)


async def get_delivery(conn: asyncpg.Connection, org: str, webhook_id: str, delivery_id: str, *,
                       lock: bool = False) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT d.*, e.type AS event_type, e.subject FROM deliveries d
           JOIN outbound_events e ON e.org_id = d.org_id AND e.id = d.event_id
           WHERE d.org_id = $1 AND d.webhook_id = $2 AND d.id = $3""" + (" FOR UPDATE OF d" if lock else ""),
        org, webhook_id, delivery_id)


async def next_series(conn: asyncpg.Connection, org: str, delivery_id: str) -> int:
    """A redelivery: the delivery is pending again, in a new series of attempts."""
    return await conn.fetchval(
        """UPDATE deliveries SET series = series + 1, state = 'PENDING', update_time = now()
           WHERE org_id = $1 AND id = $2 RETURNING series""", org, delivery_id)


async def attempts_of(conn: asyncpg.Connection, org: str, delivery_ids: list[str]) -> dict[str, list[asyncpg.Record]]:
    """The delivery log of each delivery, oldest attempt first."""
    rows = await conn.fetch(
        """SELECT * FROM delivery_attempts WHERE org_id = $1 AND delivery_id = ANY($2::text[])
           ORDER BY delivery_id, series, attempt""", org, delivery_ids)
    out: dict[str, list[asyncpg.Record]] = {}
    for r in rows:
        out.setdefault(r["delivery_id"], []).append(r)
    return out


# --- quality audits (workflows/quality_audit.py; processes of kind quality_audit) ---------------

AUDIT_FILTERS = {
    "project": ProjectRef("project"),
    "state": _enum("state", audits_pb.QualityAuditState.DESCRIPTOR, "QUALITY_AUDIT_STATE_"),
    "trigger": _enum("(view->>'trigger')", audits_pb.AuditTrigger.DESCRIPTOR, "AUDIT_TRIGGER_"),
}


async def latest_closed_audit(conn: asyncpg.Connection, org: str, project: str) -> asyncpg.Record | None:
    """The project's most recently closed quality audit: its name, score and close time (what gates read)."""
    return await conn.fetchrow(
        """SELECT name, view->>'score' AS score, view->>'close_time' AS close_time FROM processes
           WHERE org_id = $1 AND kind = 'quality_audit' AND project = $2 AND state = 'CLOSED'
           ORDER BY (view->>'close_time')::timestamptz DESC, seq DESC LIMIT 1""", org, project)


# --- billing cycles (workflows/billing_cycle.py; processes of kind billing_cycle) -----------------

BILLING_CYCLE_FILTERS = {
    "state": _enum("state", billing_pb.BillingCycleState.DESCRIPTOR, "BILLING_CYCLE_STATE_"),
    "period_start": Field("((view->>'period_start')::date)", "date"),
}


# --- operations: the business signals exported as metrics (services/governance/operations.py) ----------
# Every organization at once: operators are paged on the platform's totals.

_AGE_BUCKET = """CASE WHEN age < interval '1 day' THEN 'under_1d' WHEN age < interval '3 days' THEN '1d_to_3d'
                      WHEN age < interval '7 days' THEN '3d_to_7d' ELSE '7d_or_more' END"""


async def open_tasks_by_sla_and_age(conn: asyncpg.Connection, now: dt.datetime) -> list[asyncpg.Record]:
    """Open tasks by kind, SLA state (BREACHED once past due, whatever the last publication said) and age since
    opened."""
    return await conn.fetch(
        f"""SELECT kind, CASE WHEN due_time <= $1 THEN 'BREACHED' ELSE sla_state END AS sla_state,
                   {_AGE_BUCKET} AS age, count(*) AS total
            FROM (SELECT kind, due_time, sla_state, $1::timestamptz - create_time AS age FROM tasks
                  WHERE state IN ('OPEN', 'CLAIMED')) AS t
            GROUP BY 1, 2, 3""", now)


async def open_processes_by_level(conn: asyncpg.Connection, kind: str) -> list[asyncpg.Record]:
    """Open escalations (`kind`) by current level and severity."""
    return await conn.fetch(
        """SELECT (view->>'level')::int AS level, view->>'severity' AS severity, count(*) AS total
           FROM processes WHERE kind = $1 AND open GROUP BY 1, 2""", kind)


async def sla_breaches(conn: asyncpg.Connection, escalation_kind: str, now: dt.datetime) -> asyncpg.Record:
    """Breaches so far (never fewer on a later call): tasks closed after, or still open past, their due time, and
    every SLA breach an escalation recorded."""
    return await conn.fetchrow(
        """SELECT (SELECT count(*) FROM tasks
                   WHERE close_time > due_time OR (state IN ('OPEN', 'CLAIMED') AND due_time <= $2)) AS tasks,
                  (SELECT coalesce(sum(jsonb_array_length(view->'breaches')), 0) FROM processes
                   WHERE kind = $1) AS escalations""", escalation_kind, now)


async def processes_in_state(conn: asyncpg.Connection, kind: str, state: str) -> int:
    return await conn.fetchval("SELECT count(*) FROM processes WHERE kind = $1 AND state = $2", kind, state)
