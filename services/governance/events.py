"""Governance events out: which process events enterprise systems may subscribe to, each as a CloudEvent,
and how a webhook request is signed. Pure: no I/O, no clock but what callers pass in.

The catalogue maps a process's journal entry (its kind, the entry's kind) to a CloudEvents `type`; every
other entry stays internal. An event's id derives from the process, the published version and the entry's
place in it, so the outbox holds each journal entry once however often its publication is retried.

Signatures follow Standard Webhooks (https://www.standardwebhooks.com): `webhook-id` (the event id, the
same on every attempt, for the receiver to drop repeats), `webhook-timestamp` (seconds since the epoch)
and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the webhook's
secret (`whsec_` + base64 of 32 random bytes; the key is the decoded bytes).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
from dataclasses import dataclass
from typing import Any

from workflows.approvals import ProcessSync

TYPE_PREFIX = "com.pmaas.governance."
SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"  # structured mode: the whole event is the body
SECRET_PREFIX = "whsec_"

# (process kind, journal entry kind) -> CloudEvents type. Process kinds are the workflows' KIND strings.
CATALOGUE: dict[tuple[str, str], str] = {
    ("change_request", "SUBMITTED"): "change_request.submitted",
    # Decided: the approval's outcome, or a standard change approved from the catalogue.
    ("change_request", "APPROVED"): "change_request.decided",
    ("change_request", "AUTO_APPROVED"): "change_request.decided",
    ("change_request", "REJECTED"): "change_request.decided",
    ("change_request", "CHANGES_REQUESTED"): "change_request.decided",
    ("change_request", "APPLIED"): "change_request.applied",
    ("phase_gate", "DECIDED"): "phase_gate.decided",
    ("escalation", "RAISED"): "escalation.raised",
    ("escalation", "BREACHED"): "escalation.breached",
    ("escalation", "RESOLVED"): "escalation.resolved",
    ("quality_audit", "CLOSED"): "quality_audit.closed",
    ("billing_cycle", "INVOICE_ISSUED"): "invoice.issued",
}
CATALOGUE = {key: TYPE_PREFIX + value for key, value in CATALOGUE.items()}
EVENT_TYPES: frozenset[str] = frozenset(CATALOGUE.values())


def event_type(kind: str, entry_kind: str) -> str | None:
    """The CloudEvents type of a process's journal entry, or None when it is not published."""
    return CATALOGUE.get((kind, entry_kind))


def event_id(process_id: str, version: int, index: int) -> str:
    """Stable per journal entry: the process, the version that published it and its place in that version."""
    return f"{process_id}.{version}.{index}"


def source(org: str) -> str:
    return f"//pmaas/organizations/{org}"


@dataclass(frozen=True)
class OutboundEvent:
    """One row of the outbox (governance.outbound_events)."""

    org: str
    id: str
    type: str
    subject: str  # the process's resource name
    time: dt.datetime
    data: dict[str, Any]
    process_id: str
    version: int
    index: int


def outbound(sync: ProcessSync) -> list[OutboundEvent]:
    """The catalogued entries among a publication's new journal entries, as outbox rows."""
    out = []
    for index, entry in enumerate(sync.new_events):
        type_ = event_type(sync.kind, entry.kind)
        if type_ is None:
            continue
        data = {"organization": f"organizations/{sync.org}",
                "project": f"organizations/{sync.org}/projects/{sync.project}" if sync.project else "",
                "process": sync.name, "kind": sync.kind, "state": sync.state, "version": sync.version,
                "entry": {"kind": entry.kind, "time": entry.time.isoformat(), "actor": entry.actor,
                          "on_behalf_of": entry.on_behalf_of, "detail": entry.detail, "comment": entry.comment}}
        out.append(OutboundEvent(org=sync.org, id=event_id(sync.id, sync.version, index), type=type_,
                                 subject=sync.name, time=entry.time, data=data, process_id=sync.id,
                                 version=sync.version, index=index))
    return out


def cloud_event(org: str, id_: str, type_: str, subject: str, time: dt.datetime, data: dict[str, Any]) -> dict:
    return {"specversion": SPEC_VERSION, "id": id_, "source": source(org), "type": type_, "subject": subject,
            "time": time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json", "data": data}


def body(event: dict) -> bytes:
    """The request body: the CloudEvent as compact JSON (what is signed is exactly what is sent)."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


def address_refusal(address: str, allow_loopback: bool) -> str:
    """Why events may not go to this IP address, or "": loopback only in dev mode, else public addresses only
    (CreateWebhook checks an address written in the URL; each delivery every address its host resolves to)."""
    ip = ipaddress.ip_address(address)
    if ip.is_loopback:
        return "" if allow_loopback else f"{address} is a loopback address: allowed only when the service runs in " \
                                         "dev mode"
    if not ip.is_global:
        return f"{address} is not a public address (private, link-local or reserved)"
    return ""


# --- signatures -----------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, payload: bytes) -> str:
    """The `webhook-signature` header value: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{msg_id}.{timestamp}.".encode() + payload
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secret: str, msg_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    return {"content-type": CONTENT_TYPE, "webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, msg_id, timestamp, payload)}


def verify(secret: str, received: dict[str, str], payload: bytes, now: dt.datetime,
           tolerance: dt.timedelta = dt.timedelta(minutes=5)) -> bool:
    """The receiver's check (the README's recipe): a fresh timestamp and one matching v1 signature among the
    space-separated ones in `webhook-signature` (several while a secret is being rotated)."""
    lower = {k.lower(): v for k, v in received.items()}
    try:
        msg_id, timestamp = lower["webhook-id"], int(lower["webhook-timestamp"])
        given = lower["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = signature(secret, msg_id, timestamp, payload)
    return any(hmac.compare_digest(expected, g) for g in given)
