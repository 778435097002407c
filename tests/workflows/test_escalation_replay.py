"""Every recorded escalation and issue-feed history replays on today's workflow code: a change that would alter what
a running escalation does next must come with workflow.patched (re-record with
PMAAS_RECORD_HISTORIES=1 only for new scenarios)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows import ids, issue_feed
from workflows.escalation import ID_PREFIX, EscalationWorkflow
from workflows.issue_feed import IssueFeedWorkflow
from workflows.worker import SANDBOX

HISTORIES = sorted((Path(__file__).parent / "histories").glob("escalation_*.json"))
SCENARIOS = {"climbs_to_the_top", "acknowledged_resolved", "resolve_breach", "paused", "withdrawn",
             "issue_resolved", "issue_ended"}  # the last two: started by the issue feed (test_issue_feed.py)


def workflow_id_of(history: dict) -> str:
    """The recorded run's workflow id (task ids derive from it), rebuilt from the escalation's input."""
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]
    escalation = json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))
    return ids.workflow_id(ID_PREFIX, escalation["org"], escalation["id"])


def test_every_scenario_has_a_recorded_history():
    assert {p.stem.removeprefix("escalation_") for p in HISTORIES} == SCENARIOS


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path):
    text = path.read_text()
    history = WorkflowHistory.from_json(workflow_id_of(json.loads(text)), text)
    replayer = Replayer(workflows=[EscalationWorkflow], workflow_runner=SANDBOX)  # the production sandbox
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


FEEDS = sorted((Path(__file__).parent / "histories").glob("issue_feed_*.json"))


def test_every_feed_scenario_has_a_recorded_history():
    assert {p.stem.removeprefix("issue_feed_") for p in FEEDS} == {"escalations", "restart"}


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.stem)
async def test_feed_history_replays(path: Path):
    text = path.read_text()
    started = json.loads(text)["events"][0]["workflowExecutionStartedEventAttributes"]
    feed = json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))
    history = WorkflowHistory.from_json(issue_feed.workflow_id(feed["org"]), text)
    replayer = Replayer(workflows=[IssueFeedWorkflow], workflow_runner=SANDBOX)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
