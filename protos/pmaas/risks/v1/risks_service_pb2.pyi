from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from pmaas.risks.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateRiskRequest(_message.Message):
    __slots__ = ("parent", "risk_id", "risk", "request_id", "validate_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RISK_ID_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    risk_id: str
    risk: _resources_pb2.Risk
    request_id: str
    validate_only: bool
    def __init__(self, parent: _Optional[str] = ..., risk_id: _Optional[str] = ..., risk: _Optional[_Union[_resources_pb2.Risk, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetRiskRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListRisksRequest(_message.Message):
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

class ListRisksResponse(_message.Message):
    __slots__ = ("risks", "next_page_token")
    RISKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    risks: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Risk]
    next_page_token: str
    def __init__(self, risks: _Optional[_Iterable[_Union[_resources_pb2.Risk, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateRiskRequest(_message.Message):
    __slots__ = ("risk", "update_mask", "request_id")
    RISK_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    risk: _resources_pb2.Risk
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, risk: _Optional[_Union[_resources_pb2.Risk, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteRiskRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class OccurRiskRequest(_message.Message):
    __slots__ = ("name", "issue_id", "issue", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ISSUE_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    issue_id: str
    issue: _resources_pb2.Issue
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., issue_id: _Optional[str] = ..., issue: _Optional[_Union[_resources_pb2.Issue, _Mapping]] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class OccurRiskResponse(_message.Message):
    __slots__ = ("risk", "issue")
    RISK_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    risk: _resources_pb2.Risk
    issue: _resources_pb2.Issue
    def __init__(self, risk: _Optional[_Union[_resources_pb2.Risk, _Mapping]] = ..., issue: _Optional[_Union[_resources_pb2.Issue, _Mapping]] = ...) -> None: ...

class ListRiskScoreHistoryRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRiskScoreHistoryResponse(_message.Message):
    __slots__ = ("changes", "next_page_token")
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[_resources_pb2.RiskScoreChange]
    next_page_token: str
    def __init__(self, changes: _Optional[_Iterable[_Union[_resources_pb2.RiskScoreChange, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetRiskMatrixRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateRiskMatrixRequest(_message.Message):
    __slots__ = ("risk_matrix", "update_mask", "request_id")
    RISK_MATRIX_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    risk_matrix: _resources_pb2.RiskMatrix
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, risk_matrix: _Optional[_Union[_resources_pb2.RiskMatrix, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateIssueRequest(_message.Message):
    __slots__ = ("parent", "issue_id", "issue", "request_id", "validate_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ISSUE_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    issue_id: str
    issue: _resources_pb2.Issue
    request_id: str
    validate_only: bool
    def __init__(self, parent: _Optional[str] = ..., issue_id: _Optional[str] = ..., issue: _Optional[_Union[_resources_pb2.Issue, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetIssueRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListIssuesRequest(_message.Message):
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

class ListIssuesResponse(_message.Message):
    __slots__ = ("issues", "next_page_token")
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    issues: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Issue]
    next_page_token: str
    def __init__(self, issues: _Optional[_Iterable[_Union[_resources_pb2.Issue, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateIssueRequest(_message.Message):
    __slots__ = ("issue", "update_mask", "request_id")
    ISSUE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    issue: _resources_pb2.Issue
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, issue: _Optional[_Union[_resources_pb2.Issue, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteIssueRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListIssueEventsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListIssueEventsResponse(_message.Message):
    __slots__ = ("events", "next_page_token")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[_resources_pb2.IssueEscalationEvent]
    next_page_token: str
    def __init__(self, events: _Optional[_Iterable[_Union[_resources_pb2.IssueEscalationEvent, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetRiskHeatMapRequest(_message.Message):
    __slots__ = ("scope",)
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    scope: str
    def __init__(self, scope: _Optional[str] = ...) -> None: ...

class GetRiskExposureRequest(_message.Message):
    __slots__ = ("scope", "max_items")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    scope: str
    max_items: int
    def __init__(self, scope: _Optional[str] = ..., max_items: _Optional[int] = ...) -> None: ...
