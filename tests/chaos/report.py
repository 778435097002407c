"""The counts a chaos scenario reports (kept apart from conftest so tests can import the type)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Report:
    scenario: str
    counts: dict[str, int | float | str] = field(default_factory=dict)

    def add(self, **counts: int | float | str) -> None:
        self.counts.update(counts)

    def line(self) -> str:
        return f"{self.scenario}: " + ", ".join(f"{key}={value}" for key, value in self.counts.items())


REPORTS: list[Report] = []
