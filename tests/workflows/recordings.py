"""Recorded workflow histories: kept by the tests that run a scenario, replayed by the *_replay tests on
today's code (a change that alters what a running workflow does next must use workflow.patched).
Re-record with PMAAS_RECORD_HISTORIES=1, only for new scenarios.

histories/ holds each scenario as today's code runs it; histories/<before_patch>/ the same scenarios as
they ran before a patch changed every process's history (workflow.patched), kept so that runs started then
are proven to go on replaying. Both are replayed."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.worker import Replayer

from workflows.worker import CHECKING_SANDBOX, SANDBOX

FOLDER = Path(__file__).parent / "histories"


async def record(handle: WorkflowHandle, stem: str) -> None:
    """Keep `handle`'s history as histories/{stem}.json unless it is there already."""
    path = FOLDER / f"{stem}.json"
    if path.exists() and not os.environ.get("PMAAS_RECORD_HISTORIES"):
        return
    history = await handle.fetch_history()
    path.write_text(json.dumps(json.loads(history.to_json()), separators=(",", ":")) + "\n")


def recorded(prefix: str) -> list[Path]:
    """Today's histories of the workflow and those from before a patch."""
    return sorted(FOLDER.rglob(f"{prefix}_*.json"))


def label(path: Path) -> str:
    """A history's test id: its stem, under the folder of the patch it predates if any."""
    return str(path.relative_to(FOLDER).with_suffix(""))


def scenarios(prefix: str) -> set[str]:
    """The scenarios recorded with today's code."""
    return {p.stem.removeprefix(f"{prefix}_") for p in FOLDER.glob(f"{prefix}_*.json")}


def first_input(path: Path) -> dict:
    """The recorded run's workflow input (ids of tasks and requests derive from what it names)."""
    started = json.loads(path.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]
    return json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))


async def replay_failure(path: Path, workflow: type, workflow_id: str) -> Exception | None:
    """Replay one recorded history in the worker's sandbox (our modules passed through) and in the checking one
    (non-deterministic calls refused); the first failure, or None."""
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    for runner in (SANDBOX, CHECKING_SANDBOX):
        result = await Replayer(workflows=[workflow], workflow_runner=runner).replay_workflow(
            history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            return result.replay_failure
    return None
