"""Activities of events out: POST one signed CloudEvent to one webhook, log the attempt; mark a delivery that
gave up; and start the deliveries of a publication's events (called by sync_process).

Like workflows/activities/governance.py (and for the same reason) this module imports services.governance
{store,events}: webhooks, the outbox and the delivery log are the governance service's own schema.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import socket
import time
from urllib.parse import urlsplit

import asyncpg
import httpx
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from services.governance import events, store
from workflows.webhook_delivery import (
    DELIVER,
    FAIL_DELIVERY,
    UNDELIVERABLE,
    DeliveryAttempt,
    DeliveryFailure,
    DeliveryInput,
    DeliveryRetry,
    WebhookDeliveryWorkflow,
    workflow_id,
)

log = logging.getLogger(__name__)

ERROR_MAX = 500  # characters of an error kept in the delivery log


async def start_deliveries(client: Client, task_queue: str, rows: list[asyncpg.Record], org: str,
                           retry: DeliveryRetry) -> int:
    """One WebhookDeliveryWorkflow per delivery (first series); one that ran or runs already is left alone,
    so a retried sync_process starts nothing twice. Returns how many it started."""
    started = 0
    for row in rows:
        try:
            await client.start_workflow(
                WebhookDeliveryWorkflow.run, DeliveryInput(org=org, webhook_id=row["webhook_id"],
                                                           delivery_id=row["id"], event_id=row["event_id"],
                                                           series=row["series"], retry=retry),
                id=workflow_id(org, row["id"], row["series"]), task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE)
            started += 1
        except WorkflowAlreadyStartedError:
            pass
    return started


def _undeliverable(message: str) -> ApplicationError:
    return ApplicationError(message, type=UNDELIVERABLE, non_retryable=True)


class WebhookActivities:
    def __init__(self, pool: asyncpg.Pool, http: httpx.AsyncClient | None = None, *,
                 allow_loopback: bool = False) -> None:
        self.pool = pool  # a pool on the governance schema
        # Never follow redirects: a webhook delivers to the address it was registered with, or fails. One client
        # (its connection pool) for the worker's lifetime.
        self.http = http or httpx.AsyncClient(follow_redirects=False)
        self.allow_loopback = allow_loopback  # PMAAS_WEBHOOK_ALLOW_LOOPBACK, as CreateWebhook checks it

    async def _address_refusal(self, uri: str) -> str:
        """Why the host may not be called ("" if it may): a name resolving to a private or (outside dev mode)
        loopback address. A failed lookup is left to the request, which reports it and is retried."""
        parts = urlsplit(uri)
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
        except OSError:
            return ""
        return next((r for info in found if (r := events.address_refusal(info[4][0], self.allow_loopback))), "")

    @activity.defn(name=DELIVER)
    async def deliver_webhook(self, a: DeliveryAttempt) -> int:
        """POST the event once; the HTTP status when 2xx, else an error (retried unless UNDELIVERABLE)."""
        async with self.pool.acquire() as conn:
            target = await store.delivery_target(conn, a.org, a.delivery_id)
        if target is None:
            raise _undeliverable(f"delivery {a.delivery_id} does not exist")
        if target["series"] != a.series:
            raise _undeliverable(f"superseded by redelivery series {target['series']}")
        if target["state"] == "DELIVERED":
            return 200  # an earlier attempt of this series got through (its completion was lost)
        if target["webhook_state"] != "ACTIVE":
            raise _undeliverable(f"the webhook is {target['webhook_state'].lower()}")
        event = events.cloud_event(a.org, target["event_id"], target["type"], target["subject"], target["time"],
                                   json.loads(target["data"]))
        payload = events.body(event)
        headers = events.headers(target["secret"], target["event_id"], int(time.time()), payload)
        attempt_time, started = dt.datetime.now(dt.UTC), time.monotonic()
        status, refused = 0, await self._address_refusal(target["uri"])
        error = f"not sent: {refused}" if refused else ""
        try:
            if not refused:
                response = await self.http.post(target["uri"], content=payload, headers=headers,
                                                timeout=a.request_timeout_s, follow_redirects=False)
                status = response.status_code
                if not 200 <= status < 300:
                    error = f"HTTP {status} {response.reason_phrase}".strip()
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        attempt = store.Attempt(org=a.org, delivery_id=a.delivery_id, series=a.series,
                                attempt=activity.info().attempt, status=status, error=error[:ERROR_MAX],
                                duration_ms=int((time.monotonic() - started) * 1000), time=attempt_time,
                                delivered=not error)
        async with self.pool.acquire() as conn:
            await store.record_attempt(conn, attempt)
            if status == 410:
                await store.disable_webhook(conn, a.org, target["webhook_id"])
        if not error:
            return status
        log.info("webhook delivery attempt failed", extra={"org": a.org, "delivery": a.delivery_id,
                                                           "attempt": attempt.attempt, "error": attempt.error})
        if status == 410:
            raise _undeliverable("the endpoint answered 410 Gone: the webhook is disabled")
        if refused:
            raise _undeliverable(attempt.error)
        raise ApplicationError(attempt.error, type="DeliveryFailed")

    @activity.defn(name=FAIL_DELIVERY)
    async def fail_delivery(self, f: DeliveryFailure) -> None:
        async with self.pool.acquire() as conn:
            await store.fail_delivery(conn, f.org, f.delivery_id, f.series, f.reason[:ERROR_MAX])

    def all(self) -> list:
        return [self.deliver_webhook, self.fail_delivery]
