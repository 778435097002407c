import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.type import money_pb2 as _money_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PmoType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PMO_TYPE_UNSPECIFIED: _ClassVar[PmoType]
    PMO_TYPE_STRATEGIC: _ClassVar[PmoType]
    PMO_TYPE_TACTICAL: _ClassVar[PmoType]
    PMO_TYPE_OPERATIONAL: _ClassVar[PmoType]
    PMO_TYPE_PROJECT: _ClassVar[PmoType]

class Methodology(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METHODOLOGY_UNSPECIFIED: _ClassVar[Methodology]
    METHODOLOGY_WATERFALL: _ClassVar[Methodology]
    METHODOLOGY_AGILE: _ClassVar[Methodology]
    METHODOLOGY_PRINCE2: _ClassVar[Methodology]
    METHODOLOGY_HYBRID: _ClassVar[Methodology]

class Phase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PHASE_UNSPECIFIED: _ClassVar[Phase]
    PHASE_INITIATION: _ClassVar[Phase]
    PHASE_PLANNING: _ClassVar[Phase]
    PHASE_EXECUTION: _ClassVar[Phase]
    PHASE_MONITORING: _ClassVar[Phase]
    PHASE_CLOSING: _ClassVar[Phase]
    PHASE_CLOSED: _ClassVar[Phase]

class ProjectStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROJECT_STATUS_UNSPECIFIED: _ClassVar[ProjectStatus]
    PROJECT_STATUS_PROPOSED: _ClassVar[ProjectStatus]
    PROJECT_STATUS_ACTIVE: _ClassVar[ProjectStatus]
    PROJECT_STATUS_ON_HOLD: _ClassVar[ProjectStatus]
    PROJECT_STATUS_COMPLETED: _ClassVar[ProjectStatus]
    PROJECT_STATUS_CANCELLED: _ClassVar[ProjectStatus]

class Rag(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RAG_UNSPECIFIED: _ClassVar[Rag]
    RAG_GREEN: _ClassVar[Rag]
    RAG_AMBER: _ClassVar[Rag]
    RAG_RED: _ClassVar[Rag]

class MilestoneState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MILESTONE_STATE_UNSPECIFIED: _ClassVar[MilestoneState]
    MILESTONE_STATE_PLANNED: _ClassVar[MilestoneState]
    MILESTONE_STATE_IN_PROGRESS: _ClassVar[MilestoneState]
    MILESTONE_STATE_ACHIEVED: _ClassVar[MilestoneState]
    MILESTONE_STATE_MISSED: _ClassVar[MilestoneState]
    MILESTONE_STATE_CANCELLED: _ClassVar[MilestoneState]
PMO_TYPE_UNSPECIFIED: PmoType
PMO_TYPE_STRATEGIC: PmoType
PMO_TYPE_TACTICAL: PmoType
PMO_TYPE_OPERATIONAL: PmoType
PMO_TYPE_PROJECT: PmoType
METHODOLOGY_UNSPECIFIED: Methodology
METHODOLOGY_WATERFALL: Methodology
METHODOLOGY_AGILE: Methodology
METHODOLOGY_PRINCE2: Methodology
METHODOLOGY_HYBRID: Methodology
PHASE_UNSPECIFIED: Phase
PHASE_INITIATION: Phase
PHASE_PLANNING: Phase
PHASE_EXECUTION: Phase
PHASE_MONITORING: Phase
PHASE_CLOSING: Phase
PHASE_CLOSED: Phase
PROJECT_STATUS_UNSPECIFIED: ProjectStatus
PROJECT_STATUS_PROPOSED: ProjectStatus
PROJECT_STATUS_ACTIVE: ProjectStatus
PROJECT_STATUS_ON_HOLD: ProjectStatus
PROJECT_STATUS_COMPLETED: ProjectStatus
PROJECT_STATUS_CANCELLED: ProjectStatus
RAG_UNSPECIFIED: Rag
RAG_GREEN: Rag
RAG_AMBER: Rag
RAG_RED: Rag
MILESTONE_STATE_UNSPECIFIED: MilestoneState
MILESTONE_STATE_PLANNED: MilestoneState
MILESTONE_STATE_IN_PROGRESS: MilestoneState
MILESTONE_STATE_ACHIEVED: MilestoneState
MILESTONE_STATE_MISSED: MilestoneState
MILESTONE_STATE_CANCELLED: MilestoneState

class Organization(_message.Message):
    __slots__ = ("name", "display_name", "pmo_type", "default_currency_code", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PMO_TYPE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    pmo_type: PmoType
    default_currency_code: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., pmo_type: _Optional[_Union[PmoType, str]] = ..., default_currency_code: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Portfolio(_message.Message):
    __slots__ = ("name", "display_name", "description", "strategic_objectives", "priority_score", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STRATEGIC_OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_SCORE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    description: str
    strategic_objectives: _containers.RepeatedScalarFieldContainer[str]
    priority_score: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., strategic_objectives: _Optional[_Iterable[str]] = ..., priority_score: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Health(_message.Message):
    __slots__ = ("schedule", "scope", "cost", "resources")
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    schedule: Rag
    scope: Rag
    cost: Rag
    resources: Rag
    def __init__(self, schedule: _Optional[_Union[Rag, str]] = ..., scope: _Optional[_Union[Rag, str]] = ..., cost: _Optional[_Union[Rag, str]] = ..., resources: _Optional[_Union[Rag, str]] = ...) -> None: ...

class Project(_message.Message):
    __slots__ = ("name", "code", "display_name", "objectives", "scope_statement", "methodology", "phase", "status", "health", "budget", "actual_cost", "planned_start_date", "planned_end_date", "percent_complete", "sponsor", "project_manager", "portfolio", "baseline_revision", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    SCOPE_STATEMENT_FIELD_NUMBER: _ClassVar[int]
    METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_COST_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_DATE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_DATE_FIELD_NUMBER: _ClassVar[int]
    PERCENT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    SPONSOR_FIELD_NUMBER: _ClassVar[int]
    PROJECT_MANAGER_FIELD_NUMBER: _ClassVar[int]
    PORTFOLIO_FIELD_NUMBER: _ClassVar[int]
    BASELINE_REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    code: str
    display_name: str
    objectives: _containers.RepeatedScalarFieldContainer[str]
    scope_statement: str
    methodology: Methodology
    phase: Phase
    status: ProjectStatus
    health: Health
    budget: _money_pb2.Money
    actual_cost: _money_pb2.Money
    planned_start_date: _date_pb2.Date
    planned_end_date: _date_pb2.Date
    percent_complete: int
    sponsor: str
    project_manager: str
    portfolio: str
    baseline_revision: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., code: _Optional[str] = ..., display_name: _Optional[str] = ..., objectives: _Optional[_Iterable[str]] = ..., scope_statement: _Optional[str] = ..., methodology: _Optional[_Union[Methodology, str]] = ..., phase: _Optional[_Union[Phase, str]] = ..., status: _Optional[_Union[ProjectStatus, str]] = ..., health: _Optional[_Union[Health, _Mapping]] = ..., budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., actual_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., planned_start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., planned_end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., percent_complete: _Optional[int] = ..., sponsor: _Optional[str] = ..., project_manager: _Optional[str] = ..., portfolio: _Optional[str] = ..., baseline_revision: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Baseline(_message.Message):
    __slots__ = ("name", "revision", "start_date", "end_date", "budget", "reason", "creator", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    revision: int
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    budget: _money_pb2.Money
    reason: str
    creator: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., revision: _Optional[int] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., creator: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Milestone(_message.Message):
    __slots__ = ("name", "display_name", "due_date", "original_due_date", "state", "deliverables", "completion_date", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    ORIGINAL_DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DELIVERABLES_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    due_date: _date_pb2.Date
    original_due_date: _date_pb2.Date
    state: MilestoneState
    deliverables: _containers.RepeatedScalarFieldContainer[str]
    completion_date: _date_pb2.Date
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., original_due_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., state: _Optional[_Union[MilestoneState, str]] = ..., deliverables: _Optional[_Iterable[str]] = ..., completion_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("name", "person", "role", "skills", "allocation_percent", "start_date", "end_date", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERSON_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    ALLOCATION_PERCENT_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    person: str
    role: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    allocation_percent: int
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., person: _Optional[str] = ..., role: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., allocation_percent: _Optional[int] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class StatusReport(_message.Message):
    __slots__ = ("name", "report_date", "health", "summary", "accomplishments", "next_steps", "key_risks", "percent_complete", "author", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REPORT_DATE_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ACCOMPLISHMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_STEPS_FIELD_NUMBER: _ClassVar[int]
    KEY_RISKS_FIELD_NUMBER: _ClassVar[int]
    PERCENT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    report_date: _date_pb2.Date
    health: Health
    summary: str
    accomplishments: _containers.RepeatedScalarFieldContainer[str]
    next_steps: _containers.RepeatedScalarFieldContainer[str]
    key_risks: _containers.RepeatedScalarFieldContainer[str]
    percent_complete: int
    author: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., report_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., health: _Optional[_Union[Health, _Mapping]] = ..., summary: _Optional[str] = ..., accomplishments: _Optional[_Iterable[str]] = ..., next_steps: _Optional[_Iterable[str]] = ..., key_risks: _Optional[_Iterable[str]] = ..., percent_complete: _Optional[int] = ..., author: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LessonLearned(_message.Message):
    __slots__ = ("name", "title", "category", "description", "recommendation", "author", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATION_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    title: str
    category: str
    description: str
    recommendation: str
    author: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., title: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., recommendation: _Optional[str] = ..., author: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PostProjectReview(_message.Message):
    __slots__ = ("name", "satisfaction_score", "client_comments", "reviewer", "lessons_learned", "review_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SATISFACTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_COMMENTS_FIELD_NUMBER: _ClassVar[int]
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    LESSONS_LEARNED_FIELD_NUMBER: _ClassVar[int]
    REVIEW_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    satisfaction_score: int
    client_comments: str
    reviewer: str
    lessons_learned: _containers.RepeatedScalarFieldContainer[str]
    review_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., satisfaction_score: _Optional[int] = ..., client_comments: _Optional[str] = ..., reviewer: _Optional[str] = ..., lessons_learned: _Optional[_Iterable[str]] = ..., review_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class PortfolioSummary(_message.Message):
    __slots__ = ("portfolio", "projects", "kpis")
    PORTFOLIO_FIELD_NUMBER: _ClassVar[int]
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    KPIS_FIELD_NUMBER: _ClassVar[int]
    portfolio: str
    projects: _containers.RepeatedCompositeFieldContainer[ProjectSummary]
    kpis: PortfolioKpis
    def __init__(self, portfolio: _Optional[str] = ..., projects: _Optional[_Iterable[_Union[ProjectSummary, _Mapping]]] = ..., kpis: _Optional[_Union[PortfolioKpis, _Mapping]] = ...) -> None: ...

class ProjectSummary(_message.Message):
    __slots__ = ("project", "code", "display_name", "phase", "status", "health", "overall", "percent_complete", "budget", "actual_cost", "budget_used_bp", "milestone_slippage_days", "milestones_late", "client_satisfaction_score")
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    PERCENT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_COST_FIELD_NUMBER: _ClassVar[int]
    BUDGET_USED_BP_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_SLIPPAGE_DAYS_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_LATE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SATISFACTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    project: str
    code: str
    display_name: str
    phase: Phase
    status: ProjectStatus
    health: Health
    overall: Rag
    percent_complete: int
    budget: _money_pb2.Money
    actual_cost: _money_pb2.Money
    budget_used_bp: int
    milestone_slippage_days: int
    milestones_late: int
    client_satisfaction_score: int
    def __init__(self, project: _Optional[str] = ..., code: _Optional[str] = ..., display_name: _Optional[str] = ..., phase: _Optional[_Union[Phase, str]] = ..., status: _Optional[_Union[ProjectStatus, str]] = ..., health: _Optional[_Union[Health, _Mapping]] = ..., overall: _Optional[_Union[Rag, str]] = ..., percent_complete: _Optional[int] = ..., budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., actual_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., budget_used_bp: _Optional[int] = ..., milestone_slippage_days: _Optional[int] = ..., milestones_late: _Optional[int] = ..., client_satisfaction_score: _Optional[int] = ...) -> None: ...

class PortfolioKpis(_message.Message):
    __slots__ = ("project_count", "on_time_rate_bp", "budget_adherence_bp", "completion_rate_bp", "red_projects", "amber_projects", "green_projects", "client_satisfaction", "reviewed_projects")
    PROJECT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_RATE_BP_FIELD_NUMBER: _ClassVar[int]
    BUDGET_ADHERENCE_BP_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_RATE_BP_FIELD_NUMBER: _ClassVar[int]
    RED_PROJECTS_FIELD_NUMBER: _ClassVar[int]
    AMBER_PROJECTS_FIELD_NUMBER: _ClassVar[int]
    GREEN_PROJECTS_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SATISFACTION_FIELD_NUMBER: _ClassVar[int]
    REVIEWED_PROJECTS_FIELD_NUMBER: _ClassVar[int]
    project_count: int
    on_time_rate_bp: int
    budget_adherence_bp: int
    completion_rate_bp: int
    red_projects: int
    amber_projects: int
    green_projects: int
    client_satisfaction: str
    reviewed_projects: int
    def __init__(self, project_count: _Optional[int] = ..., on_time_rate_bp: _Optional[int] = ..., budget_adherence_bp: _Optional[int] = ..., completion_rate_bp: _Optional[int] = ..., red_projects: _Optional[int] = ..., amber_projects: _Optional[int] = ..., green_projects: _Optional[int] = ..., client_satisfaction: _Optional[str] = ..., reviewed_projects: _Optional[int] = ...) -> None: ...
