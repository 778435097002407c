"""The events-out catalogue, the CloudEvents it builds and the Standard Webhooks signature (pure)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

from services.governance import events
from workflows.approvals import ProcessSync, TaskEvent

T0 = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)


def _sync(kind: str, *kinds: str, version: int = 3) -> ProcessSync:
    return ProcessSync(kind=kind, org="acme", project="erp", id="cr1", name="organizations/acme/changeRequests/cr1",
                       workflow_id="change-request/acme/cr1", state="APPROVED", requester="pm-1", policy_version=1,
                       version=version, view={},
                       new_events=[TaskEvent(T0, k, actor="pmo-1", on_behalf_of="boss", detail=f"{k} detail")
                                   for k in kinds])


def test_catalogue_maps_each_subscribed_process_event_to_its_cloudevents_type():
    p = "com.pmaas.governance."
    assert events.event_type("change_request", "SUBMITTED") == p + "change_request.submitted"
    for decided in ("APPROVED", "AUTO_APPROVED", "REJECTED", "CHANGES_REQUESTED"):
        assert events.event_type("change_request", decided) == p + "change_request.decided"
    assert events.event_type("change_request", "APPLIED") == p + "change_request.applied"
    assert events.event_type("phase_gate", "DECIDED") == p + "phase_gate.decided"
    assert events.event_type("escalation", "RAISED") == p + "escalation.raised"
    assert events.event_type("escalation", "BREACHED") == p + "escalation.breached"
    assert events.event_type("escalation", "RESOLVED") == p + "escalation.resolved"
    assert events.event_type("quality_audit", "CLOSED") == p + "quality_audit.closed"
    assert events.event_type("billing_cycle", "INVOICE_ISSUED") == p + "invoice.issued"


def test_internal_journal_entries_are_not_published():
    assert events.event_type("change_request", "ROUTED") is None
    assert events.event_type("escalation", "NOTE") is None
    assert events.event_type("phase_gate", "SUBMITTED") is None  # the kind matters, not only the entry


def test_outbound_keeps_only_catalogued_entries_with_ids_from_process_version_and_place():
    out = events.outbound(_sync("change_request", "ASSESSED", "ROUTED", "APPROVED", "APPLYING", "APPLIED"))
    assert [(e.id, e.type.rsplit(".", 1)[-1]) for e in out] == [("cr1.3.2", "decided"), ("cr1.3.4", "applied")]
    again = events.outbound(_sync("change_request", "ASSESSED", "ROUTED", "APPROVED", "APPLYING", "APPLIED"))
    assert [e.id for e in again] == [e.id for e in out]  # stable: a retried publication gives the same ids
    data = out[0].data
    assert data == {"organization": "organizations/acme", "project": "organizations/acme/projects/erp",
                    "process": "organizations/acme/changeRequests/cr1", "kind": "change_request",
                    "state": "APPROVED", "version": 3,
                    "entry": {"kind": "APPROVED", "time": T0.isoformat(), "actor": "pmo-1", "on_behalf_of": "boss",
                              "detail": "APPROVED detail", "comment": ""}}


def test_cloud_event_has_the_required_attributes_and_json_data():
    e = events.outbound(_sync("change_request", "SUBMITTED"))[0]
    ce = events.cloud_event("acme", e.id, e.type, e.subject, e.time, e.data)
    assert ce == {"specversion": "1.0", "id": "cr1.3.0", "source": "//pmaas/organizations/acme",
                  "type": "com.pmaas.governance.change_request.submitted",
                  "subject": "organizations/acme/changeRequests/cr1", "time": "2027-03-01T09:30:00Z",
                  "datacontenttype": "application/json", "data": e.data}
    assert json.loads(events.body(ce)) == ce


def test_signature_is_standard_webhooks_hmac_of_id_timestamp_and_body():
    secret = events.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = b'{"a":1}'
    expected = base64.b64encode(hmac.new(base64.b64decode(secret[6:]), b"msg1.1700000000." + body,
                                         hashlib.sha256).digest()).decode()
    assert events.signature(secret, "msg1", 1700000000, body) == "v1," + expected


def test_signature_verifies_and_fails_with_a_wrong_secret_an_altered_body_or_a_stale_timestamp():
    secret, body = events.new_secret(), b'{"type":"x"}'
    now = dt.datetime.fromtimestamp(1700000000, dt.UTC)
    headers = events.headers(secret, "msg1", 1700000000, body)
    assert headers["content-type"] == "application/cloudevents+json"
    assert events.verify(secret, headers, body, now)
    assert events.verify(secret, {k.upper(): v for k, v in headers.items()}, body, now)  # header case
    rotated = {**headers, "webhook-signature": "v1,bm90aGVyZQ== " + headers["webhook-signature"]}
    assert events.verify(secret, rotated, body, now)  # one of several signatures matches
    assert not events.verify(events.new_secret(), headers, body, now)
    assert not events.verify(secret, headers, b'{"type":"y"}', now)
    assert not events.verify(secret, headers, body, now + dt.timedelta(minutes=6))
    assert not events.verify(secret, {**headers, "webhook-id": "msg2"}, body, now)
    assert not events.verify(secret, {"webhook-id": "msg1"}, body, now)


def test_events_go_to_public_addresses_and_to_loopback_only_in_dev_mode():
    for public in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"):
        assert events.address_refusal(public, allow_loopback=False) == ""
    for loopback in ("127.0.0.1", "127.8.8.8", "::1"):
        assert "loopback" in events.address_refusal(loopback, allow_loopback=False)
        assert events.address_refusal(loopback, allow_loopback=True) == ""
    for private in ("10.0.0.1", "192.168.1.1", "172.16.0.1", "169.254.169.254", "fd00::1", "0.0.0.0", "100.64.0.1"):
        assert "not a public address" in events.address_refusal(private, allow_loopback=True), private
