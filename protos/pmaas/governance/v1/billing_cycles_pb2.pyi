import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
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

class BillingPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_PERIOD_UNSPECIFIED: _ClassVar[BillingPeriod]
    BILLING_PERIOD_MONTHLY: _ClassVar[BillingPeriod]

class BillingCycleState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_CYCLE_STATE_UNSPECIFIED: _ClassVar[BillingCycleState]
    BILLING_CYCLE_STATE_RUNNING: _ClassVar[BillingCycleState]
    BILLING_CYCLE_STATE_AWAITING_APPROVAL: _ClassVar[BillingCycleState]
    BILLING_CYCLE_STATE_COMPLETED: _ClassVar[BillingCycleState]
    BILLING_CYCLE_STATE_COMPLETED_WITH_ERRORS: _ClassVar[BillingCycleState]
    BILLING_CYCLE_STATE_FAILED: _ClassVar[BillingCycleState]

class EngagementBillingState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENGAGEMENT_BILLING_STATE_UNSPECIFIED: _ClassVar[EngagementBillingState]
    ENGAGEMENT_BILLING_STATE_PENDING: _ClassVar[EngagementBillingState]
    ENGAGEMENT_BILLING_STATE_GENERATED: _ClassVar[EngagementBillingState]
    ENGAGEMENT_BILLING_STATE_AWAITING_APPROVAL: _ClassVar[EngagementBillingState]
    ENGAGEMENT_BILLING_STATE_ISSUED: _ClassVar[EngagementBillingState]
    ENGAGEMENT_BILLING_STATE_REJECTED: _ClassVar[EngagementBillingState]
    ENGAGEMENT_BILLING_STATE_NOTHING_TO_BILL: _ClassVar[EngagementBillingState]
    ENGAGEMENT_BILLING_STATE_FAILED: _ClassVar[EngagementBillingState]
BILLING_PERIOD_UNSPECIFIED: BillingPeriod
BILLING_PERIOD_MONTHLY: BillingPeriod
BILLING_CYCLE_STATE_UNSPECIFIED: BillingCycleState
BILLING_CYCLE_STATE_RUNNING: BillingCycleState
BILLING_CYCLE_STATE_AWAITING_APPROVAL: BillingCycleState
BILLING_CYCLE_STATE_COMPLETED: BillingCycleState
BILLING_CYCLE_STATE_COMPLETED_WITH_ERRORS: BillingCycleState
BILLING_CYCLE_STATE_FAILED: BillingCycleState
ENGAGEMENT_BILLING_STATE_UNSPECIFIED: EngagementBillingState
ENGAGEMENT_BILLING_STATE_PENDING: EngagementBillingState
ENGAGEMENT_BILLING_STATE_GENERATED: EngagementBillingState
ENGAGEMENT_BILLING_STATE_AWAITING_APPROVAL: EngagementBillingState
ENGAGEMENT_BILLING_STATE_ISSUED: EngagementBillingState
ENGAGEMENT_BILLING_STATE_REJECTED: EngagementBillingState
ENGAGEMENT_BILLING_STATE_NOTHING_TO_BILL: EngagementBillingState
ENGAGEMENT_BILLING_STATE_FAILED: EngagementBillingState

class BillingPolicy(_message.Message):
    __slots__ = ("period", "schedule_day_of_month", "schedule_hour", "approval_threshold", "approval_duration", "schedule_enabled")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_DAY_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_HOUR_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_DURATION_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_ENABLED_FIELD_NUMBER: _ClassVar[int]
    period: BillingPeriod
    schedule_day_of_month: int
    schedule_hour: int
    approval_threshold: _money_pb2.Money
    approval_duration: _duration_pb2.Duration
    schedule_enabled: bool
    def __init__(self, period: _Optional[_Union[BillingPeriod, str]] = ..., schedule_day_of_month: _Optional[int] = ..., schedule_hour: _Optional[int] = ..., approval_threshold: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., approval_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., schedule_enabled: _Optional[bool] = ...) -> None: ...

class EngagementBilling(_message.Message):
    __slots__ = ("engagement", "state", "invoice", "total", "task", "error")
    ENGAGEMENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    engagement: str
    state: EngagementBillingState
    invoice: str
    total: _money_pb2.Money
    task: str
    error: str
    def __init__(self, engagement: _Optional[str] = ..., state: _Optional[_Union[EngagementBillingState, str]] = ..., invoice: _Optional[str] = ..., total: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., task: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class ProjectCost(_message.Message):
    __slots__ = ("project", "budget", "actual_cost", "remaining", "forecast_at_completion", "potential_savings", "percent_complete", "error")
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    ACTUAL_COST_FIELD_NUMBER: _ClassVar[int]
    REMAINING_FIELD_NUMBER: _ClassVar[int]
    FORECAST_AT_COMPLETION_FIELD_NUMBER: _ClassVar[int]
    POTENTIAL_SAVINGS_FIELD_NUMBER: _ClassVar[int]
    PERCENT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    project: str
    budget: _money_pb2.Money
    actual_cost: _money_pb2.Money
    remaining: _money_pb2.Money
    forecast_at_completion: _money_pb2.Money
    potential_savings: _money_pb2.Money
    percent_complete: int
    error: str
    def __init__(self, project: _Optional[str] = ..., budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., actual_cost: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., remaining: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., forecast_at_completion: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., potential_savings: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., percent_complete: _Optional[int] = ..., error: _Optional[str] = ...) -> None: ...

class BillingCycle(_message.Message):
    __slots__ = ("name", "period_start", "period_end", "state", "requested_by", "run", "period_lock", "engagements", "projects", "error", "tasks", "policy_version", "workflow_id", "create_time", "update_time", "close_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    RUN_FIELD_NUMBER: _ClassVar[int]
    PERIOD_LOCK_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENTS_FIELD_NUMBER: _ClassVar[int]
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    period_start: _date_pb2.Date
    period_end: _date_pb2.Date
    state: BillingCycleState
    requested_by: str
    run: int
    period_lock: str
    engagements: _containers.RepeatedCompositeFieldContainer[EngagementBilling]
    projects: _containers.RepeatedCompositeFieldContainer[ProjectCost]
    error: str
    tasks: _containers.RepeatedScalarFieldContainer[str]
    policy_version: int
    workflow_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., period_start: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., state: _Optional[_Union[BillingCycleState, str]] = ..., requested_by: _Optional[str] = ..., run: _Optional[int] = ..., period_lock: _Optional[str] = ..., engagements: _Optional[_Iterable[_Union[EngagementBilling, _Mapping]]] = ..., projects: _Optional[_Iterable[_Union[ProjectCost, _Mapping]]] = ..., error: _Optional[str] = ..., tasks: _Optional[_Iterable[str]] = ..., policy_version: _Optional[int] = ..., workflow_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class RunBillingCycleRequest(_message.Message):
    __slots__ = ("parent", "period_start", "period_end", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    period_start: _date_pb2.Date
    period_end: _date_pb2.Date
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., period_start: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetBillingCycleRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListBillingCyclesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListBillingCyclesResponse(_message.Message):
    __slots__ = ("billing_cycles", "next_page_token")
    BILLING_CYCLES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    billing_cycles: _containers.RepeatedCompositeFieldContainer[BillingCycle]
    next_page_token: str
    def __init__(self, billing_cycles: _Optional[_Iterable[_Union[BillingCycle, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
