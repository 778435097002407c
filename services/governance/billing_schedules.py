"""The Temporal Schedule of each organization's billing cycle, kept by the worker's ensure loop.

Chosen over creating it when the policy is saved: every organization gets its schedule (also those that never
saved a policy: the defaults close each month on the 1st at 06:00 UTC), and the worker re-reads the policy
every round, so a changed day, hour, time zone or `schedule_enabled` applies within a round. The schedule's
action has fixed arguments: it passes only the organization, and the workflow computes "the previous
period" from workflow.now() in the calendar's time zone, then starts that period's own cycle (once).

Overlap SKIP (a run still going when the next is due is not doubled) and a one-day catch-up window (a
worker or server down at 06:00 still closes the month the same day). The schedule's note records what it was
made from, so an unchanged policy costs one describe per round and no update.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import asyncpg
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
)

from workflows import billing_cycle as bc
from workflows.activities.governance import GovernanceActivities
from workflows.policy import GovernancePolicy

log = logging.getLogger(__name__)

CATCHUP_WINDOW = timedelta(days=1)


def schedule_for(org: str, policy: GovernancePolicy, task_queue: str) -> Schedule:
    b, zone = policy.billing, policy.calendar.time_zone
    note = f"billing policy v{policy.version}: day {b.day_of_month} at {b.hour:02d}:00 {zone} on {task_queue}"
    return Schedule(
        action=ScheduleActionStartWorkflow(bc.WORKFLOW, bc.BillingCycleInput(org=org), id=bc.schedule_id(org),
                                           task_queue=task_queue),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(
            second=[ScheduleRange(0)], minute=[ScheduleRange(0)], hour=[ScheduleRange(b.hour)],
            day_of_month=[ScheduleRange(b.day_of_month)], comment="close the previous billing period")],
            time_zone_name=zone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(note=note, paused=not b.schedule_enabled))


async def ensure_schedule(client: Client, org: str, policy: GovernancePolicy, task_queue: str) -> bool:
    """Create the organization's schedule, or update it when the policy changed; True when it wrote one."""
    wanted = schedule_for(org, policy, task_queue)
    try:
        await client.create_schedule(bc.schedule_id(org), wanted)
        return True
    except ScheduleAlreadyRunningError:
        pass
    handle = client.get_schedule_handle(bc.schedule_id(org))
    current = (await handle.describe()).schedule.state
    if (current.note, current.paused) == (wanted.state.note, wanted.state.paused):
        return False
    await handle.update(lambda _: ScheduleUpdate(schedule=wanted))
    return True


async def ensure_billing_schedules(client: Client, pool: asyncpg.Pool, orgs: list[str], task_queue: str) -> None:
    for org in orgs:
        try:
            policy = await GovernanceActivities(pool).current_policy(org)  # the stored policy, or the defaults
            await ensure_schedule(client, org, policy, task_queue)
        except Exception:  # one organization's trouble leaves the others' schedules kept
            log.warning("could not ensure the billing schedule", extra={"org": org}, exc_info=True)
