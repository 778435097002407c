"""Workflow spans must not break replay: the recorded histories of the processes people decide in (change
requests, phase gates, escalations: tests/workflows/histories) replay on the worker's tracing (temporalio's
OpenTelemetry plugin with services/platform/temporal_tracing.py's rule, a replay-safe tracer provider that records),
and replaying emits no workflow span again."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Its own process: the tracer provider is global and set once per process.
_REPLAY_ALL = textwrap.dedent("""
    import asyncio, json, os, sys
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from temporalio.client import WorkflowHistory
    from temporalio.worker import Replayer
    from services.platform import telemetry, temporal_tracing
    from tests.workflows import recordings
    from workflows import change_request, escalation, ids, phase_gate
    from workflows.worker import SANDBOX, WORKFLOWS

    PREFIXES = {"change_request": change_request.ID_PREFIX, "phase_gate": phase_gate.ID_PREFIX,
                "escalation": escalation.ID_PREFIX}

    async def main():
        exporter = InMemorySpanExporter()
        telemetry.setup("worker", log_level="WARNING", extra_processors=[SimpleSpanProcessor(exporter)],
                        workflows=True)
        replayer = Replayer(workflows=list(WORKFLOWS), workflow_runner=SANDBOX, plugins=[temporal_tracing.plugin()])
        failures, count = {}, 0
        for kind, prefix in PREFIXES.items():
            for path in recordings.recorded(kind):
                started = recordings.first_input(path)
                history = WorkflowHistory.from_json(ids.workflow_id(prefix, started["org"], started["id"]),
                                                    path.read_text())
                result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
                count += 1
                if result.replay_failure is not None:
                    failures[path.name] = repr(result.replay_failure)
        print(json.dumps({"replayed": count, "failures": failures,
                          "spans": sorted({s.name for s in exporter.get_finished_spans()})}))

    asyncio.run(main())
    # Done: skip interpreter finalization, where grpc's C threads once aborted the process (PyGILState_Release
    # while finalizing, exit -6) after the result was printed; the replay, not the teardown, is under test.
    sys.stdout.flush()
    os._exit(0)
""")


def test_every_recorded_history_replays_with_workflow_tracing_and_emits_no_span_again():
    done = subprocess.run([sys.executable, "-c", _REPLAY_ALL], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["replayed"] >= 25
    assert result["failures"] == {}
    assert result["spans"] == [], "a replay re-emitted spans the original run had exported"
