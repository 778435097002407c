import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RiskLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_LEVEL_UNSPECIFIED: _ClassVar[RiskLevel]
    RISK_LEVEL_LOW: _ClassVar[RiskLevel]
    RISK_LEVEL_MEDIUM: _ClassVar[RiskLevel]
    RISK_LEVEL_HIGH: _ClassVar[RiskLevel]
    RISK_LEVEL_CRITICAL: _ClassVar[RiskLevel]

class ResponseStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESPONSE_STRATEGY_UNSPECIFIED: _ClassVar[ResponseStrategy]
    RESPONSE_STRATEGY_AVOID: _ClassVar[ResponseStrategy]
    RESPONSE_STRATEGY_MITIGATE: _ClassVar[ResponseStrategy]
    RESPONSE_STRATEGY_TRANSFER: _ClassVar[ResponseStrategy]
    RESPONSE_STRATEGY_ACCEPT: _ClassVar[ResponseStrategy]
    RESPONSE_STRATEGY_EXPLOIT: _ClassVar[ResponseStrategy]
    RESPONSE_STRATEGY_ENHANCE: _ClassVar[ResponseStrategy]

class RiskStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RISK_STATUS_UNSPECIFIED: _ClassVar[RiskStatus]
    RISK_STATUS_OPEN: _ClassVar[RiskStatus]
    RISK_STATUS_MITIGATING: _ClassVar[RiskStatus]
    RISK_STATUS_CLOSED: _ClassVar[RiskStatus]
    RISK_STATUS_OCCURRED: _ClassVar[RiskStatus]

class ActionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ACTION_STATE_UNSPECIFIED: _ClassVar[ActionState]
    ACTION_STATE_PLANNED: _ClassVar[ActionState]
    ACTION_STATE_IN_PROGRESS: _ClassVar[ActionState]
    ACTION_STATE_DONE: _ClassVar[ActionState]
    ACTION_STATE_CANCELLED: _ClassVar[ActionState]

class IssueSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ISSUE_SEVERITY_UNSPECIFIED: _ClassVar[IssueSeverity]
    ISSUE_SEVERITY_LOW: _ClassVar[IssueSeverity]
    ISSUE_SEVERITY_MEDIUM: _ClassVar[IssueSeverity]
    ISSUE_SEVERITY_HIGH: _ClassVar[IssueSeverity]
    ISSUE_SEVERITY_CRITICAL: _ClassVar[IssueSeverity]

class IssueStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ISSUE_STATUS_UNSPECIFIED: _ClassVar[IssueStatus]
    ISSUE_STATUS_OPEN: _ClassVar[IssueStatus]
    ISSUE_STATUS_IN_PROGRESS: _ClassVar[IssueStatus]
    ISSUE_STATUS_RESOLVED: _ClassVar[IssueStatus]
    ISSUE_STATUS_CLOSED: _ClassVar[IssueStatus]

class EscalationTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ESCALATION_TRIGGER_UNSPECIFIED: _ClassVar[EscalationTrigger]
    ESCALATION_TRIGGER_RAISED: _ClassVar[EscalationTrigger]
    ESCALATION_TRIGGER_REGRADED: _ClassVar[EscalationTrigger]
    ESCALATION_TRIGGER_ENDED: _ClassVar[EscalationTrigger]
RISK_LEVEL_UNSPECIFIED: RiskLevel
RISK_LEVEL_LOW: RiskLevel
RISK_LEVEL_MEDIUM: RiskLevel
RISK_LEVEL_HIGH: RiskLevel
RISK_LEVEL_CRITICAL: RiskLevel
RESPONSE_STRATEGY_UNSPECIFIED: ResponseStrategy
RESPONSE_STRATEGY_AVOID: ResponseStrategy
RESPONSE_STRATEGY_MITIGATE: ResponseStrategy
RESPONSE_STRATEGY_TRANSFER: ResponseStrategy
RESPONSE_STRATEGY_ACCEPT: ResponseStrategy
RESPONSE_STRATEGY_EXPLOIT: ResponseStrategy
RESPONSE_STRATEGY_ENHANCE: ResponseStrategy
RISK_STATUS_UNSPECIFIED: RiskStatus
RISK_STATUS_OPEN: RiskStatus
RISK_STATUS_MITIGATING: RiskStatus
RISK_STATUS_CLOSED: RiskStatus
RISK_STATUS_OCCURRED: RiskStatus
ACTION_STATE_UNSPECIFIED: ActionState
ACTION_STATE_PLANNED: ActionState
ACTION_STATE_IN_PROGRESS: ActionState
ACTION_STATE_DONE: ActionState
ACTION_STATE_CANCELLED: ActionState
ISSUE_SEVERITY_UNSPECIFIED: IssueSeverity
ISSUE_SEVERITY_LOW: IssueSeverity
ISSUE_SEVERITY_MEDIUM: IssueSeverity
ISSUE_SEVERITY_HIGH: IssueSeverity
ISSUE_SEVERITY_CRITICAL: IssueSeverity
ISSUE_STATUS_UNSPECIFIED: IssueStatus
ISSUE_STATUS_OPEN: IssueStatus
ISSUE_STATUS_IN_PROGRESS: IssueStatus
ISSUE_STATUS_RESOLVED: IssueStatus
ISSUE_STATUS_CLOSED: IssueStatus
ESCALATION_TRIGGER_UNSPECIFIED: EscalationTrigger
ESCALATION_TRIGGER_RAISED: EscalationTrigger
ESCALATION_TRIGGER_REGRADED: EscalationTrigger
ESCALATION_TRIGGER_ENDED: EscalationTrigger

class Action(_message.Message):
    __slots__ = ("description", "owner", "due_date", "state")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    description: str
    owner: str
    due_date: _date_pb2.Date
    state: ActionState
    def __init__(self, description: _Optional[str] = ..., owner: _Optional[str] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., state: _Optional[_Union[ActionState, str]] = ...) -> None: ...

class Risk(_message.Message):
    __slots__ = ("name", "title", "description", "category", "cause", "effect", "owner", "probability", "impact", "inherent_score", "inherent_level", "is_opportunity", "response_strategy", "mitigation_plan", "contingency_plan", "residual_probability", "residual_impact", "residual_score", "residual_level", "status", "review_cadence_days", "next_review_time", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    INHERENT_SCORE_FIELD_NUMBER: _ClassVar[int]
    INHERENT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    IS_OPPORTUNITY_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    MITIGATION_PLAN_FIELD_NUMBER: _ClassVar[int]
    CONTINGENCY_PLAN_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_IMPACT_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_SCORE_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REVIEW_CADENCE_DAYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_REVIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    title: str
    description: str
    category: str
    cause: str
    effect: str
    owner: str
    probability: int
    impact: int
    inherent_score: int
    inherent_level: RiskLevel
    is_opportunity: bool
    response_strategy: ResponseStrategy
    mitigation_plan: _containers.RepeatedCompositeFieldContainer[Action]
    contingency_plan: _containers.RepeatedCompositeFieldContainer[Action]
    residual_probability: int
    residual_impact: int
    residual_score: int
    residual_level: RiskLevel
    status: RiskStatus
    review_cadence_days: int
    next_review_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., category: _Optional[str] = ..., cause: _Optional[str] = ..., effect: _Optional[str] = ..., owner: _Optional[str] = ..., probability: _Optional[int] = ..., impact: _Optional[int] = ..., inherent_score: _Optional[int] = ..., inherent_level: _Optional[_Union[RiskLevel, str]] = ..., is_opportunity: _Optional[bool] = ..., response_strategy: _Optional[_Union[ResponseStrategy, str]] = ..., mitigation_plan: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., contingency_plan: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., residual_probability: _Optional[int] = ..., residual_impact: _Optional[int] = ..., residual_score: _Optional[int] = ..., residual_level: _Optional[_Union[RiskLevel, str]] = ..., status: _Optional[_Union[RiskStatus, str]] = ..., review_cadence_days: _Optional[int] = ..., next_review_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class RiskScoreBand(_message.Message):
    __slots__ = ("min_score", "max_score", "level")
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    MAX_SCORE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    min_score: int
    max_score: int
    level: RiskLevel
    def __init__(self, min_score: _Optional[int] = ..., max_score: _Optional[int] = ..., level: _Optional[_Union[RiskLevel, str]] = ...) -> None: ...

class RiskMatrix(_message.Message):
    __slots__ = ("name", "bands", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    BANDS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    bands: _containers.RepeatedCompositeFieldContainer[RiskScoreBand]
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., bands: _Optional[_Iterable[_Union[RiskScoreBand, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class RiskScoreChange(_message.Message):
    __slots__ = ("probability", "impact", "inherent_score", "inherent_level", "residual_probability", "residual_impact", "residual_score", "residual_level", "status", "actor", "change_time")
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    INHERENT_SCORE_FIELD_NUMBER: _ClassVar[int]
    INHERENT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_IMPACT_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_SCORE_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_LEVEL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    probability: int
    impact: int
    inherent_score: int
    inherent_level: RiskLevel
    residual_probability: int
    residual_impact: int
    residual_score: int
    residual_level: RiskLevel
    status: RiskStatus
    actor: str
    change_time: _timestamp_pb2.Timestamp
    def __init__(self, probability: _Optional[int] = ..., impact: _Optional[int] = ..., inherent_score: _Optional[int] = ..., inherent_level: _Optional[_Union[RiskLevel, str]] = ..., residual_probability: _Optional[int] = ..., residual_impact: _Optional[int] = ..., residual_score: _Optional[int] = ..., residual_level: _Optional[_Union[RiskLevel, str]] = ..., status: _Optional[_Union[RiskStatus, str]] = ..., actor: _Optional[str] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Issue(_message.Message):
    __slots__ = ("name", "title", "description", "severity", "owner", "due_date", "status", "resolution", "source_risk", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RISK_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    title: str
    description: str
    severity: IssueSeverity
    owner: str
    due_date: _date_pb2.Date
    status: IssueStatus
    resolution: str
    source_risk: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., severity: _Optional[_Union[IssueSeverity, str]] = ..., owner: _Optional[str] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., status: _Optional[_Union[IssueStatus, str]] = ..., resolution: _Optional[str] = ..., source_risk: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class IssueEscalationEvent(_message.Message):
    __slots__ = ("sequence", "issue", "trigger", "severity", "previous_severity", "title", "owner", "actor", "event_time")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    issue: str
    trigger: EscalationTrigger
    severity: IssueSeverity
    previous_severity: IssueSeverity
    title: str
    owner: str
    actor: str
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., issue: _Optional[str] = ..., trigger: _Optional[_Union[EscalationTrigger, str]] = ..., severity: _Optional[_Union[IssueSeverity, str]] = ..., previous_severity: _Optional[_Union[IssueSeverity, str]] = ..., title: _Optional[str] = ..., owner: _Optional[str] = ..., actor: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RiskHeatMap(_message.Message):
    __slots__ = ("scope", "inherent", "residual", "risk_count")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    INHERENT_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_FIELD_NUMBER: _ClassVar[int]
    RISK_COUNT_FIELD_NUMBER: _ClassVar[int]
    scope: str
    inherent: _containers.RepeatedCompositeFieldContainer[HeatMapCell]
    residual: _containers.RepeatedCompositeFieldContainer[HeatMapCell]
    risk_count: int
    def __init__(self, scope: _Optional[str] = ..., inherent: _Optional[_Iterable[_Union[HeatMapCell, _Mapping]]] = ..., residual: _Optional[_Iterable[_Union[HeatMapCell, _Mapping]]] = ..., risk_count: _Optional[int] = ...) -> None: ...

class HeatMapCell(_message.Message):
    __slots__ = ("probability", "impact", "count", "level")
    PROBABILITY_FIELD_NUMBER: _ClassVar[int]
    IMPACT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    probability: int
    impact: int
    count: int
    level: RiskLevel
    def __init__(self, probability: _Optional[int] = ..., impact: _Optional[int] = ..., count: _Optional[int] = ..., level: _Optional[_Union[RiskLevel, str]] = ...) -> None: ...

class OverdueAction(_message.Message):
    __slots__ = ("risk", "plan", "index", "action")
    RISK_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    risk: str
    plan: str
    index: int
    action: Action
    def __init__(self, risk: _Optional[str] = ..., plan: _Optional[str] = ..., index: _Optional[int] = ..., action: _Optional[_Union[Action, _Mapping]] = ...) -> None: ...

class RiskExposure(_message.Message):
    __slots__ = ("scope", "top_risks", "overdue_reviews", "overdue_review_count", "overdue_actions", "overdue_action_count", "unowned_risks", "unowned_risk_count", "active_risk_count")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TOP_RISKS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_REVIEWS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_REVIEW_COUNT_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ACTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNOWNED_RISKS_FIELD_NUMBER: _ClassVar[int]
    UNOWNED_RISK_COUNT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_RISK_COUNT_FIELD_NUMBER: _ClassVar[int]
    scope: str
    top_risks: _containers.RepeatedCompositeFieldContainer[Risk]
    overdue_reviews: _containers.RepeatedCompositeFieldContainer[Risk]
    overdue_review_count: int
    overdue_actions: _containers.RepeatedCompositeFieldContainer[OverdueAction]
    overdue_action_count: int
    unowned_risks: _containers.RepeatedScalarFieldContainer[str]
    unowned_risk_count: int
    active_risk_count: int
    def __init__(self, scope: _Optional[str] = ..., top_risks: _Optional[_Iterable[_Union[Risk, _Mapping]]] = ..., overdue_reviews: _Optional[_Iterable[_Union[Risk, _Mapping]]] = ..., overdue_review_count: _Optional[int] = ..., overdue_actions: _Optional[_Iterable[_Union[OverdueAction, _Mapping]]] = ..., overdue_action_count: _Optional[int] = ..., unowned_risks: _Optional[_Iterable[str]] = ..., unowned_risk_count: _Optional[int] = ..., active_risk_count: _Optional[int] = ...) -> None: ...
