"""ChangeRequestWorkflow: submit → assess impact → check conflicts → route by policy tier →
approval task → (re-assess if the project changed) → apply through the services → notify.

STANDARD changes from the catalogue are approved without a task (still recorded);
EMERGENCY changes use the expedited tier, may be applied inside a blackout window,
and end with a mandatory post-implementation review task. Reject, request changes,
expiry and withdrawal (by the requester) end the process cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflows.approvals import Actor
from workflows.policy import GovernancePolicy

KIND = "change_request"
ID_PREFIX = "change-request"


@dataclass
class MilestoneChange:
    milestone: str  # milestone id within the project
    new_due_date: str  # ISO date


@dataclass
class ChangeRequestInput:
    org: str
    project: str  # project id
    id: str  # change request id (derived from the submitter's request id)
    requester: Actor  # verified by the GovernanceService
    title: str
    description: str
    type: str  # STANDARD, NORMAL, EMERGENCY
    policy: GovernancePolicy  # the version current at submit; kept to the end
    currency: str = ""  # the project's currency (budget_delta_micros is in it)
    catalogue_item: str = ""
    budget_delta_micros: int = 0
    schedule_delta_days: int = 0
    new_end_date: str = ""  # ISO date; an alternative to schedule_delta_days
    scope_change: str = ""
    milestone_changes: list[MilestoneChange] = field(default_factory=list)
    linked_risk: str = ""
    linked_issue: str = ""

    @property
    def name(self) -> str:
        return f"organizations/{self.org}/changeRequests/{self.id}"


@dataclass
class Impact:
    current_end_date: str  # ISO dates
    new_end_date: str
    currency: str
    current_budget_micros: int
    new_budget_micros: int
    budget_delta_micros: int
    schedule_delta_days: int
    affected_milestones: list[str]  # milestone resource names
    affected_assignments: list[str]  # assignment resource names
    cpi_before: str  # 4-decimal strings, "" when not computable (no actuals yet)
    cpi_after: str
    spi_before: str
    spi_after: str
    eac_before_micros: int
    eac_after_micros: int
    project_etag: str
    assess_time: datetime | None = None


@dataclass
class Conflict:
    kind: str  # BLACKOUT_WINDOW, OPEN_CHANGE_REQUEST
    description: str
    blackout: str = ""
    change_request: str = ""
    blocking: bool = False  # a blackout holds the implementation of a non-emergency change until it ends


@dataclass
class Route:
    tier: str  # policy tier id, "standard" or "emergency"
    auto_approved: bool
    due_s: float = 0


@dataclass
class ChangeRequestView:
    """What GetChangeRequest shows; published to the read model on every state change."""

    name: str
    org: str
    project: str
    id: str
    title: str
    description: str
    type: str
    requester: str
    state: str  # ASSESSING PENDING_APPROVAL APPROVED APPLYING APPLIED POST_REVIEW COMPLETED REJECTED
    #             CHANGES_REQUESTED WITHDRAWN FAILED
    policy_version: int
    workflow_id: str
    input: ChangeRequestInput | None = None
    impact: Impact | None = None
    conflicts: list[Conflict] = field(default_factory=list)
    route: Route | None = None
    tasks: list[str] = field(default_factory=list)  # task ids
    outcome_reason: str = ""
    baseline_revision: int = 0  # the baseline the applied change created
    create_time: datetime | None = None
    update_time: datetime | None = None


@dataclass
class WithdrawInput:
    actor: Actor
    reason: str = ""
