"""Read-model rows as the workflows publish them (TaskSync / ProcessSync), for tests of the inbox and the
read-model activities that need no running process."""

from __future__ import annotations

import dataclasses
import datetime as dt

from google.protobuf import timestamp_pb2

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from workflows.approvals import (
    ApprovalRule,
    Candidates,
    ProcessRef,
    ProcessSync,
    Task,
    TaskEvent,
    TaskSpec,
    TaskSync,
)
from workflows.change_request import ChangeRequestView
from workflows.phase_gate import PhaseGateView

NOW = dt.datetime.now(dt.UTC)


def a_task(org: str, task_id: str, *, due_in_h: float = 24, kind: str = "CHANGE_APPROVAL", state: str = "OPEN",
           candidates: Candidates | None = None, requester: str = "paula", project: str = "apollo",
           process: str = "", version: int = 1) -> Task:
    process = process or f"organizations/{org}/changeRequests/cr-{task_id}"
    spec = TaskSpec(key="approval", kind=kind, title=f"Task {task_id}", requester=requester,
                    candidates=candidates or Candidates(roles=["pmo"]), rule=ApprovalRule(), due_after_s=86400,
                    summary="what is decided")
    ref = ProcessRef(org=org, project=project, process=process, workflow_id=f"change-request/{org}/{task_id}",
                     policy_version=0)
    task = Task(id=task_id, spec=spec, ref=ref, created=NOW, due_time=NOW + dt.timedelta(hours=due_in_h),
                reminder_times=[], state=state, version=version, history=[TaskEvent(NOW, "OPENED", detail="opened")])
    if state not in ("OPEN", "CLAIMED"):
        task.closed = NOW
        task.outcome = "APPROVE"
    return task


def synced(task: Task, new_events: list[TaskEvent] | None = None) -> TaskSync:
    events = task.history if new_events is None else new_events
    return TaskSync(task=task, new_events=events, pending_approvers=task.pending_approvers(),
                    sla_state=task.sla_state(dt.datetime.now(dt.UTC)))


def a_process(org: str, process_id: str, *, kind: str = "change_request", state: str = "PENDING_APPROVAL",
              project: str = "apollo", version: int = 1, events: list[TaskEvent] | None = None) -> ProcessSync:
    segment = "changeRequests" if kind == "change_request" else f"projects/{project}/phaseGates"
    name = f"organizations/{org}/{segment}/{process_id}"
    workflow_id = f"{kind}/{org}/{process_id}"
    if kind == "change_request":
        view = dataclasses.asdict(ChangeRequestView(
            name=name, org=org, project=project, id=process_id, title="Extend", description="", type="NORMAL",
            requester="paula", state=state, policy_version=0, workflow_id=workflow_id))
    else:
        view = dataclasses.asdict(PhaseGateView(
            name=name, org=org, project=project, id=process_id, requester="paula", from_phase="PLANNING",
            to_phase="EXECUTION", state=state, policy_version=0, workflow_id=workflow_id))
    return ProcessSync(kind=kind, org=org, project=project, id=process_id, name=name, workflow_id=workflow_id,
                       state=state, requester="paula", policy_version=0, version=version, view=view,
                       new_events=events or [TaskEvent(NOW, "SUBMITTED", actor="paula")])


def delegation_to(org: str, delegate: str, days: float, **kw) -> api.SetDelegationRequest:
    """A delegation from now for `days` days."""
    end = timestamp_pb2.Timestamp()
    end.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(days=days))
    return api.SetDelegationRequest(parent=f"organizations/{org}",
                                    delegation=pb.Delegation(delegate=delegate, end_time=end), **kw)
