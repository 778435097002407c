"""Deterministic ids: the same workflow and step always give the same request id, so a
retried activity (or a replayed workflow) sends the same AIP-155 request_id and the
service applies the change once."""

from __future__ import annotations

import uuid
from datetime import timedelta

# Fixed forever: changing it would make retries of running workflows look like new requests.
NAMESPACE = uuid.UUID("6f1d7c3e-52a4-4f0e-9a57-0c1f5b9d2e41")

# The longest a mutating activity is retried with one request id (its schedule-to-close timeout): past it the
# process fails rather than retry forever. The services keep request ids for PMAAS_IDEMPOTENCY_RETENTION_DAYS
# (at least 8, default 30 days), longer than this, so a retry always finds the response of its first attempt.
MUTATION_RETRY_HORIZON = timedelta(days=7)


def request_id(workflow_id: str, step: str) -> str:
    """The request id of one mutating call: uuid5(namespace, "{workflow_id}/{step}")."""
    return str(uuid.uuid5(NAMESPACE, f"{workflow_id}/{step}"))


def resource_id(org: str, kind: str, request_id_: str) -> str:
    """A process's resource id, derived from the submitter's request id (retries find the same process)."""
    return uuid.uuid5(NAMESPACE, f"{org}/{kind}/{request_id_}").hex[:16]


def workflow_id(kind: str, org: str, resource: str) -> str:
    """e.g. "change-request/acme/3f0c2a8e9b1d4c7a": readable in the Temporal UI, unique per org."""
    return f"{kind}/{org}/{resource}"


def task_id(workflow_id_: str, key: str) -> str:
    return uuid.uuid5(NAMESPACE, f"{workflow_id_}/task/{key}").hex[:20]
