import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import dayofweek_pb2 as _dayofweek_pb2
from google.type import money_pb2 as _money_pb2
from google.type import timeofday_pb2 as _timeofday_pb2
from pmaas.governance.v1 import audits_pb2 as _audits_pb2
from pmaas.governance.v1 import billing_cycles_pb2 as _billing_cycles_pb2
from pmaas.projects.v1 import resources_pb2 as _resources_pb2
from pmaas.risks.v1 import resources_pb2 as _resources_pb2_1
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RuleKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RULE_KIND_UNSPECIFIED: _ClassVar[RuleKind]
    RULE_KIND_ANY: _ClassVar[RuleKind]
    RULE_KIND_ALL: _ClassVar[RuleKind]
    RULE_KIND_N_OF_M: _ClassVar[RuleKind]
    RULE_KIND_PERCENT: _ClassVar[RuleKind]
    RULE_KIND_TIERS: _ClassVar[RuleKind]

class ChangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_TYPE_UNSPECIFIED: _ClassVar[ChangeType]
    CHANGE_TYPE_STANDARD: _ClassVar[ChangeType]
    CHANGE_TYPE_NORMAL: _ClassVar[ChangeType]
    CHANGE_TYPE_EMERGENCY: _ClassVar[ChangeType]

class ChangeRequestState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_REQUEST_STATE_UNSPECIFIED: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_ASSESSING: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_PENDING_APPROVAL: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_APPROVED: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_APPLYING: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_APPLIED: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_POST_REVIEW: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_COMPLETED: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_REJECTED: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_CHANGES_REQUESTED: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_WITHDRAWN: _ClassVar[ChangeRequestState]
    CHANGE_REQUEST_STATE_FAILED: _ClassVar[ChangeRequestState]

class ConflictKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFLICT_KIND_UNSPECIFIED: _ClassVar[ConflictKind]
    CONFLICT_KIND_BLACKOUT_WINDOW: _ClassVar[ConflictKind]
    CONFLICT_KIND_OPEN_CHANGE_REQUEST: _ClassVar[ConflictKind]

class PhaseGateState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PHASE_GATE_STATE_UNSPECIFIED: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_EVALUATING: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_AWAITING_DECISION: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_ON_HOLD: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_CONDITIONS_OPEN: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_PASSED: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_RECYCLED: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_KILLED: _ClassVar[PhaseGateState]
    PHASE_GATE_STATE_FAILED: _ClassVar[PhaseGateState]

class GateDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GATE_DECISION_UNSPECIFIED: _ClassVar[GateDecision]
    GATE_DECISION_GO: _ClassVar[GateDecision]
    GATE_DECISION_CONDITIONAL_GO: _ClassVar[GateDecision]
    GATE_DECISION_HOLD: _ClassVar[GateDecision]
    GATE_DECISION_RECYCLE: _ClassVar[GateDecision]
    GATE_DECISION_KILL: _ClassVar[GateDecision]

class EscalationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ESCALATION_STATE_UNSPECIFIED: _ClassVar[EscalationState]
    ESCALATION_STATE_OPEN: _ClassVar[EscalationState]
    ESCALATION_STATE_ACKNOWLEDGED: _ClassVar[EscalationState]
    ESCALATION_STATE_RESOLVED: _ClassVar[EscalationState]
    ESCALATION_STATE_WITHDRAWN: _ClassVar[EscalationState]

class EscalationSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ESCALATION_SOURCE_UNSPECIFIED: _ClassVar[EscalationSource]
    ESCALATION_SOURCE_ISSUE: _ClassVar[EscalationSource]
    ESCALATION_SOURCE_TASK_BREACH: _ClassVar[EscalationSource]
    ESCALATION_SOURCE_MANUAL: _ClassVar[EscalationSource]

class TaskKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_KIND_UNSPECIFIED: _ClassVar[TaskKind]
    TASK_KIND_CHANGE_APPROVAL: _ClassVar[TaskKind]
    TASK_KIND_POST_IMPLEMENTATION_REVIEW: _ClassVar[TaskKind]
    TASK_KIND_PHASE_GATE: _ClassVar[TaskKind]
    TASK_KIND_GATE_CONDITION: _ClassVar[TaskKind]
    TASK_KIND_ESCALATION: _ClassVar[TaskKind]
    TASK_KIND_AUDIT: _ClassVar[TaskKind]
    TASK_KIND_CORRECTIVE_ACTION: _ClassVar[TaskKind]
    TASK_KIND_EFFECTIVENESS_CHECK: _ClassVar[TaskKind]
    TASK_KIND_POST_PROJECT_REVIEW: _ClassVar[TaskKind]
    TASK_KIND_INVOICE_APPROVAL: _ClassVar[TaskKind]

class TaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATE_UNSPECIFIED: _ClassVar[TaskState]
    TASK_STATE_OPEN: _ClassVar[TaskState]
    TASK_STATE_CLAIMED: _ClassVar[TaskState]
    TASK_STATE_DECIDED: _ClassVar[TaskState]
    TASK_STATE_CANCELLED: _ClassVar[TaskState]
    TASK_STATE_EXPIRED: _ClassVar[TaskState]

class SlaState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SLA_STATE_UNSPECIFIED: _ClassVar[SlaState]
    SLA_STATE_ON_TRACK: _ClassVar[SlaState]
    SLA_STATE_WARNING: _ClassVar[SlaState]
    SLA_STATE_BREACHED: _ClassVar[SlaState]
    SLA_STATE_PAUSED: _ClassVar[SlaState]

class TimeoutAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIMEOUT_ACTION_UNSPECIFIED: _ClassVar[TimeoutAction]
    TIMEOUT_ACTION_ESCALATE: _ClassVar[TimeoutAction]
    TIMEOUT_ACTION_AUTO_REJECT: _ClassVar[TimeoutAction]
    TIMEOUT_ACTION_AUTO_APPROVE: _ClassVar[TimeoutAction]
RULE_KIND_UNSPECIFIED: RuleKind
RULE_KIND_ANY: RuleKind
RULE_KIND_ALL: RuleKind
RULE_KIND_N_OF_M: RuleKind
RULE_KIND_PERCENT: RuleKind
RULE_KIND_TIERS: RuleKind
CHANGE_TYPE_UNSPECIFIED: ChangeType
CHANGE_TYPE_STANDARD: ChangeType
CHANGE_TYPE_NORMAL: ChangeType
CHANGE_TYPE_EMERGENCY: ChangeType
CHANGE_REQUEST_STATE_UNSPECIFIED: ChangeRequestState
CHANGE_REQUEST_STATE_ASSESSING: ChangeRequestState
CHANGE_REQUEST_STATE_PENDING_APPROVAL: ChangeRequestState
CHANGE_REQUEST_STATE_APPROVED: ChangeRequestState
CHANGE_REQUEST_STATE_APPLYING: ChangeRequestState
CHANGE_REQUEST_STATE_APPLIED: ChangeRequestState
CHANGE_REQUEST_STATE_POST_REVIEW: ChangeRequestState
CHANGE_REQUEST_STATE_COMPLETED: ChangeRequestState
CHANGE_REQUEST_STATE_REJECTED: ChangeRequestState
CHANGE_REQUEST_STATE_CHANGES_REQUESTED: ChangeRequestState
CHANGE_REQUEST_STATE_WITHDRAWN: ChangeRequestState
CHANGE_REQUEST_STATE_FAILED: ChangeRequestState
CONFLICT_KIND_UNSPECIFIED: ConflictKind
CONFLICT_KIND_BLACKOUT_WINDOW: ConflictKind
CONFLICT_KIND_OPEN_CHANGE_REQUEST: ConflictKind
PHASE_GATE_STATE_UNSPECIFIED: PhaseGateState
PHASE_GATE_STATE_EVALUATING: PhaseGateState
PHASE_GATE_STATE_AWAITING_DECISION: PhaseGateState
PHASE_GATE_STATE_ON_HOLD: PhaseGateState
PHASE_GATE_STATE_CONDITIONS_OPEN: PhaseGateState
PHASE_GATE_STATE_PASSED: PhaseGateState
PHASE_GATE_STATE_RECYCLED: PhaseGateState
PHASE_GATE_STATE_KILLED: PhaseGateState
PHASE_GATE_STATE_FAILED: PhaseGateState
GATE_DECISION_UNSPECIFIED: GateDecision
GATE_DECISION_GO: GateDecision
GATE_DECISION_CONDITIONAL_GO: GateDecision
GATE_DECISION_HOLD: GateDecision
GATE_DECISION_RECYCLE: GateDecision
GATE_DECISION_KILL: GateDecision
ESCALATION_STATE_UNSPECIFIED: EscalationState
ESCALATION_STATE_OPEN: EscalationState
ESCALATION_STATE_ACKNOWLEDGED: EscalationState
ESCALATION_STATE_RESOLVED: EscalationState
ESCALATION_STATE_WITHDRAWN: EscalationState
ESCALATION_SOURCE_UNSPECIFIED: EscalationSource
ESCALATION_SOURCE_ISSUE: EscalationSource
ESCALATION_SOURCE_TASK_BREACH: EscalationSource
ESCALATION_SOURCE_MANUAL: EscalationSource
TASK_KIND_UNSPECIFIED: TaskKind
TASK_KIND_CHANGE_APPROVAL: TaskKind
TASK_KIND_POST_IMPLEMENTATION_REVIEW: TaskKind
TASK_KIND_PHASE_GATE: TaskKind
TASK_KIND_GATE_CONDITION: TaskKind
TASK_KIND_ESCALATION: TaskKind
TASK_KIND_AUDIT: TaskKind
TASK_KIND_CORRECTIVE_ACTION: TaskKind
TASK_KIND_EFFECTIVENESS_CHECK: TaskKind
TASK_KIND_POST_PROJECT_REVIEW: TaskKind
TASK_KIND_INVOICE_APPROVAL: TaskKind
TASK_STATE_UNSPECIFIED: TaskState
TASK_STATE_OPEN: TaskState
TASK_STATE_CLAIMED: TaskState
TASK_STATE_DECIDED: TaskState
TASK_STATE_CANCELLED: TaskState
TASK_STATE_EXPIRED: TaskState
SLA_STATE_UNSPECIFIED: SlaState
SLA_STATE_ON_TRACK: SlaState
SLA_STATE_WARNING: SlaState
SLA_STATE_BREACHED: SlaState
SLA_STATE_PAUSED: SlaState
TIMEOUT_ACTION_UNSPECIFIED: TimeoutAction
TIMEOUT_ACTION_ESCALATE: TimeoutAction
TIMEOUT_ACTION_AUTO_REJECT: TimeoutAction
TIMEOUT_ACTION_AUTO_APPROVE: TimeoutAction

class Candidates(_message.Message):
    __slots__ = ("roles", "people")
    ROLES_FIELD_NUMBER: _ClassVar[int]
    PEOPLE_FIELD_NUMBER: _ClassVar[int]
    roles: _containers.RepeatedScalarFieldContainer[str]
    people: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, roles: _Optional[_Iterable[str]] = ..., people: _Optional[_Iterable[str]] = ...) -> None: ...

class ApprovalTier(_message.Message):
    __slots__ = ("candidates", "kind", "required", "percent", "seats")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    candidates: Candidates
    kind: RuleKind
    required: int
    percent: int
    seats: int
    def __init__(self, candidates: _Optional[_Union[Candidates, _Mapping]] = ..., kind: _Optional[_Union[RuleKind, str]] = ..., required: _Optional[int] = ..., percent: _Optional[int] = ..., seats: _Optional[int] = ...) -> None: ...

class ApprovalRule(_message.Message):
    __slots__ = ("kind", "required", "percent", "seats", "tiers", "mandatory_approvers")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    MANDATORY_APPROVERS_FIELD_NUMBER: _ClassVar[int]
    kind: RuleKind
    required: int
    percent: int
    seats: int
    tiers: _containers.RepeatedCompositeFieldContainer[ApprovalTier]
    mandatory_approvers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[_Union[RuleKind, str]] = ..., required: _Optional[int] = ..., percent: _Optional[int] = ..., seats: _Optional[int] = ..., tiers: _Optional[_Iterable[_Union[ApprovalTier, _Mapping]]] = ..., mandatory_approvers: _Optional[_Iterable[str]] = ...) -> None: ...

class MilestoneChange(_message.Message):
    __slots__ = ("milestone", "new_due_date")
    MILESTONE_FIELD_NUMBER: _ClassVar[int]
    NEW_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    milestone: str
    new_due_date: _date_pb2.Date
    def __init__(self, milestone: _Optional[str] = ..., new_due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...

class ChangeRequest(_message.Message):
    __slots__ = ("name", "project", "title", "description", "type", "catalogue_item", "budget_delta", "schedule_delta_days", "new_end_date", "scope_change", "milestone_changes", "linked_risk", "linked_issue", "requester", "state", "impact", "conflicts", "route", "policy_version", "tasks", "outcome_reason", "workflow_id", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CATALOGUE_ITEM_FIELD_NUMBER: _ClassVar[int]
    BUDGET_DELTA_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_DELTA_DAYS_FIELD_NUMBER: _ClassVar[int]
    NEW_END_DATE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_CHANGES_FIELD_NUMBER: _ClassVar[int]
    LINKED_RISK_FIELD_NUMBER: _ClassVar[int]
    LINKED_ISSUE_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_REASON_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    project: str
    title: str
    description: str
    type: ChangeType
    catalogue_item: str
    budget_delta: _money_pb2.Money
    schedule_delta_days: int
    new_end_date: _date_pb2.Date
    scope_change: str
    milestone_changes: _containers.RepeatedCompositeFieldContainer[MilestoneChange]
    linked_risk: str
    linked_issue: str
    requester: str
    state: ChangeRequestState
    impact: ImpactAssessment
    conflicts: _containers.RepeatedCompositeFieldContainer[Conflict]
    route: ApprovalRoute
    policy_version: int
    tasks: _containers.RepeatedScalarFieldContainer[str]
    outcome_reason: str
    workflow_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., project: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[ChangeType, str]] = ..., catalogue_item: _Optional[str] = ..., budget_delta: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., schedule_delta_days: _Optional[int] = ..., new_end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., scope_change: _Optional[str] = ..., milestone_changes: _Optional[_Iterable[_Union[MilestoneChange, _Mapping]]] = ..., linked_risk: _Optional[str] = ..., linked_issue: _Optional[str] = ..., requester: _Optional[str] = ..., state: _Optional[_Union[ChangeRequestState, str]] = ..., impact: _Optional[_Union[ImpactAssessment, _Mapping]] = ..., conflicts: _Optional[_Iterable[_Union[Conflict, _Mapping]]] = ..., route: _Optional[_Union[ApprovalRoute, _Mapping]] = ..., policy_version: _Optional[int] = ..., tasks: _Optional[_Iterable[str]] = ..., outcome_reason: _Optional[str] = ..., workflow_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class ImpactAssessment(_message.Message):
    __slots__ = ("current_end_date", "new_end_date", "current_budget", "new_budget", "budget_delta", "schedule_delta_days", "affected_milestones", "affected_assignments", "cpi_before", "cpi_after", "spi_before", "spi_after", "eac_before", "eac_after", "project_etag", "assess_time")
    CURRENT_END_DATE_FIELD_NUMBER: _ClassVar[int]
    NEW_END_DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_BUDGET_FIELD_NUMBER: _ClassVar[int]
    NEW_BUDGET_FIELD_NUMBER: _ClassVar[int]
    BUDGET_DELTA_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_DELTA_DAYS_FIELD_NUMBER: _ClassVar[int]
    AFFECTED_MILESTONES_FIELD_NUMBER: _ClassVar[int]
    AFFECTED_ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    CPI_BEFORE_FIELD_NUMBER: _ClassVar[int]
    CPI_AFTER_FIELD_NUMBER: _ClassVar[int]
    SPI_BEFORE_FIELD_NUMBER: _ClassVar[int]
    SPI_AFTER_FIELD_NUMBER: _ClassVar[int]
    EAC_BEFORE_FIELD_NUMBER: _ClassVar[int]
    EAC_AFTER_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ETAG_FIELD_NUMBER: _ClassVar[int]
    ASSESS_TIME_FIELD_NUMBER: _ClassVar[int]
    current_end_date: _date_pb2.Date
    new_end_date: _date_pb2.Date
    current_budget: _money_pb2.Money
    new_budget: _money_pb2.Money
    budget_delta: _money_pb2.Money
    schedule_delta_days: int
    affected_milestones: _containers.RepeatedScalarFieldContainer[str]
    affected_assignments: _containers.RepeatedScalarFieldContainer[str]
    cpi_before: str
    cpi_after: str
    spi_before: str
    spi_after: str
    eac_before: _money_pb2.Money
    eac_after: _money_pb2.Money
    project_etag: str
    assess_time: _timestamp_pb2.Timestamp
    def __init__(self, current_end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., new_end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., current_budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., new_budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., budget_delta: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., schedule_delta_days: _Optional[int] = ..., affected_milestones: _Optional[_Iterable[str]] = ..., affected_assignments: _Optional[_Iterable[str]] = ..., cpi_before: _Optional[str] = ..., cpi_after: _Optional[str] = ..., spi_before: _Optional[str] = ..., spi_after: _Optional[str] = ..., eac_before: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., eac_after: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., project_etag: _Optional[str] = ..., assess_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Conflict(_message.Message):
    __slots__ = ("kind", "description", "blackout", "change_request", "blocking")
    KIND_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BLACKOUT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    BLOCKING_FIELD_NUMBER: _ClassVar[int]
    kind: ConflictKind
    description: str
    blackout: str
    change_request: str
    blocking: bool
    def __init__(self, kind: _Optional[_Union[ConflictKind, str]] = ..., description: _Optional[str] = ..., blackout: _Optional[str] = ..., change_request: _Optional[str] = ..., blocking: _Optional[bool] = ...) -> None: ...

class ApprovalRoute(_message.Message):
    __slots__ = ("tier", "rule", "candidates", "mandatory_approvers", "due_duration", "auto_approved")
    TIER_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    MANDATORY_APPROVERS_FIELD_NUMBER: _ClassVar[int]
    DUE_DURATION_FIELD_NUMBER: _ClassVar[int]
    AUTO_APPROVED_FIELD_NUMBER: _ClassVar[int]
    tier: str
    rule: ApprovalRule
    candidates: Candidates
    mandatory_approvers: _containers.RepeatedScalarFieldContainer[str]
    due_duration: _duration_pb2.Duration
    auto_approved: bool
    def __init__(self, tier: _Optional[str] = ..., rule: _Optional[_Union[ApprovalRule, _Mapping]] = ..., candidates: _Optional[_Union[Candidates, _Mapping]] = ..., mandatory_approvers: _Optional[_Iterable[str]] = ..., due_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., auto_approved: _Optional[bool] = ...) -> None: ...

class EscalationBreach(_message.Message):
    __slots__ = ("level", "clock", "time")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CLOCK_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    level: int
    clock: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, level: _Optional[int] = ..., clock: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EscalationNote(_message.Message):
    __slots__ = ("author", "text", "time")
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    author: str
    text: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, author: _Optional[str] = ..., text: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Escalation(_message.Message):
    __slots__ = ("name", "title", "description", "severity", "source", "subject", "raised_by", "state", "level", "level_name", "levels", "owners", "acknowledged_by", "acknowledge_due_time", "resolve_due_time", "paused", "breaches", "notes", "resolution", "resolved_by", "tasks", "policy_version", "workflow_id", "create_time", "update_time", "close_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    RAISED_BY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_NAME_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    OWNERS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    BREACHES_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_BY_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    title: str
    description: str
    severity: _resources_pb2_1.IssueSeverity
    source: EscalationSource
    subject: str
    raised_by: str
    state: EscalationState
    level: int
    level_name: str
    levels: int
    owners: _containers.RepeatedScalarFieldContainer[str]
    acknowledged_by: str
    acknowledge_due_time: _timestamp_pb2.Timestamp
    resolve_due_time: _timestamp_pb2.Timestamp
    paused: bool
    breaches: _containers.RepeatedCompositeFieldContainer[EscalationBreach]
    notes: _containers.RepeatedCompositeFieldContainer[EscalationNote]
    resolution: str
    resolved_by: str
    tasks: _containers.RepeatedScalarFieldContainer[str]
    policy_version: int
    workflow_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., severity: _Optional[_Union[_resources_pb2_1.IssueSeverity, str]] = ..., source: _Optional[_Union[EscalationSource, str]] = ..., subject: _Optional[str] = ..., raised_by: _Optional[str] = ..., state: _Optional[_Union[EscalationState, str]] = ..., level: _Optional[int] = ..., level_name: _Optional[str] = ..., levels: _Optional[int] = ..., owners: _Optional[_Iterable[str]] = ..., acknowledged_by: _Optional[str] = ..., acknowledge_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paused: _Optional[bool] = ..., breaches: _Optional[_Iterable[_Union[EscalationBreach, _Mapping]]] = ..., notes: _Optional[_Iterable[_Union[EscalationNote, _Mapping]]] = ..., resolution: _Optional[str] = ..., resolved_by: _Optional[str] = ..., tasks: _Optional[_Iterable[str]] = ..., policy_version: _Optional[int] = ..., workflow_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class PhaseGate(_message.Message):
    __slots__ = ("name", "from_phase", "to_phase", "state", "requester", "criteria", "decision", "conditions", "reasons", "policy_version", "tasks", "workflow_id", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FROM_PHASE_FIELD_NUMBER: _ClassVar[int]
    TO_PHASE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    from_phase: _resources_pb2.Phase
    to_phase: _resources_pb2.Phase
    state: PhaseGateState
    requester: str
    criteria: _containers.RepeatedCompositeFieldContainer[CriterionResult]
    decision: GateDecision
    conditions: _containers.RepeatedCompositeFieldContainer[GateCondition]
    reasons: str
    policy_version: int
    tasks: _containers.RepeatedScalarFieldContainer[str]
    workflow_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., from_phase: _Optional[_Union[_resources_pb2.Phase, str]] = ..., to_phase: _Optional[_Union[_resources_pb2.Phase, str]] = ..., state: _Optional[_Union[PhaseGateState, str]] = ..., requester: _Optional[str] = ..., criteria: _Optional[_Iterable[_Union[CriterionResult, _Mapping]]] = ..., decision: _Optional[_Union[GateDecision, str]] = ..., conditions: _Optional[_Iterable[_Union[GateCondition, _Mapping]]] = ..., reasons: _Optional[str] = ..., policy_version: _Optional[int] = ..., tasks: _Optional[_Iterable[str]] = ..., workflow_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class CriterionResult(_message.Message):
    __slots__ = ("criterion", "description", "passed", "required", "evidence", "evidence_values")
    class EvidenceValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CRITERION_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_VALUES_FIELD_NUMBER: _ClassVar[int]
    criterion: str
    description: str
    passed: bool
    required: bool
    evidence: str
    evidence_values: _containers.ScalarMap[str, str]
    def __init__(self, criterion: _Optional[str] = ..., description: _Optional[str] = ..., passed: _Optional[bool] = ..., required: _Optional[bool] = ..., evidence: _Optional[str] = ..., evidence_values: _Optional[_Mapping[str, str]] = ...) -> None: ...

class GateCondition(_message.Message):
    __slots__ = ("description", "owner", "due_date", "met", "met_time")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    MET_TIME_FIELD_NUMBER: _ClassVar[int]
    description: str
    owner: str
    due_date: _date_pb2.Date
    met: bool
    met_time: _timestamp_pb2.Timestamp
    def __init__(self, description: _Optional[str] = ..., owner: _Optional[str] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., met: _Optional[bool] = ..., met_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("name", "kind", "title", "summary", "process", "project", "requester", "candidates", "rule", "choices", "state", "outcome", "claimant", "assignee", "pending_approvers", "decisions", "history", "due_time", "reminder_times", "escalated", "sla_state", "policy_version", "create_time", "update_time", "close_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    REQUESTER_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    CLAIMANT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    PENDING_APPROVERS_FIELD_NUMBER: _ClassVar[int]
    DECISIONS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    REMINDER_TIMES_FIELD_NUMBER: _ClassVar[int]
    ESCALATED_FIELD_NUMBER: _ClassVar[int]
    SLA_STATE_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: TaskKind
    title: str
    summary: str
    process: str
    project: str
    requester: str
    candidates: Candidates
    rule: ApprovalRule
    choices: _containers.RepeatedScalarFieldContainer[str]
    state: TaskState
    outcome: str
    claimant: str
    assignee: str
    pending_approvers: _containers.RepeatedScalarFieldContainer[str]
    decisions: _containers.RepeatedCompositeFieldContainer[TaskDecision]
    history: _containers.RepeatedCompositeFieldContainer[TaskEvent]
    due_time: _timestamp_pb2.Timestamp
    reminder_times: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    escalated: bool
    sla_state: SlaState
    policy_version: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[TaskKind, str]] = ..., title: _Optional[str] = ..., summary: _Optional[str] = ..., process: _Optional[str] = ..., project: _Optional[str] = ..., requester: _Optional[str] = ..., candidates: _Optional[_Union[Candidates, _Mapping]] = ..., rule: _Optional[_Union[ApprovalRule, _Mapping]] = ..., choices: _Optional[_Iterable[str]] = ..., state: _Optional[_Union[TaskState, str]] = ..., outcome: _Optional[str] = ..., claimant: _Optional[str] = ..., assignee: _Optional[str] = ..., pending_approvers: _Optional[_Iterable[str]] = ..., decisions: _Optional[_Iterable[_Union[TaskDecision, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[TaskEvent, _Mapping]]] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reminder_times: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ..., escalated: _Optional[bool] = ..., sla_state: _Optional[_Union[SlaState, str]] = ..., policy_version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class TaskDecision(_message.Message):
    __slots__ = ("voter", "actor", "on_behalf_of", "choice", "comment", "conditions", "decide_time")
    VOTER_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    DECIDE_TIME_FIELD_NUMBER: _ClassVar[int]
    voter: str
    actor: str
    on_behalf_of: str
    choice: str
    comment: str
    conditions: _containers.RepeatedCompositeFieldContainer[GateCondition]
    decide_time: _timestamp_pb2.Timestamp
    def __init__(self, voter: _Optional[str] = ..., actor: _Optional[str] = ..., on_behalf_of: _Optional[str] = ..., choice: _Optional[str] = ..., comment: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[GateCondition, _Mapping]]] = ..., decide_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TaskEvent(_message.Message):
    __slots__ = ("event_time", "kind", "actor", "detail")
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    event_time: _timestamp_pb2.Timestamp
    kind: str
    actor: str
    detail: str
    def __init__(self, event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[str] = ..., actor: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class Delegation(_message.Message):
    __slots__ = ("name", "delegator", "delegate", "start_time", "end_time", "reason", "roles", "create_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DELEGATOR_FIELD_NUMBER: _ClassVar[int]
    DELEGATE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    delegator: str
    delegate: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    reason: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., delegator: _Optional[str] = ..., delegate: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class ChangeTier(_message.Message):
    __slots__ = ("id", "max_budget_delta", "max_schedule_delta_days", "scope_change_allowed", "candidates", "rule", "due_duration", "reminders", "on_timeout", "escalate_to", "business_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    MAX_BUDGET_DELTA_FIELD_NUMBER: _ClassVar[int]
    MAX_SCHEDULE_DELTA_DAYS_FIELD_NUMBER: _ClassVar[int]
    SCOPE_CHANGE_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    DUE_DURATION_FIELD_NUMBER: _ClassVar[int]
    REMINDERS_FIELD_NUMBER: _ClassVar[int]
    ON_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_TO_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    max_budget_delta: _money_pb2.Money
    max_schedule_delta_days: int
    scope_change_allowed: bool
    candidates: Candidates
    rule: ApprovalRule
    due_duration: _duration_pb2.Duration
    reminders: _containers.RepeatedCompositeFieldContainer[_duration_pb2.Duration]
    on_timeout: TimeoutAction
    escalate_to: Candidates
    business_time: bool
    def __init__(self, id: _Optional[str] = ..., max_budget_delta: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., max_schedule_delta_days: _Optional[int] = ..., scope_change_allowed: _Optional[bool] = ..., candidates: _Optional[_Union[Candidates, _Mapping]] = ..., rule: _Optional[_Union[ApprovalRule, _Mapping]] = ..., due_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., reminders: _Optional[_Iterable[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]]] = ..., on_timeout: _Optional[_Union[TimeoutAction, str]] = ..., escalate_to: _Optional[_Union[Candidates, _Mapping]] = ..., business_time: _Optional[bool] = ...) -> None: ...

class StandardChange(_message.Message):
    __slots__ = ("id", "title", "description", "max_budget_delta", "max_schedule_delta_days")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    MAX_BUDGET_DELTA_FIELD_NUMBER: _ClassVar[int]
    MAX_SCHEDULE_DELTA_DAYS_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    description: str
    max_budget_delta: _money_pb2.Money
    max_schedule_delta_days: int
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., max_budget_delta: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., max_schedule_delta_days: _Optional[int] = ...) -> None: ...

class BlackoutWindow(_message.Message):
    __slots__ = ("id", "start_time", "end_time", "project", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    project: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., project: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GateCriterion(_message.Message):
    __slots__ = ("id", "required", "threshold")
    ID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    id: str
    required: bool
    threshold: str
    def __init__(self, id: _Optional[str] = ..., required: _Optional[bool] = ..., threshold: _Optional[str] = ...) -> None: ...

class GateCriteria(_message.Message):
    __slots__ = ("methodology", "phase", "criteria")
    METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    methodology: _resources_pb2.Methodology
    phase: _resources_pb2.Phase
    criteria: _containers.RepeatedCompositeFieldContainer[GateCriterion]
    def __init__(self, methodology: _Optional[_Union[_resources_pb2.Methodology, str]] = ..., phase: _Optional[_Union[_resources_pb2.Phase, str]] = ..., criteria: _Optional[_Iterable[_Union[GateCriterion, _Mapping]]] = ...) -> None: ...

class GateApproval(_message.Message):
    __slots__ = ("candidates", "rule", "due_duration", "reminders", "on_timeout", "escalate_to", "business_time")
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    DUE_DURATION_FIELD_NUMBER: _ClassVar[int]
    REMINDERS_FIELD_NUMBER: _ClassVar[int]
    ON_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_TO_FIELD_NUMBER: _ClassVar[int]
    BUSINESS_TIME_FIELD_NUMBER: _ClassVar[int]
    candidates: Candidates
    rule: ApprovalRule
    due_duration: _duration_pb2.Duration
    reminders: _containers.RepeatedCompositeFieldContainer[_duration_pb2.Duration]
    on_timeout: TimeoutAction
    escalate_to: Candidates
    business_time: bool
    def __init__(self, candidates: _Optional[_Union[Candidates, _Mapping]] = ..., rule: _Optional[_Union[ApprovalRule, _Mapping]] = ..., due_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., reminders: _Optional[_Iterable[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]]] = ..., on_timeout: _Optional[_Union[TimeoutAction, str]] = ..., escalate_to: _Optional[_Union[Candidates, _Mapping]] = ..., business_time: _Optional[bool] = ...) -> None: ...

class BusinessCalendar(_message.Message):
    __slots__ = ("time_zone", "working_days", "day_start", "day_end", "holidays", "holiday_country", "holiday_subdivision", "public_holidays")
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    WORKING_DAYS_FIELD_NUMBER: _ClassVar[int]
    DAY_START_FIELD_NUMBER: _ClassVar[int]
    DAY_END_FIELD_NUMBER: _ClassVar[int]
    HOLIDAYS_FIELD_NUMBER: _ClassVar[int]
    HOLIDAY_COUNTRY_FIELD_NUMBER: _ClassVar[int]
    HOLIDAY_SUBDIVISION_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_HOLIDAYS_FIELD_NUMBER: _ClassVar[int]
    time_zone: str
    working_days: _containers.RepeatedScalarFieldContainer[_dayofweek_pb2.DayOfWeek]
    day_start: _timeofday_pb2.TimeOfDay
    day_end: _timeofday_pb2.TimeOfDay
    holidays: _containers.RepeatedCompositeFieldContainer[_date_pb2.Date]
    holiday_country: str
    holiday_subdivision: str
    public_holidays: _containers.RepeatedCompositeFieldContainer[_date_pb2.Date]
    def __init__(self, time_zone: _Optional[str] = ..., working_days: _Optional[_Iterable[_Union[_dayofweek_pb2.DayOfWeek, str]]] = ..., day_start: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., day_end: _Optional[_Union[_timeofday_pb2.TimeOfDay, _Mapping]] = ..., holidays: _Optional[_Iterable[_Union[_date_pb2.Date, _Mapping]]] = ..., holiday_country: _Optional[str] = ..., holiday_subdivision: _Optional[str] = ..., public_holidays: _Optional[_Iterable[_Union[_date_pb2.Date, _Mapping]]] = ...) -> None: ...

class GovernancePolicy(_message.Message):
    __slots__ = ("name", "version", "pmo_type", "change_tiers", "emergency", "standard_catalogue", "blackout_windows", "gate_criteria", "gate_approval", "task_sla", "update_time", "etag", "calendar", "escalation_paths", "sla_warning_percent", "escalate_task_breaches", "quality", "billing")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PMO_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIERS_FIELD_NUMBER: _ClassVar[int]
    EMERGENCY_FIELD_NUMBER: _ClassVar[int]
    STANDARD_CATALOGUE_FIELD_NUMBER: _ClassVar[int]
    BLACKOUT_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    GATE_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    GATE_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    TASK_SLA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_PATHS_FIELD_NUMBER: _ClassVar[int]
    SLA_WARNING_PERCENT_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_TASK_BREACHES_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    BILLING_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    pmo_type: _resources_pb2.PmoType
    change_tiers: _containers.RepeatedCompositeFieldContainer[ChangeTier]
    emergency: ChangeTier
    standard_catalogue: _containers.RepeatedCompositeFieldContainer[StandardChange]
    blackout_windows: _containers.RepeatedCompositeFieldContainer[BlackoutWindow]
    gate_criteria: _containers.RepeatedCompositeFieldContainer[GateCriteria]
    gate_approval: GateApproval
    task_sla: _duration_pb2.Duration
    update_time: _timestamp_pb2.Timestamp
    etag: str
    calendar: BusinessCalendar
    escalation_paths: _containers.RepeatedCompositeFieldContainer[EscalationPath]
    sla_warning_percent: int
    escalate_task_breaches: bool
    quality: _audits_pb2.QualityPolicy
    billing: _billing_cycles_pb2.BillingPolicy
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., pmo_type: _Optional[_Union[_resources_pb2.PmoType, str]] = ..., change_tiers: _Optional[_Iterable[_Union[ChangeTier, _Mapping]]] = ..., emergency: _Optional[_Union[ChangeTier, _Mapping]] = ..., standard_catalogue: _Optional[_Iterable[_Union[StandardChange, _Mapping]]] = ..., blackout_windows: _Optional[_Iterable[_Union[BlackoutWindow, _Mapping]]] = ..., gate_criteria: _Optional[_Iterable[_Union[GateCriteria, _Mapping]]] = ..., gate_approval: _Optional[_Union[GateApproval, _Mapping]] = ..., task_sla: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., calendar: _Optional[_Union[BusinessCalendar, _Mapping]] = ..., escalation_paths: _Optional[_Iterable[_Union[EscalationPath, _Mapping]]] = ..., sla_warning_percent: _Optional[int] = ..., escalate_task_breaches: _Optional[bool] = ..., quality: _Optional[_Union[_audits_pb2.QualityPolicy, _Mapping]] = ..., billing: _Optional[_Union[_billing_cycles_pb2.BillingPolicy, _Mapping]] = ...) -> None: ...

class EscalationLevel(_message.Message):
    __slots__ = ("name", "owners", "acknowledge_duration", "resolve_duration")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNERS_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_DURATION_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_DURATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    owners: Candidates
    acknowledge_duration: _duration_pb2.Duration
    resolve_duration: _duration_pb2.Duration
    def __init__(self, name: _Optional[str] = ..., owners: _Optional[_Union[Candidates, _Mapping]] = ..., acknowledge_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., resolve_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class EscalationPath(_message.Message):
    __slots__ = ("severity", "levels")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    LEVELS_FIELD_NUMBER: _ClassVar[int]
    severity: _resources_pb2_1.IssueSeverity
    levels: _containers.RepeatedCompositeFieldContainer[EscalationLevel]
    def __init__(self, severity: _Optional[_Union[_resources_pb2_1.IssueSeverity, str]] = ..., levels: _Optional[_Iterable[_Union[EscalationLevel, _Mapping]]] = ...) -> None: ...

class OpenEscalations(_message.Message):
    __slots__ = ("level", "total", "under_one_day", "one_to_three_days", "three_to_seven_days", "over_seven_days")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    UNDER_ONE_DAY_FIELD_NUMBER: _ClassVar[int]
    ONE_TO_THREE_DAYS_FIELD_NUMBER: _ClassVar[int]
    THREE_TO_SEVEN_DAYS_FIELD_NUMBER: _ClassVar[int]
    OVER_SEVEN_DAYS_FIELD_NUMBER: _ClassVar[int]
    level: int
    total: int
    under_one_day: int
    one_to_three_days: int
    three_to_seven_days: int
    over_seven_days: int
    def __init__(self, level: _Optional[int] = ..., total: _Optional[int] = ..., under_one_day: _Optional[int] = ..., one_to_three_days: _Optional[int] = ..., three_to_seven_days: _Optional[int] = ..., over_seven_days: _Optional[int] = ...) -> None: ...

class EscalationBreachRate(_message.Message):
    __slots__ = ("project", "raised", "breached", "breach_rate")
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    RAISED_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    BREACH_RATE_FIELD_NUMBER: _ClassVar[int]
    project: str
    raised: int
    breached: int
    breach_rate: str
    def __init__(self, project: _Optional[str] = ..., raised: _Optional[int] = ..., breached: _Optional[int] = ..., breach_rate: _Optional[str] = ...) -> None: ...

class EscalationReport(_message.Message):
    __slots__ = ("parent", "start_date", "end_date", "open_by_level", "breach_rate", "projects", "report_time")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    OPEN_BY_LEVEL_FIELD_NUMBER: _ClassVar[int]
    BREACH_RATE_FIELD_NUMBER: _ClassVar[int]
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    REPORT_TIME_FIELD_NUMBER: _ClassVar[int]
    parent: str
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    open_by_level: _containers.RepeatedCompositeFieldContainer[OpenEscalations]
    breach_rate: EscalationBreachRate
    projects: _containers.RepeatedCompositeFieldContainer[EscalationBreachRate]
    report_time: _timestamp_pb2.Timestamp
    def __init__(self, parent: _Optional[str] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., open_by_level: _Optional[_Iterable[_Union[OpenEscalations, _Mapping]]] = ..., breach_rate: _Optional[_Union[EscalationBreachRate, _Mapping]] = ..., projects: _Optional[_Iterable[_Union[EscalationBreachRate, _Mapping]]] = ..., report_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
