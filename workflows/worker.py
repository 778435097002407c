"""The Temporal worker: `pmaas serve worker`.

Runs the governance workflows (change requests, phase gates, escalations and each organization's
issue feed) and their activities on settings.temporal_task_queue; every FEED_CHECK_S it starts the
issue feed of any organization that has none, and keeps its billing cycle's Temporal Schedule as its policy
says (services/governance/billing_schedules.py). Activities call the services as the governance service principal
(its own token, naming the person in each call) and write the governance read model through a
pool on the governance schema, as the runtime role (it waits for `pmaas migrate`, as the services do).
Stops gracefully on SIGTERM/SIGINT: no new tasks are polled, activities in flight
get `grace_period_s`, then the channels and the pool are closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import timedelta

import asyncpg
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from services.governance import billing_schedules, temporal
from services.governance import server as governance_server
from services.platform import db, embedded, metrics, service, stopping, telemetry
from services.platform.auth import TokenAuthority, service_token
from services.platform.settings import Settings
from workflows import issue_feed
from workflows.activities.audits import AuditActivities
from workflows.activities.billing_cycle import BillingCycleActivities
from workflows.activities.escalations import EscalationActivities
from workflows.activities.gates import GateActivities
from workflows.activities.governance import GovernanceActivities
from workflows.activities.projects import ChangeActivities
from workflows.activities.services import ServiceCalls
from workflows.activities.webhooks import WebhookActivities
from workflows.billing_cycle import BillingCycleWorkflow
from workflows.change_request import ChangeRequestWorkflow
from workflows.corrective_action import CorrectiveActionWorkflow
from workflows.escalation import EscalationWorkflow
from workflows.issue_feed import FeedInput, IssueFeedWorkflow
from workflows.phase_gate import PhaseGateWorkflow
from workflows.post_project_review import PostProjectReviewWorkflow
from workflows.quality_audit import QualityAuditWorkflow
from workflows.webhook_delivery import WebhookDeliveryWorkflow

log = logging.getLogger(__name__)

WORKFLOWS: Sequence[type] = (ChangeRequestWorkflow, PhaseGateWorkflow, EscalationWorkflow, IssueFeedWorkflow,
                              WebhookDeliveryWorkflow, QualityAuditWorkflow, CorrectiveActionWorkflow,
                              BillingCycleWorkflow, PostProjectReviewWorkflow)
# Temporal's sandbox imports a workflow's module afresh for every run it starts or rebuilds after an eviction,
# with the modules it imports that are not passed through, and refuses non-deterministic calls (the clock,
# random, I/O) in them. CHECKING_SANDBOX, the worker's until 2026-12, does so for every workflow module but five
# pure helpers: every recorded history replays in it, and the workflow tests that build their own worker run in
# it (tests/workflows). The worker passes our whole `workflows` package through (SANDBOX): re-importing a change
# request's modules cost 25-38 ms of CPU and kept ~210 KiB per run. What that gives up, isolation of module
# state between runs, tests/workflows/test_module_state.py guards: our workflow modules hold constants only.
CHECKING_SANDBOX = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(
    "workflows.approvals", "workflows.policy", "workflows.ids", "workflows.impact", "workflows.calendar"))
SANDBOX = SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows"))


def build(client: Client, task_queue: str, pool: asyncpg.Pool, calls: ServiceCalls,
          grace_period: timedelta = timedelta(seconds=10), *, webhook_allow_loopback: bool = False,
          cache_size: int = Settings.model_fields["worker_cache_size"].default) -> Worker:
    """The worker with every governance workflow and activity (tests build it the same way; webhook deliveries
    to loopback hosts only with `webhook_allow_loopback`, PMAAS_WEBHOOK_ALLOW_LOOPBACK; `cache_size` workflow
    runs kept in memory, PMAAS_WORKER_CACHE_SIZE)."""
    activities = [*GovernanceActivities(pool).all(), *ChangeActivities(calls).all(), *GateActivities(calls).all(),
                  *EscalationActivities(calls).all(), *AuditActivities(calls).all(),
                  *WebhookActivities(pool, allow_loopback=webhook_allow_loopback).all(),
                  *BillingCycleActivities(calls).all()]
    return Worker(client, task_queue=task_queue, workflows=list(WORKFLOWS), activities=activities,
                  graceful_shutdown_timeout=grace_period, workflow_runner=SANDBOX, max_cached_workflows=cache_size)


FEED_CHECK_S = 60.0  # how often the worker makes sure every organization has its issue feed


async def ensure_issue_feeds(client: Client, calls: ServiceCalls, task_queue: str) -> list[str]:
    """Start the issue feed of every organization that has none (idempotent: an existing one is kept)."""
    orgs, token = [], ""
    while True:
        page = await calls.call(calls.projects.ListOrganizations,
                                projects_api.ListOrganizationsRequest(page_size=1000, page_token=token))
        orgs += [o.name.removeprefix("organizations/") for o in page.organizations]
        token = page.next_page_token
        if not token:
            break
    for org in orgs:
        await client.start_workflow(IssueFeedWorkflow.run, FeedInput(org=org), id=issue_feed.workflow_id(org),
                                    task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    return orgs


async def keep_issue_feeds(client: Client, calls: ServiceCalls, task_queue: str, stop: asyncio.Event,
                           pool: asyncpg.Pool | None = None) -> None:
    """Every round: every organization's issue feed and (with `pool`) its billing schedule, as its policy says."""
    while not stop.is_set():
        try:
            orgs = await ensure_issue_feeds(client, calls, task_queue)
            if pool is not None:
                await billing_schedules.ensure_billing_schedules(client, pool, orgs, task_queue)
        except Exception:  # the services or Temporal may be restarting: try again next round
            log.warning("could not ensure the issue feeds", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), FEED_CHECK_S)


async def run(settings: Settings) -> None:
    # Signals first: a stop that arrives while the worker is still starting must end it cleanly too.
    stop = stopping.stop_event()
    telemetry.setup("worker", log_level=settings.log_level, workflows=True)
    metrics.setup("worker", settings)  # before the client: temporalio's metrics (task slots, ...) go to it
    dsn = embedded.database_url(settings)
    await db.wait_until_migrated(dsn, governance_server.SCHEMA, governance_server.MIGRATIONS,
                                 service.MIGRATED_TIMEOUT_S)
    pool = await db.create_pool(dsn, schema=governance_server.SCHEMA, min_size=settings.db_pool_min,
                                max_size=settings.db_pool_max, statement_timeout_ms=settings.db_statement_timeout_ms)
    metrics.watch_pool(pool, "worker")
    calls = ServiceCalls.connect(settings, service_token(settings, TokenAuthority(settings)))
    try:
        client = await temporal.connect(settings)  # its OpenTelemetry plugin traces the worker built on it too
        if stop.is_set():
            return
        worker = build(client, settings.temporal_task_queue, pool, calls, timedelta(seconds=settings.grace_period_s),
                       webhook_allow_loopback=settings.webhook_allow_loopback, cache_size=settings.worker_cache_size)
        running = asyncio.create_task(worker.run())
        feeds = asyncio.create_task(keep_issue_feeds(client, calls, settings.temporal_task_queue, stop, pool))
        log.info("worker polling", extra={"task_queue": settings.temporal_task_queue,
                                          "temporal": temporal.address(settings)})
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait([running, stopped], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        feeds.cancel()
        if running.done():
            running.result()  # the worker failed on its own: raise why
        log.info("stopping: finishing the tasks in flight", extra={"grace_period_s": settings.grace_period_s})
        await worker.shutdown()
        await running
    finally:
        await calls.close()
        await pool.close()
