"""Change requests and phase gates: start them once, read them from the read model, withdraw and resume.

A process's id derives from the caller's request id (ids.resource_id), so a retried submit finds
the same process. One short transaction first claims the request id (its reuse for a different
request is refused), audits the submission and enters the process in the read model as submitted
(version 0; the workflow's own publications replace it), so it is listed, and counts as open,
from the moment it is accepted, even while workers restart. Temporal is called after that
transaction, never inside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import grpc
from temporalio.exceptions import ApplicationError

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import resources_pb2 as projects_pb
from services.governance import convert, store, temporal, validation
from services.governance.core import GovernanceCore, utc_now
from services.platform import errors, pagination
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.mutations import Tx, validate_request_id
from services.platform.names import CHANGE_REQUEST_PATTERN, ORG_PATTERN, PHASE_GATE_PATTERN, PROJECT_PATTERN
from services.platform.resources import check_enum, check_text
from workflows import change_request as cr
from workflows import ids
from workflows import phase_gate as pg
from workflows import policy as policy_rules
from workflows.activities.projects import what_if
from workflows.activities.services import ServiceCalls
from workflows.approvals import ProcessSync
from workflows.policy import GovernancePolicy

REASON_MAX = 2000


class ProcessHandlers(GovernanceCore):
    # --- change requests -----------------------------------------------------------------------

    async def SubmitChangeRequest(self, request: api.SubmitChangeRequestRequest, context) -> pb.ChangeRequest:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.CHANGE_REQUEST_SUBMIT)
        validate_request_id(request.request_id)
        v = Violations()
        fields = validation.change_request(request.change_request, org, v)
        v.raise_if_any()
        project = await self.project(request.change_request.project, context, "change_request.project")
        currency = project.budget.currency_code
        if fields.budget_currency and fields.budget_currency != currency:
            raise errors.bad_field("change_request.budget_delta.currency_code",
                                   f"must be {currency}, the currency of {project.name}")
        policy, _, _ = await self.policy(org, context)
        if fields.type == "STANDARD":
            self._check_standard(policy, fields, request.change_request, project)
        actor = await self.actor(org)
        cr_id = ids.resource_id(org, cr.KIND, request.request_id or str(uuid.uuid4()))
        workflow_id = ids.workflow_id(cr.ID_PREFIX, org, cr_id)
        c = request.change_request
        submitted = cr.ChangeRequestInput(
            org=org, project=fields.project, id=cr_id, requester=actor, title=c.title, description=c.description,
            type=fields.type, policy=policy, currency=currency, catalogue_item=c.catalogue_item,
            budget_delta_micros=fields.budget_delta_micros, schedule_delta_days=c.schedule_delta_days,
            new_end_date=fields.new_end_date, scope_change=c.scope_change, milestone_changes=fields.milestone_changes,
            linked_risk=c.linked_risk, linked_issue=c.linked_issue)
        now = utc_now()
        view = cr.ChangeRequestView(
            name=submitted.name, org=org, project=fields.project, id=cr_id, title=c.title, description=c.description,
            type=fields.type, requester=actor.subject, state="ASSESSING", policy_version=policy.version,
            workflow_id=workflow_id, input=cr.ChangeSummary.of(submitted), create_time=now, update_time=now)
        if request.validate_only:
            return await self._what_if(view, submitted, context)
        first = convert.change_request(view)
        # Pinned once every check passed (a refused request pins nothing): from here the project is not deleted.
        await self.project(c.project, context, "change_request.project", pin_for=cr.KIND)
        await self._claim(org, "SubmitChangeRequest", request, first,
                          self._entered(cr.KIND, fields.project, view), convert.change_request(view, 0))
        await temporal.start(self.client, temporal.CHANGE_REQUEST_WORKFLOW, submitted, workflow_id=workflow_id,
                             task_queue=self.task_queue,
                             attributes=temporal.search_attributes(org, fields.project, cr.KIND),
                             timeout_s=self.deadline_s(context, temporal.START_TIMEOUT_S))
        return await self._change_request_now(org, cr_id, view)

    @staticmethod
    def _check_standard(policy: GovernancePolicy, fields: validation.ChangeRequestFields, change: pb.ChangeRequest,
                        project: projects_pb.Project) -> None:
        """A STANDARD change must be in the catalogue and within what its item pre-approves: refuse it now
        rather than let the process fail."""
        days = change.schedule_delta_days
        end = project.planned_end_date
        if fields.new_end_date and end.year:
            days = (dt.date.fromisoformat(fields.new_end_date) - dt.date(end.year, end.month, end.day)).days
        impact = policy_rules.ChangeImpact(fields.budget_delta_micros, days, bool(change.scope_change.strip()))
        try:
            policy_rules.route(policy, "STANDARD", impact, change.catalogue_item)
        except ValueError as exc:  # "catalogue_item: why"
            field, _, why = str(exc).partition(": ")
            raise errors.bad_field(f"change_request.{field}", why) from None

    @staticmethod
    def _entered(kind: str, project: str, view: cr.ChangeRequestView | pg.PhaseGateView) -> ProcessSync:
        """The process as submitted, for the read model (version 0: any publication of the workflow is newer)."""
        return ProcessSync(kind=kind, org=view.org, project=project, id=view.id, name=view.name,
                           workflow_id=view.workflow_id, state=view.state, requester=view.requester,
                           policy_version=view.policy_version, version=0, view=dataclasses.asdict(view))

    async def _claim(self, org: str, method: str, request, first: pb.ChangeRequest | pb.PhaseGate,
                     entered: ProcessSync, stored: pb.ChangeRequest | pb.PhaseGate) -> None:
        """Claim the request id (same id, other request: REQUEST_ID_REUSED), audit the submission and enter the
        process in the read model (`stored`: its API message at version 0, so reads until the workflow first
        publishes parse it instead of rebuilding it from the view), in one transaction."""

        async def work(tx: Tx):
            await store.upsert_process(tx.conn, entered, stored.SerializeToString())
            tx.record(method, first.name, None, first)
            return first

        await self.mutate(org, method, request, type(first), work)

    async def _what_if(self, view: cr.ChangeRequestView, submitted: cr.ChangeRequestInput,
                       context) -> pb.ChangeRequest:
        """validate_only: impact, conflicts and route, read as the caller; nothing is started or stored."""
        async with self.pool.acquire() as conn:
            others = await store.open_processes(conn, view.org, cr.KIND, view.project, "")
        calls = self._caller_calls(context)
        try:
            view.impact, view.conflicts, view.route = await what_if(calls, submitted, now=utc_now(),
                                                                    open_change_requests=others)
        except ValueError as exc:  # "field: reason" of the change itself
            field, _, why = str(exc).partition(": ")
            raise errors.bad_field(f"change_request.{field}", why or str(exc)) from None
        except ApplicationError as exc:  # a service refused the caller (ServiceCalls' error)
            code = exc.details[0] if exc.details else "UNAVAILABLE"
            raise errors.ApiError(getattr(grpc.StatusCode, code, grpc.StatusCode.UNAVAILABLE),
                                  exc.type or "DEPENDENCY_ERROR", exc.message) from None
        view.tasks = []
        what = convert.change_request(view)
        what.ClearField("state")  # nothing was started: the request is in no state yet
        what.ClearField("workflow_id")
        return what

    def _caller_calls(self, context) -> ServiceCalls:
        """The activities' service calls, with the caller's own token and no on-behalf-of."""
        metadata = dict(context.invocation_metadata() or ())
        token = metadata.get("authorization", "").partition(" ")[2]
        return ServiceCalls(projects=self.projects, risks=self.risks, billing=self.billing, token=token,
                            timeout_s=self.deadline_s(context, self.timeout_s))

    async def _change_request_now(self, org: str, cr_id: str, view: cr.ChangeRequestView | None) -> pb.ChangeRequest:
        async with self.pool.acquire() as conn:
            row = await store.get_process(conn, org, cr.KIND, cr_id)
            tasks = await store.tasks_of(conn, org, [row["name"]]) if row is not None else {}
        if row is not None:
            return convert.change_request_row(row, tasks.get(row["name"], []))
        if view is None:
            raise errors.not_found(convert.change_request_name(org, cr_id))
        return convert.change_request(view)

    async def GetChangeRequest(self, request: api.GetChangeRequestRequest, context) -> pb.ChangeRequest:
        parts = CHANGE_REQUEST_PATTERN.parse(request.name)
        principal().require(parts["organization"], P.READ)
        return await self._change_request_now(parts["organization"], parts["change_request"], None)

    async def ListChangeRequests(self, request: api.ListChangeRequestsRequest, context):
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=api.ListChangeRequestsResponse)
        async with self.pool.acquire() as conn:
            rows = (await store.list_processes(conn, org, cr.KIND, None, request.filter,
                                               store.CHANGE_REQUEST_FILTERS, page))
            tasks = await store.tasks_of(conn, org, [r["name"] for r in rows[: page.size]])
        return api.ListChangeRequestsResponse(
            change_requests=[convert.change_request_row(r, tasks.get(r["name"], [])) for r in rows[: page.size]],
            next_page_token=page.next_token(rows))

    async def WithdrawChangeRequest(self, request: api.WithdrawChangeRequestRequest, context) -> pb.ChangeRequest:
        parts = CHANGE_REQUEST_PATTERN.parse(request.name)
        org = parts["organization"]
        principal().require(org, P.CHANGE_REQUEST_SUBMIT)
        v = Violations()
        check_text(request.reason, "reason", v, max_len=REASON_MAX, multiline=True)
        v.raise_if_any()
        row = await self._process_row(org, cr.KIND, parts["change_request"], request.name)
        actor = await self.actor(org)
        await self.send_update(org=org, method="WithdrawChangeRequest", target=request.name,
                               workflow_id=row["workflow_id"], update="withdraw",
                               arg=cr.WithdrawInput(actor=actor, reason=request.reason), actor=actor,
                               request_id=request.request_id, context=context, invalid_field="reason")
        return await self._change_request_now(org, parts["change_request"], None)

    async def _process_row(self, org: str, kind: str, process_id: str, name: str):
        async with self.pool.acquire() as conn:
            row = await store.get_process(conn, org, kind, process_id)
        if row is None:
            raise errors.not_found(name)
        return row

    # --- phase gates ---------------------------------------------------------------------------

    async def RequestPhaseGate(self, request: api.RequestPhaseGateRequest, context) -> pb.PhaseGate:
        parts = PROJECT_PATTERN.parse(request.parent, "parent")
        org, project_id = parts["organization"], parts["project"]
        principal().require(org, P.PHASE_GATE_REQUEST)
        validate_request_id(request.request_id)
        v = Violations()
        gate = request.phase_gate
        check_enum(gate.to_phase, projects_pb.Phase.DESCRIPTOR, "phase_gate.to_phase", v)
        if gate.from_phase or gate.state or gate.decision or gate.requester:
            v.add("phase_gate", "only to_phase is set by the caller; the rest is output only")
        v.raise_if_any()
        project = await self.project(request.parent, context, None)
        to_phase = self._gate_target(project, convert.enum_name(projects_pb.Phase, "PHASE_", gate.to_phase))
        policy, _, _ = await self.policy(org, context)
        actor = await self.actor(org)
        gate_id = ids.resource_id(org, pg.KIND, request.request_id or str(uuid.uuid4()))
        workflow_id = ids.workflow_id(pg.ID_PREFIX, org, gate_id)
        submitted = pg.PhaseGateInput(org=org, project=project_id, id=gate_id, requester=actor, policy=policy,
                                      to_phase=to_phase)
        now = utc_now()
        first = pg.PhaseGateView(
            name=submitted.name, org=org, project=project_id, id=gate_id, requester=actor.subject,
            from_phase=convert.enum_name(projects_pb.Phase, "PHASE_", project.phase), to_phase=to_phase,
            state="EVALUATING", policy_version=policy.version, workflow_id=workflow_id, create_time=now,
            update_time=now)
        await self.project(request.parent, context, None, pin_for=pg.KIND)  # as for change requests
        await self._claim(org, "RequestPhaseGate", request, convert.phase_gate(first),
                          self._entered(pg.KIND, project_id, first), convert.phase_gate(first, 0))
        await temporal.start(self.client, temporal.PHASE_GATE_WORKFLOW, submitted, workflow_id=workflow_id,
                             task_queue=self.task_queue,
                             attributes=temporal.search_attributes(org, project_id, pg.KIND),
                             timeout_s=self.deadline_s(context, temporal.START_TIMEOUT_S))
        return await self._phase_gate_now(org, gate_id, submitted.name, first)

    @staticmethod
    def _gate_target(project: projects_pb.Project, requested: str) -> str:
        snapshot = pg.ProjectSnapshot(
            name=project.name, display_name=project.display_name,
            phase=convert.enum_name(projects_pb.Phase, "PHASE_", project.phase),
            methodology=convert.enum_name(projects_pb.Methodology, "METHODOLOGY_", project.methodology),
            status=convert.enum_name(projects_pb.ProjectStatus, "PROJECT_STATUS_", project.status))
        to_phase, why_not = pg.gate_target(snapshot, requested)
        if why_not:
            if requested and snapshot.status not in pg.FINISHED_STATUSES and snapshot.phase != "CLOSED":
                raise errors.bad_field("phase_gate.to_phase", why_not)
            raise errors.failed_precondition("NO_GATE", why_not, project=project.name)
        return to_phase

    async def _phase_gate_now(self, org: str, gate_id: str, name: str, view: pg.PhaseGateView | None) -> pb.PhaseGate:
        async with self.pool.acquire() as conn:
            row = await store.get_process(conn, org, pg.KIND, gate_id)
            tasks = await store.tasks_of(conn, org, [name]) if row is not None else {}
        if row is not None and row["name"] == name:
            return convert.phase_gate_row(row, tasks.get(name, []))
        if view is None:
            raise errors.not_found(name)
        return convert.phase_gate(view)

    async def GetPhaseGate(self, request: api.GetPhaseGateRequest, context) -> pb.PhaseGate:
        parts = PHASE_GATE_PATTERN.parse(request.name)
        principal().require(parts["organization"], P.READ)
        return await self._phase_gate_now(parts["organization"], parts["phase_gate"], request.name, None)

    async def ListPhaseGates(self, request: api.ListPhaseGatesRequest, context):
        org, project = self._gates_parent(request.parent)
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=api.ListPhaseGatesResponse)
        async with self.pool.acquire() as conn:
            rows = await store.list_processes(conn, org, pg.KIND, project, request.filter, store.PHASE_GATE_FILTERS,
                                              page)
            tasks = await store.tasks_of(conn, org, [r["name"] for r in rows[: page.size]])
        return api.ListPhaseGatesResponse(
            phase_gates=[convert.phase_gate_row(r, tasks.get(r["name"], [])) for r in rows[: page.size]],
            next_page_token=page.next_token(rows))

    @staticmethod
    def _gates_parent(parent: str) -> tuple[str, str | None]:
        """A project, or `organizations/{org}/projects/-` for every project (AIP-159)."""
        if parent.endswith("/projects/-"):
            return ORG_PATTERN.parse(parent.removesuffix("/projects/-"), "parent")["organization"], None
        parts = PROJECT_PATTERN.parse(parent, "parent")
        return parts["organization"], parts["project"]

    async def ResumePhaseGate(self, request: api.ResumePhaseGateRequest, context) -> pb.PhaseGate:
        parts = PHASE_GATE_PATTERN.parse(request.name)
        org = parts["organization"]
        principal().require(org, P.PHASE_GATE_REQUEST)
        v = Violations()
        validation.comment(request.comment, "comment", v)
        v.raise_if_any()
        row = await self._process_row(org, pg.KIND, parts["phase_gate"], request.name)
        if row["name"] != request.name:
            raise errors.not_found(request.name)
        actor = await self.actor(org)
        await self.send_update(org=org, method="ResumePhaseGate", target=request.name, workflow_id=row["workflow_id"],
                               update="resume", arg=pg.ResumeInput(actor=actor, comment=request.comment), actor=actor,
                               request_id=request.request_id, context=context, invalid_field="comment")
        return await self._phase_gate_now(org, parts["phase_gate"], request.name, None)
