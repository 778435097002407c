"""Every recorded billing cycle history replays on today's workflow code (tests/workflows/recordings.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.workflows import recordings
from workflows import billing_cycle as bc
from workflows.billing_cycle import BillingCycleWorkflow

CYCLES = recordings.recorded("billing_cycle")


def test_every_scenario_has_a_recorded_history():
    assert recordings.scenarios("billing_cycle") == {
        "approved", "approval_expired", "engagement_failed", "rerun", "scheduled", "scheduled_period"}


def _workflow_id(path: Path) -> str:
    started = recordings.first_input(path)
    if not started["period_start"]:  # started by the schedule: its id is the schedule's
        return bc.schedule_id(started["org"])
    start, end = (date.fromisoformat(started[k]) for k in ("period_start", "period_end"))
    return bc.workflow_id(started["org"], bc.cycle_id(start, end))


@pytest.mark.parametrize("path", CYCLES, ids=recordings.label)
async def test_billing_cycle_history_replays(path: Path):
    assert await recordings.replay_failure(path, BillingCycleWorkflow, _workflow_id(path)) is None
