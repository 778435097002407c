"""Every recorded escalation and issue-feed history replays on today's workflow code (tests/workflows/recordings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows import recordings
from workflows import ids, issue_feed
from workflows.escalation import ID_PREFIX, EscalationWorkflow
from workflows.issue_feed import IssueFeedWorkflow

ESCALATIONS = recordings.recorded("escalation")
FEEDS = recordings.recorded("issue_feed")


def test_every_scenario_has_a_recorded_history():
    assert recordings.scenarios("escalation") == {
        "climbs_to_the_top", "acknowledged_resolved", "resolve_breach", "paused", "withdrawn",
        "issue_resolved", "issue_ended"}  # the last two: started by the issue feed (test_issue_feed.py)
    assert recordings.scenarios("issue_feed") == {"escalations", "restart"}


@pytest.mark.parametrize("path", ESCALATIONS, ids=recordings.label)
async def test_escalation_history_replays(path: Path):
    raised = recordings.first_input(path)
    workflow_id = ids.workflow_id(ID_PREFIX, raised["org"], raised["id"])
    assert await recordings.replay_failure(path, EscalationWorkflow, workflow_id) is None


@pytest.mark.parametrize("path", FEEDS, ids=recordings.label)
async def test_feed_history_replays(path: Path):
    workflow_id = issue_feed.workflow_id(recordings.first_input(path)["org"])
    assert await recordings.replay_failure(path, IssueFeedWorkflow, workflow_id) is None
