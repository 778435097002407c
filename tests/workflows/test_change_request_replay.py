"""Recorded change-request histories replay on today's ChangeRequestWorkflow: a change that would alter
the commands of a running process fails here first (then it needs workflow.patched).

The histories are written by tests/workflows/test_change_request.py (one per scenario; re-record with
PMAAS_RECORD_HISTORIES=1 when a change is meant to be new history); see tests/workflows/recordings.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows import recordings
from workflows import ids
from workflows.change_request import ID_PREFIX, ChangeRequestWorkflow

HISTORIES = recordings.recorded("change_request")


def test_there_is_a_history_per_scenario():
    assert {"approved", "rejected", "changes_requested", "withdrawn", "standard", "emergency", "blackout_wait",
            "reassessed", "rerouted", "apply_retried", "failed", "expired", "auto_rejected"} <= \
        recordings.scenarios("change_request")


@pytest.mark.parametrize("path", HISTORIES, ids=recordings.label)
async def test_a_recorded_history_replays(path: Path):
    submitted = recordings.first_input(path)
    workflow_id = ids.workflow_id(ID_PREFIX, submitted["org"], submitted["id"])
    failure = await recordings.replay_failure(path, ChangeRequestWorkflow, workflow_id)
    assert failure is None, f"{path.name}: {failure}"
