"""RisksService RPC handlers.

Same order as every service: parse names (INVALID_ARGUMENT), check the
caller's role in the organization (PERMISSION_DENIED before any read), validate
the input, check the project through ProjectsService as the caller, then read
or write. Writes go through `run_mutation` (one transaction, idempotent
request_id, audit event); escalation events and score history are written in
that same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import asyncpg
import grpc
from google.protobuf import empty_pb2

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import projects_service_pb2_grpc as projects_grpc
from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.platform import clients, errors, pagination, tables
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.handlers import ResourceHandlers, chosen_id
from services.platform.mutations import Tx
from services.platform.names import ORG_PATTERN, PORTFOLIO_PATTERN, PROJECT_PATTERN, RISK_MATRIX_PATTERN
from services.platform.resources import check_etag, etag_of, mask_paths, to_timestamp
from services.platform.settings import Settings
from services.risks import rules, store
from services.risks.store import ISSUES, RISKS

RISK_UPDATABLE = {
    "title", "description", "category", "cause", "effect", "owner", "probability", "impact", "is_opportunity",
    "response_strategy", "mitigation_plan", "contingency_plan", "residual_probability", "residual_impact", "status",
    "review_cadence_days",
}
ISSUE_UPDATABLE = {"title", "description", "severity", "owner", "due_date", "status", "resolution"}
DEFAULT_EXPOSURE_ITEMS = 10
MAX_EXPOSURE_ITEMS = 100
_PROJECTS_PAGE = 1000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RisksServicer(ResourceHandlers, risks_service_pb2_grpc.RisksServiceServicer):
    def __init__(self, pool: asyncpg.Pool, settings: Settings, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self.pool = pool
        self.clock = clock
        self.timeout_s = settings.call_timeout_s
        self._channel = clients.channel(settings.target_of("projects"))
        self.projects = projects_grpc.ProjectsServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    # --- shared mechanics ---------------------------------------------------

    async def _ask_projects(self, method, request, context, name: str = ""):
        """Call ProjectsService as the caller; its NOT_FOUND of `name` is reported as ours."""
        try:
            return await clients.call(method, request, context, self.timeout_s)
        except errors.ApiError as exc:
            if name and exc.code == grpc.StatusCode.NOT_FOUND:
                raise errors.not_found(name) from None
            raise

    async def _check_project(self, name: str, context, pin_for: str = "") -> None:
        """NOT_FOUND unless the project exists. Before writing a `pin_for` ("risk", "issue") that refers to it,
        the project is pinned instead (AttachProjectReference): ProjectsService then refuses to delete it, so a
        concurrent delete cannot slip between this check and our write."""
        if pin_for:
            await self._ask_projects(self.projects.AttachProjectReference, projects_api.AttachProjectReferenceRequest(
                name=name, holder="risks", kind=pin_for), context, name)
        else:
            await self._ask_projects(self.projects.GetProject, projects_api.GetProjectRequest(name=name), context,
                                     name)

    async def _project_ids(self, scope: str, org: str, portfolio: str, context) -> list[str]:
        """Ids of the portfolio's projects, as ProjectsService lists them."""
        await self._ask_projects(self.projects.GetPortfolio, projects_api.GetPortfolioRequest(name=scope), context,
                                 scope)
        ids, token = [], ""
        while True:
            response = await self._ask_projects(self.projects.ListProjects, projects_api.ListProjectsRequest(
                parent=ORG_PATTERN.format(organization=org), filter=f'portfolio = "{portfolio}"',
                page_size=_PROJECTS_PAGE, page_token=token), context)
            ids += [PROJECT_PATTERN.parse(p.name)["project"] for p in response.projects]
            token = response.next_page_token
            if not token:
                return ids

    async def _scope(self, scope: str, context) -> tuple[str, list[str] | None]:
        """(org, project ids) of a project, portfolio or organization scope; None means every project."""
        for pattern in (PROJECT_PATTERN, PORTFOLIO_PATTERN, ORG_PATTERN):
            if pattern.regex.match(scope):
                parts = pattern.parse(scope, "scope")
                break
        else:
            raise errors.bad_field("scope", "must be organizations/{organization}, or a project or portfolio in it")
        org = parts["organization"]
        principal().require(org, P.READ)
        if "project" in parts:
            await self._check_project(scope, context)
            return org, [parts["project"]]
        if "portfolio" in parts:
            return org, await self._project_ids(scope, org, parts["portfolio"], context)
        return org, None

    async def _escalate(self, tx: Tx, row: asyncpg.Record, previous: int | None, *, ended: bool = False) -> None:
        """Append the escalation event a severity change sets off (or, `ended`, the end of one), if any."""
        trigger = pb.ESCALATION_TRIGGER_ENDED if ended else rules.escalation_trigger(previous, row["severity"])
        if trigger is None:
            return
        await store.append_event(tx.conn, tx.org_id, {
            "issue": store.issue_name(row["org_id"], row["project_id"], row["id"]), "trigger": trigger,
            "severity": row["severity"], "previous_severity": previous or pb.ISSUE_SEVERITY_UNSPECIFIED,
            "title": row["title"], "owner": row["owner"], "actor": tx.actor})

    @staticmethod
    def _require_escalation_path(org: str, name: str, change: str | None) -> None:
        """An escalated issue is deleted, closed, resolved or downgraded only along the escalation path."""
        if change and not principal().can(org, P.ISSUE_ESCALATION_MANAGE):
            permission = P.ISSUE_ESCALATION_MANAGE.value
            raise errors.ApiError(
                grpc.StatusCode.PERMISSION_DENIED, "ESCALATED_ISSUE",
                f"{name} is escalated (HIGH or CRITICAL, or raised from a risk): only the escalation path "
                f"({permission}: pmo, admin) may {change} it", metadata={"resource": name, "permission": permission})

    # --- risks --------------------------------------------------------------

    async def CreateRisk(self, request: api.CreateRiskRequest, context) -> pb.Risk:
        org, project = PROJECT_PATTERN.parse(request.parent, "parent").values()
        principal().require(org, P.RISK_WRITE)
        v = Violations()
        risk_id = chosen_id(request.risk_id, "risk_id", v)
        columns = rules.risk_columns(request.risk, v)
        if columns["status"] == pb.RISK_STATUS_OCCURRED:
            v.add("risk.status", "a risk becomes RISK_STATUS_OCCURRED through OccurRisk")
        v.raise_if_any()
        await self._check_project(request.parent, context, pin_for="" if request.validate_only else "risk")
        name = store.risk_name(org, project, risk_id)

        async def work(tx: Tx):
            now = self.clock()
            matrix = await store.matrix(tx.conn, org)
            row = await self.insert_row(tx.conn, RISKS, {
                "org_id": org, "project_id": project, "id": risk_id, **columns,
                "next_review_time": rules.next_review(now, columns["review_cadence_days"])}, name)
            await store.append_history(tx.conn, row, matrix, tx.actor, now)
            created = store.risk(row, matrix)
            tx.record("CreateRisk", name, None, created)
            return created

        return await self.mutate(org, "CreateRisk", request, pb.Risk, work, dry_run=request.validate_only)

    async def GetRisk(self, request: api.GetRiskRequest, context) -> pb.Risk:
        key = RISKS.key_of(request.name)
        principal().require(key[0], P.READ)
        async with self.pool.acquire() as conn:
            row = await tables.require(conn, RISKS, key, request.name)
            matrix = await store.matrix(conn, key[0])
        return store.risk(row, matrix)

    async def ListRisks(self, request: api.ListRisksRequest, context) -> api.ListRisksResponse:
        org, project = PROJECT_PATTERN.parse(request.parent, "parent").values()
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=api.ListRisksResponse)
        async with self.pool.acquire() as conn:
            rows = await tables.list_page(conn, RISKS, [org, project], request.filter, page)
            matrix = await store.matrix(conn, org)
        if not rows and page.after_seq == 0:
            await self._check_project(request.parent, context)  # 404 for a missing project
        return api.ListRisksResponse(risks=[store.risk(r, matrix) for r in rows[: page.size]],
                                     next_page_token=page.next_token(rows))

    async def UpdateRisk(self, request: api.UpdateRiskRequest, context) -> pb.Risk:
        review: dict[str, Any] = {}  # the matrix read once in the transaction, and the review's time

        async def with_matrix(tx: Tx, key: list[str]):
            matrix = review["matrix"] = await store.matrix(tx.conn, key[0])
            return lambda row: store.risk(row, matrix)

        def to_columns(risk: pb.Risk, row, v: Violations) -> dict[str, Any]:
            columns = rules.risk_columns(risk, v)
            v.raise_if_any()
            rules.check_risk_status_change(row["status"], columns["status"])
            # Every update is a review, even one that finds nothing else to change.
            now = review["now"] = self.clock()
            return {**columns, "next_review_time": rules.next_review(now, columns["review_cadence_days"])}

        async def record_scores(tx: Tx, row, new_row) -> None:
            if rules.scores_changed(row, new_row):
                await store.append_history(tx.conn, new_row, review["matrix"], tx.actor, review["now"])

        return await self.update_resource(RISKS, request, "risk", P.RISK_WRITE, RISK_UPDATABLE, "UpdateRisk",
                                          to_columns, converter=with_matrix, after_write=record_scores)

    async def DeleteRisk(self, request: api.DeleteRiskRequest, context) -> empty_pb2.Empty:
        key = RISKS.key_of(request.name)
        principal().require(key[0], P.RISK_WRITE)

        async def work(tx: Tx):
            row = await tables.require(tx.conn, RISKS, key, request.name, lock=True)
            check_etag(request.etag, request.name, row["version"])
            if row["status"] == pb.RISK_STATUS_OCCURRED:
                raise errors.failed_precondition(
                    "RISK_OCCURRED", f"{request.name} occurred and its issue links to it; close it instead")
            matrix = await store.matrix(tx.conn, key[0])
            await tables.delete(tx.conn, RISKS, key)
            tx.record("DeleteRisk", request.name, store.risk(row, matrix), None)
            return empty_pb2.Empty()

        return await self.mutate(key[0], "DeleteRisk", request, empty_pb2.Empty, work)

    async def OccurRisk(self, request: api.OccurRiskRequest, context) -> api.OccurRiskResponse:
        key = RISKS.key_of(request.name)
        org, project, _ = key
        principal().require(org, P.RISK_WRITE)
        principal().require(org, P.ISSUE_WRITE)
        v = Violations()
        issue_id = chosen_id(request.issue_id, "issue_id", v)
        v.raise_if_any()
        issue_name = store.issue_name(org, project, issue_id)

        async def work(tx: Tx):
            row = await tables.require(tx.conn, RISKS, key, request.name, lock=True)
            check_etag(request.etag, request.name, row["version"])
            rules.check_can_occur(row["status"], row["is_opportunity"])
            matrix = await store.matrix(tx.conn, org)
            before = store.risk(row, matrix)
            v = Violations()
            columns = rules.issue_columns(rules.issue_from_risk(before, request.issue), v)
            v.raise_if_any()
            issue_row = await self.insert_row(tx.conn, ISSUES, {
                "org_id": org, "project_id": project, "id": issue_id, **columns, "source_risk": request.name},
                issue_name)
            await self._escalate(tx, issue_row, None)
            risk_row = await tables.update(tx.conn, RISKS, key, {"status": pb.RISK_STATUS_OCCURRED})
            await store.append_history(tx.conn, risk_row, matrix, tx.actor, self.clock())
            after, issue = store.risk(risk_row, matrix), store.issue(issue_row)
            tx.record("OccurRisk", request.name, before, after, issue=issue_name)
            tx.record("CreateIssue", issue_name, None, issue, source_risk=request.name)
            return api.OccurRiskResponse(risk=after, issue=issue)

        return await self.mutate(org, "OccurRisk", request, api.OccurRiskResponse, work)

    async def ListRiskScoreHistory(self, request: api.ListRiskScoreHistoryRequest,
                                   context) -> api.ListRiskScoreHistoryResponse:
        key = RISKS.key_of(request.parent, "parent")
        principal().require(key[0], P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent,
                                            of=api.ListRiskScoreHistoryResponse)
        async with self.pool.acquire() as conn:
            rows = await store.history_page(conn, key, page)
            if not rows and page.after_seq == 0:
                await tables.require(conn, RISKS, key, request.parent)
        return api.ListRiskScoreHistoryResponse(changes=[store.score_change(r) for r in rows[: page.size]],
                                                next_page_token=page.next_token(rows))

    # --- the risk matrix ----------------------------------------------------

    @staticmethod
    def _matrix_proto(name: str, state: store.MatrixState) -> pb.RiskMatrix:
        return pb.RiskMatrix(name=name, bands=state.matrix.to_protos(), update_time=to_timestamp(state.update_time),
                             etag=etag_of(name, state.version))

    async def GetRiskMatrix(self, request: api.GetRiskMatrixRequest, context) -> pb.RiskMatrix:
        (org,) = RISK_MATRIX_PATTERN.parse(request.name).values()
        principal().require(org, P.READ)
        async with self.pool.acquire() as conn:
            return self._matrix_proto(request.name, await store.matrix_state(conn, org))

    async def UpdateRiskMatrix(self, request: api.UpdateRiskMatrixRequest, context) -> pb.RiskMatrix:
        name = request.risk_matrix.name
        (org,) = RISK_MATRIX_PATTERN.parse(name, "risk_matrix.name").values()
        principal().require(org, P.RISK_MATRIX_WRITE)
        mask_paths(request.risk_matrix, request.update_mask, {"bands"}, "risk_matrix")
        v = Violations()
        new = rules.matrix_from_bands(request.risk_matrix.bands, v)
        v.raise_if_any()

        async def work(tx: Tx):
            current = await store.matrix_state(tx.conn, org, lock=True)
            check_etag(request.risk_matrix.etag, name, current.version)
            before = self._matrix_proto(name, current)
            after = self._matrix_proto(name, await store.save_matrix(tx.conn, org, new))
            tx.record("UpdateRiskMatrix", name, before, after)
            return after

        return await self.mutate(org, "UpdateRiskMatrix", request, pb.RiskMatrix, work)

    # --- issues -------------------------------------------------------------

    async def CreateIssue(self, request: api.CreateIssueRequest, context) -> pb.Issue:
        org, project = PROJECT_PATTERN.parse(request.parent, "parent").values()
        principal().require(org, P.ISSUE_WRITE)
        v = Violations()
        issue_id = chosen_id(request.issue_id, "issue_id", v)
        columns = rules.issue_columns(request.issue, v)
        v.raise_if_any()
        await self._check_project(request.parent, context, pin_for="" if request.validate_only else "issue")
        name = store.issue_name(org, project, issue_id)

        async def work(tx: Tx):
            row = await self.insert_row(tx.conn, ISSUES, {"org_id": org, "project_id": project, "id": issue_id,
                                                         **columns}, name)
            await self._escalate(tx, row, None)
            created = store.issue(row)
            tx.record("CreateIssue", name, None, created)
            return created

        return await self.mutate(org, "CreateIssue", request, pb.Issue, work, dry_run=request.validate_only)

    async def GetIssue(self, request: api.GetIssueRequest, context) -> pb.Issue:
        key = ISSUES.key_of(request.name)
        principal().require(key[0], P.READ)
        async with self.pool.acquire() as conn:
            return store.issue(await tables.require(conn, ISSUES, key, request.name))

    async def ListIssues(self, request: api.ListIssuesRequest, context) -> api.ListIssuesResponse:
        org, project = PROJECT_PATTERN.parse(request.parent, "parent").values()
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=api.ListIssuesResponse)
        async with self.pool.acquire() as conn:
            rows = await tables.list_page(conn, ISSUES, [org, project], request.filter, page)
        if not rows and page.after_seq == 0:
            await self._check_project(request.parent, context)
        return api.ListIssuesResponse(issues=[store.issue(r) for r in rows[: page.size]],
                                      next_page_token=page.next_token(rows))

    async def UpdateIssue(self, request: api.UpdateIssueRequest, context) -> pb.Issue:
        name = request.issue.name

        def to_columns(issue: pb.Issue, row, v: Violations) -> dict[str, Any]:
            columns = rules.issue_columns(issue, v)
            v.raise_if_any()
            self._require_escalation_path(row["org_id"], name, rules.escalation_managed_change(
                row, {**columns, "source_risk": row["source_risk"]}))
            return columns

        async def escalate(tx: Tx, row, new_row) -> None:
            if rules.escalation_ended(row, new_row):
                await self._escalate(tx, new_row, row["severity"], ended=True)
            elif new_row["severity"] != row["severity"]:
                await self._escalate(tx, new_row, row["severity"])

        return await self.update_resource(ISSUES, request, "issue", P.ISSUE_WRITE, ISSUE_UPDATABLE, "UpdateIssue",
                                          to_columns, after_write=escalate)

    async def DeleteIssue(self, request: api.DeleteIssueRequest, context) -> empty_pb2.Empty:
        org = ISSUES.key_of(request.name)[0]

        async def end_escalation(tx: Tx, key: list, row: asyncpg.Record) -> None:
            if rules.escalation_ended(row, None):
                await self._escalate(tx, row, row["severity"], ended=True)

        return await self.delete_resource(ISSUES, request, "DeleteIssue", P.ISSUE_WRITE, lambda row: (
            self._require_escalation_path(org, request.name, rules.escalation_managed_change(row, None))),
            check=end_escalation)

    async def ListIssueEvents(self, request: api.ListIssueEventsRequest, context) -> api.ListIssueEventsResponse:
        (org,) = ORG_PATTERN.parse(request.parent, "parent").values()
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent,
                                            of=api.ListIssueEventsResponse)
        async with self.pool.acquire() as conn:
            rows = await store.events_after(conn, org, page.after_seq, page.size)
        # Always a token: a poller resumes after the last event seen, or where it was.
        last = rows[-1]["seq"] if rows else page.after_seq
        return api.ListIssueEventsResponse(events=[store.escalation_event(r) for r in rows],
                                           next_page_token=page.token_after(last))

    # --- views --------------------------------------------------------------

    async def GetRiskHeatMap(self, request: api.GetRiskHeatMapRequest, context) -> pb.RiskHeatMap:
        org, project_ids = await self._scope(request.scope, context)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            matrix = await store.matrix(conn, org)
            inherent = await store.heat_counts(conn, org, project_ids, residual=False)
            residual = await store.heat_counts(conn, org, project_ids, residual=True)
        return pb.RiskHeatMap(scope=request.scope, inherent=rules.heat_map(inherent, matrix),
                              residual=rules.heat_map(residual, matrix), risk_count=sum(inherent.values()))

    async def GetRiskExposure(self, request: api.GetRiskExposureRequest, context) -> pb.RiskExposure:
        if not 0 <= request.max_items <= MAX_EXPOSURE_ITEMS:
            raise errors.bad_field("max_items", f"must be between 0 (default {DEFAULT_EXPOSURE_ITEMS}) "
                                   f"and {MAX_EXPOSURE_ITEMS}")
        org, project_ids = await self._scope(request.scope, context)
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            matrix = await store.matrix(conn, org)
            rows = await store.active_risks(conn, org, project_ids)
        return rules.exposure(request.scope, [store.risk(r, matrix) for r in rows], self.clock(),
                              request.max_items or DEFAULT_EXPOSURE_ITEMS)
