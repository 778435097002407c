"""Tasks: the inbox (a keyset query on the read model) and the task updates (claim, release, reassign,
decide), which the workflow validates; its refusals are recorded before the caller hears them."""

from __future__ import annotations

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from services.governance import convert, keyset, store, validation
from services.governance.core import GovernanceCore, utc_now
from services.platform import errors
from services.platform.auth import Permission as P
from services.platform.auth import principal
from services.platform.errors import Violations
from services.platform.names import ORG_PATTERN, TASK_PATTERN
from services.platform.resources import check_text
from workflows import approvals as ap

ME = "me"
REASON_MAX = 2000


def inbox_labels(actor: ap.Actor) -> list[str]:
    """Everything a task's pending_approvers may hold for the caller: them, their roles, and the same for
    each person whose approvals they hold now."""
    labels = {actor.subject, *(f"role:{r}" for r in actor.roles)}
    for d in actor.delegators:
        labels |= {d.subject, *(f"role:{r}" for r in d.roles)}
    return sorted(labels)


class TaskHandlers(GovernanceCore):
    async def ListTasks(self, request: api.ListTasksRequest, context) -> api.ListTasksResponse:
        org = ORG_PATTERN.parse(request.parent, "parent")["organization"]
        principal().require(org, P.READ)
        if request.assignee not in ("", ME):
            raise errors.bad_field("assignee", 'must be "me" (your inbox) or empty (every task of the organization)')
        subject = principal().subject if request.assignee == ME else ""
        page = keyset.due_page(request.page_size, request.page_token, request.parent, request.filter, request.assignee,
                               str(request.include_closed), subject, of=api.ListTasksResponse)
        mine = request.assignee == ME
        labels = inbox_labels(ap.Actor(subject, [r.value for r in principal().roles_in(org)])) if mine else None
        query = store.TaskQuery(org=org, labels=labels, not_requested_by=subject, delegate=subject if mine else None,
                                include_closed=request.include_closed, filter_text=request.filter, after=page.after,
                                limit=page.size + 1)
        async with self.pool.acquire() as conn:
            rows = await store.list_tasks(conn, query)
        now = utc_now()
        return api.ListTasksResponse(tasks=[convert.task(r, now) for r in rows[: page.size]],
                                     next_page_token=page.next_token(rows))

    async def GetTask(self, request: api.GetTaskRequest, context) -> pb.Task:
        org, task_id = self._task_key(request.name)
        principal().require(org, P.READ)
        return convert.task(await self._task_row(org, task_id, request.name), utc_now())

    @staticmethod
    def _task_key(name: str) -> tuple[str, str]:
        parts = TASK_PATTERN.parse(name)
        return parts["organization"], parts["task"]

    async def _task_row(self, org: str, task_id: str, name: str):
        async with self.pool.acquire() as conn:
            row = await store.get_task(conn, org, task_id)
        if row is None:
            raise errors.not_found(name)
        return row

    async def _act(self, request, method: str, update: str, permission: P, make_arg, invalid_field: str,
                   context) -> pb.Task:
        """Send one task update as the verified caller, then answer with the task as the read model has it
        (the workflow publishes before the update returns)."""
        org, task_id = self._task_key(request.name)
        principal().require(org, permission)
        row = await self._task_row(org, task_id, request.name)
        actor = await self.actor(org)
        await self.send_update(org=org, method=method, target=request.name, workflow_id=row["workflow_id"],
                               update=update, arg=make_arg(task_id, actor), actor=actor,
                               request_id=request.request_id, context=context, result_type=ap.Task,
                               invalid_field=invalid_field)
        return convert.task(await self._task_row(org, task_id, request.name), utc_now())

    async def ClaimTask(self, request: api.ClaimTaskRequest, context) -> pb.Task:
        return await self._act(request, "ClaimTask", "claim", P.TASK_ACT,
                               lambda task_id, actor: ap.TaskActionInput(task_id=task_id, actor=actor), "name", context)

    async def ReleaseTask(self, request: api.ReleaseTaskRequest, context) -> pb.Task:
        return await self._act(request, "ReleaseTask", "release", P.TASK_ACT,
                               lambda task_id, actor: ap.TaskActionInput(task_id=task_id, actor=actor), "name", context)

    async def ReassignTask(self, request: api.ReassignTaskRequest, context) -> pb.Task:
        v = Violations()
        validation.subject(request.assignee, "assignee", v)
        check_text(request.reason, "reason", v, max_len=REASON_MAX, multiline=True)
        v.raise_if_any()
        return await self._act(
            request, "ReassignTask", "reassign", P.TASK_REASSIGN,
            lambda task_id, actor: ap.TaskActionInput(task_id=task_id, actor=actor, assignee=request.assignee,
                                                      reason=request.reason), "assignee", context)

    async def DecideTask(self, request: api.DecideTaskRequest, context) -> pb.Task:
        v = Violations()
        if not request.choice:
            v.add("choice", "is required: one of the task's choices (e.g. APPROVE, REJECT, GO)")
        validation.comment(request.comment, "comment", v)
        conditions = validation.conditions(request.conditions, v)
        v.raise_if_any()
        return await self._act(
            request, "DecideTask", "decide", P.TASK_ACT,
            lambda task_id, actor: ap.DecideInput(task_id=task_id, actor=actor, choice=request.choice,
                                                  comment=request.comment, conditions=conditions),
            "conditions", context)
