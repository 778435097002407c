from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.type import date_pb2 as _date_pb2
from pmaas.governance.v1 import audits_pb2 as _audits_pb2
from pmaas.governance.v1 import billing_cycles_pb2 as _billing_cycles_pb2
from pmaas.governance.v1 import resources_pb2 as _resources_pb2
from pmaas.governance.v1 import webhooks_pb2 as _webhooks_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitChangeRequestRequest(_message.Message):
    __slots__ = ("parent", "change_request", "request_id", "validate_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REQUEST_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    change_request: _resources_pb2.ChangeRequest
    request_id: str
    validate_only: bool
    def __init__(self, parent: _Optional[str] = ..., change_request: _Optional[_Union[_resources_pb2.ChangeRequest, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetChangeRequestRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListChangeRequestsRequest(_message.Message):
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

class ListChangeRequestsResponse(_message.Message):
    __slots__ = ("change_requests", "next_page_token")
    CHANGE_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    change_requests: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ChangeRequest]
    next_page_token: str
    def __init__(self, change_requests: _Optional[_Iterable[_Union[_resources_pb2.ChangeRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WithdrawChangeRequestRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class RequestPhaseGateRequest(_message.Message):
    __slots__ = ("parent", "phase_gate", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PHASE_GATE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    phase_gate: _resources_pb2.PhaseGate
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., phase_gate: _Optional[_Union[_resources_pb2.PhaseGate, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetPhaseGateRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListPhaseGatesRequest(_message.Message):
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

class ListPhaseGatesResponse(_message.Message):
    __slots__ = ("phase_gates", "next_page_token")
    PHASE_GATES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    phase_gates: _containers.RepeatedCompositeFieldContainer[_resources_pb2.PhaseGate]
    next_page_token: str
    def __init__(self, phase_gates: _Optional[_Iterable[_Union[_resources_pb2.PhaseGate, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ResumePhaseGateRequest(_message.Message):
    __slots__ = ("name", "comment", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    comment: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListTasksRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter", "assignee", "include_closed")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CLOSED_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: str
    assignee: str
    include_closed: bool
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., assignee: _Optional[str] = ..., include_closed: _Optional[bool] = ...) -> None: ...

class ListTasksResponse(_message.Message):
    __slots__ = ("tasks", "next_page_token")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Task]
    next_page_token: str
    def __init__(self, tasks: _Optional[_Iterable[_Union[_resources_pb2.Task, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTaskRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ClaimTaskRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReleaseTaskRequest(_message.Message):
    __slots__ = ("name", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReassignTaskRequest(_message.Message):
    __slots__ = ("name", "assignee", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    assignee: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., assignee: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class DecideTaskRequest(_message.Message):
    __slots__ = ("name", "choice", "comment", "conditions", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHOICE_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    choice: str
    comment: str
    conditions: _containers.RepeatedCompositeFieldContainer[_resources_pb2.GateCondition]
    request_id: str
    def __init__(self, name: _Optional[str] = ..., choice: _Optional[str] = ..., comment: _Optional[str] = ..., conditions: _Optional[_Iterable[_Union[_resources_pb2.GateCondition, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class SetDelegationRequest(_message.Message):
    __slots__ = ("parent", "delegation", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    DELEGATION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    delegation: _resources_pb2.Delegation
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., delegation: _Optional[_Union[_resources_pb2.Delegation, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListDelegationsRequest(_message.Message):
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

class ListDelegationsResponse(_message.Message):
    __slots__ = ("delegations", "next_page_token")
    DELEGATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    delegations: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Delegation]
    next_page_token: str
    def __init__(self, delegations: _Optional[_Iterable[_Union[_resources_pb2.Delegation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteDelegationRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetGovernancePolicyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateGovernancePolicyRequest(_message.Message):
    __slots__ = ("governance_policy", "update_mask", "request_id", "validate_only")
    GOVERNANCE_POLICY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    governance_policy: _resources_pb2.GovernancePolicy
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    validate_only: bool
    def __init__(self, governance_policy: _Optional[_Union[_resources_pb2.GovernancePolicy, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class RaiseEscalationRequest(_message.Message):
    __slots__ = ("parent", "escalation", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    escalation: _resources_pb2.Escalation
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., escalation: _Optional[_Union[_resources_pb2.Escalation, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetEscalationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListEscalationsRequest(_message.Message):
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

class ListEscalationsResponse(_message.Message):
    __slots__ = ("escalations", "next_page_token")
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    escalations: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Escalation]
    next_page_token: str
    def __init__(self, escalations: _Optional[_Iterable[_Union[_resources_pb2.Escalation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AcknowledgeEscalationRequest(_message.Message):
    __slots__ = ("name", "comment", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    comment: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., comment: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ResolveEscalationRequest(_message.Message):
    __slots__ = ("name", "resolution", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    resolution: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., resolution: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ReassignEscalationRequest(_message.Message):
    __slots__ = ("name", "assignee", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    assignee: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., assignee: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AddEscalationNoteRequest(_message.Message):
    __slots__ = ("name", "text", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    text: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., text: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class PauseEscalationRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ResumeEscalationRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class WithdrawEscalationRequest(_message.Message):
    __slots__ = ("name", "reason", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    reason: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetEscalationReportRequest(_message.Message):
    __slots__ = ("parent", "start_date", "end_date")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    def __init__(self, parent: _Optional[str] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ...) -> None: ...
