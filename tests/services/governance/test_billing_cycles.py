"""Billing cycles over the GovernanceService, against the real worker, the Temporal dev server and the real
Projects and Billing services: a run closes the period and finance approves the large invoice in its inbox, a
retried request id starts nothing again, a period runs once at a time, bad input is refused per field, other
organizations and other roles are refused, cycles are listed and filtered, and the organization's schedule,
triggered, runs the previous month's cycle."""

from __future__ import annotations

import asyncio
import datetime as dt

import grpc
import pytest
from google.protobuf import duration_pb2, field_mask_pb2
from google.type import money_pb2
from temporalio.common import WorkflowIDReusePolicy

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.governance.v1 import billing_cycles_pb2 as api
from pmaas.governance.v1 import governance_service_pb2 as governance_api
from pmaas.governance.v1 import resources_pb2 as pb
from services.governance import billing_schedules
from tests.services.billing.support import D, approve, create_engagement, create_rate, log_time
from tests.services.governance.processes import decide, until
from tests.support import eur, fails, rid
from workflows import billing_cycle as bc
from workflows import calendar
from workflows.policy import default_policy

JANUARY = {"period_start": D(2027, 1, 1), "period_end": D(2027, 1, 31)}
CLOSED = (api.BILLING_CYCLE_STATE_COMPLETED, api.BILLING_CYCLE_STATE_COMPLETED_WITH_ERRORS)


async def run(stub, caller, org: str, **kw) -> api.BillingCycle:
    kw.setdefault("request_id", rid())
    return await caller(stub.RunBillingCycle, api.RunBillingCycleRequest(parent=f"organizations/{org}", **kw))


async def cycle_in(stub, caller, name: str, check, what: str) -> api.BillingCycle:
    return await until(lambda: caller(stub.GetBillingCycle, api.GetBillingCycleRequest(name=name)), check, what)


@pytest.fixture
async def engagements(billing_stub, as_role, org, project) -> tuple[str, str]:
    """Two engagements on the project, each with approved January time: 8 h at 100 EUR (800 EUR, issued at
    once) and 8 h at 2,000 EUR (16,000 EUR: above the default 10,000 threshold, finance approves first)."""
    finance = as_role("finance")
    await create_rate(billing_stub, finance, org)
    await create_rate(billing_stub, finance, org, role="partner", units=2_000)
    made = []
    for key, role in (("small", "consultant"), ("large", "partner")):
        engagement = await create_engagement(billing_stub, finance, org, [project], engagement_id=f"e-{key}")
        entry = await log_time(billing_stub, as_role("member", sub=f"ann-{key}"), engagement.name, project,
                               day=D(2027, 1, 12), hours="8", role=role)
        await approve(billing_stub, as_role("pm", sub="pat"), entry)
        made.append(engagement.name)
    return made[0], made[1]


async def test_a_run_closes_the_period_and_finance_approves_in_its_inbox(
        governance_stub, billing_stub, worker, as_role, org, engagements, db_conn):
    small, large = engagements
    rita, fay = as_role("finance", "rita"), as_role("finance", "fay")
    started = await run(governance_stub, rita, org, **JANUARY)
    assert started.name == f"organizations/{org}/billingCycles/p20270101-20270131"
    assert (started.requested_by, started.run, started.workflow_id) == ("rita", 1, bc.workflow_id(org, started.name
                                                                                              .rsplit("/", 1)[1]))
    waiting = await cycle_in(governance_stub, rita, started.name,
                             lambda c: c.state == api.BILLING_CYCLE_STATE_AWAITING_APPROVAL and c.tasks,
                             "the approval task")
    # Where a person must act: the task is in finance's inbox.
    inbox = await fay(governance_stub.ListTasks, governance_api.ListTasksRequest(
        parent=f"organizations/{org}", assignee="me"))
    (task,) = [t for t in inbox.tasks if t.process == started.name]
    assert task.kind == pb.TASK_KIND_INVOICE_APPROVAL and task.name == waiting.tasks[0]
    refused = await fails(decide(governance_stub, rita, task.name, "APPROVE"))  # ran the cycle: four eyes
    assert refused.code == grpc.StatusCode.PERMISSION_DENIED
    again = await fails(run(governance_stub, fay, org, **JANUARY))  # one run of a period at a time
    assert (again.code, again.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "BILLING_CYCLE_RUNNING")
    await decide(governance_stub, fay, task.name, "APPROVE")
    done = await cycle_in(governance_stub, rita, started.name, lambda c: c.state in CLOSED, "the cycle closed")
    assert done.state == api.BILLING_CYCLE_STATE_COMPLETED and done.period_lock
    states = {e.engagement: e.state for e in done.engagements}
    assert states == {small: api.ENGAGEMENT_BILLING_STATE_ISSUED, large: api.ENGAGEMENT_BILLING_STATE_ISSUED}
    (cost,) = done.projects
    assert (cost.actual_cost.units, cost.actual_cost.currency_code) == (16_800, "EUR")
    listed = await rita(billing_stub.ListInvoices, billing_api.ListInvoicesRequest(parent=large))
    assert [i.state for i in listed.invoices] == [billing_pb.INVOICE_STATE_ISSUED]


async def test_a_retried_request_id_starts_nothing_again_and_a_rerun_counts(
        governance_stub, worker, as_role, org, db_conn):
    finance = as_role("finance", "rita")
    request_id = rid()
    first = await run(governance_stub, finance, org, request_id=request_id, **JANUARY)
    retried = await run(governance_stub, finance, org, request_id=request_id, **JANUARY)
    assert retried.name == first.name and retried.run == 1
    done = await cycle_in(governance_stub, finance, first.name, lambda c: c.state in CLOSED, "the cycle closed")
    assert done.state == api.BILLING_CYCLE_STATE_COMPLETED and list(done.engagements) == []  # none to bill
    late = await run(governance_stub, finance, org, request_id=request_id, **JANUARY)
    assert (late.name, late.run, late.state) == (first.name, 1, done.state)  # the cycle as it is, not a new run
    assert await db_conn.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1 AND action = "
                                  "'RunBillingCycle'", org) == 1
    rerun = await run(governance_stub, as_role("pmo", "pia"), org, **JANUARY)
    assert (rerun.name, rerun.run, rerun.requested_by) == (first.name, 2, "pia")
    await cycle_in(governance_stub, finance, first.name, lambda c: c.run == 2 and c.state in CLOSED, "run 2")


async def test_a_rerun_while_the_previous_run_is_still_ending_runs_after_it(
        governance_stub, worker, as_role, org, temporal_env):
    """The previous run publishes its closed view a moment before its execution ends; a rerun in that moment
    must not join the ending execution (and be recorded but never run): it waits for it, then runs. The moment
    is held open here by an execution of the cycle's id on a task queue no worker polls."""
    finance = as_role("finance")
    first = await run(governance_stub, finance, org, **JANUARY)
    await cycle_in(governance_stub, finance, first.name, lambda c: c.state in CLOSED, "run 1 closed")
    await temporal_env.client.get_workflow_handle(first.workflow_id).result()  # its execution too, here
    ending = await temporal_env.client.start_workflow(
        bc.WORKFLOW, None, id=first.workflow_id, task_queue="nobody-polls-" + rid(),
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
    rerun = asyncio.create_task(run(governance_stub, finance, org, **JANUARY))
    await asyncio.sleep(0.5)  # the rerun is recorded and waiting for the execution to end
    await ending.terminate("the previous run ends")
    second = await rerun
    assert (second.name, second.run) == (first.name, 2)
    done = await cycle_in(governance_stub, finance, first.name, lambda c: c.run == 2 and c.state in CLOSED,
                          "run 2 closed")
    assert done.state == api.BILLING_CYCLE_STATE_COMPLETED


async def test_without_a_period_the_previous_month_is_closed(governance_stub, worker, as_role, org):
    started = await run(governance_stub, as_role("pmo"), org)
    start, end = calendar.previous_month(default_policy().calendar, dt.datetime.now(dt.UTC))
    assert started.name.endswith(bc.cycle_id(start, end))
    await cycle_in(governance_stub, as_role("viewer"), started.name, lambda c: c.state in CLOSED, "closed")


@pytest.mark.parametrize(("fields", "field", "why"), [
    ({"period_start": D(2027, 1, 1)}, "period_end", "is required with the other end"),
    ({"period_end": D(2027, 1, 31)}, "period_start", "is required with the other end"),
    ({"period_start": D(2027, 2, 1), "period_end": D(2027, 1, 1)}, "period_end", "must not be before"),
    ({"period_start": D(2027, 1, 1), "period_end": D(2028, 6, 1)}, "period_end", "at most 366 days"),
    ({"period_start": D(2027, 2, 30), "period_end": D(2027, 3, 1)}, "period_start", ""),
    ({"request_id": "not-a-uuid"}, "request_id", "UUID"),
])
async def test_bad_input_is_refused_per_field(governance_stub, as_role, org, fields, field, why):
    kw = {"request_id": rid(), **fields}
    failure = await fails(as_role("finance")(governance_stub.RunBillingCycle, api.RunBillingCycleRequest(
        parent=f"organizations/{org}", **kw)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert why in failure.fields[field], failure.fields


async def test_malformed_names_and_filters_are_invalid(governance_stub, as_role, org):
    viewer = as_role("viewer")
    for call in (viewer(governance_stub.RunBillingCycle, api.RunBillingCycleRequest(parent="orgs/x")),
                 viewer(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(parent="")),
                 viewer(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(
                     parent=f"organizations/{org}", filter="colour = red")),
                 viewer(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(
                     parent=f"organizations/{org}", page_size=-1)),
                 viewer(governance_stub.GetBillingCycle, api.GetBillingCycleRequest(name=f"organizations/{org}"))):
        assert (await fails(call)).code == grpc.StatusCode.INVALID_ARGUMENT
    missing = await fails(viewer(governance_stub.GetBillingCycle, api.GetBillingCycleRequest(
        name=f"organizations/{org}/billingCycles/p20270101-20270131")))
    assert missing.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("role", ["pm", "member", "sponsor", "auditor", "viewer"])
async def test_only_finance_pmo_and_admin_run_a_cycle(governance_stub, as_role, org, role):
    failure = await fails(run(governance_stub, as_role(role), org, **JANUARY))
    assert (failure.code, failure.reason) == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")


async def test_another_organization_is_refused_whether_or_not_the_cycle_exists(governance_stub, worker, as_role,
                                                                               org):
    mine = await run(governance_stub, as_role("finance"), org, **JANUARY)
    stranger = as_role("finance", "eve", org_id="other-org")
    for call in (stranger(governance_stub.GetBillingCycle, api.GetBillingCycleRequest(name=mine.name)),
                 stranger(governance_stub.GetBillingCycle, api.GetBillingCycleRequest(
                     name=f"organizations/{org}/billingCycles/p20260101-20260131")),
                 stranger(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(
                     parent=f"organizations/{org}")),
                 run(governance_stub, stranger, org, **JANUARY)):
        assert (await fails(call)).code == grpc.StatusCode.PERMISSION_DENIED


async def test_cycles_are_listed_newest_first_and_filtered(governance_stub, worker, as_role, org):
    finance = as_role("finance")
    names = []
    for month in (1, 2, 3):
        started = await run(governance_stub, finance, org, period_start=D(2027, month, 1),
                            period_end=D(2027, month, 28))
        names.append(started.name)
        await cycle_in(governance_stub, finance, started.name, lambda c: c.state in CLOSED, "closed")
    parent = f"organizations/{org}"
    first = await finance(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(parent=parent,
                                                                                         page_size=2))
    rest = await finance(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(
        parent=parent, page_size=2, page_token=first.next_page_token))
    assert [c.name for c in [*first.billing_cycles, *rest.billing_cycles]] == names[::-1]
    filtered = await finance(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(
        parent=parent, filter='state = BILLING_CYCLE_STATE_COMPLETED AND period_start >= "2027-02-01"'))
    assert [c.name for c in filtered.billing_cycles] == names[:0:-1]


async def test_the_organizations_schedule_runs_the_previous_months_cycle(
        governance_stub, worker, governance_settings, temporal_env, governance_pool, as_role, org):
    client = temporal_env.client
    task_queue = governance_settings.temporal_task_queue
    await billing_schedules.ensure_billing_schedules(client, governance_pool, [org], task_queue)
    handle = client.get_schedule_handle(bc.schedule_id(org))
    try:
        described = await handle.describe()
        calendar_spec = described.schedule.spec.calendars[0]
        assert (calendar_spec.day_of_month[0].start, calendar_spec.hour[0].start) == (1, 6)
        assert described.schedule.spec.time_zone_name == "UTC" and not described.schedule.state.paused
        # Unchanged policy: nothing to update.
        assert not await billing_schedules.ensure_schedule(client, org, default_policy(), task_queue)
        await handle.trigger()
        start, end = calendar.previous_month(default_policy().calendar, dt.datetime.now(dt.UTC))
        name = f"organizations/{org}/billingCycles/{bc.cycle_id(start, end)}"
        done = await until(lambda: as_role("viewer")(governance_stub.ListBillingCycles, api.ListBillingCyclesRequest(
            parent=f"organizations/{org}")), lambda r: r.billing_cycles and r.billing_cycles[0].state in CLOSED,
            "the scheduled cycle")
        (cycle,) = done.billing_cycles
        assert (cycle.name, cycle.requested_by) == (name, "schedule")
    finally:
        await handle.delete()


# --- the policy's billing section ------------------------------------------------------------------------------


def _billing_update(org: str, billing: api.BillingPolicy) -> governance_api.UpdateGovernancePolicyRequest:
    return governance_api.UpdateGovernancePolicyRequest(
        governance_policy=pb.GovernancePolicy(name=f"organizations/{org}/governancePolicy", billing=billing),
        update_mask=field_mask_pb2.FieldMask(paths=["billing"]), request_id=rid())


async def test_the_billing_section_defaults_and_is_updated_over_the_api(governance_stub, as_role, org):
    pmo = as_role("pmo")
    current = await pmo(governance_stub.GetGovernancePolicy, governance_api.GetGovernancePolicyRequest(
        name=f"organizations/{org}/governancePolicy"))
    assert (current.billing.period, current.billing.schedule_day_of_month, current.billing.schedule_hour) == (
        api.BILLING_PERIOD_MONTHLY, 1, 6)
    assert (current.billing.approval_threshold.units, current.billing.approval_threshold.currency_code) == (
        10_000, "EUR")
    assert current.billing.approval_duration.seconds == 16 * 3600 and current.billing.schedule_enabled
    updated = await pmo(governance_stub.UpdateGovernancePolicy, _billing_update(org, api.BillingPolicy(
        period=api.BILLING_PERIOD_MONTHLY, schedule_day_of_month=3, schedule_hour=7, approval_threshold=eur(500),
        approval_duration=duration_pb2.Duration(seconds=3600), schedule_enabled=False)))
    assert (updated.billing.schedule_day_of_month, updated.billing.schedule_hour) == (3, 7)
    assert updated.billing.approval_threshold == eur(500) and not updated.billing.schedule_enabled
    assert list(updated.change_tiers) == list(current.change_tiers)  # only the billing section changed


@pytest.mark.parametrize(("billing", "field"), [
    (api.BillingPolicy(schedule_day_of_month=29), "billing.schedule_day_of_month"),
    (api.BillingPolicy(schedule_hour=24), "billing.schedule_hour"),
    (api.BillingPolicy(approval_threshold=eur(-1)), "billing.approval_threshold"),
    (api.BillingPolicy(approval_threshold=money_pb2.Money(currency_code="USD", units=5)),
     "billing.approval_threshold.currency_code"),
    (api.BillingPolicy(approval_duration=duration_pb2.Duration(seconds=400 * 86400)), "billing.approval_duration"),
])
async def test_a_bad_billing_section_is_refused_per_field(governance_stub, as_role, org, billing, field):
    failure = await fails(as_role("pmo")(governance_stub.UpdateGovernancePolicy, _billing_update(org, billing)))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert f"governance_policy.{field}" in failure.fields, failure.fields


async def test_the_schedule_follows_the_policy(governance_stub, worker, governance_settings, temporal_env,
                                               governance_pool, as_role, org):
    client, task_queue = temporal_env.client, governance_settings.temporal_task_queue
    await billing_schedules.ensure_billing_schedules(client, governance_pool, [org], task_queue)
    handle = client.get_schedule_handle(bc.schedule_id(org))
    try:
        await as_role("pmo")(governance_stub.UpdateGovernancePolicy, _billing_update(org, api.BillingPolicy(
            schedule_day_of_month=5, schedule_hour=22, schedule_enabled=False)))
        await billing_schedules.ensure_billing_schedules(client, governance_pool, [org], task_queue)
        described = await handle.describe()
        spec = described.schedule.spec.calendars[0]
        assert (spec.day_of_month[0].start, spec.hour[0].start) == (5, 22)
        assert described.schedule.state.paused  # schedule_enabled = false
    finally:
        await handle.delete()
