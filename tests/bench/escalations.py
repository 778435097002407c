"""Escalation bench (`make bench`): N open escalations with pending timers, then all N breached at one
instant, against the bare workflow rate measured in the same run on the same servers (issue 7).

1. Memory: the governance worker's RSS (`pmaas serve worker`, a process of its own) idle after a warm-up,
   with N escalations open (each waiting on its acknowledge timer), and at its peak during the wave.
2. The wave: every escalation's first-level acknowledge SLA ends at the same instant. From it until all N
   are at level 2 with that level's acknowledge task open in the read model (the processes row at level 2
   and its task row OPEN, polled every 100 ms): total time, escalations/s, and each escalation's lag (the
   later of the two rows' update_time minus the instant).
3. The bare rate: N BareWorkflows (one activity + one update) started, updated and awaited at the same
   concurrency as the escalations were started, half before the escalations and half after the wave (the
   machine's load drifts; both halves are printed). Target: escalations/s in the wave >= 0.5 x bare workflows/s,
   since a breach runs several activities and opens a new task where the bare workflow runs one activity
   (the count is read from one escalation's history and printed).

One instant for all: on a 24/7 calendar each clock would start when its task opens, spreading the due times
over the time it took to start N escalations. So the policy's calendar works every day from minute M (UTC) to
midnight, with M after all N have opened: every clock starts at M and all N are due at M + ACK_S exactly
(checked against the due times in the read model before the wave). Warnings are off (sla_warning_percent 0),
so no reminder wave precedes the breach wave, and every other SLA is a day long, so nothing else fires.

Escalations are started as RaiseEscalation starts them (source MANUAL, ids from workflows.ids, the same
search attributes), directly with the Temporal client: the bench measures the worker, not the API.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass

import psutil
from temporalio.api.enums.v1 import EventType

from services.governance import temporal
from tests.bench.governance import Round, Stack, activities_in, bare_one, closed_loop, table
from tests.bench.harness import log, percentile
from workflows import escalation as esc
from workflows import ids
from workflows.approvals import Actor
from workflows.calendar import MINUTES_PER_DAY, BusinessCalendar
from workflows.policy import DAY, EscalationPath, GovernancePolicy, default_escalation_paths, default_policy, validate

ORG = "bench-esc"
WARMUP_ORG = "bench-esc-warmup"  # its own org: the wave's counts and audit chain see only the wave
PROJECT = "wave"
SEVERITY = "HIGH"
WORKFLOW = "EscalationWorkflow"  # by name, as the GovernanceService starts it
RAISER = Actor("bench-pm", ["pm"])
ACK_S = 1.0  # the first level's acknowledge SLA, counted from the calendar's opening minute
POLL_S = 0.1
PROGRESS_S = 10.0
PACE_SLACK = 1.5  # N open more slowly than the warm-up's batch (a fuller cache, a longer audit chain)
TARGET = 0.5
MB = 1024 * 1024

# An escalation is at `level` once its row says so and the level's task is open in the inbox (an escalation has
# one open task at a time; the workflow publishes the two rows concurrently, so both are read).
AT_LEVEL = """SELECT greatest(p.update_time, t.update_time) AS seen
              FROM processes p JOIN tasks t ON t.org_id = p.org_id AND t.process = p.name AND t.state = 'OPEN'
              WHERE p.org_id = $1 AND p.kind = $2 AND p.view->>'level' = $3"""
COUNT_AT_LEVEL = f"SELECT count(*) FROM ({AT_LEVEL}) at_level"
OPEN_DUE_TIMES = "SELECT min(due_time), max(due_time), count(*) FROM tasks WHERE org_id = $1 AND state = 'OPEN'"
ROUND_THE_CLOCK = BusinessCalendar(working_days=list(range(7)), day_start_min=0, day_end_min=MINUTES_PER_DAY)


def bench_policy(calendar: BusinessCalendar, ack_s: float) -> GovernancePolicy:
    """The default policy with one HIGH path: level 1 acknowledges within `ack_s`, every other SLA is a day;
    no warnings."""
    levels = next(p for p in default_escalation_paths() if p.severity == SEVERITY).levels
    for level in levels:
        level.acknowledge_s, level.resolve_s = DAY, DAY
    levels[0].acknowledge_s = ack_s
    policy = default_policy()
    policy.version, policy.calendar, policy.sla_warning_percent = 1, calendar, 0
    policy.escalation_paths = [EscalationPath(SEVERITY, levels)]
    if problems := validate(policy):
        raise ValueError(f"bench policy unusable: {problems}")
    return policy


def opening_calendar(opening: dt.datetime) -> BusinessCalendar:
    """Every day from `opening`'s minute (UTC) to midnight: a clock started earlier that day starts at it."""
    return BusinessCalendar(time_zone="UTC", working_days=list(range(7)),
                            day_start_min=opening.hour * 60 + opening.minute, day_end_min=MINUTES_PER_DAY)


def next_minute(t: dt.datetime) -> dt.datetime:
    floor = t.replace(second=0, microsecond=0)
    return floor if floor == t else floor + dt.timedelta(minutes=1)


def rss(stack: Stack) -> int:
    return psutil.Process(stack.worker.pid).memory_info().rss


def cpu_s(stack: Stack) -> float:
    t = psutil.Process(stack.worker.pid).cpu_times()
    return t.user + t.system


async def start_escalations(stack: Stack, org: str, policy: GovernancePolicy, count: int,
                            concurrency: int) -> list[str]:
    """`count` escalations raised by hand, `concurrency` starts in flight; their workflow ids."""
    started: list[str] = []

    async def one(i: int) -> None:
        esc_id = ids.resource_id(org, esc.KIND, str(uuid.uuid4()))  # as from a RaiseEscalation request id
        workflow_id = ids.workflow_id(esc.ID_PREFIX, org, esc_id)
        raised = esc.EscalationInput(org=org, project=PROJECT, id=esc_id, severity=SEVERITY,
                                     title=f"Bench escalation {i}", source="MANUAL", subject="", raised_by=RAISER,
                                     policy=policy)
        await temporal.start(stack.env.client, WORKFLOW, raised, workflow_id=workflow_id,
                             task_queue=stack.settings.temporal_task_queue,
                             attributes=temporal.search_attributes(org, PROJECT, esc.KIND),
                             timeout_s=temporal.START_TIMEOUT_S)
        started.append(workflow_id)

    await closed_loop(one, count, concurrency)
    return started


async def wait_at_level(stack: Stack, org: str, level: int, count: int, timeout_s: float, on_poll=None) -> None:
    """Until `count` escalations of `org` are at `level` with its acknowledge task open (one SELECT a poll)."""
    start = time.monotonic()
    told = start
    while True:
        reached = await stack.pool.fetchval(COUNT_AT_LEVEL, org, esc.KIND, str(level))
        if on_poll is not None:
            on_poll()
        if reached >= count:
            return
        now = time.monotonic()
        if now - start > timeout_s:
            raise TimeoutError(f"{reached}/{count} escalations of {org} at level {level} after {timeout_s:.0f} s")
        if now - told >= PROGRESS_S:
            log(f"  {reached}/{count} at level {level}")
            told = now
        await asyncio.sleep(POLL_S)


async def terminate(stack: Stack, workflow_ids: list[str], concurrency: int) -> None:
    async def one(i: int) -> None:
        await stack.env.client.get_workflow_handle(workflow_ids[i]).terminate(reason="bench over")

    await closed_loop(one, len(workflow_ids), concurrency)


async def activities_per_breach(stack: Stack, workflow_id: str) -> Counter[str]:
    """Activities the escalation scheduled after its acknowledge timer fired (the breach and level 2's task),
    by activity type."""
    handle = stack.env.client.get_workflow_handle(workflow_id)
    while True:  # until level 2's task has been announced too: nothing pending, no workflow task to run
        raw = (await handle.describe()).raw_description
        if not raw.pending_activities and not raw.HasField("pending_workflow_task"):
            break
        await asyncio.sleep(POLL_S)
    history = await handle.fetch_history()
    kinds = [e.event_type for e in history.events]
    fired = kinds.index(EventType.EVENT_TYPE_TIMER_FIRED)
    return Counter(activities_in(history.events[fired:]))


async def sleep_until(when: dt.datetime) -> None:
    await asyncio.sleep(max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()))


async def plan_opening(seconds_needed: float) -> dt.datetime:
    """The first whole minute (UTC) at least `seconds_needed` away whose breach falls on the same day as now:
    a clock started before midnight would otherwise already be inside the previous day's working span."""
    while True:
        now = dt.datetime.now(dt.UTC)
        opening = next_minute(now + dt.timedelta(seconds=seconds_needed))
        if opening.date() == now.date() and opening.hour * 60 + opening.minute < MINUTES_PER_DAY - 1:
            return opening
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        log(f"the wave would cross midnight UTC: waiting until {midnight:%H:%M:%S}")
        await sleep_until(midnight + dt.timedelta(seconds=1))


@dataclass
class Result:
    n: int
    concurrency: int
    open_s: float  # from the first start to all N open
    idle_rss: int  # bytes
    open_rss: int
    peak_rss: int
    wave_s: float  # breach instant to all N seen at level 2
    wave_cpu_s: float  # the worker's CPU seconds meanwhile
    lags_s: list[float]  # ascending
    activities: Counter[str]  # scheduled by one escalation after its breach, by type
    bare: list[Round]  # before the escalations, after the wave

    @property
    def bare_rate(self) -> float:
        return sum(len(b.latencies_ms) for b in self.bare) / sum(b.elapsed_s for b in self.bare)


async def run(stack: Stack, args: argparse.Namespace) -> Result:
    n, c = args.escalations, args.concurrency
    warm, policy = min(n, args.warmup), bench_policy(ROUND_THE_CLOCK, DAY)
    log(f"warm-up: {c} + {warm} escalations (24/7 calendar, nothing due) and {c} bare workflows")
    warmed = await start_escalations(stack, WARMUP_ORG, policy, c, c)  # cold: imports, sandbox, pools
    await wait_at_level(stack, WARMUP_ORG, 1, c, args.open_timeout)
    t0 = time.monotonic()  # the warm pace paces the wave's opening
    warmed += await start_escalations(stack, WARMUP_ORG, policy, warm, c)
    await wait_at_level(stack, WARMUP_ORG, 1, c + warm, args.open_timeout)
    open_s_each = (time.monotonic() - t0) / warm
    await terminate(stack, warmed, c)
    await closed_loop(lambda i: bare_one(stack, i), c, c)
    await asyncio.sleep(2)  # let the worker drop the terminated runs from its cache
    idle = rss(stack)

    log(f"bare baseline, first half: {n // 2} bare workflows, {c} in flight")
    bare = [await closed_loop(lambda i: bare_one(stack, i), n // 2, c)]

    # Opening: after all N have opened (at the warm pace with some slack, plus a margin), on a whole minute.
    opening = await plan_opening(PACE_SLACK * open_s_each * n + args.margin)
    breach = opening + dt.timedelta(seconds=ACK_S)
    log(f"starting {n} escalations, {c} in flight; all due at {breach:%H:%M:%S.%f} UTC")
    t0 = time.monotonic()
    wave_ids = await start_escalations(stack, ORG, bench_policy(opening_calendar(opening), ACK_S), n, c)
    try:  # a clock that starts after the opening would be due later than the others: no wave then
        await wait_at_level(stack, ORG, 1, n, (opening - dt.datetime.now(dt.UTC)).total_seconds())
    except TimeoutError as exc:
        raise RuntimeError(f"not all open before the opening at {opening:%H:%M:%S} UTC ({exc}): raise --margin") \
            from None
    open_s = time.monotonic() - t0
    low, high, tasks = await stack.pool.fetchrow(OPEN_DUE_TIMES, ORG)
    if (low, high, tasks) != (breach, breach, n):
        raise RuntimeError(f"expected {n} open tasks due at {breach}, found {tasks} due {low} .. {high}")
    log(f"all {n} open, their acknowledge tasks due at one instant, {breach - dt.datetime.now(dt.UTC)} from now")
    await sleep_until(breach - dt.timedelta(seconds=1))
    loaded = rss(stack)

    await sleep_until(breach)
    log("the wave: every acknowledge SLA breached now")
    peak, cpu_before = [loaded], cpu_s(stack)
    await wait_at_level(stack, ORG, 2, n, args.wave_timeout, on_poll=lambda: peak.append(rss(stack)))
    wave_s = (dt.datetime.now(dt.UTC) - breach).total_seconds()
    wave_cpu_s = cpu_s(stack) - cpu_before
    rows = await stack.pool.fetch(AT_LEVEL, ORG, esc.KIND, "2")
    lags = sorted((r["seen"] - breach).total_seconds() for r in rows)
    activities = await activities_per_breach(stack, wave_ids[0])
    log(f"terminating {n} escalations")
    await terminate(stack, wave_ids, c)
    log(f"bare baseline, second half: {n - n // 2} bare workflows, {c} in flight")
    bare.append(await closed_loop(lambda i: bare_one(stack, i), n - n // 2, c))
    return Result(n=n, concurrency=c, open_s=open_s, idle_rss=idle, open_rss=loaded, peak_rss=max(peak),
                  wave_s=wave_s, wave_cpu_s=wave_cpu_s, lags_s=lags, activities=activities, bare=bare)


def report(r: Result) -> None:
    n, lags, activities = r.n, r.lags_s, r.activities.total()
    rate = n / r.wave_s
    ratio = rate / r.bare_rate
    rows = [
        [f"{n} escalations started and open", f"{r.open_s:.1f} s ({n / r.open_s:.1f}/s)"],
        ["worker RSS idle (after warm-up)", f"{r.idle_rss / MB:.1f} MB"],
        [f"worker RSS, {n} open with pending timers", f"{r.open_rss / MB:.1f} MB"],
        ["per open escalation", f"{(r.open_rss - r.idle_rss) / n / 1024:.1f} KB"],
        ["worker RSS peak in the wave", f"{r.peak_rss / MB:.1f} MB"],
        [f"wave: breach to all {n} at level 2", f"{r.wave_s:.2f} s"],
        ["wave: escalations/s", f"{rate:.1f}"],
        ["lag per escalation p50 / p99", f"{percentile(lags, 50):.2f} / {percentile(lags, 99):.2f} s"],
        ["worker CPU in the wave (share of one core)", f"{r.wave_cpu_s:.1f} s ({r.wave_cpu_s / r.wave_s:.0%})"],
        ["activities per breach (one history)",
         f"{activities}: " + ", ".join(f"{k} {v}" for k, v in sorted(r.activities.items()))],
        ["activities/s in the wave", f"{rate * activities:.1f}"],
        [f"bare workflows/s ({r.concurrency} in flight; before / after)",
         f"{r.bare_rate:.1f} ({' / '.join(f'{b.rate:.1f}' for b in r.bare)})"],
        ["escalations/s / bare workflows/s", f"{ratio:.2f}"],
    ]
    print(f"\nEscalations: {n} open, all acknowledge SLAs breached at one instant")
    print(table(["measure", "value"], rows))
    print(f"wave escalations/s / bare workflows/s = {ratio:.2f} (target >= {TARGET:.2f}: a breach runs "
          f"{activities} activities and opens a task, a bare workflow one activity and one update): "
          f"{'met' if ratio >= TARGET else 'NOT met'}")
    print("at level 2 = the process row at level 2 and its acknowledge task OPEN in the read model (polled every "
          f"{POLL_S * 1000:.0f} ms); lag = the later row's update_time minus the breach instant")


async def main(args: argparse.Namespace) -> int:
    # SIGTERM (a `timeout`, a kill) cancels the run like Ctrl-C does, so the stack still stops.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    stack = Stack()
    await stack.start(args)
    try:
        result = await run(stack, args)
    finally:
        await stack.stop()
    report(result)
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--escalations", type=int, default=1_000, help="open escalations breached in the wave")
    parser.add_argument("--concurrency", type=int, default=20, help="starts (and bare workflows) in flight")
    parser.add_argument("--warmup", type=int, default=100, help="escalations opened first to pace the start")
    parser.add_argument("--margin", type=float, default=20.0, help="seconds added before the opening minute")
    parser.add_argument("--open-timeout", type=float, default=900.0, help="seconds for all to open")
    parser.add_argument("--wave-timeout", type=float, default=600.0, help="seconds for all to reach level 2")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
