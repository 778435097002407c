"""Recorded change-request histories replay on today's ChangeRequestWorkflow: a change that would alter
the commands of a running process fails here first (then it needs workflow.patched).

The histories are written by tests/workflows/test_change_request.py (one per scenario; re-record with
PMAAS_RECORD_HISTORIES=1 when a change is meant to be new history)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows import ids
from workflows.change_request import ID_PREFIX, ChangeRequestWorkflow
from workflows.worker import SANDBOX

HISTORIES = sorted((Path(__file__).parent / "histories").glob("change_request_*.json"))


def test_there_is_a_history_per_scenario():
    names = {p.stem.removeprefix("change_request_") for p in HISTORIES}
    assert {"approved", "rejected", "changes_requested", "withdrawn", "standard", "emergency", "blackout_wait",
            "reassessed", "rerouted", "apply_retried", "failed", "expired", "auto_rejected"} <= names


def workflow_id_of(started: dict) -> str:
    """The recorded run's workflow id, from its input: task ids and request ids derive from it."""
    submitted = json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))
    return ids.workflow_id(ID_PREFIX, submitted["org"], submitted["id"])


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_recorded_history_replays(path: Path):
    data = json.loads(path.read_text())
    started = data["events"][0]["workflowExecutionStartedEventAttributes"]
    assert started["workflowType"]["name"] == "ChangeRequestWorkflow"
    history = WorkflowHistory.from_json(workflow_id_of(started), data)
    replayer = Replayer(workflows=[ChangeRequestWorkflow], workflow_runner=SANDBOX)  # the production sandbox
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
