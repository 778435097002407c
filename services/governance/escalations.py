"""Escalations: raise one by hand, read them from the read model, act on them, report on them.

Raised as change requests are submitted (processes.py): the id derives from the raiser's request id,
and one transaction claims it, audits the raise and enters the escalation in the read model (version 0)
before Temporal is called. Acknowledging and resolving are decisions on the escalation's open task (the
`decide` update DecideTask sends), reassigning is the task's `reassign`; notes, pauses and withdrawals
are the workflow's own updates. Every refusal is recorded and answered by core.send_update.

Who: anyone who may write the organization's issues raises one (ISSUE_WRITE: pm, pmo, member, admin),
as one raises an issue; anyone who decides tasks may try to act on one (TASK_ACT), and the workflow
lets only the owners of the current level and those above (and the raiser, for notes); a pmo reassigns
(TASK_REASSIGN); only those who manage escalated issues withdraw (ISSUE_ESCALATION_MANAGE: pmo, admin).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import grpc

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from services.governance import convert, store, temporal, validation
from services.governance.core import utc_now
from services.governance.processes import REASON_MAX, ProcessHandlers
from services.platform import errors, pagination
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.mutations import validate_request_id
from services.platform.names import ESCALATION_PATTERN, ORG_PATTERN, PROJECT_PATTERN
from services.platform.resources import check_text, to_date, to_timestamp
from workflows import approvals as ap
from workflows import escalation as esc
from workflows import ids
from workflows.approvals import ProcessSync

T = TypeVar("T")

WORKFLOW = "EscalationWorkflow"
# How long an action waits for the workflow's next step to reach the read model (an open task to act on,
# the escalation after a decision): one or two activities, well under a second when workers run.
WAIT_S = 5.0
POLL_S = 0.05
OPEN_TASK_STATES = ("OPEN", "CLAIMED")


def org_or_project(parent: str) -> tuple[str, str | None]:
    """(org, project id) of a List parent naming one project, or (org, None) for the whole organization."""
    if "/projects/" in parent:
        parts = PROJECT_PATTERN.parse(parent, "parent")
        return parts["organization"], parts["project"]
    return ORG_PATTERN.parse(parent, "parent")["organization"], None


def breach_rate(project: str, raised: int, breached: int) -> pb.EscalationBreachRate:
    return pb.EscalationBreachRate(project=project, raised=raised, breached=breached,
                                   breach_rate=f"{Decimal(breached) / raised:.4f}" if raised else "")


class EscalationHandlers(ProcessHandlers):
    async def RaiseEscalation(self, request: api.RaiseEscalationRequest, context) -> pb.Escalation:
        parts = PROJECT_PATTERN.parse(request.parent, "parent")
        org, project_id = parts["organization"], parts["project"]
        principal().require(org, P.ISSUE_WRITE)
        validate_request_id(request.request_id)
        v = Violations()
        severity = validation.escalation(request.escalation, org, project_id, v)
        v.raise_if_any()
        await self.project(request.parent, context, None, pin_for=esc.KIND)  # NOT_FOUND as the caller sees it
        policy, _, _ = await self.policy(org, context)
        actor = await self.actor(org)
        esc_id = ids.resource_id(org, esc.KIND, request.request_id or str(uuid.uuid4()))
        workflow_id = ids.workflow_id(esc.ID_PREFIX, org, esc_id)
        e = request.escalation
        raised = esc.EscalationInput(
            org=org, project=project_id, id=esc_id, severity=severity, title=e.title, source="MANUAL",
            subject=e.subject, raised_by=actor, policy=policy, description=e.description)
        view = esc.first_view(raised, workflow_id, utc_now())
        entered = ProcessSync(kind=esc.KIND, org=org, project=project_id, id=esc_id, name=view.name,
                              workflow_id=workflow_id, state=view.state, requester=actor.subject,
                              policy_version=policy.version, version=0, view=dataclasses.asdict(view))
        await self._claim(org, "RaiseEscalation", request, convert.escalation(view), entered,
                          convert.escalation(view, 0))
        await temporal.start(self.client, WORKFLOW, raised, workflow_id=workflow_id, task_queue=self.task_queue,
                             attributes=temporal.search_attributes(org, project_id, esc.KIND),
                             timeout_s=self.deadline_s(context, temporal.START_TIMEOUT_S))
        return await self._escalation_now(org, esc_id, view.name, view)

    async def GetEscalation(self, request: api.GetEscalationRequest, context) -> pb.Escalation:
        org, esc_id = self._target(request.name, P.READ)
        return await self._escalation_now(org, esc_id, request.name, None)

    async def ListEscalations(self, request: api.ListEscalationsRequest, context) -> api.ListEscalationsResponse:
        org, project = org_or_project(request.parent)
        principal().require(org, P.READ)
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, request.filter,
                                            of=api.ListEscalationsResponse)
        async with self.pool.acquire() as conn:
            rows = await store.list_processes(conn, org, esc.KIND, project, request.filter, store.ESCALATION_FILTERS,
                                              page, newest_first=True)
            tasks = await store.tasks_of(conn, org, [r["name"] for r in rows[: page.size]])
        return api.ListEscalationsResponse(
            escalations=[convert.escalation_row(r, tasks.get(r["name"], [])) for r in rows[: page.size]],
            next_page_token=page.next_token(rows))

    # --- acting on the open task -----------------------------------------------------------------

    async def AcknowledgeEscalation(self, request: api.AcknowledgeEscalationRequest, context) -> pb.Escalation:
        org, esc_id = self._target(request.name, P.TASK_ACT)
        v = Violations()
        validation.comment(request.comment, "comment", v)
        v.raise_if_any()
        return await self._decide(org, esc_id, request, "AcknowledgeEscalation", esc.ACKNOWLEDGE, request.comment,
                                  "comment", context)

    async def ResolveEscalation(self, request: api.ResolveEscalationRequest, context) -> pb.Escalation:
        org, esc_id = self._target(request.name, P.TASK_ACT)
        v = Violations()
        check_text(request.resolution, "resolution", v, max_len=validation.COMMENT_MAX, required=True,
                   multiline=True)
        v.raise_if_any()
        return await self._decide(org, esc_id, request, "ResolveEscalation", esc.RESOLVE, request.resolution,
                                  "resolution", context)

    async def _decide(self, org: str, esc_id: str, request, method: str, choice: str, comment: str, field: str,
                      context) -> pb.Escalation:
        """Decide the open task as DecideTask does; answer once the escalation shows the decision (the workflow
        publishes its new state just after the task closes, and the update returns at the task's close)."""
        row = await self._escalation_row(org, esc_id, request.name)
        actor = await self.actor(org)
        task_id = await self._open_task(org, esc_id, request.name, context)
        task = await self.send_update(
            org=org, method=method, target=request.name, workflow_id=row["workflow_id"], update="decide",
            arg=ap.DecideInput(task_id=task_id, actor=actor, choice=choice, comment=comment), actor=actor,
            request_id=request.request_id, context=context, result_type=ap.Task, invalid_field=field)
        closed = task.closed if task is not None else None
        return await self._poll(lambda: self._escalation_now(org, esc_id, request.name, None),
                                lambda e: closed is None or e.update_time.ToDatetime(dt.UTC) >= closed, context)

    async def ReassignEscalation(self, request: api.ReassignEscalationRequest, context) -> pb.Escalation:
        org, esc_id = self._target(request.name, P.TASK_REASSIGN)
        v = Violations()
        validation.subject(request.assignee, "assignee", v)
        check_text(request.reason, "reason", v, max_len=REASON_MAX, multiline=True)
        v.raise_if_any()
        row = await self._escalation_row(org, esc_id, request.name)
        actor = await self.actor(org)
        task_id = await self._open_task(org, esc_id, request.name, context)
        await self.send_update(
            org=org, method="ReassignEscalation", target=request.name, workflow_id=row["workflow_id"],
            update="reassign", arg=ap.TaskActionInput(task_id=task_id, actor=actor, assignee=request.assignee,
                                                      reason=request.reason),
            actor=actor, request_id=request.request_id, context=context, result_type=ap.Task,
            invalid_field="assignee")
        return await self._escalation_now(org, esc_id, request.name, None)

    async def _open_task(self, org: str, esc_id: str, name: str, context) -> str:
        """The id of the escalation's open task, waiting briefly while the workflow moves on to its next one
        (just acknowledged, or climbing a level). A closed escalation answers with its last task, which the
        workflow refuses as any decision on a closed task is refused (and recorded)."""

        async def fetch():
            async with self.pool.acquire() as conn:
                row = await store.get_process(conn, org, esc.KIND, esc_id)
                return row["open"], await store.newest_task(conn, org, name)

        def settled(found) -> bool:
            is_open, task = found
            return not is_open or (task is not None and task["state"] in OPEN_TASK_STATES)

        is_open, task = await self._poll(fetch, settled, context)
        if task is not None and (task["state"] in OPEN_TASK_STATES or not is_open):
            return task["id"]
        if not is_open:
            raise errors.failed_precondition(temporal.PROCESS_CLOSED, "the escalation has ended", resource=name)
        raise errors.ApiError(grpc.StatusCode.DEADLINE_EXCEEDED, "PROCESS_TIMEOUT",
                              "the escalation has no open task yet (it is moving to its next step); retry with the "
                              "same request_id", metadata={"resource": name})

    # --- the workflow's own updates -----------------------------------------------------------

    async def AddEscalationNote(self, request: api.AddEscalationNoteRequest, context) -> pb.Escalation:
        org, esc_id = self._target(request.name, P.TASK_ACT)
        v = Violations()
        check_text(request.text, "text", v, max_len=validation.TEXT_MAX, required=True, multiline=True)
        v.raise_if_any()
        return await self._update(org, esc_id, request, "AddEscalationNote", "add_note",
                                  lambda actor: esc.NoteInput(actor=actor, text=request.text), "text", context)

    async def PauseEscalation(self, request: api.PauseEscalationRequest, context) -> pb.Escalation:
        return await self._clock(request, "PauseEscalation", "pause", P.TASK_ACT, context)

    async def ResumeEscalation(self, request: api.ResumeEscalationRequest, context) -> pb.Escalation:
        return await self._clock(request, "ResumeEscalation", "resume", P.TASK_ACT, context, required=False)

    async def WithdrawEscalation(self, request: api.WithdrawEscalationRequest, context) -> pb.Escalation:
        return await self._clock(request, "WithdrawEscalation", "withdraw", P.ISSUE_ESCALATION_MANAGE, context)

    async def _clock(self, request, method: str, update: str, permission: P, context, *,
                     required: bool = True) -> pb.Escalation:
        """Pause, resume or withdraw (a ClockInput with the caller's reason)."""
        org, esc_id = self._target(request.name, permission)
        v = Violations()
        check_text(request.reason, "reason", v, max_len=REASON_MAX, required=required, multiline=True)
        v.raise_if_any()
        return await self._update(org, esc_id, request, method, update,
                                  lambda actor: esc.ClockInput(actor=actor, reason=request.reason), "reason", context)

    async def _update(self, org: str, esc_id: str, request, method: str, update: str, make_arg, field: str,
                      context) -> pb.Escalation:
        """Send one of the workflow's updates as the verified caller; they return after publishing the view."""
        row = await self._escalation_row(org, esc_id, request.name)
        actor = await self.actor(org)
        await self.send_update(org=org, method=method, target=request.name, workflow_id=row["workflow_id"],
                               update=update, arg=make_arg(actor), actor=actor, request_id=request.request_id,
                               context=context, invalid_field=field)
        return await self._escalation_now(org, esc_id, request.name, None)

    # --- report ----------------------------------------------------------------------------------

    async def GetEscalationReport(self, request: api.GetEscalationReportRequest, context) -> pb.EscalationReport:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.READ)
        v = Violations()
        start, end = validation.period(request, v)
        v.raise_if_any()
        # The period's days are the organization's: they begin at midnight in its calendar's time zone.
        policy, _, _ = await self.policy(org, context)
        zone = ZoneInfo(policy.calendar.time_zone)
        since = dt.datetime.combine(start, dt.time(), zone) if start else None
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone) if end else None
        now = utc_now()
        async with self.pool.acquire() as conn:
            levels = await store.open_escalations_by_level(conn, org, esc.KIND, now)
            projects = await store.escalation_breaches(conn, org, esc.KIND, since, until)
        return pb.EscalationReport(
            parent=request.parent, start_date=to_date(start), end_date=to_date(end),
            open_by_level=[pb.OpenEscalations(**dict(r)) for r in levels],
            breach_rate=breach_rate("", sum(r["raised"] for r in projects), sum(r["breached"] for r in projects)),
            projects=[breach_rate(convert.project_name(org, r["project"]), r["raised"], r["breached"])
                      for r in projects],
            report_time=to_timestamp(now))

    # --- reading ---------------------------------------------------------------------------------

    @staticmethod
    def _target(name: str, permission: P) -> tuple[str, str]:
        """(org, escalation id) of `name`, once the caller holds `permission` in its organization."""
        parts = ESCALATION_PATTERN.parse(name)
        principal().require(parts["organization"], permission)
        return parts["organization"], parts["escalation"]

    async def _escalation_row(self, org: str, esc_id: str, name: str):
        row = await self._process_row(org, esc.KIND, esc_id, name)
        if row["name"] != name:  # the id of an escalation of another project
            raise errors.not_found(name)
        return row

    async def _escalation_now(self, org: str, esc_id: str, name: str,
                              view: esc.EscalationView | None) -> pb.Escalation:
        async with self.pool.acquire() as conn:
            row = await store.get_process(conn, org, esc.KIND, esc_id)
            tasks = await store.tasks_of(conn, org, [name]) if row is not None else {}
        if row is not None and row["name"] == name:
            return convert.escalation_row(row, tasks.get(name, []))
        if view is None:
            raise errors.not_found(name)
        return convert.escalation(view)

    async def _poll(self, fetch: Callable[[], Awaitable[T]], done: Callable[[T], bool], context) -> T:
        """fetch() until done(result), for at most WAIT_S and half of what is left of the caller's deadline (the
        rest is for the update or the answer): the last result."""
        give_up = time.monotonic() + self.deadline_s(context, 2 * WAIT_S) / 2
        while True:
            result = await fetch()
            if done(result) or time.monotonic() >= give_up:
                return result
            await asyncio.sleep(POLL_S)
