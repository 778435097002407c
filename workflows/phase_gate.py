"""PhaseGateWorkflow: a project asks to pass its next gate. Criteria from policy are evaluated
by activities (open HIGH/CRITICAL risks, budget variance from EVM, milestones, status-report
freshness, latest quality-audit score) and shown to the gatekeepers, who decide by quorum:
GO; CONDITIONAL_GO (conditions with owners and due dates, each tracked as a task until met or
escalated); HOLD (waits for a resume, then asks again); RECYCLE (back to rework, may be
requested again); KILL (the project is cancelled). Only GO and CONDITIONAL_GO move the phase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflows.approvals import Actor, Condition
from workflows.policy import GovernancePolicy

KIND = "phase_gate"
ID_PREFIX = "phase-gate"


@dataclass
class PhaseGateInput:
    org: str
    project: str  # project id
    id: str  # phase gate id (derived from the submitter's request id)
    requester: Actor
    policy: GovernancePolicy
    to_phase: str = ""  # e.g. "EXECUTION"; empty: the phase after the current one

    @property
    def name(self) -> str:
        return f"organizations/{self.org}/projects/{self.project}/phaseGates/{self.id}"


@dataclass
class CriterionResult:
    criterion: str
    description: str
    passed: bool
    required: bool
    evidence: str
    evidence_values: dict[str, str] = field(default_factory=dict)


@dataclass
class PhaseGateView:
    name: str
    org: str
    project: str
    id: str
    requester: str
    from_phase: str  # e.g. "PLANNING"
    to_phase: str
    state: str  # EVALUATING AWAITING_DECISION ON_HOLD CONDITIONS_OPEN PASSED RECYCLED KILLED FAILED
    policy_version: int
    workflow_id: str
    criteria: list[CriterionResult] = field(default_factory=list)
    decision: str = ""  # GO CONDITIONAL_GO HOLD RECYCLE KILL
    conditions: list[Condition] = field(default_factory=list)
    reasons: str = ""
    tasks: list[str] = field(default_factory=list)
    create_time: datetime | None = None
    update_time: datetime | None = None


@dataclass
class ResumeInput:
    actor: Actor
    comment: str = ""
