"""EscalationWorkflow on Temporal's time-skipping server with a real worker and the governance read model:
every level's SLAs, reminders at the warning share, breaches climbing to the top, acknowledgement and
resolution by the right people only, paused clocks, notes and withdrawal."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.worker import Worker

from tests.support import rid
from tests.workflows import recordings
from workflows import ids
from workflows.activities.governance import GovernanceActivities
from workflows.approvals import Actor, Candidates, DecideInput, Task
from workflows.calendar import BusinessCalendar, due_instant
from workflows.escalation import (
    ID_PREFIX,
    KIND,
    ClockInput,
    EscalationInput,
    EscalationView,
    EscalationWorkflow,
    NoteInput,
)
from workflows.policy import HOUR, EscalationLevel, EscalationPath, GovernancePolicy, default_policy
from workflows.worker import CHECKING_SANDBOX

PETE = Actor("pete", ["pm"])  # L1
OLGA = Actor("olga", ["pmo"])  # L2
SUE = Actor("sue", ["sponsor"])  # L3
MIA = Actor("mia", ["member"])  # raised it; owns no level
AROUND_THE_CLOCK = BusinessCalendar(working_days=list(range(7)), day_start_min=0, day_end_min=24 * 60)


def policy(calendar: BusinessCalendar = AROUND_THE_CLOCK) -> GovernancePolicy:
    """Three levels; one hour to acknowledge and four to resolve at each, warnings at 75 %."""
    chosen = default_policy("TACTICAL")
    chosen.version = 4
    chosen.calendar = calendar
    chosen.escalation_paths = [EscalationPath("HIGH", [
        EscalationLevel("L1 project manager", Candidates(roles=["pm"]), HOUR, 4 * HOUR),
        EscalationLevel("L2 PMO lead", Candidates(roles=["pmo"]), HOUR, 4 * HOUR),
        EscalationLevel("L3 sponsor", Candidates(roles=["sponsor"]), HOUR, 4 * HOUR)])]
    return chosen


class Escalations:
    def __init__(self, client: Client, task_queue: str, org: str) -> None:
        self.client, self.task_queue, self.org = client, task_queue, org
        self.handles: list[WorkflowHandle] = []

    async def raise_(self, chosen: GovernancePolicy | None = None, severity: str = "HIGH") -> WorkflowHandle:
        esc_id = ids.resource_id(self.org, KIND, rid())
        handle = await self.client.start_workflow(
            EscalationWorkflow.run, EscalationInput(
                org=self.org, project="apollo", id=esc_id, severity=severity, title="Vendor API down",
                source="MANUAL", subject="", raised_by=MIA, policy=chosen or policy()),
            id=ids.workflow_id(ID_PREFIX, self.org, esc_id), task_queue=self.task_queue)
        self.handles.append(handle)
        return handle

    async def stop_all(self) -> None:
        for handle in self.handles:
            with contextlib.suppress(Exception):
                await handle.terminate("test over")


@pytest.fixture
async def escalations(time_skipping_env, task_queue, governance_pool, org):
    async with Worker(time_skipping_env.client, task_queue=task_queue, workflows=[EscalationWorkflow],
                      activities=GovernanceActivities(governance_pool).all(), workflow_runner=CHECKING_SANDBOX):
        harness = Escalations(time_skipping_env.client, task_queue, org)
        yield harness
        await harness.stop_all()


async def until(handle: WorkflowHandle, check, what: str, timeout_s: float = 20) -> EscalationView:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        view = await handle.query(EscalationWorkflow.view)
        if check(view):
            return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {view}")
        await asyncio.sleep(0.05)


async def open_task(handle: WorkflowHandle, prefix: str) -> Task:
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        found = [t for t in await handle.query(EscalationWorkflow.tasks)
                 if t.spec.key.startswith(prefix) and t.is_open]
        if found:
            return found[0]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no open task {prefix}")
        await asyncio.sleep(0.05)


async def decide(handle: WorkflowHandle, task: Task, who: Actor, choice: str, comment: str = "") -> Task:
    return await handle.execute_update(EscalationWorkflow.decide, DecideInput(task_id=task.id, actor=who,
                                                                               choice=choice, comment=comment))


async def refused(call) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await call
    return f"{failed.value.cause.type}: {failed.value.cause.message}"


async def record(handle: WorkflowHandle, scenario: str) -> None:
    await recordings.record(handle, f"escalation_{scenario}")


async def notifications(governance_pool, org: str, subject: str) -> list[str]:
    rows = await governance_pool.fetch("SELECT kind FROM notifications WHERE org_id = $1 AND subject = $2 "
                                       "ORDER BY seq", org, subject)
    return [r["kind"] for r in rows]


async def test_an_unanswered_escalation_climbs_every_level_to_the_top(escalations, time_skipping_env,
                                                                      governance_pool, org):
    handle = await escalations.raise_()
    first = await open_task(handle, "L1-acknowledge")
    assert first.pending_approvers() == ["role:pm", "role:pmo", "role:sponsor"]  # this level and those above
    for level in (2, 3):
        await time_skipping_env.sleep(timedelta(minutes=61))
        await until(handle, lambda v, n=level: v.level == n, f"level {level}")
    await time_skipping_env.sleep(timedelta(minutes=61))
    view = await until(handle, lambda v: len(v.breaches) == 3, "the top level's breach")
    assert (view.level, view.state) == (3, "OPEN")  # the top keeps it, with fresh clocks
    assert [(b.level, b.clock) for b in view.breaches] == [(1, "ACKNOWLEDGE"), (2, "ACKNOWLEDGE"), (3, "ACKNOWLEDGE")]
    assert view.owners == ["role:sponsor"]
    tasks = await handle.query(EscalationWorkflow.tasks)
    assert [t.spec.key for t in tasks][:3] == ["L1-acknowledge-1", "L2-acknowledge-2", "L3-acknowledge-3"]
    assert [e.kind for e in tasks[0].history] == ["OPENED", "REMINDED", "CLOSED"]  # reminded at 75 %
    assert tasks[0].outcome == "BREACHED"
    kinds = await notifications(governance_pool, org, view.name)
    # Each breach: the owners who missed it are told, the next level's owners get their task (TASK_OPENED).
    assert kinds.count("ESCALATION_BREACHED") == 3 and kinds.count("TASK_OPENED") == 4
    assert kinds.count("TASK_REMINDER") == 3 and "TASK_CLOSED" not in kinds  # nobody asked for these tasks
    await record(handle, "climbs_to_the_top")


async def test_an_owner_acknowledges_and_someone_above_resolves(escalations, governance_pool, org):
    handle = await escalations.raise_()
    ack = await open_task(handle, "L1-acknowledge")
    assert "NOT_A_CANDIDATE" in await refused(decide(handle, ack, MIA, "ACKNOWLEDGE"))  # raised it; owns nothing
    await decide(handle, ack, PETE, "ACKNOWLEDGE", "on it")
    view = await until(handle, lambda v: v.state == "ACKNOWLEDGED", "the acknowledgement")
    assert view.acknowledged_by == "pete" and view.acknowledge_due is None and view.resolve_due is not None
    resolve = await open_task(handle, "L1-resolve")
    assert "INVALID_ARGUMENT" in await refused(decide(handle, resolve, OLGA, "RESOLVE"))  # no resolution
    await decide(handle, resolve, OLGA, "RESOLVE", "vendor restored the API; monitoring added")
    done = await handle.result()
    assert (done.state, done.resolved_by, done.resolution) == ("RESOLVED", "olga",
                                                               "vendor restored the API; monitoring added")
    assert done.breaches == [] and done.close_time is not None and done.resolve_due is None
    row = await governance_pool.fetchrow("SELECT state, kind FROM processes WHERE name = $1", done.name)
    assert (row["state"], row["kind"]) == ("RESOLVED", KIND)
    await record(handle, "acknowledged_resolved")


async def test_resolving_on_the_acknowledge_task_does_both(escalations):
    handle = await escalations.raise_()
    await decide(handle, await open_task(handle, "L1-acknowledge"), PETE, "RESOLVE", "false alarm: test system")
    done = await handle.result()
    assert (done.state, done.resolved_by, len(done.tasks)) == ("RESOLVED", "pete", 1)


async def test_a_missed_resolution_escalates_and_lower_owners_can_no_longer_act(escalations, time_skipping_env):
    handle = await escalations.raise_()
    await decide(handle, await open_task(handle, "L1-acknowledge"), PETE, "ACKNOWLEDGE")
    await until(handle, lambda v: v.state == "ACKNOWLEDGED", "the acknowledgement")
    await time_skipping_env.sleep(timedelta(hours=4, minutes=1))
    view = await until(handle, lambda v: v.level == 2, "level 2")
    assert [(b.level, b.clock) for b in view.breaches] == [(1, "RESOLVE")]
    assert view.state == "OPEN" and view.acknowledged_by == ""
    ack = await open_task(handle, "L2-acknowledge")
    assert "NOT_A_CANDIDATE" in await refused(decide(handle, ack, PETE, "ACKNOWLEDGE"))
    assert "NOT_A_CANDIDATE" in await refused(handle.execute_update(
        EscalationWorkflow.add_note, NoteInput(PETE, "still on it")))
    await decide(handle, ack, SUE, "RESOLVE", "sponsor accepted the workaround")
    assert (await handle.result()).resolved_by == "sue"
    await record(handle, "resolve_breach")


async def test_a_paused_clock_moves_the_due_times_by_the_pause(escalations, time_skipping_env):
    handle = await escalations.raise_()
    ack = await open_task(handle, "L1-acknowledge")
    await time_skipping_env.sleep(timedelta(minutes=30))
    assert "INVALID_ARGUMENT" in await refused(handle.execute_update(EscalationWorkflow.pause, ClockInput(PETE, " ")))
    paused = await handle.execute_update(EscalationWorkflow.pause, ClockInput(PETE, "waiting on the client's logs"))
    assert paused.paused and paused.acknowledge_due is None and paused.resolve_due is None
    assert (await open_task(handle, "L1-acknowledge")).sla_state(ack.due_time) == "PAUSED"
    await time_skipping_env.sleep(timedelta(hours=6))  # longer than every SLA of the level
    still = await handle.query(EscalationWorkflow.view)
    assert (still.level, still.breaches) == (1, [])
    resumed = await handle.execute_update(EscalationWorkflow.resume, ClockInput(PETE, "logs arrived"))
    task = await open_task(handle, "L1-acknowledge")
    # Half an hour of the hour was used: the rest counts from the resume.
    assert timedelta(minutes=29) < resumed.acknowledge_due - resumed.update_time <= timedelta(minutes=30)
    assert task.due_time == resumed.acknowledge_due
    assert timedelta(hours=3, minutes=29) < resumed.resolve_due - resumed.update_time <= timedelta(hours=3, minutes=30)
    await time_skipping_env.sleep(timedelta(minutes=31))
    view = await until(handle, lambda v: v.level == 2, "the breach after the resume")
    assert [(b.level, b.clock) for b in view.breaches] == [(1, "ACKNOWLEDGE")]
    assert [e.kind for e in (await handle.query(EscalationWorkflow.tasks))[0].history] == \
        ["OPENED", "PAUSED", "RESUMED", "REMINDED", "CLOSED"]
    await record(handle, "paused")


async def test_business_hours_decide_the_due_times(escalations):
    office = BusinessCalendar(time_zone="Europe/Berlin")  # Monday to Friday, 09:00-17:00
    chosen = policy(office)
    handle = await escalations.raise_(chosen)
    task = await open_task(handle, "L1-acknowledge")
    view = await until(handle, lambda v: v.acknowledge_due is not None, "the view's due times")
    assert view.acknowledge_due == task.due_time == due_instant(office, task.created, HOUR, True)
    # The level's clocks start together, between the raise and the task's opening.
    assert due_instant(office, view.create_time, 4 * HOUR, True) <= view.resolve_due \
        <= due_instant(office, task.created, 4 * HOUR, True)


async def test_notes_and_withdrawal_follow_who_may_act(escalations, governance_pool, org):
    handle = await escalations.raise_()
    await open_task(handle, "L1-acknowledge")
    noted = await handle.execute_update(EscalationWorkflow.add_note, NoteInput(MIA, "customer called twice"))
    noted = await handle.execute_update(EscalationWorkflow.add_note, NoteInput(PETE, "vendor ticket 4711"))
    assert [(n.author, n.text) for n in noted.notes] == [("mia", "customer called twice"),
                                                         ("pete", "vendor ticket 4711")]
    outsider = Actor("zed", ["viewer"])
    assert "NOT_A_CANDIDATE" in await refused(handle.execute_update(EscalationWorkflow.add_note,
                                                                    NoteInput(outsider, "hi")))
    assert "NOT_ALLOWED" in await refused(handle.execute_update(EscalationWorkflow.withdraw,
                                                                ClockInput(PETE, "not needed")))
    done = await handle.execute_update(EscalationWorkflow.withdraw, ClockInput(OLGA, "issue closed as duplicate"))
    assert (done.state, done.resolution) == ("WITHDRAWN", "issue closed as duplicate")
    final = await handle.result()
    assert final.state == "WITHDRAWN"
    [task] = await handle.query(EscalationWorkflow.tasks)
    assert (task.state, task.outcome) == ("CANCELLED", "CANCELLED")
    await record(handle, "withdrawn")
