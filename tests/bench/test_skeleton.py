"""The short version of `python -m tests.bench.skeleton`: one round of short slices, every path served."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.bench.harness import REPO
from tests.bench.skeleton import STEPS


def test_every_path_is_measured_against_the_floor():
    done = subprocess.run([sys.executable, "-m", "tests.bench.skeleton", "--slices", "1", "--slice-seconds", "0.2",
                           "--concurrency", "2"], cwd=REPO, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| path")}
    assert list(rows) == [*STEPS.values(), "ProjectsService", "empty RPC", "bare INSERT"]
    for label, (rate, share, p50, server, postgres, load_gen, total) in rows.items():
        assert float(rate.replace(",", "")) > 0, label
        assert float(p50) > 0, label
        assert share.endswith("%") == (label not in ("empty RPC", "bare INSERT")), label
        # CPU is counted in 10 ms clock ticks per process, so in 0.2 s slices one can read 0: only its form here.
        assert all(float(cpu) >= 0 for cpu in (server, postgres, load_gen, total)), label
    assert float(rows["bare INSERT"][3]) == 0  # no server on the bare loop's path
    assert sum(float(cells[3]) for label, cells in rows.items() if label != "bare INSERT") > 0
    assert "floor 1/(1/empty RPC + 1/bare INSERT) = " in done.stdout
    assert re.search(r"^ProjectsService / skeleton: \+ audit = \d+\.\d\d \(proposed target >= 0\.90.*: (met|NOT met)$",
                     done.stdout, re.MULTILINE)
    assert "round 1/1" in done.stderr
