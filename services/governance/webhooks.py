"""Events out: webhooks an organization subscribes to governance events, and their delivery log.

The events themselves come from the processes' journals (services/governance/events.py's catalogue, written
to the outbox by sync_process) and are delivered by WebhookDeliveryWorkflow (workflows/webhook_delivery.py).
Here: create (the secret is generated here and shown once), list, soft-delete webhooks, list deliveries with
their attempts, and redeliver one in a new series of attempts. Admins and pmos manage webhooks and read and
replay their deliveries (WEBHOOK_MANAGE); every change is in the audit chain, the secret never is.

Addresses: absolute https URLs to a public host, without userinfo; with PMAAS_WEBHOOK_ALLOW_LOOPBACK (`pmaas
dev`, tests) also http and https to a loopback host. A host name is not looked up here: each delivery checks
every address it resolves to (workflows/activities/webhooks.py).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from google.protobuf import duration_pb2

from pmaas.governance.v1 import webhooks_pb2 as wpb
from services.governance import events, store, temporal
from services.governance.core import GovernanceCore
from services.platform import errors, pagination
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.mutations import Tx, validate_request_id
from services.platform.names import DELIVERY_PATTERN, ORG_PATTERN, WEBHOOK_PATTERN
from services.platform.resources import check_etag, check_text, etag_of, new_id, to_timestamp
from services.platform.settings import Settings
from workflows import webhook_delivery as wd

URI_MAX = 2000
DESCRIPTION_MAX = 2000
LOOPBACK_NAMES = frozenset({"localhost"})


def _ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _loopback(host: str) -> bool:
    ip = _ip(host)
    return ipaddress.ip_address(ip).is_loopback if ip else host in LOOPBACK_NAMES or host.endswith(".localhost")


def check_uri(uri: str, field: str, allow_loopback: bool, v: Violations) -> None:
    """An endpoint we may POST events to (see the module docstring)."""
    if not uri:
        v.add(field, "is required")
        return
    if len(uri) > URI_MAX:
        v.add(field, f"is {len(uri)} characters; at most {URI_MAX}")
        return
    try:
        parts = urlsplit(uri)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError as exc:
        v.add(field, f"is not a valid URL: {exc}")
        return
    if parts.scheme not in ("https", "http") or not host:
        v.add(field, "must be an absolute https:// URL")
    elif parts.username is not None or parts.password is not None:
        v.add(field, "must not hold credentials (user:password@): the request is signed instead")
    elif _loopback(host):
        if not allow_loopback:
            v.add(field, f"{host} is a loopback address: allowed only when the service runs in dev mode")
    elif parts.scheme != "https":
        v.add(field, "must use https (http only to a loopback host in dev mode)")
    elif (ip := _ip(host)) and (refusal := events.address_refusal(ip, allow_loopback)):
        v.add(field, refusal)  # a host name is checked where it is resolved: at each delivery


def check_event_types(types: list[str], field: str, v: Violations) -> list[str]:
    for i, t in enumerate(types):
        if t not in events.EVENT_TYPES:
            v.add(f"{field}[{i}]", f"{t!r} is not a governance event type: one of "
                                   f"{', '.join(sorted(events.EVENT_TYPES))}")
    return sorted(set(types))


def webhook_message(row) -> wpb.Webhook:
    """A webhook as Get and List show it: never its secret."""
    name = WEBHOOK_PATTERN.format(organization=row["org_id"], webhook=row["id"])
    return wpb.Webhook(name=name, uri=row["uri"], event_types=row["event_types"], description=row["description"],
                       state=wpb.WebhookState.Value(f"WEBHOOK_STATE_{row['state']}"), creator=row["creator"],
                       create_time=to_timestamp(row["create_time"]), delete_time=to_timestamp(row["delete_time"]),
                       etag=etag_of(name, row["version"]))


def delivery_message(row, attempts) -> wpb.Delivery:
    return wpb.Delivery(
        name=DELIVERY_PATTERN.format(organization=row["org_id"], webhook=row["webhook_id"], delivery=row["id"]),
        event_id=row["event_id"], event_type=row["event_type"], subject=row["subject"],
        state=wpb.DeliveryState.Value(f"DELIVERY_STATE_{row['state']}"), series=row["series"],
        attempt_count=row["attempts"], last_status_code=row["last_status"], last_error=row["last_error"],
        attempts=[wpb.DeliveryAttempt(series=a["series"], attempt=a["attempt"], status_code=a["status"],
                                      error=a["error"], duration=_duration(a["duration_ms"]),
                                      attempt_time=to_timestamp(a["time"])) for a in attempts],
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]))


def _duration(ms: int) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=ms // 1000, nanos=(ms % 1000) * 1_000_000)


class WebhookHandlers(GovernanceCore):
    def __init__(self, pool, settings: Settings, client) -> None:
        super().__init__(pool, settings, client)
        self.webhook_allow_loopback = settings.webhook_allow_loopback

    async def CreateWebhook(self, request: wpb.CreateWebhookRequest, context) -> wpb.Webhook:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        caller = principal()
        caller.require(org, P.WEBHOOK_MANAGE)
        w = request.webhook
        v = Violations()
        check_uri(w.uri, "webhook.uri", self.webhook_allow_loopback, v)
        types = check_event_types(list(w.event_types), "webhook.event_types", v)
        check_text(w.description, "webhook.description", v, max_len=DESCRIPTION_MAX, multiline=True)
        v.raise_if_any()
        webhook_id, secret = new_id(), events.new_secret()

        async def work(tx: Tx) -> wpb.Webhook:
            row = await store.insert_webhook(tx.conn, org, webhook_id, w.uri, types, w.description, secret,
                                             caller.subject)
            created = webhook_message(row)
            tx.record("CreateWebhook", created.name, None, created)  # the digest of the webhook without its secret
            created.secret = secret  # shown this once (and to a retry of this very request)
            return created

        return await self.mutate(org, "CreateWebhook", request, wpb.Webhook, work)

    async def ListWebhooks(self, request: wpb.ListWebhooksRequest, context) -> wpb.ListWebhooksResponse:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.WEBHOOK_MANAGE)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent,
                                            str(request.show_deleted), of=wpb.ListWebhooksResponse)
        async with self.pool.acquire() as conn:
            rows = await store.list_webhooks(conn, org, request.show_deleted, page)
        return wpb.ListWebhooksResponse(webhooks=[webhook_message(r) for r in rows[: page.size]],
                                        next_page_token=page.next_token(rows))

    async def DeleteWebhook(self, request: wpb.DeleteWebhookRequest, context) -> wpb.Webhook:
        parts = WEBHOOK_PATTERN.parse(request.name)
        org, webhook_id = parts["organization"], parts["webhook"]
        principal().require(org, P.WEBHOOK_MANAGE)

        async def work(tx: Tx) -> wpb.Webhook:
            row = await store.get_webhook(tx.conn, org, webhook_id, lock=True)
            if row is None or row["state"] == "DELETED":
                raise errors.not_found(request.name)
            check_etag(request.etag, request.name, row["version"])
            before = webhook_message(row)
            deleted = webhook_message(await store.delete_webhook(tx.conn, org, webhook_id))
            tx.record("DeleteWebhook", request.name, before, deleted)
            return deleted

        return await self.mutate(org, "DeleteWebhook", request, wpb.Webhook, work)

    async def ListDeliveries(self, request: wpb.ListDeliveriesRequest, context) -> wpb.ListDeliveriesResponse:
        if "/webhooks/" in request.parent:
            parts = WEBHOOK_PATTERN.parse(request.parent, "parent")
            org, webhook_id = parts["organization"], parts["webhook"]
        else:
            org, webhook_id = ORG_PATTERN.parse(request.parent, "parent")["organization"], None
        principal().require(org, P.WEBHOOK_MANAGE)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=wpb.ListDeliveriesResponse)
        async with self.pool.acquire() as conn:
            rows = await store.list_deliveries(conn, org, webhook_id, request.filter, page)
            attempts = await store.attempts_of(conn, org, [r["id"] for r in rows[: page.size]])
        return wpb.ListDeliveriesResponse(
            deliveries=[delivery_message(r, attempts.get(r["id"], [])) for r in rows[: page.size]],
            next_page_token=page.next_token(rows))

    async def RedeliverEvent(self, request: wpb.RedeliverEventRequest, context) -> wpb.Delivery:
        parts = DELIVERY_PATTERN.parse(request.name)
        org, webhook_id, delivery_id = parts["organization"], parts["webhook"], parts["delivery"]
        principal().require(org, P.WEBHOOK_MANAGE)
        validate_request_id(request.request_id)

        async def work(tx: Tx) -> wpb.Delivery:
            row = await store.get_delivery(tx.conn, org, webhook_id, delivery_id, lock=True)
            if row is None:
                raise errors.not_found(request.name)
            webhook = await store.get_webhook(tx.conn, org, webhook_id)
            if webhook["state"] != "ACTIVE":
                raise errors.failed_precondition(
                    "WEBHOOK_NOT_ACTIVE", f"{WEBHOOK_PATTERN.format(organization=org, webhook=webhook_id)} is "
                    f"{webhook['state'].lower()}: nothing is sent to it", webhook=webhook_id)
            series = await store.next_series(tx.conn, org, delivery_id)
            row = await store.get_delivery(tx.conn, org, webhook_id, delivery_id)
            tx.record("RedeliverEvent", request.name, None, None, event=row["event_id"], series=series)
            return delivery_message(row, (await store.attempts_of(tx.conn, org, [delivery_id])).get(delivery_id, []))

        delivery = await self.mutate(org, "RedeliverEvent", request, wpb.Delivery, work)
        # After the commit (also for a retry of this request, answered from its first response): the series'
        # workflow id is fixed, so a second start of it is ignored.
        await temporal.start(self.client, "WebhookDeliveryWorkflow", wd.DeliveryInput(
            org=org, webhook_id=webhook_id, delivery_id=delivery_id, event_id=delivery.event_id,
            series=delivery.series), workflow_id=wd.workflow_id(org, delivery_id, delivery.series),
            task_queue=self.task_queue, attributes=temporal.search_attributes(org, "", wd.KIND),
            timeout_s=self.deadline_s(context, temporal.START_TIMEOUT_S))
        return delivery

