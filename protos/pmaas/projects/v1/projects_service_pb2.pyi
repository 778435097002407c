from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.type import date_pb2 as _date_pb2
from google.type import money_pb2 as _money_pb2
from pmaas.projects.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateOrganizationRequest(_message.Message):
    __slots__ = ("organization_id", "organization", "request_id", "validate_only")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    organization: _resources_pb2.Organization
    request_id: str
    validate_only: bool
    def __init__(self, organization_id: _Optional[str] = ..., organization: _Optional[_Union[_resources_pb2.Organization, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetOrganizationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListOrganizationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListOrganizationsResponse(_message.Message):
    __slots__ = ("organizations", "next_page_token")
    ORGANIZATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    organizations: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Organization]
    next_page_token: str
    def __init__(self, organizations: _Optional[_Iterable[_Union[_resources_pb2.Organization, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateOrganizationRequest(_message.Message):
    __slots__ = ("organization", "update_mask", "request_id")
    ORGANIZATION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    organization: _resources_pb2.Organization
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, organization: _Optional[_Union[_resources_pb2.Organization, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreatePortfolioRequest(_message.Message):
    __slots__ = ("parent", "portfolio_id", "portfolio", "request_id", "validate_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PORTFOLIO_ID_FIELD_NUMBER: _ClassVar[int]
    PORTFOLIO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    portfolio_id: str
    portfolio: _resources_pb2.Portfolio
    request_id: str
    validate_only: bool
    def __init__(self, parent: _Optional[str] = ..., portfolio_id: _Optional[str] = ..., portfolio: _Optional[_Union[_resources_pb2.Portfolio, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetPortfolioRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListPortfoliosRequest(_message.Message):
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

class ListPortfoliosResponse(_message.Message):
    __slots__ = ("portfolios", "next_page_token")
    PORTFOLIOS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    portfolios: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Portfolio]
    next_page_token: str
    def __init__(self, portfolios: _Optional[_Iterable[_Union[_resources_pb2.Portfolio, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdatePortfolioRequest(_message.Message):
    __slots__ = ("portfolio", "update_mask", "request_id")
    PORTFOLIO_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    portfolio: _resources_pb2.Portfolio
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, portfolio: _Optional[_Union[_resources_pb2.Portfolio, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeletePortfolioRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateProjectRequest(_message.Message):
    __slots__ = ("parent", "project_id", "project", "request_id", "validate_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    project_id: str
    project: _resources_pb2.Project
    request_id: str
    validate_only: bool
    def __init__(self, parent: _Optional[str] = ..., project_id: _Optional[str] = ..., project: _Optional[_Union[_resources_pb2.Project, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetProjectRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListProjectsRequest(_message.Message):
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

class ListProjectsResponse(_message.Message):
    __slots__ = ("projects", "next_page_token")
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Project]
    next_page_token: str
    def __init__(self, projects: _Optional[_Iterable[_Union[_resources_pb2.Project, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateProjectRequest(_message.Message):
    __slots__ = ("project", "update_mask", "request_id")
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project: _resources_pb2.Project
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, project: _Optional[_Union[_resources_pb2.Project, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteProjectRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class AttachProjectReferenceRequest(_message.Message):
    __slots__ = ("name", "holder", "kind")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    name: str
    holder: str
    kind: str
    def __init__(self, name: _Optional[str] = ..., holder: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class CreateMilestoneRequest(_message.Message):
    __slots__ = ("parent", "milestone_id", "milestone", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_ID_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    milestone_id: str
    milestone: _resources_pb2.Milestone
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., milestone_id: _Optional[str] = ..., milestone: _Optional[_Union[_resources_pb2.Milestone, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetMilestoneRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListMilestonesRequest(_message.Message):
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

class ListMilestonesResponse(_message.Message):
    __slots__ = ("milestones", "next_page_token")
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    milestones: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Milestone]
    next_page_token: str
    def __init__(self, milestones: _Optional[_Iterable[_Union[_resources_pb2.Milestone, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateMilestoneRequest(_message.Message):
    __slots__ = ("milestone", "update_mask", "request_id")
    MILESTONE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    milestone: _resources_pb2.Milestone
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, milestone: _Optional[_Union[_resources_pb2.Milestone, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteMilestoneRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateAssignmentRequest(_message.Message):
    __slots__ = ("parent", "assignment_id", "assignment", "request_id", "validate_only")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    parent: str
    assignment_id: str
    assignment: _resources_pb2.Assignment
    request_id: str
    validate_only: bool
    def __init__(self, parent: _Optional[str] = ..., assignment_id: _Optional[str] = ..., assignment: _Optional[_Union[_resources_pb2.Assignment, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ...) -> None: ...

class GetAssignmentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListAssignmentsRequest(_message.Message):
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

class ListAssignmentsResponse(_message.Message):
    __slots__ = ("assignments", "next_page_token")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Assignment]
    next_page_token: str
    def __init__(self, assignments: _Optional[_Iterable[_Union[_resources_pb2.Assignment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateAssignmentRequest(_message.Message):
    __slots__ = ("assignment", "update_mask", "request_id")
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    assignment: _resources_pb2.Assignment
    update_mask: _field_mask_pb2.FieldMask
    request_id: str
    def __init__(self, assignment: _Optional[_Union[_resources_pb2.Assignment, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeleteAssignmentRequest(_message.Message):
    __slots__ = ("name", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class TransitionProjectPhaseRequest(_message.Message):
    __slots__ = ("name", "phase", "reason", "etag", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    phase: _resources_pb2.Phase
    reason: str
    etag: str
    request_id: str
    def __init__(self, name: _Optional[str] = ..., phase: _Optional[_Union[_resources_pb2.Phase, str]] = ..., reason: _Optional[str] = ..., etag: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateBaselineRequest(_message.Message):
    __slots__ = ("parent", "start_date", "end_date", "budget", "reason", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    start_date: _date_pb2.Date
    end_date: _date_pb2.Date
    budget: _money_pb2.Money
    reason: str
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., start_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., budget: _Optional[_Union[_money_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListBaselinesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBaselinesResponse(_message.Message):
    __slots__ = ("baselines", "next_page_token")
    BASELINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    baselines: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Baseline]
    next_page_token: str
    def __init__(self, baselines: _Optional[_Iterable[_Union[_resources_pb2.Baseline, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateStatusReportRequest(_message.Message):
    __slots__ = ("parent", "status_report_id", "status_report", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_REPORT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_REPORT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    status_report_id: str
    status_report: _resources_pb2.StatusReport
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., status_report_id: _Optional[str] = ..., status_report: _Optional[_Union[_resources_pb2.StatusReport, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetStatusReportRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListStatusReportsRequest(_message.Message):
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

class ListStatusReportsResponse(_message.Message):
    __slots__ = ("status_reports", "next_page_token")
    STATUS_REPORTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status_reports: _containers.RepeatedCompositeFieldContainer[_resources_pb2.StatusReport]
    next_page_token: str
    def __init__(self, status_reports: _Optional[_Iterable[_Union[_resources_pb2.StatusReport, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateLessonLearnedRequest(_message.Message):
    __slots__ = ("parent", "lesson_learned_id", "lesson_learned", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    LESSON_LEARNED_ID_FIELD_NUMBER: _ClassVar[int]
    LESSON_LEARNED_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    lesson_learned_id: str
    lesson_learned: _resources_pb2.LessonLearned
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., lesson_learned_id: _Optional[str] = ..., lesson_learned: _Optional[_Union[_resources_pb2.LessonLearned, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class RecordPostProjectReviewRequest(_message.Message):
    __slots__ = ("parent", "post_project_review", "lessons_learned", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    POST_PROJECT_REVIEW_FIELD_NUMBER: _ClassVar[int]
    LESSONS_LEARNED_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    post_project_review: _resources_pb2.PostProjectReview
    lessons_learned: _containers.RepeatedCompositeFieldContainer[_resources_pb2.LessonLearned]
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., post_project_review: _Optional[_Union[_resources_pb2.PostProjectReview, _Mapping]] = ..., lessons_learned: _Optional[_Iterable[_Union[_resources_pb2.LessonLearned, _Mapping]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetPostProjectReviewRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListLessonsLearnedRequest(_message.Message):
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

class ListLessonsLearnedResponse(_message.Message):
    __slots__ = ("lessons_learned", "next_page_token")
    LESSONS_LEARNED_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lessons_learned: _containers.RepeatedCompositeFieldContainer[_resources_pb2.LessonLearned]
    next_page_token: str
    def __init__(self, lessons_learned: _Optional[_Iterable[_Union[_resources_pb2.LessonLearned, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetPortfolioSummaryRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...
