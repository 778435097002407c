"""Faults survived, nothing lost: each test here breaks one part of a running stack and counts what happened.

`make test` runs every scenario at scale 1 (a short version); `make chaos` runs them at PMAAS_CHAOS_SCALE (more
work in flight, more faults) and prints the counts each scenario reported as one table at the end of the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest

from tests.chaos.report import REPORTS, Report


@dataclass
class Chaos:
    """How hard to push: `scale` multiplies the work in flight and the number of faults of each scenario."""
    scale: int = field(default_factory=lambda: max(1, int(os.environ.get("PMAAS_CHAOS_SCALE", "1"))))

    def count(self, base: int) -> int:
        return base * self.scale


@pytest.fixture
def chaos() -> Chaos:
    return Chaos()


@pytest.fixture
def chaos_report(request) -> Report:
    """The scenario's counts (what was done, what was faulted, what was found after): printed at the end."""
    report = Report(request.node.name)
    REPORTS.append(report)
    return report


def pytest_terminal_summary(terminalreporter) -> None:
    if not REPORTS:
        return
    terminalreporter.section("chaos: counts per scenario")
    for report in REPORTS:
        terminalreporter.write_line(report.line())
