"""typed_json.load gives exactly what Temporal's value_to_type gives, on every view, task and workflow input
that a recorded history carries (tests/workflows/histories), and refuses what value_to_type refuses."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from temporalio.converter import value_to_type

from services.governance.typed_json import load
from workflows import change_request, escalation, phase_gate
from workflows.approvals import SYNC_PROCESS, SYNC_TASK, ProcessSync, TaskSync
from workflows.policy import GovernancePolicy, default_policy

HISTORIES = sorted((Path(__file__).parents[2] / "workflows" / "histories").rglob("*.json"))
VIEWS = {change_request.KIND: change_request.ChangeRequestView, phase_gate.KIND: phase_gate.PhaseGateView,
         escalation.KIND: escalation.EscalationView}
INPUTS = {"ChangeRequestWorkflow": change_request.ChangeRequestInput, "PhaseGateWorkflow": phase_gate.PhaseGateInput,
          "EscalationWorkflow": escalation.EscalationInput}


def payloads(path: Path) -> list[tuple[type, dict]]:
    """(type, JSON value) of every sync_task / sync_process input, known view and workflow input in a history."""
    out = []
    for event in json.loads(path.read_text())["events"]:
        started = event.get("workflowExecutionStartedEventAttributes")
        if started and started["workflowType"]["name"] in INPUTS:
            out.append((INPUTS[started["workflowType"]["name"]], _data(started["input"])))
        scheduled = event.get("activityTaskScheduledEventAttributes")
        if not scheduled:
            continue
        name = scheduled["activityType"]["name"]
        if name == SYNC_TASK:
            out.append((TaskSync, _data(scheduled["input"])))
        elif name == SYNC_PROCESS:
            sync = _data(scheduled["input"])
            out.append((ProcessSync, sync))
            if sync["kind"] in VIEWS:
                out.append((VIEWS[sync["kind"]], sync["view"]))
    return out


def _data(payloads: dict) -> dict:
    return json.loads(base64.b64decode(payloads["payloads"][0]["data"]))


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
def test_every_recorded_payload_loads_as_value_to_type_loads_it(path: Path) -> None:
    found = payloads(path)
    for hint, value in found:
        assert load(hint, value) == value_to_type(hint, value), f"{path.stem}: {hint.__name__}"
        assert load(hint, json.dumps(value)) == value_to_type(hint, value)


def test_the_histories_carry_every_view_kind_and_the_tasks() -> None:
    """The comparison above is only as good as what it sees: every view type, tasks and inputs are there."""
    seen = {hint for path in HISTORIES for hint, _ in payloads(path)}
    assert set(VIEWS.values()) | set(INPUTS.values()) | {TaskSync, ProcessSync} <= seen


def test_a_policy_round_trips() -> None:
    policy = default_policy("STRATEGIC")
    value = json.loads(json.dumps(dataclasses.asdict(policy), default=str))
    assert load(GovernancePolicy, value) == value_to_type(GovernancePolicy, value) == policy


def test_what_value_to_type_refuses_is_refused() -> None:
    @dataclasses.dataclass
    class When:
        at: dt.datetime
        count: int = 0

    with pytest.raises(TypeError):
        load(When, {"at": "2026-12-01T10:00:00+00:00", "count": "three"})
    with pytest.raises(TypeError):
        load(When, [])
    assert load(When, {"at": "2026-12-01T10:00:00+00:00", "count": 2.0}) == value_to_type(
        When, {"at": "2026-12-01T10:00:00+00:00", "count": 2.0})
