"""Every recorded phase-gate history replays on today's workflow code (tests/workflows/recordings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows import recordings
from workflows import ids
from workflows.phase_gate import ID_PREFIX, PhaseGateWorkflow

HISTORIES = recordings.recorded("phase_gate")
SCENARIOS = {"go", "conditional_go", "hold_resume_go", "recycle", "kill", "quorum", "failed", "escalation_expiry",
             "condition_overdue", "closed_starts_review"}


def test_every_scenario_has_a_recorded_history():
    assert recordings.scenarios("phase_gate") == SCENARIOS


@pytest.mark.parametrize("path", HISTORIES, ids=recordings.label)
async def test_history_replays(path: Path):
    gate = recordings.first_input(path)
    workflow_id = ids.workflow_id(ID_PREFIX, gate["org"], gate["id"])
    assert await recordings.replay_failure(path, PhaseGateWorkflow, workflow_id) is None
