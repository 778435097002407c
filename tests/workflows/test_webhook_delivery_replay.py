"""Every recorded webhook-delivery history replays on today's workflow code (tests/workflows/recordings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows import recordings
from workflows.webhook_delivery import WebhookDeliveryWorkflow, workflow_id

DELIVERIES = recordings.recorded("webhook_delivery")


def test_every_scenario_has_a_recorded_history():
    assert recordings.scenarios("webhook_delivery") == {"delivered_after_retries", "failed"}


@pytest.mark.parametrize("path", DELIVERIES, ids=recordings.label)
async def test_webhook_delivery_history_replays(path: Path):
    started = recordings.first_input(path)
    assert await recordings.replay_failure(
        path, WebhookDeliveryWorkflow, workflow_id(started["org"], started["delivery_id"], started["series"])) is None
