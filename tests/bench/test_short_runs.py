"""The short version of every part of `make bench`: each module runs end to end on tiny loads and prints its report,
with every target line it owes (issue 11). Only the form is checked: figures from loads this small, on a machine
running the rest of the suite, say nothing about speed (`make bench` is where they are measured)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.bench.harness import REPO

VERDICT = r"(met|NOT met)"
# module -> (its short arguments, the lines its report must hold: one regex each, matched per line)
SHORT_RUNS = {
    "run": (["--seconds", "0.3", "--rounds", "1", "--warmup", "0.1", "--seed", "20"], [
        rf"^- CreateProject throughput >= 50% of the floor .* at concurrency {c}: "
        + ("reported" if c == 1 else VERDICT) for c in (1, 32)
    ] + [
        rf"^- {op} server CPU per request above the empty RPC's at concurrency {c} <= [\d.]+ ms: {VERDICT} -- "
        for op in ("CreateProject", "GetProject") for c in (1, 32)
    ] + [
        rf"^- GetProject p50 <= empty RPC p50 \+ 2 x bare SELECT p50 at concurrency {c}: {VERDICT} -- " for c in (1, 32)
    ] + [
        rf"^- GetProject throughput against the floor .* at concurrency {c}: reported \(proposed: >= 50% at 32\)"
        for c in (1, 32)
    ]),
    "billing": (["--entries", "5000", "--rounds", "2", "--samples", "5"], [
        rf"^GenerateInvoice / SQL aggregate = [\d.]+ \(target <= 5\): {VERDICT}; / bare marking = [\d.]+ "
        rf"\(proposed target <= 2, issue 11's notes: {VERDICT}\)$",
        rf"^page 100 / page 1 = [\d.]+ \(target <= 1.5\): {VERDICT}$",
    ]),
    "governance": (["--workflows", "6", "--rounds", "1", "--concurrency", "3", "--tasks", "60", "--samples", "5"], [
        rf"^per-step rate, change request / bare = [\d.]+ \(target >= 0.70\): {VERDICT}$",
        r"^\| worker +\| +[\d.]+ \|",
        rf"^ListTasks p50 / bare SELECT p50 = [\d.]+ \(target <= 3\): {VERDICT}$",
    ]),
    "escalations": (["--escalations", "20", "--concurrency", "5", "--warmup", "5", "--margin", "3"], [
        rf"^wave escalations/s / bare workflows/s = [\d.]+ \(target >= 0.50.*\): {VERDICT}$",
        r"^\| worker RSS, 20 open with pending timers +\| +[\d.]+ MB \|$",
    ]),
    "gateway": (["--requests", "40", "--rounds", "1", "--decisions", "3"], [
        rf"^throughput gateway / direct at c=32 = [\d.]+ \(target >= 0.50\): {VERDICT}$",
        r"^\| gRPC DecideTask \| +3 \| +[\d.]+ \|",
        r"^gateway / gRPC DecideTask p50 = [\d.]+ ",
    ]),
    "scaleout": (["--seconds", "4", "--concurrency", "3", "--create-seconds", "1", "--open-workflows", "30",
                  "--cache-size", "10"], [
        r"^replicated / single: CR/s [\d.]+x, DecideTask p50 [\d.]+x",
        r"^2 processes / 1: throughput [\d.]+x$",
        r"^\| 30 +\| +\d+ \| +-?\d+ \|$",
    ]),
}


@pytest.mark.parametrize("module", SHORT_RUNS)
def test_the_bench_part_reports_every_target(module):
    args, expected = SHORT_RUNS[module]
    done = subprocess.run([sys.executable, "-m", f"tests.bench.{module}", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    missing = [pattern for pattern in expected if not any(re.search(pattern, line) for line in lines)]
    assert not missing, f"{module}: no line matches {missing}\n{done.stdout[-4000:]}"
