"""My tasks and the task page: what the person is asked, its evidence, the decisions so far, and the forms to
decide, claim and release.

My tasks is ListTasks(assignee="me") in every organization of the person's token, asked at once and merged:
overdue first, then by due time (each service page is already in that order; the merge keeps it across
organizations). The next page continues each organization from its own page token. A decision carries the
form's request id (one per rendered form), so a double-submitted form is applied once. Whether the person may
decide, claim or release is the service's answer; a refusal is shown on the task page in plain words.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pmaas.governance.v1 import governance_service_pb2 as gapi
from pmaas.governance.v1 import resources_pb2 as gpb
from services.gateway.web import calls, evidence
from services.gateway.web.render import enum_words, page, short, timestamp, words
from services.gateway.web.security import form
from services.gateway.web.session import SignedIn, session, signed_in

router = APIRouter()
PAGE_SIZE = 25
TASK = "/ui/organizations/{org}/tasks/{task}"
# The badge's words (never colour alone) per SLA state.
SLA_BADGES = {gpb.SLA_STATE_ON_TRACK: ("On track", "ok"), gpb.SLA_STATE_WARNING: ("At risk", "warn"),
              gpb.SLA_STATE_BREACHED: ("Breached", "bad"), gpb.SLA_STATE_PAUSED: ("Paused", "paused")}
# Choices whose button says more than the choice's name.
CHOICE_LABELS = {"CONDITIONAL_GO": "Conditional go", "REQUEST_CHANGES": "Request changes"}
OPEN_STATES = (gpb.TASK_STATE_OPEN, gpb.TASK_STATE_CLAIMED)


@dataclass(frozen=True)
class Row:
    """One task as the inbox lists it."""

    org: str
    task: gpb.Task
    due: dt.datetime | None

    @property
    def href(self) -> str:
        return task_href(self.task.name)

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < dt.datetime.now(dt.UTC)

    @property
    def sla(self) -> tuple[str, str]:
        return sla_badge(self.task)

    @property
    def kind(self) -> str:
        return enum_words(self.task, "kind")


def task_href(name: str) -> str:
    _, org, _, task = name.split("/", 3)
    return TASK.format(org=org, task=task)


def sla_badge(task: gpb.Task) -> tuple[str, str]:
    return SLA_BADGES.get(task.sla_state, ("No SLA", "none"))


@router.get("/", include_in_schema=False)
@router.get("/ui", include_in_schema=False)
async def home() -> Response:
    return RedirectResponse("/ui/tasks", status_code=303)


@router.get("/ui/tasks", include_in_schema=False)
async def my_tasks(request: Request, page_token: str = "", who: SignedIn = Depends(signed_in)) -> Response:
    tokens = _decode_pages(page_token) if page_token else {org: "" for org in sorted(who.orgs) if org != "*"}
    if tokens is None:
        return page(request, "error.html", {"heading": "Page link expired",
                                            "message": "That page of your tasks no longer exists."}, 400)

    async def one(org: str):
        try:
            return org, await calls.call(request, "governance", "ListTasks", gapi.ListTasksRequest(
                parent=f"organizations/{org}", assignee="me", page_size=PAGE_SIZE, page_token=tokens[org]))
        except calls.Refused as refused:
            return org, refused

    answers = await asyncio.gather(*(one(org) for org in tokens))
    rows, problems, following = [], [], {}
    for org, answer in answers:
        if isinstance(answer, calls.Refused):
            problems.append((org, answer.plain))
            continue
        rows += [Row(org, t, timestamp(t, "due_time")) for t in answer.tasks]
        if answer.next_page_token:
            following[org] = answer.next_page_token
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (not r.overdue, r.due or far, r.task.name))
    return page(request, "inbox/tasks.html", {
        "rows": rows, "problems": problems, "next_page": _encode_pages(following) if following else "",
        "first_page": bool(page_token)})


def _encode_pages(tokens: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(tokens, separators=(",", ":")).encode()).decode()


def _decode_pages(value: str) -> dict[str, str] | None:
    try:
        tokens = json.loads(base64.urlsafe_b64decode(value.encode()))
    except ValueError:
        return None
    if not isinstance(tokens, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tokens.items()):
        return None
    return tokens


@router.get(TASK, include_in_schema=False)
async def task_page(request: Request, org: str, task: str, who: SignedIn = Depends(signed_in)) -> Response:
    return await _task_view(request, org, task, who)


async def _task_view(request: Request, org: str, task_id: str, who: SignedIn, *, refused: calls.Refused | None = None,
                     entered: dict[str, str] | None = None) -> Response:
    """The task page; after a refused action, the same page with the refusal in plain words and what the person
    typed kept, under the refusal's status (403, 409, 400)."""
    task = await calls.call(request, "governance", "GetTask", gapi.GetTaskRequest(
        name=f"organizations/{org}/tasks/{task_id}"))
    shown = await evidence.of(request, task)
    open_ = task.state in OPEN_STATES
    context = {
        "task": task, "href": task_href(task.name), "evidence": shown, "sla": sla_badge(task),
        "due": timestamp(task, "due_time"), "state": enum_words(task, "state"), "kind": enum_words(task, "kind"),
        "rule": _rule(task.rule), "open": open_, "project": short(task.project),
        "decisions": [(d, timestamp(d, "decide_time")) for d in task.decisions],
        "history": [(e, timestamp(e, "event_time")) for e in task.history],
        "choices": [(c, CHOICE_LABELS.get(c) or words(c)) for c in task.choices] if open_ else [],
        "claimable": task.state == gpb.TASK_STATE_OPEN and bool(task.candidates.roles),
        "releasable": task.state == gpb.TASK_STATE_CLAIMED and task.claimant == who.subject,
        "form_id": str(uuid.uuid4()), "refused": refused, "entered": entered or {},
        "violations": refused.violations if refused else {},
    }
    return page(request, "inbox/task.html", context, refused.status if refused else 200)


def _rule(rule: gpb.ApprovalRule) -> str:
    kind = enum_words(rule, "kind")
    if rule.kind == gpb.RULE_KIND_N_OF_M:
        kind = f"{rule.required} approvals needed"
    elif rule.kind == gpb.RULE_KIND_PERCENT:
        kind = f"{rule.percent}% of the candidates must approve"
    elif rule.kind == gpb.RULE_KIND_ANY:
        kind = "One approval decides"
    elif rule.kind == gpb.RULE_KIND_ALL:
        kind = "Every candidate must approve"
    elif rule.kind == gpb.RULE_KIND_TIERS:
        kind = f"{len(rule.tiers)} tiers, in order"
    if rule.mandatory_approvers:
        kind += "; must approve: " + ", ".join(rule.mandatory_approvers)
    return kind


@router.post(TASK + "/decide", include_in_schema=False)
async def decide(request: Request, org: str, task: str, who: SignedIn = Depends(signed_in)) -> Response:
    fields = await form(request)
    choice = fields.get("choice", "")
    conditions = [gpb.GateCondition(description=line.strip())
                  for line in fields.get("conditions", "").splitlines() if line.strip()]
    message = gapi.DecideTaskRequest(name=f"organizations/{org}/tasks/{task}", choice=choice,
                                     comment=fields.get("comment", ""), conditions=conditions,
                                     request_id=fields.get("request_id", ""))
    return await _act(request, org, task, who, fields, "DecideTask", message,
                      f"Your decision was recorded: {CHOICE_LABELS.get(choice) or words(choice)}.")


@router.post(TASK + "/claim", include_in_schema=False)
async def claim(request: Request, org: str, task: str, who: SignedIn = Depends(signed_in)) -> Response:
    fields = await form(request)
    message = gapi.ClaimTaskRequest(name=f"organizations/{org}/tasks/{task}", request_id=fields.get("request_id", ""))
    return await _act(request, org, task, who, fields, "ClaimTask", message,
                      "You claimed this task: only you can decide it until you release it.")


@router.post(TASK + "/release", include_in_schema=False)
async def release(request: Request, org: str, task: str, who: SignedIn = Depends(signed_in)) -> Response:
    fields = await form(request)
    message = gapi.ReleaseTaskRequest(name=f"organizations/{org}/tasks/{task}",
                                      request_id=fields.get("request_id", ""))
    return await _act(request, org, task, who, fields, "ReleaseTask", message,
                      "You released this task: it is offered to its candidates again.")


async def _act(request: Request, org: str, task: str, who: SignedIn, fields: dict[str, str], rpc: str, message,
               done: str) -> Response:
    """One task update; done: back to the task page (303) with `done` as the flash message."""
    try:
        await calls.call(request, "governance", rpc, message)
    except calls.Refused as refused:
        return await _task_view(request, org, task, who, refused=refused, entered=fields)
    session(request).flash(done)
    return RedirectResponse(TASK.format(org=org, task=task), status_code=303)
