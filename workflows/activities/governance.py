"""Activities that keep the governance read model and audit chain current, and the notifications outbox.

Deviation from docs/architecture.md's import rule (activities import only protos and
services.platform.{clients,errors,names,settings,telemetry}): this module imports
services.governance.store, because the task and process read models, the notifications outbox
and the governance audit chain are the governance service's own schema, written here on its
behalf (and services.governance.convert, to store each task as the API returns it, so the inbox
parses instead of rebuilding). No other activity module does this.

Each write is guarded by the row's version: a retried activity (or one arriving after a newer
one) writes nothing and appends nothing to the audit chain.
"""

from __future__ import annotations

import datetime as dt
import logging

import asyncpg
from temporalio import activity

from services.governance import convert, events, store
from workflows.activities.webhooks import start_deliveries
from workflows.approvals import (
    NOTIFY,
    OPEN_PROCESSES,
    SYNC_PROCESS,
    SYNC_TASK,
    Notification,
    OpenProcessesQuery,
    ProcessSync,
    TaskSync,
)
from workflows.issue_feed import CURRENT_POLICY
from workflows.phase_gate import LATEST_AUDIT_SCORE, AuditScore, AuditScoreQuery
from workflows.policy import GovernancePolicy, default_policy
from workflows.webhook_delivery import DeliveryRetry

log = logging.getLogger(__name__)


class GovernanceActivities:
    def __init__(self, pool: asyncpg.Pool, *, delivery_task_queue: str | None = None,
                 delivery_retry: DeliveryRetry | None = None) -> None:
        self.pool = pool  # a pool on the governance schema
        # Webhook deliveries run on this queue (default: the queue this activity runs on), retried so.
        self.delivery_task_queue = delivery_task_queue
        self.delivery_retry = delivery_retry or DeliveryRetry()

    @activity.defn(name=SYNC_TASK)
    async def sync_task(self, sync: TaskSync) -> bool:
        api = convert.task_message(sync.task, sync.pending_approvers, sync.task.version, dt.datetime.now(dt.UTC))
        async with self.pool.acquire() as conn:
            written = await store.upsert_task(conn, sync, api.SerializeToString())
        if not written:
            log.info("task version already stored", extra={"task": sync.task.id, "version": sync.task.version})
        return written

    @activity.defn(name=SYNC_PROCESS)
    async def sync_process(self, sync: ProcessSync) -> bool:
        """Write the view (and its catalogued events to the outbox), then start their webhook deliveries: also
        when this is a retry that wrote nothing, since the first attempt may have stopped in between."""
        api = convert.process_message(sync.kind, sync.view, sync.version)
        publishes = bool(events.outbound(sync))
        async with self.pool.acquire() as conn:
            written = await store.upsert_process(conn, sync, api)
            deliveries = await store.deliveries_to_start(conn, sync.org, sync.id, sync.version) if publishes else []
        if not written:
            log.info("process version already stored", extra={"process": sync.name, "version": sync.version})
        if deliveries:
            await start_deliveries(activity.client(), self.delivery_task_queue or activity.info().task_queue,
                                   deliveries, sync.org, self.delivery_retry)
        return written

    @activity.defn(name=NOTIFY)
    async def notify(self, note: Notification) -> bool:
        async with self.pool.acquire() as conn:
            new = await store.insert_notification(conn, note.org, note.idempotency_key, note.kind, note.subject,
                                                  note.recipients, note.message)
        if new:  # delivery (mail, chat) reads the outbox; the log line is for operators
            log.info("notification queued", extra={"org": note.org, "kind": note.kind, "subject": note.subject,
                                                   "recipients": note.recipients})
        return new

    @activity.defn(name=CURRENT_POLICY)
    async def current_policy(self, org: str) -> GovernancePolicy:
        """The organization's current policy for processes started by the worker itself (escalations from
        the issue feed). Without a stored version: the defaults, whose escalation paths, calendar and
        warning share do not depend on the PMO type (only change tiers do, which escalations never read)."""
        async with self.pool.acquire() as conn:
            row = await store.current_policy(conn, org)
        if row is None:
            return default_policy()
        policy = convert.load(GovernancePolicy, row["body"])
        policy.version = row["version"]
        return policy

    @activity.defn(name=OPEN_PROCESSES)
    async def open_processes(self, query: OpenProcessesQuery) -> list[str]:
        async with self.pool.acquire() as conn:
            return await store.open_processes(conn, query.org, query.kind, query.project, query.exclude_id)

    @activity.defn(name=LATEST_AUDIT_SCORE)
    async def latest_audit_score(self, query: AuditScoreQuery) -> AuditScore:
        """The score of the project's latest closed quality audit, from the process read model."""
        async with self.pool.acquire() as conn:
            row = await store.latest_closed_audit(conn, query.org, query.project)
        if row is None:
            return AuditScore()
        return AuditScore(audit=row["name"], score=row["score"] or "", close_time=row["close_time"] or "")

    def all(self) -> list:
        return [self.sync_task, self.sync_process, self.notify, self.open_processes, self.current_policy,
                self.latest_audit_score]
