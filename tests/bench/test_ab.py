"""The short version of `python -m tests.bench.ab`: one slice pair of this checkout against its own HEAD."""

from __future__ import annotations

import subprocess
import sys

from tests.bench.harness import REPO


def run_ab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.bench.ab", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=240)


def test_compares_two_servers_slice_by_slice():
    done = run_ab("HEAD", "--op", "create", "--slices", "2", "--slice-seconds", "0.2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "CreateProject at 1 in flight, 2 slice pairs of 0.2 s"
    assert any(line.startswith("| base (HEAD) | ") for line in lines)
    assert any(line.startswith("| this checkout | ") for line in lines)
    assert "paired by slice" in lines[-1] and "lower in" in lines[-1] and "of 2 pairs" in lines[-1]
    assert "slice pair 2/2" in done.stderr


def test_an_unknown_revision_is_refused_with_gits_reason():
    done = run_ab("no-such-revision-xyz", "--slices", "1")
    assert done.returncode == 1
    assert "cannot export 'no-such-revision-xyz'" in done.stderr
