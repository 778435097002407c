"""Every recorded quality-audit and corrective-action history replays on today's workflow code
(tests/workflows/recordings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows import recordings
from workflows import corrective_action, ids, quality_audit
from workflows.corrective_action import CorrectiveActionWorkflow
from workflows.quality_audit import QualityAuditWorkflow

AUDITS = recordings.recorded("quality_audit")
ACTIONS = recordings.recorded("corrective_action")


def test_every_scenario_has_a_recorded_history():
    assert recordings.scenarios("quality_audit") == {"major_finding", "clean"}
    assert recordings.scenarios("corrective_action") == {"escalated_reopened"}


@pytest.mark.parametrize("path", AUDITS, ids=recordings.label)
async def test_audit_history_replays(path: Path):
    audit = recordings.first_input(path)
    workflow_id = ids.workflow_id(quality_audit.ID_PREFIX, audit["org"], audit["id"])
    assert await recordings.replay_failure(path, QualityAuditWorkflow, workflow_id) is None


@pytest.mark.parametrize("path", ACTIONS, ids=recordings.label)
async def test_corrective_action_history_replays(path: Path):
    action = recordings.first_input(path)
    workflow_id = corrective_action.workflow_id_of(action["org"], action["id"])
    assert await recordings.replay_failure(path, CorrectiveActionWorkflow, workflow_id) is None
