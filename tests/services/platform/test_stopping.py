"""A stop signal that reaches a component while it is still importing is kept, and ends it cleanly once its
event loop runs (services/platform/stopping.py); the real processes are covered by test_dev.py."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

PROGRAM = textwrap.dedent("""
    import asyncio, os, signal
    from services.platform import stopping

    stopping.catch_early()
    os.kill(os.getpid(), signal.{sig})  # arrives "during the import", before any event loop

    async def main():
        stop = stopping.stop_event()
        assert stop.is_set(), "the early signal was lost"
        later = stopping.stop_event()
        os.kill(os.getpid(), signal.SIGTERM)  # and one arriving once the loop runs is the loop's
        await asyncio.wait_for(later.wait(), 5)
        print("stopped cleanly")

    asyncio.run(main())
""")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_stop_signal_before_the_event_loop_runs_is_kept_and_the_process_ends_cleanly(sig: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROGRAM.format(sig=sig)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "stopped cleanly"
