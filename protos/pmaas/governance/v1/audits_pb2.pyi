import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pmaas.projects.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FindingSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_SEVERITY_UNSPECIFIED: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_MINOR: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_MAJOR: _ClassVar[FindingSeverity]
    FINDING_SEVERITY_CRITICAL: _ClassVar[FindingSeverity]

class QualityAuditState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUALITY_AUDIT_STATE_UNSPECIFIED: _ClassVar[QualityAuditState]
    QUALITY_AUDIT_STATE_OPEN: _ClassVar[QualityAuditState]
    QUALITY_AUDIT_STATE_ACTIONS_OPEN: _ClassVar[QualityAuditState]
    QUALITY_AUDIT_STATE_CLOSED: _ClassVar[QualityAuditState]
    QUALITY_AUDIT_STATE_EXPIRED: _ClassVar[QualityAuditState]
    QUALITY_AUDIT_STATE_FAILED: _ClassVar[QualityAuditState]
    QUALITY_AUDIT_STATE_SKIPPED: _ClassVar[QualityAuditState]

class AuditTrigger(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_TRIGGER_UNSPECIFIED: _ClassVar[AuditTrigger]
    AUDIT_TRIGGER_AD_HOC: _ClassVar[AuditTrigger]
    AUDIT_TRIGGER_SCHEDULED: _ClassVar[AuditTrigger]
    AUDIT_TRIGGER_RE_AUDIT: _ClassVar[AuditTrigger]

class CorrectiveActionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CORRECTIVE_ACTION_STATE_UNSPECIFIED: _ClassVar[CorrectiveActionState]
    CORRECTIVE_ACTION_STATE_OPEN: _ClassVar[CorrectiveActionState]
    CORRECTIVE_ACTION_STATE_AWAITING_VERIFICATION: _ClassVar[CorrectiveActionState]
    CORRECTIVE_ACTION_STATE_CLOSED: _ClassVar[CorrectiveActionState]
FINDING_SEVERITY_UNSPECIFIED: FindingSeverity
FINDING_SEVERITY_MINOR: FindingSeverity
FINDING_SEVERITY_MAJOR: FindingSeverity
FINDING_SEVERITY_CRITICAL: FindingSeverity
QUALITY_AUDIT_STATE_UNSPECIFIED: QualityAuditState
QUALITY_AUDIT_STATE_OPEN: QualityAuditState
QUALITY_AUDIT_STATE_ACTIONS_OPEN: QualityAuditState
QUALITY_AUDIT_STATE_CLOSED: QualityAuditState
QUALITY_AUDIT_STATE_EXPIRED: QualityAuditState
QUALITY_AUDIT_STATE_FAILED: QualityAuditState
QUALITY_AUDIT_STATE_SKIPPED: QualityAuditState
AUDIT_TRIGGER_UNSPECIFIED: AuditTrigger
AUDIT_TRIGGER_AD_HOC: AuditTrigger
AUDIT_TRIGGER_SCHEDULED: AuditTrigger
AUDIT_TRIGGER_RE_AUDIT: AuditTrigger
CORRECTIVE_ACTION_STATE_UNSPECIFIED: CorrectiveActionState
CORRECTIVE_ACTION_STATE_OPEN: CorrectiveActionState
CORRECTIVE_ACTION_STATE_AWAITING_VERIFICATION: CorrectiveActionState
CORRECTIVE_ACTION_STATE_CLOSED: CorrectiveActionState

class QualityPolicy(_message.Message):
    __slots__ = ("audit_cron", "audit_interval_days", "checklists", "pass_threshold", "corrective_action_slas", "auditor_roles", "auditor_people", "escalate_to_roles", "escalate_to_people")
    AUDIT_CRON_FIELD_NUMBER: _ClassVar[int]
    AUDIT_INTERVAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    CHECKLISTS_FIELD_NUMBER: _ClassVar[int]
    PASS_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    CORRECTIVE_ACTION_SLAS_FIELD_NUMBER: _ClassVar[int]
    AUDITOR_ROLES_FIELD_NUMBER: _ClassVar[int]
    AUDITOR_PEOPLE_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_TO_ROLES_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_TO_PEOPLE_FIELD_NUMBER: _ClassVar[int]
    audit_cron: str
    audit_interval_days: int
    checklists: _containers.RepeatedCompositeFieldContainer[AuditChecklist]
    pass_threshold: str
    corrective_action_slas: _containers.RepeatedCompositeFieldContainer[CorrectiveActionSla]
    auditor_roles: _containers.RepeatedScalarFieldContainer[str]
    auditor_people: _containers.RepeatedScalarFieldContainer[str]
    escalate_to_roles: _containers.RepeatedScalarFieldContainer[str]
    escalate_to_people: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, audit_cron: _Optional[str] = ..., audit_interval_days: _Optional[int] = ..., checklists: _Optional[_Iterable[_Union[AuditChecklist, _Mapping]]] = ..., pass_threshold: _Optional[str] = ..., corrective_action_slas: _Optional[_Iterable[_Union[CorrectiveActionSla, _Mapping]]] = ..., auditor_roles: _Optional[_Iterable[str]] = ..., auditor_people: _Optional[_Iterable[str]] = ..., escalate_to_roles: _Optional[_Iterable[str]] = ..., escalate_to_people: _Optional[_Iterable[str]] = ...) -> None: ...

class AuditChecklist(_message.Message):
    __slots__ = ("methodology", "phase", "items")
    METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    methodology: _resources_pb2.Methodology
    phase: _resources_pb2.Phase
    items: _containers.RepeatedCompositeFieldContainer[ChecklistItem]
    def __init__(self, methodology: _Optional[_Union[_resources_pb2.Methodology, str]] = ..., phase: _Optional[_Union[_resources_pb2.Phase, str]] = ..., items: _Optional[_Iterable[_Union[ChecklistItem, _Mapping]]] = ...) -> None: ...

class ChecklistItem(_message.Message):
    __slots__ = ("id", "text", "weight", "evidence_required")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    id: str
    text: str
    weight: int
    evidence_required: bool
    def __init__(self, id: _Optional[str] = ..., text: _Optional[str] = ..., weight: _Optional[int] = ..., evidence_required: _Optional[bool] = ...) -> None: ...

class CorrectiveActionSla(_message.Message):
    __slots__ = ("severity", "due_duration")
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DUE_DURATION_FIELD_NUMBER: _ClassVar[int]
    severity: FindingSeverity
    due_duration: _duration_pb2.Duration
    def __init__(self, severity: _Optional[_Union[FindingSeverity, str]] = ..., due_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ItemResult(_message.Message):
    __slots__ = ("item_id", "passed", "evidence", "note")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    passed: bool
    evidence: str
    note: str
    def __init__(self, item_id: _Optional[str] = ..., passed: _Optional[bool] = ..., evidence: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("id", "severity", "description", "evidence", "item_id", "owner", "corrective_action")
    ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    CORRECTIVE_ACTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    severity: FindingSeverity
    description: str
    evidence: str
    item_id: str
    owner: str
    corrective_action: str
    def __init__(self, id: _Optional[str] = ..., severity: _Optional[_Union[FindingSeverity, str]] = ..., description: _Optional[str] = ..., evidence: _Optional[str] = ..., item_id: _Optional[str] = ..., owner: _Optional[str] = ..., corrective_action: _Optional[str] = ...) -> None: ...

class QualityAudit(_message.Message):
    __slots__ = ("name", "state", "trigger", "auditor", "requested_by", "re_audit_of", "methodology", "phase", "checklist", "results", "findings", "score", "pass_threshold", "passed", "re_audit", "reason", "tasks", "policy_version", "workflow_id", "create_time", "update_time", "complete_time", "close_time", "etag", "corrective_actions")
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    AUDITOR_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    RE_AUDIT_OF_FIELD_NUMBER: _ClassVar[int]
    METHODOLOGY_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    CHECKLIST_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    PASS_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    RE_AUDIT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CORRECTIVE_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: QualityAuditState
    trigger: AuditTrigger
    auditor: str
    requested_by: str
    re_audit_of: str
    methodology: _resources_pb2.Methodology
    phase: _resources_pb2.Phase
    checklist: _containers.RepeatedCompositeFieldContainer[ChecklistItem]
    results: _containers.RepeatedCompositeFieldContainer[ItemResult]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    score: str
    pass_threshold: str
    passed: bool
    re_audit: str
    reason: str
    tasks: _containers.RepeatedScalarFieldContainer[str]
    policy_version: int
    workflow_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    complete_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    etag: str
    corrective_actions: _containers.RepeatedCompositeFieldContainer[CorrectiveAction]
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[QualityAuditState, str]] = ..., trigger: _Optional[_Union[AuditTrigger, str]] = ..., auditor: _Optional[str] = ..., requested_by: _Optional[str] = ..., re_audit_of: _Optional[str] = ..., methodology: _Optional[_Union[_resources_pb2.Methodology, str]] = ..., phase: _Optional[_Union[_resources_pb2.Phase, str]] = ..., checklist: _Optional[_Iterable[_Union[ChecklistItem, _Mapping]]] = ..., results: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., score: _Optional[str] = ..., pass_threshold: _Optional[str] = ..., passed: _Optional[bool] = ..., re_audit: _Optional[str] = ..., reason: _Optional[str] = ..., tasks: _Optional[_Iterable[str]] = ..., policy_version: _Optional[int] = ..., workflow_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., complete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., corrective_actions: _Optional[_Iterable[_Union[CorrectiveAction, _Mapping]]] = ...) -> None: ...

class CorrectiveAction(_message.Message):
    __slots__ = ("name", "finding_id", "severity", "description", "owner", "auditor", "state", "round", "due_time", "completion_note", "verdict", "verdict_comment", "tasks", "create_time", "update_time", "close_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FINDING_ID_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    AUDITOR_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    DUE_TIME_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_NOTE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    VERDICT_COMMENT_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    finding_id: str
    severity: FindingSeverity
    description: str
    owner: str
    auditor: str
    state: CorrectiveActionState
    round: int
    due_time: _timestamp_pb2.Timestamp
    completion_note: str
    verdict: str
    verdict_comment: str
    tasks: _containers.RepeatedScalarFieldContainer[str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    close_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., finding_id: _Optional[str] = ..., severity: _Optional[_Union[FindingSeverity, str]] = ..., description: _Optional[str] = ..., owner: _Optional[str] = ..., auditor: _Optional[str] = ..., state: _Optional[_Union[CorrectiveActionState, str]] = ..., round: _Optional[int] = ..., due_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completion_note: _Optional[str] = ..., verdict: _Optional[str] = ..., verdict_comment: _Optional[str] = ..., tasks: _Optional[_Iterable[str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., close_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class AuditSchedule(_message.Message):
    __slots__ = ("name", "audit_cron", "audit_interval_days", "time_zone", "enabled", "next_run_times", "schedule_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AUDIT_CRON_FIELD_NUMBER: _ClassVar[int]
    AUDIT_INTERVAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_TIMES_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    audit_cron: str
    audit_interval_days: int
    time_zone: str
    enabled: bool
    next_run_times: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    schedule_id: str
    def __init__(self, name: _Optional[str] = ..., audit_cron: _Optional[str] = ..., audit_interval_days: _Optional[int] = ..., time_zone: _Optional[str] = ..., enabled: _Optional[bool] = ..., next_run_times: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ..., schedule_id: _Optional[str] = ...) -> None: ...

class ScheduleAuditsRequest(_message.Message):
    __slots__ = ("parent", "enabled", "audit_cron", "audit_interval_days", "backfill_start_time", "backfill_end_time", "delete", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    AUDIT_CRON_FIELD_NUMBER: _ClassVar[int]
    AUDIT_INTERVAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_START_TIME_FIELD_NUMBER: _ClassVar[int]
    BACKFILL_END_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    enabled: bool
    audit_cron: str
    audit_interval_days: int
    backfill_start_time: _timestamp_pb2.Timestamp
    backfill_end_time: _timestamp_pb2.Timestamp
    delete: bool
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., enabled: _Optional[bool] = ..., audit_cron: _Optional[str] = ..., audit_interval_days: _Optional[int] = ..., backfill_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., backfill_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delete: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class StartAuditRequest(_message.Message):
    __slots__ = ("parent", "quality_audit", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_AUDIT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    quality_audit: QualityAudit
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., quality_audit: _Optional[_Union[QualityAudit, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetAuditRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListAuditsRequest(_message.Message):
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

class ListAuditsResponse(_message.Message):
    __slots__ = ("quality_audits", "next_page_token")
    QUALITY_AUDITS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    quality_audits: _containers.RepeatedCompositeFieldContainer[QualityAudit]
    next_page_token: str
    def __init__(self, quality_audits: _Optional[_Iterable[_Union[QualityAudit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordAuditResultRequest(_message.Message):
    __slots__ = ("name", "results", "findings", "complete", "comment", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    results: _containers.RepeatedCompositeFieldContainer[ItemResult]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    complete: bool
    comment: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., results: _Optional[_Iterable[_Union[ItemResult, _Mapping]]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ..., complete: _Optional[bool] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CloseCorrectiveActionRequest(_message.Message):
    __slots__ = ("name", "note", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    note: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., note: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...
