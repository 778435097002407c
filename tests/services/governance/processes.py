"""Driving processes through the GovernanceService in tests: submit, wait for a state, find the task."""

from __future__ import annotations

import asyncio
import time

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from tests.support import eur, rid

WAIT_S = 30


def a_change(project: str, **fields) -> pb.ChangeRequest:
    values = {"project": project, "title": "More testing", "description": "Two more weeks of UAT",
              "type": pb.CHANGE_TYPE_NORMAL, "budget_delta": eur(5_000)}
    values.update(fields)
    return pb.ChangeRequest(**values)


async def submit(stub, caller, org: str, change: pb.ChangeRequest, **kw) -> pb.ChangeRequest:
    kw.setdefault("request_id", rid())
    return await caller(stub.SubmitChangeRequest, api.SubmitChangeRequestRequest(
        parent=f"organizations/{org}", change_request=change, **kw))


async def until(fetch, check, what: str, timeout_s: float = WAIT_S):
    """Poll `fetch()` until `check(result)`; fail naming `what` and the last result."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await fetch()
        if check(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last: {result}")
        await asyncio.sleep(0.05)


async def change_request_in(stub, caller, name: str, *states: int) -> pb.ChangeRequest:
    return await until(lambda: caller(stub.GetChangeRequest, api.GetChangeRequestRequest(name=name)),
                       lambda cr: cr.state in states, f"{name} in {states}")


async def open_task(stub, caller, cr_name: str) -> pb.Task:
    """The change request's newest task, once open."""
    cr = await until(lambda: caller(stub.GetChangeRequest, api.GetChangeRequestRequest(name=cr_name)),
                     lambda cr: cr.tasks, f"a task of {cr_name}")
    return await until(lambda: caller(stub.GetTask, api.GetTaskRequest(name=cr.tasks[-1])),
                       lambda t: t.state in (pb.TASK_STATE_OPEN, pb.TASK_STATE_CLAIMED), f"{cr.tasks[-1]} open")


async def decide(stub, caller, task: str, choice: str, comment: str = "", **kw) -> pb.Task:
    kw.setdefault("request_id", rid())
    return await caller(stub.DecideTask, api.DecideTaskRequest(name=task, choice=choice, comment=comment, **kw))
