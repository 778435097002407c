"""WebhookDeliveryWorkflow on the Temporal dev server against a real HTTP receiver on loopback: the event reaches
the outbox through sync_process (as a governance process publishes it), which starts its deliveries; retries
back off (short intervals here), every attempt is logged, and a retried publication delivers nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment
from temporalio.worker import Worker

from pmaas.governance.v1 import webhooks_pb2 as wpb
from services.governance import events, store
from tests.services.governance.builders import a_process
from tests.support import Caller, rid
from tests.webhook_receiver import Receiver, dev_mode_governance
from tests.workflows import recordings
from workflows.activities.governance import GovernanceActivities
from workflows.activities.webhooks import WebhookActivities
from workflows.approvals import ProcessSync, TaskEvent
from workflows.webhook_delivery import DeliveryInput, DeliveryRetry, WebhookDeliveryWorkflow, workflow_id
from workflows.worker import CHECKING_SANDBOX

FAST = DeliveryRetry(initial_interval_s=0.2, backoff_coefficient=2.0, maximum_interval_s=1.0, give_up_after_s=60,
                     request_timeout_s=5)
THREE_TRIES = DeliveryRetry(initial_interval_s=0.2, maximum_interval_s=0.5, maximum_attempts=3, give_up_after_s=60,
                            request_timeout_s=5)


@pytest.fixture
def org(new_org_id) -> str:
    return new_org_id


def submitted(org: str, cr_id: str = "cr1") -> ProcessSync:
    """What a change request publishes when submitted: its first view version, with SUBMITTED (published) and
    ASSESSED (internal)."""
    now = dt.datetime.now(dt.UTC)
    return a_process(org, cr_id, state="ASSESSING", events=[
        TaskEvent(now, "SUBMITTED", actor="pm-1", detail="NORMAL change: two more weeks"),
        TaskEvent(now, "ASSESSED", detail="budget 100,000.00 EUR -> 108,000.00 EUR")])


async def add_webhook(pool, org: str, url: str, secret: str, webhook_id: str = "w1") -> None:
    async with pool.acquire() as conn:
        await store.insert_webhook(conn, org, webhook_id, url, [], "test", secret, "admin-user")


async def publish(client: Client, activities: GovernanceActivities, sync: ProcessSync) -> bool:
    """sync_process as the workflow's activity runs it (with a Temporal client, for starting deliveries)."""
    return await ActivityEnvironment(client=client).run(activities.sync_process, sync)


def handle_of(client: Client, id_: str):
    return client.get_workflow_handle_for(WebhookDeliveryWorkflow.run, id_)


async def first_delivery(client: Client, activities: GovernanceActivities, pool, org: str, url: str,
                         secret: str = ""):
    """A webhook of `org` to `url`, then a submitted change request published: the one delivery's row, and the
    handle of its first series."""
    await add_webhook(pool, org, url, secret or events.new_secret())
    assert await publish(client, activities, submitted(org))
    [row] = await delivery_rows(pool, org)
    return row, handle_of(client, workflow_id(org, row["id"], 1))


async def delivery_rows(pool, org: str) -> list:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM deliveries WHERE org_id = $1 ORDER BY seq", org)


async def attempt_rows(pool, org: str) -> list:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM delivery_attempts WHERE org_id = $1 ORDER BY series, attempt", org)


@contextlib.asynccontextmanager
async def receiving(client: Client, task_queue: str, pool, allow_loopback: bool = True,
                    **behaviour) -> AsyncIterator[Receiver]:
    """A receiver behaving as told, and a worker delivering to it (on loopback: as in dev mode, by default)."""
    with Receiver(**behaviour) as receiver:
        async with Worker(client, task_queue=task_queue, workflows=[WebhookDeliveryWorkflow],
                          activities=WebhookActivities(pool, allow_loopback=allow_loopback).all(),
                          workflow_runner=CHECKING_SANDBOX):
            yield receiver


async def test_receiver_failing_three_times_then_succeeding_gets_the_event_once_with_a_valid_signature(
        temporal_env, task_queue, governance_pool, org):
    secret = events.new_secret()
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=FAST)
    async with receiving(temporal_env.client, task_queue, governance_pool, fail_first=3) as receiver:
        _, handle = await first_delivery(temporal_env.client, activities, governance_pool, org, receiver.url, secret)
        outcome = await handle.result()
        await recordings.record(handle, "webhook_delivery_delivered_after_retries")

    assert outcome.state == "DELIVERED"
    [got] = receiver.delivered
    assert len(receiver.requests) == 4
    assert events.verify(secret, got.headers, got.body, dt.datetime.now(dt.UTC))
    event = json.loads(got.body)
    assert got.headers["content-type"] == "application/cloudevents+json"
    assert got.headers["webhook-id"] == event["id"] == "cr1.1.0"
    assert event["type"] == "com.pmaas.governance.change_request.submitted"
    assert event["subject"] == f"organizations/{org}/changeRequests/cr1"
    assert event["data"]["entry"]["actor"] == "pm-1"
    # Every attempt carried the same event id, for receivers that drop repeats.
    assert {r.headers["webhook-id"] for r in receiver.requests} == {"cr1.1.0"}
    log = await attempt_rows(governance_pool, org)
    assert [(a["series"], a["attempt"], a["status"]) for a in log] == [(1, 1, 500), (1, 2, 500), (1, 3, 500),
                                                                       (1, 4, 204)]
    assert [bool(a["error"]) for a in log] == [True, True, True, False]
    [delivery] = await delivery_rows(governance_pool, org)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("DELIVERED", 4, 204)


async def test_receiver_that_always_fails_ends_failed_after_the_last_attempt(temporal_env, task_queue,
                                                                             governance_pool, org):
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=THREE_TRIES)
    async with receiving(temporal_env.client, task_queue, governance_pool, always_fail=True,
                         fail_status=503) as receiver:
        _, handle = await first_delivery(temporal_env.client, activities, governance_pool, org, receiver.url)
        outcome = await handle.result()
        await recordings.record(handle, "webhook_delivery_failed")

    assert outcome.state == "FAILED" and "HTTP 503" in outcome.reason
    assert receiver.delivered == [] and len(receiver.requests) == 3
    [delivery] = await delivery_rows(governance_pool, org)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("FAILED", 3, 503)


async def test_a_failed_delivery_is_delivered_later_by_redeliver_event(
        temporal_env, task_queue, governance_pool, org, governance_settings, runtime_database_url, authority):
    secret = events.new_secret()
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=THREE_TRIES)
    admin = Caller(authority, "admin-user", {org: ["admin"]})
    async with receiving(temporal_env.client, task_queue, governance_pool, always_fail=True) as receiver, \
            dev_mode_governance(governance_settings.model_copy(update={"temporal_task_queue": task_queue}),
                                runtime_database_url, authority, temporal_env.client) as governance:
        row, handle = await first_delivery(temporal_env.client, activities, governance_pool, org, receiver.url,
                                           secret)
        assert (await handle.result()).state == "FAILED"
        [failed] = (await admin(governance.ListDeliveries, wpb.ListDeliveriesRequest(
            parent=f"organizations/{org}", filter="state = DELIVERY_STATE_FAILED"))).deliveries
        assert failed.attempt_count == 3 and failed.last_status_code == 500

        receiver.heal()
        request = wpb.RedeliverEventRequest(name=failed.name, request_id=rid())
        again = await admin(governance.RedeliverEvent, request)
        assert again.series == 2 and again.state == wpb.DELIVERY_STATE_PENDING
        assert await admin(governance.RedeliverEvent, request) == again  # a retry starts no third series
        outcome = await handle_of(temporal_env.client, workflow_id(org, row["id"], 2)).result()
        [got] = receiver.delivered
        [delivered] = (await admin(governance.ListDeliveries, wpb.ListDeliveriesRequest(
            parent=failed.name.split("/deliveries/")[0]))).deliveries

    assert outcome.state == "DELIVERED" and events.verify(secret, got.headers, got.body, dt.datetime.now(dt.UTC))
    assert json.loads(got.body)["id"] == failed.event_id
    assert (delivered.state, delivered.series, delivered.attempt_count) == (wpb.DELIVERY_STATE_DELIVERED, 2, 4)
    assert [(a.series, a.attempt, a.status_code) for a in delivered.attempts] == [
        (1, 1, 500), (1, 2, 500), (1, 3, 500), (2, 1, 204)]


async def test_retried_sync_process_starts_no_second_delivery(temporal_env, task_queue, governance_pool, org):
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=FAST)
    sync = submitted(org)
    async with receiving(temporal_env.client, task_queue, governance_pool) as receiver:
        await add_webhook(governance_pool, org, receiver.url, events.new_secret())
        first, again = await asyncio.gather(publish(temporal_env.client, activities, sync),
                                            publish(temporal_env.client, activities, sync))
        assert sorted([first, again]) == [False, True]  # one wrote the version, the other found it written
        [delivery] = await delivery_rows(governance_pool, org)
        await handle_of(temporal_env.client, workflow_id(org, delivery["id"], 1)).result()
        assert not await publish(temporal_env.client, activities, sync)  # a retry after the delivery
        await asyncio.sleep(1.0)  # time enough for a second delivery, were one started

    assert len(receiver.delivered) == 1 and len(receiver.requests) == 1
    async with governance_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbound_events WHERE org_id = $1", org) == 1
    assert len(await delivery_rows(governance_pool, org)) == 1
    assert len(await attempt_rows(governance_pool, org)) == 1


async def test_only_subscribed_event_types_and_active_webhooks_are_delivered(temporal_env, task_queue,
                                                                             governance_pool, org):
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=FAST)
    async with receiving(temporal_env.client, task_queue, governance_pool) as receiver:
        async with governance_pool.acquire() as conn:
            await store.insert_webhook(conn, org, "applied-only", receiver.url,
                                       ["com.pmaas.governance.change_request.applied"], "", events.new_secret(), "a")
            await store.insert_webhook(conn, org, "submitted", receiver.url,
                                       ["com.pmaas.governance.change_request.submitted"], "", events.new_secret(), "a")
            await store.insert_webhook(conn, org, "deleted", receiver.url, [], "", events.new_secret(), "a")
            await store.delete_webhook(conn, org, "deleted")
        await publish(temporal_env.client, activities, submitted(org))
        [delivery] = await delivery_rows(governance_pool, org)
        assert delivery["webhook_id"] == "submitted"
        await handle_of(temporal_env.client, workflow_id(org, delivery["id"], 1)).result()
    assert len(receiver.delivered) == 1


async def test_endpoint_answering_410_gone_disables_the_webhook_at_once(temporal_env, task_queue, governance_pool,
                                                                        org):
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=FAST)
    async with receiving(temporal_env.client, task_queue, governance_pool, always_fail=True,
                         fail_status=410) as receiver:
        _, handle = await first_delivery(temporal_env.client, activities, governance_pool, org, receiver.url)
        outcome = await handle.result()
    assert outcome.state == "FAILED" and len(receiver.requests) == 1
    async with governance_pool.acquire() as conn:
        assert (await store.get_webhook(conn, org, "w1"))["state"] == "DISABLED"


async def test_deleting_the_webhook_stops_its_pending_deliveries(temporal_env, task_queue, governance_pool, org):
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=FAST)
    async with receiving(temporal_env.client, task_queue, governance_pool, always_fail=True) as receiver:
        _, handle = await first_delivery(temporal_env.client, activities, governance_pool, org, receiver.url)
        while not receiver.requests:  # the first attempt failed; the next waits for its backoff
            await asyncio.sleep(0.02)
        async with governance_pool.acquire() as conn:
            await store.delete_webhook(conn, org, "w1")
        outcome = await handle.result()
    assert outcome.state == "FAILED" and "the webhook is deleted" in outcome.reason
    assert len(receiver.requests) <= 2  # at most the attempt already under way when it was deleted
    [row] = await delivery_rows(governance_pool, org)
    assert row["state"] == "FAILED"


async def test_outside_dev_mode_a_host_resolving_to_loopback_gets_nothing(temporal_env, task_queue,
                                                                          governance_pool, org):
    activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue, delivery_retry=FAST)
    async with receiving(temporal_env.client, task_queue, governance_pool, allow_loopback=False) as receiver:
        by_name = receiver.url.replace("127.0.0.1", "localhost")  # a name, as CreateWebhook does not resolve
        _, handle = await first_delivery(temporal_env.client, activities, governance_pool, org, by_name)
        outcome = await handle.result()
    assert outcome.state == "FAILED" and "loopback address" in outcome.reason
    assert receiver.requests == []
    [attempt] = await attempt_rows(governance_pool, org)  # not retried: it would not help
    assert attempt["status"] == 0 and attempt["error"].startswith("not sent: ")


async def test_redirects_are_not_followed(temporal_env, task_queue, governance_pool, org):
    async with receiving(temporal_env.client, task_queue, governance_pool, always_fail=True,
                         fail_status=307) as receiver:
        activities = GovernanceActivities(governance_pool, delivery_task_queue=task_queue,
                                          delivery_retry=THREE_TRIES)
        _, handle = await first_delivery(temporal_env.client, activities, governance_pool, org, receiver.url)
        outcome = await handle.result()
    assert outcome.state == "FAILED" and "HTTP 307" in outcome.reason
    assert len(receiver.requests) == 3  # each attempt stopped at the redirect


async def test_a_newer_series_supersedes_an_older_one(temporal_env, task_queue, governance_pool, org):
    async with receiving(temporal_env.client, task_queue, governance_pool) as receiver:
        activities = GovernanceActivities(governance_pool, delivery_task_queue="nobody-polls-" + task_queue)
        # Series 1 waits on a queue nobody polls.
        delivery, first = await first_delivery(temporal_env.client, activities, governance_pool, org, receiver.url)
        async with governance_pool.acquire() as conn:
            assert await store.next_series(conn, org, delivery["id"]) == 2
        stale = await temporal_env.client.execute_workflow(
            WebhookDeliveryWorkflow.run, DeliveryInput(org=org, webhook_id="w1", delivery_id=delivery["id"],
                                                       event_id=delivery["event_id"], series=1, retry=FAST),
            id=workflow_id(org, delivery["id"], 1) + "-stale", task_queue=task_queue)
        assert stale.state == "FAILED" and "superseded" in stale.reason
        await first.terminate()
    assert receiver.requests == []
    [row] = await delivery_rows(governance_pool, org)
    assert row["state"] == "PENDING" and row["series"] == 2  # the older series' give-up does not touch it
