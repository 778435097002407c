"""Every recorded post-project review history replays on today's workflow code (tests/workflows/recordings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows import recordings
from workflows import post_project_review
from workflows.post_project_review import PostProjectReviewWorkflow

HISTORIES = recordings.recorded("post_project_review")


def test_every_scenario_has_a_recorded_history():
    assert recordings.scenarios("post_project_review") == {"missing_then_recorded"}


@pytest.mark.parametrize("path", HISTORIES, ids=recordings.label)
async def test_history_replays(path: Path):
    review = recordings.first_input(path)
    workflow_id = post_project_review.workflow_id_of(review["org"], review["project"])
    assert await recordings.replay_failure(path, PostProjectReviewWorkflow, workflow_id) is None
