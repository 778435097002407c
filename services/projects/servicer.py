"""ProjectsService RPC handlers.

Every handler follows the same order: parse names (INVALID_ARGUMENT), check
the caller's role in the organization (PERMISSION_DENIED before any read, so
another tenant cannot learn what exists), validate the input, then read or
write. Writes go through `run_mutation` (one transaction, idempotent
request_id, audit event).

Phases and the baselined plan are governed: the governance principal changes
them after a workflow's decision (TransitionProjectPhase, CreateBaseline from an
approved change request), an admin only by audited override; people may set
the first baseline while the project is initiated or planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import asyncpg

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import errors, money, pagination, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.handlers import ResourceHandlers, chosen_id
from services.platform.mutations import Tx
from services.platform.names import (
    ASSIGNMENT_PATTERN,
    LESSON_LEARNED_PATTERN,
    MILESTONE_PATTERN,
    ORG_PATTERN,
    PORTFOLIO_PATTERN,
    POST_PROJECT_REVIEW_PATTERN,
    PROJECT_PATTERN,
    STATUS_REPORT_PATTERN,
)
from services.platform.resources import (
    check_enum,
    check_etag,
    check_id,
    check_text,
    from_date,
    mask_paths,
    new_id,
)
from services.projects import rules, store
from services.projects.store import (
    ASSIGNMENTS,
    BASELINES,
    LESSONS_LEARNED,
    MILESTONES,
    ORGANIZATIONS,
    PORTFOLIOS,
    PROJECTS,
    STATUS_REPORTS,
)

ORG_UPDATABLE = {"display_name", "pmo_type", "default_currency_code"}
PORTFOLIO_UPDATABLE = {"display_name", "description", "strategic_objectives", "priority_score"}
PROJECT_UPDATABLE = {
    "code", "display_name", "objectives", "scope_statement", "methodology", "status", "health", "budget",
    "actual_cost", "planned_start_date", "planned_end_date", "percent_complete", "sponsor", "project_manager",
    "portfolio",
}
MILESTONE_UPDATABLE = {"display_name", "due_date", "state", "deliverables", "completion_date"}
ASSIGNMENT_UPDATABLE = {"person", "role", "skills", "allocation_percent", "start_date", "end_date"}
DELETABLE_PROJECT_STATUSES = {pb.PROJECT_STATUS_PROPOSED, pb.PROJECT_STATUS_CANCELLED}
# Fields of the baselined plan (field -> column): once a project has a baseline, they change with the
# next baseline, through an approved change request.
BASELINED_FIELDS = {"budget": "budget_micros", "planned_start_date": "planned_start_date",
                    "planned_end_date": "planned_end_date"}
# Phases in which people may set a project's first baseline themselves.
FIRST_BASELINE_PHASES = {pb.PHASE_INITIATION, pb.PHASE_PLANNING}
CHANGE_REQUEST = "through an approved change request (GovernanceService.SubmitChangeRequest)"


def _governed(org: str, refusal: Callable[[], errors.ApiError], permission: P = P.GOVERNED_BASELINE) -> bool:
    """May the caller change what governance owns (the baselined plan; the actual cost, from billing)? True
    when an admin does it by override (audited as such), False when governance does; `refusal()` for
    everyone else."""
    caller = principal()
    if caller.can(org, permission):
        return False
    if caller.overrides(org, permission):
        return True
    raise refusal()


class ProjectsServicer(ResourceHandlers, projects_service_pb2_grpc.ProjectsServiceServicer):
    def __init__(self, pool: asyncpg.Pool, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.pool = pool
        self.today = today

    # --- shared mechanics ---------------------------------------------------

    async def _require_project(self, conn: asyncpg.Connection, parent: str, *, lock: bool = False):
        return await tables.require(conn, PROJECTS, PROJECTS.key_of(parent, "parent"), parent, lock=lock)

    # --- organizations ------------------------------------------------------

    async def CreateOrganization(self, request: api.CreateOrganizationRequest, context) -> pb.Organization:
        v = Violations()
        if not request.organization_id:
            v.add("organization_id", "is required: the id tokens use in their `orgs` claim")
        else:
            check_id(request.organization_id, "organization_id", v)
        org = request.organization_id
        if not v:
            principal().require(org, P.ORGANIZATION_WRITE)
        columns = rules.organization_columns(request.organization, v)
        v.raise_if_any()
        name = ORG_PATTERN.format(organization=org)

        async def work(tx: Tx):
            row = await self.insert_row(tx.conn, ORGANIZATIONS, {"id": org, **columns}, name)
            created = store.organization(row)
            tx.record("CreateOrganization", name, None, created)
            return created

        return await self.mutate(org, "CreateOrganization", request, pb.Organization, work,
                                  dry_run=request.validate_only)

    async def GetOrganization(self, request, context) -> pb.Organization:
        return await self.get_resource(ORGANIZATIONS, request.name)

    async def ListOrganizations(self, request: api.ListOrganizationsRequest, context):
        caller = principal()
        orgs = None if caller.in_every_organization else sorted(caller.orgs)
        page = pagination.page_from_request(request.page_size, request.page_token, request.filter,
                                            of=api.ListOrganizationsResponse)
        async with self.pool.acquire() as conn:
            rows = await tables.list_page(conn, ORGANIZATIONS, [], request.filter, page, only_ids=orgs)
        response = api.ListOrganizationsResponse(organizations=[store.organization(r) for r in rows[: page.size]])
        response.next_page_token = page.next_token(rows)
        return response

    async def UpdateOrganization(self, request: api.UpdateOrganizationRequest, context) -> pb.Organization:
        return await self.update_resource(ORGANIZATIONS, request, "organization", P.ORGANIZATION_WRITE,
                                          ORG_UPDATABLE, "UpdateOrganization",
                                          lambda org, row, v: rules.organization_columns(org, v))

    # --- portfolios ---------------------------------------------------------

    async def CreatePortfolio(self, request: api.CreatePortfolioRequest, context) -> pb.Portfolio:
        (org,) = ORGANIZATIONS.key_of(request.parent, "parent")
        principal().require(org, P.PORTFOLIO_WRITE)
        v = Violations()
        pid = chosen_id(request.portfolio_id, "portfolio_id", v)
        columns = rules.portfolio_columns(request.portfolio, v)
        v.raise_if_any()
        name = PORTFOLIO_PATTERN.format(organization=org, portfolio=pid)

        async def work(tx: Tx):
            await tables.require(tx.conn, ORGANIZATIONS, [org], request.parent)
            row = await self.insert_row(tx.conn, PORTFOLIOS, {"org_id": org, "id": pid, **columns}, name)
            created = store.portfolio(row)
            tx.record("CreatePortfolio", name, None, created)
            return created

        return await self.mutate(org, "CreatePortfolio", request, pb.Portfolio, work, dry_run=request.validate_only)

    async def GetPortfolio(self, request, context) -> pb.Portfolio:
        return await self.get_resource(PORTFOLIOS, request.name)

    async def ListPortfolios(self, request, context):
        return await self.list_resources(PORTFOLIOS, ORGANIZATIONS, request, api.ListPortfoliosResponse(), "portfolios")

    async def UpdatePortfolio(self, request: api.UpdatePortfolioRequest, context) -> pb.Portfolio:
        return await self.update_resource(PORTFOLIOS, request, "portfolio", P.PORTFOLIO_WRITE, PORTFOLIO_UPDATABLE,
                                          "UpdatePortfolio", lambda p, row, v: rules.portfolio_columns(p, v))

    async def DeletePortfolio(self, request, context):
        async def empty(tx: Tx, key: list[str], row) -> None:
            if in_use := await store.portfolio_project_count(tx.conn, key):
                raise errors.failed_precondition(
                    "PORTFOLIO_NOT_EMPTY", f"{request.name} still holds {in_use} project(s); move them first")

        return await self.delete_resource(PORTFOLIOS, request, "DeletePortfolio", P.PORTFOLIO_WRITE, check=empty)

    # --- projects -----------------------------------------------------------

    async def CreateProject(self, request: api.CreateProjectRequest, context) -> pb.Project:
        (org,) = ORGANIZATIONS.key_of(request.parent, "parent")
        principal().require(org, P.PROJECT_CREATE)
        v = Violations()
        pid = chosen_id(request.project_id, "project_id", v)
        # A project's currency is its budget's, else its organization's default. Given, the columns are final
        # here; if not, this fails fast and `work` validates again against the default it reads.
        budget_currency = request.project.budget.currency_code if request.project.HasField("budget") else ""
        currency_hint = budget_currency or request.project.actual_cost.currency_code or rules.DEFAULT_CURRENCY
        columns = rules.project_columns(request.project, org, currency_hint, v)
        v.raise_if_any()
        name = PROJECT_PATTERN.format(organization=org, project=pid)

        async def work(tx: Tx):
            final = columns
            # Read first only when the default currency or a portfolio is needed (checked in that order, as
            # ever); otherwise the insert's foreign key checks that the organization exists: a round trip less.
            if not budget_currency or columns["portfolio_id"]:
                org_row = await tables.require(tx.conn, ORGANIZATIONS, [org], request.parent)
                v = Violations()
                final = rules.project_columns(request.project, org, org_row["default_currency"], v)
                v.raise_if_any()
                await self._check_portfolio(tx.conn, org, final["portfolio_id"])
            try:
                row = await self.insert_row(tx.conn, PROJECTS, {
                    "org_id": org, "id": pid, "phase": pb.PHASE_INITIATION, **final}, name)
            except asyncpg.ForeignKeyViolationError as exc:
                if exc.constraint_name == store.PROJECT_ORG_FOREIGN_KEY:
                    raise errors.not_found(request.parent) from None
                raise
            created = store.project(row)
            tx.record("CreateProject", name, None, created)
            return created

        return await self.mutate(org, "CreateProject", request, pb.Project, work, dry_run=request.validate_only)

    async def _check_portfolio(self, conn: asyncpg.Connection, org: str, portfolio_id: str | None) -> None:
        if portfolio_id and await tables.fetch(conn, PORTFOLIOS, [org, portfolio_id]) is None:
            name = PORTFOLIO_PATTERN.format(organization=org, portfolio=portfolio_id)
            raise errors.bad_field("project.portfolio", f"{name} does not exist")

    async def GetProject(self, request, context) -> pb.Project:
        return await self.get_resource(PROJECTS, request.name)

    async def ListProjects(self, request, context):
        return await self.list_resources(PROJECTS, ORGANIZATIONS, request, api.ListProjectsResponse(), "projects")

    async def UpdateProject(self, request: api.UpdateProjectRequest, context) -> pb.Project:
        current: dict[str, Any] = {}

        def to_columns(project: pb.Project, row, v: Violations) -> dict[str, Any]:
            current["row"] = row
            columns = rules.project_columns(project, row["org_id"], row["currency"], v)
            if columns["currency"] != row["currency"]:
                v.add("project.budget.currency_code",
                      f"the project's currency is {row['currency']}; baselines and actuals are kept in it")
            return columns

        async def check(tx: Tx, key: list[str], columns: dict[str, Any]) -> None:
            row = current["row"]
            changed = [f"project.{f}" for f, c in BASELINED_FIELDS.items() if columns[c] != row[c]]
            if changed and row["baseline_revision"] > 0:
                tx.override = _governed(key[0], lambda: errors.failed_precondition(
                    "CHANGE_REQUEST_REQUIRED",
                    f"{', '.join(changed)}: {request.project.name} has baseline revision {row['baseline_revision']}, "
                    f"so its plan changes only with a new baseline, {CHANGE_REQUEST}",
                    fields=",".join(changed), baseline_revision=str(row["baseline_revision"])))
            if columns["actual_cost_micros"] != row["actual_cost_micros"]:
                tx.override = _governed(key[0], lambda: errors.failed_precondition(
                    "ACTUAL_COST_FROM_BILLING",
                    f"project.actual_cost of {request.project.name} is computed from billing: the billing cycle "
                    "writes it (time and expenses recorded in BillingService), it is not entered by hand",
                    field="project.actual_cost"), P.PROJECT_ACTUAL_COST) or tx.override
            await self._check_portfolio(tx.conn, key[0], columns["portfolio_id"])

        return await self.update_resource(PROJECTS, request, "project", P.PROJECT_WRITE, PROJECT_UPDATABLE,
                                          "UpdateProject", to_columns, check)

    async def DeleteProject(self, request, context):
        async def deletable(tx: Tx, key: list[str], row) -> None:
            # Under the row's FOR UPDATE lock: an AttachProjectReference in flight has committed its reference
            # (we waited for its lock), and any later one waits for us and then finds no project.
            rules.check_no_dependents(request.name, await store.references(tx.conn, key))
            if row["status"] not in DELETABLE_PROJECT_STATUSES:
                raise errors.failed_precondition(
                    "PROJECT_NOT_DELETABLE", f"{request.name} is {pb.ProjectStatus.Name(row['status'])}; only "
                    "PROPOSED or CANCELLED projects can be deleted (cancel it first)")

        return await self.delete_resource(PROJECTS, request, "DeleteProject", P.PROJECT_DELETE, check=deletable)

    async def AttachProjectReference(self, request: api.AttachProjectReferenceRequest, context) -> pb.Project:
        key = PROJECTS.key_of(request.name)
        caller = principal()
        caller.require(key[0], P.READ)  # another organization's project: refused as GetProject refuses it
        v = Violations()
        permission = rules.reference_permission(request.holder, request.kind, v)
        v.raise_if_any()
        caller.require(key[0], permission)  # pinning takes what the referring write takes: not a reader's

        async def work(tx: Tx):
            row = await store.lock_for_reference(tx.conn, key)
            if row is None:
                raise errors.not_found(request.name)
            project = store.project(row)
            # Audited once per holder and kind: later references of the same kind change nothing.
            if await store.add_reference(tx.conn, key, request.holder, request.kind):
                tx.record("AttachProjectReference", request.name, holder=request.holder, kind=request.kind)
            return project

        return await self.mutate(key[0], "AttachProjectReference", request, pb.Project, work)

    async def TransitionProjectPhase(self, request: api.TransitionProjectPhaseRequest, context) -> pb.Project:
        key = PROJECTS.key_of(request.name)
        override = principal().require_governed(key[0], P.PROJECT_PHASE)
        v = Violations()
        check_enum(request.phase, pb.Phase.DESCRIPTOR, "phase", v, required=True)
        check_text(request.reason, "reason", v, max_len=2000, required=True, multiline=True)
        v.raise_if_any()

        async def work(tx: Tx):
            tx.override = override
            row = await tables.require(tx.conn, PROJECTS, key, request.name, lock=True)
            check_etag(request.etag, request.name, row["version"])
            rules.check_phase_transition(row["phase"], request.phase)
            before = store.project(row)
            after = store.project(await tables.update(tx.conn, PROJECTS, key, {"phase": request.phase}))
            tx.record("TransitionProjectPhase", request.name, before, after, reason=request.reason,
                      from_phase=pb.Phase.Name(row["phase"]), to_phase=pb.Phase.Name(request.phase))
            return after

        return await self.mutate(key[0], "TransitionProjectPhase", request, pb.Project, work)

    # --- baselines ----------------------------------------------------------

    async def CreateBaseline(self, request: api.CreateBaselineRequest, context) -> pb.Baseline:
        key = PROJECTS.key_of(request.parent, "parent")
        principal().require(key[0], P.BASELINE_WRITE)
        v = Violations()
        start = from_date(request, "start_date", v, required=True)
        end = from_date(request, "end_date", v, required=True)
        if start and end and end < start:
            v.add("end_date", "must not be before start_date")
        budget = None
        if not request.HasField("budget"):
            v.add("budget", "is required")
        else:
            budget = money.from_proto(request.budget, "budget", v)
        check_text(request.reason, "reason", v, max_len=2000, required=True, multiline=True)
        v.raise_if_any()

        async def work(tx: Tx):
            project = await self._require_project(tx.conn, request.parent, lock=True)
            if project["baseline_revision"] > 0 or project["phase"] not in FIRST_BASELINE_PHASES:
                tx.override = _governed(key[0], lambda: errors.failed_precondition(
                    "CHANGE_REQUEST_REQUIRED",
                    f"{request.parent} " + (f"already has baseline revision {project['baseline_revision']}"
                                            if project["baseline_revision"] else
                                            f"is in {pb.Phase.Name(project['phase'])}")
                    + f": its baseline changes {CHANGE_REQUEST}; people set only the first one, "
                    "in PHASE_INITIATION or PHASE_PLANNING",
                    baseline_revision=str(project["baseline_revision"]), phase=pb.Phase.Name(project["phase"])))
            if budget.currency != project["currency"]:
                raise errors.bad_field("budget.currency_code", f"must be {project['currency']}, the project's currency")
            revision = project["baseline_revision"] + 1
            row = await tables.insert(tx.conn, BASELINES.name, {
                "org_id": key[0], "project_id": key[1], "revision": revision, "start_date": start, "end_date": end,
                "currency": budget.currency, "budget_micros": budget.micros, "reason": request.reason,
                "creator": tx.actor})
            before = store.project(project)
            # The new baseline is the approved plan: the project follows it.
            after = store.project(await tables.update(tx.conn, PROJECTS, key, {
                "baseline_revision": revision, "planned_start_date": start, "planned_end_date": end,
                "budget_micros": budget.micros}))
            created = store.baseline(row)
            tx.record("CreateBaseline", created.name, None, created, reason=request.reason)
            tx.record("ApplyBaseline", request.parent, before, after, revision=revision)
            return created

        return await self.mutate(key[0], "CreateBaseline", request, pb.Baseline, work)

    async def ListBaselines(self, request, context):
        return await self.list_resources(BASELINES, PROJECTS, request, api.ListBaselinesResponse(), "baselines")

    # --- milestones ---------------------------------------------------------

    async def CreateMilestone(self, request: api.CreateMilestoneRequest, context) -> pb.Milestone:
        key = PROJECTS.key_of(request.parent, "parent")
        principal().require(key[0], P.MILESTONE_WRITE)
        v = Violations()
        mid = chosen_id(request.milestone_id, "milestone_id", v)
        columns = rules.milestone_columns(request.milestone, v, self.today())
        v.raise_if_any()
        name = MILESTONE_PATTERN.format(organization=key[0], project=key[1], milestone=mid)

        async def work(tx: Tx):
            await self._require_project(tx.conn, request.parent)
            row = await self.insert_row(tx.conn, MILESTONES, {
                "org_id": key[0], "project_id": key[1], "id": mid, "original_due_date": columns["due_date"],
                **columns}, name)
            created = store.milestone(row)
            tx.record("CreateMilestone", name, None, created)
            return created

        return await self.mutate(key[0], "CreateMilestone", request, pb.Milestone, work)

    async def GetMilestone(self, request, context) -> pb.Milestone:
        return await self.get_resource(MILESTONES, request.name)

    async def ListMilestones(self, request, context):
        return await self.list_resources(MILESTONES, PROJECTS, request, api.ListMilestonesResponse(), "milestones")

    async def UpdateMilestone(self, request: api.UpdateMilestoneRequest, context) -> pb.Milestone:
        paths = mask_paths(request.milestone, request.update_mask, MILESTONE_UPDATABLE, "milestone")

        def to_columns(milestone: pb.Milestone, row, v: Violations) -> dict[str, Any]:
            if "completion_date" not in paths and milestone.state != pb.MILESTONE_STATE_ACHIEVED:
                milestone.ClearField("completion_date")  # reopening forgets the old completion
            return rules.milestone_columns(milestone, v, self.today())

        return await self.update_resource(MILESTONES, request, "milestone", P.MILESTONE_WRITE, MILESTONE_UPDATABLE,
                                          "UpdateMilestone", to_columns)

    async def DeleteMilestone(self, request, context):
        return await self.delete_resource(MILESTONES, request, "DeleteMilestone", P.MILESTONE_WRITE)

    # --- assignments --------------------------------------------------------

    async def _check_allocation(self, conn: asyncpg.Connection, org: str, columns: dict[str, Any],
                                exclude: tuple[str, str] | None) -> None:
        """Refuse a person's total allocation above 100% on any day of the period."""
        person = columns["person"]
        rows = await store.lock_allocations(conn, org, person, columns["start_date"], columns["end_date"])
        others = [rules.Allocation(r["start_date"], r["end_date"], r["allocation_percent"])
                  for r in rows if (r["project_id"], r["id"]) != exclude]
        day, already = rules.peak_allocation(others, columns["start_date"], columns["end_date"])
        if already + columns["allocation_percent"] > 100:
            raise errors.failed_precondition(
                "OVER_ALLOCATED",
                f"{person} is already allocated {already}% on {day.isoformat()}; {columns['allocation_percent']}% "
                f"more would exceed 100% (at most {max(0, 100 - already)}% fits)",
                person=person, date=day.isoformat(), allocated_percent=str(already))

    async def CreateAssignment(self, request: api.CreateAssignmentRequest, context) -> pb.Assignment:
        key = PROJECTS.key_of(request.parent, "parent")
        principal().require(key[0], P.ASSIGNMENT_WRITE)
        v = Violations()
        aid = chosen_id(request.assignment_id, "assignment_id", v)
        columns = rules.assignment_columns(request.assignment, v)
        v.raise_if_any()
        name = ASSIGNMENT_PATTERN.format(organization=key[0], project=key[1], assignment=aid)

        async def work(tx: Tx):
            await self._require_project(tx.conn, request.parent)
            await self._check_allocation(tx.conn, key[0], columns, None)
            row = await self.insert_row(tx.conn, ASSIGNMENTS,
                                        {"org_id": key[0], "project_id": key[1], "id": aid, **columns}, name)
            created = store.assignment(row)
            tx.record("CreateAssignment", name, None, created)
            return created

        return await self.mutate(key[0], "CreateAssignment", request, pb.Assignment, work,
                                  dry_run=request.validate_only)

    async def GetAssignment(self, request, context) -> pb.Assignment:
        return await self.get_resource(ASSIGNMENTS, request.name)

    async def ListAssignments(self, request, context):
        return await self.list_resources(ASSIGNMENTS, PROJECTS, request, api.ListAssignmentsResponse(), "assignments")

    async def UpdateAssignment(self, request: api.UpdateAssignmentRequest, context) -> pb.Assignment:
        async def fits(tx: Tx, key: list[str], columns: dict[str, Any]) -> None:
            await self._check_allocation(tx.conn, key[0], columns, (key[1], key[2]))

        return await self.update_resource(ASSIGNMENTS, request, "assignment", P.ASSIGNMENT_WRITE,
                                          ASSIGNMENT_UPDATABLE, "UpdateAssignment",
                                          lambda a, row, v: rules.assignment_columns(a, v), fits)

    async def DeleteAssignment(self, request, context):
        return await self.delete_resource(ASSIGNMENTS, request, "DeleteAssignment", P.ASSIGNMENT_WRITE)

    # --- status reports and lessons learned -----------------------------------

    async def CreateStatusReport(self, request: api.CreateStatusReportRequest, context) -> pb.StatusReport:
        key = PROJECTS.key_of(request.parent, "parent")
        principal().require(key[0], P.STATUS_REPORT_WRITE)
        v = Violations()
        rid = chosen_id(request.status_report_id, "status_report_id", v)
        columns = rules.status_report_columns(request.status_report, v, self.today())
        v.raise_if_any()
        name = STATUS_REPORT_PATTERN.format(organization=key[0], project=key[1], status_report=rid)

        async def work(tx: Tx):
            project = await self._require_project(tx.conn, request.parent, lock=True)
            row = await self.insert_row(tx.conn, STATUS_REPORTS, {
                "org_id": key[0], "project_id": key[1], "id": rid, "percent_complete": project["percent_complete"],
                "author": tx.actor, **columns}, name)
            created = store.status_report(row)
            tx.record("CreateStatusReport", name, None, created)
            # The latest report's RAG is the project's health on every dashboard; a backdated
            # report filed late does not overwrite a newer one's.
            health = {c: columns[c] for c in ("health_schedule", "health_scope", "health_cost", "health_resources")}
            newer = await store.has_newer_status_report(tx.conn, key, columns["report_date"])
            if not newer and any(project[c] != value for c, value in health.items()):
                after = await tables.update(tx.conn, PROJECTS, key, health)
                tx.record("UpdateProjectHealth", request.parent, store.project(project), store.project(after),
                          status_report=name)
            return created

        return await self.mutate(key[0], "CreateStatusReport", request, pb.StatusReport, work)

    async def GetStatusReport(self, request, context) -> pb.StatusReport:
        return await self.get_resource(STATUS_REPORTS, request.name)

    async def ListStatusReports(self, request, context):
        return await self.list_resources(STATUS_REPORTS, PROJECTS, request, api.ListStatusReportsResponse(),
                                         "status_reports")

    async def CreateLessonLearned(self, request: api.CreateLessonLearnedRequest, context) -> pb.LessonLearned:
        key = PROJECTS.key_of(request.parent, "parent")
        principal().require(key[0], P.LESSON_WRITE)
        v = Violations()
        lid = chosen_id(request.lesson_learned_id, "lesson_learned_id", v)
        columns = rules.lesson_columns(request.lesson_learned, v)
        v.raise_if_any()
        name = LESSON_LEARNED_PATTERN.format(organization=key[0], project=key[1], lesson=lid)

        async def work(tx: Tx):
            await self._require_project(tx.conn, request.parent)
            row = await self.insert_row(tx.conn, LESSONS_LEARNED, {
                "org_id": key[0], "project_id": key[1], "id": lid, "author": tx.actor, **columns}, name)
            created = store.lesson_learned(row)
            tx.record("CreateLessonLearned", name, None, created)
            return created

        return await self.mutate(key[0], "CreateLessonLearned", request, pb.LessonLearned, work)

    async def ListLessonsLearned(self, request, context):
        return await self.list_resources(LESSONS_LEARNED, PROJECTS, request, api.ListLessonsLearnedResponse(),
                                "lessons_learned")

    # --- post-project review -----------------------------------------------

    async def RecordPostProjectReview(self, request: api.RecordPostProjectReviewRequest,
                                      context) -> pb.PostProjectReview:
        key = PROJECTS.key_of(request.parent, "parent")
        principal().require(key[0], P.PROJECT_WRITE)
        v = Violations()
        columns = rules.review_columns(request.post_project_review, v)
        lessons = []
        for i, lesson in enumerate(request.lessons_learned):
            found = Violations()
            lessons.append(rules.lesson_columns(lesson, found))
            v.items.extend((f"lessons_learned[{i}]{field.removeprefix('lesson_learned')}", why)
                           for field, why in found.items)
        v.raise_if_any()
        name = POST_PROJECT_REVIEW_PATTERN.format(organization=key[0], project=key[1])

        async def work(tx: Tx):
            await self._require_project(tx.conn, request.parent)
            ids = []
            for lesson in lessons:
                lid = new_id()
                row = await self.insert_row(tx.conn, LESSONS_LEARNED, {
                    "org_id": key[0], "project_id": key[1], "id": lid, "author": tx.actor, **lesson},
                    LESSON_LEARNED_PATTERN.format(organization=key[0], project=key[1], lesson=lid))
                tx.record("CreateLessonLearned", store.lesson_learned(row).name, None, store.lesson_learned(row))
                ids.append(lid)
            before = await store.get_post_project_review(tx.conn, key)
            row = await store.upsert_post_project_review(tx.conn, key, columns, tx.actor, ids)
            review = store.post_project_review(row)
            tx.record("RecordPostProjectReview", name,
                      store.post_project_review(before) if before is not None else None, review)
            return review

        return await self.mutate(key[0], "RecordPostProjectReview", request, pb.PostProjectReview, work)

    async def GetPostProjectReview(self, request: api.GetPostProjectReviewRequest,
                                   context) -> pb.PostProjectReview:
        parts = POST_PROJECT_REVIEW_PATTERN.parse(request.name)
        principal().require(parts["organization"], P.READ)
        async with self.pool.acquire() as conn:
            row = await store.get_post_project_review(conn, [parts["organization"], parts["project"]])
        if row is None:
            raise errors.not_found(request.name)
        return store.post_project_review(row)

    # --- portfolio summary --------------------------------------------------

    async def GetPortfolioSummary(self, request: api.GetPortfolioSummaryRequest, context) -> pb.PortfolioSummary:
        key = PORTFOLIOS.key_of(request.name)
        principal().require(key[0], P.READ)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            await tables.require(conn, PORTFOLIOS, key, request.name)
            projects = await store.portfolio_projects(conn, key)
            milestones = await store.portfolio_milestones(conn, key)
            satisfaction = await store.portfolio_satisfaction(conn, key)
        facts: dict[str, list[rules.MilestoneFacts]] = {}
        for m in milestones:
            facts.setdefault(m["project_id"], []).append(rules.MilestoneFacts(
                m["state"], m["due_date"], m["original_due_date"], m["completion_date"]))
        today = self.today()
        summaries = [rules.project_summary(store.project(p), facts.get(p["id"], []), today,
                                           satisfaction.get(p["id"], 0)) for p in projects]
        all_facts = [f for fs in facts.values() for f in fs]
        return pb.PortfolioSummary(portfolio=request.name, projects=summaries,
                                   kpis=rules.portfolio_kpis(summaries, all_facts))
