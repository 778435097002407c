"""GetFinancialReport: budget use and earned value against a hand-worked example."""

from __future__ import annotations

import grpc

from pmaas.billing.v1 import billing_service_pb2 as api
from pmaas.billing.v1 import resources_pb2 as pb
from tests.services.billing.support import EUR, D, create_rate, log_time
from tests.support import Caller, fails, rid

# The hand-worked example (the `project` fixture plus the costs logged below):
#   BAC = 100,000.00 EUR, planned 2027-01-01..2027-04-10 = 100 days, 40 % complete.
#   as_of 2027-02-19 is day 50 of 100        -> PV = 100,000 × 50/100     =  50,000.00
#   EV  = 100,000 × 40 %                                                  =  40,000.00
#   AC  = 30 h × 1,500/h (billable or not; the rejected 5 h and the
#         hours after as_of do not count) + 5,000 travel                   =  50,000.00
#   CPI = EV / AC = 40,000 / 50,000                                       =  0.8000
#   SPI = EV / PV = 40,000 / 50,000                                       =  0.8000
#   EAC = BAC / CPI = 100,000 × 50,000 / 40,000                           = 125,000.00
#   ETC = EAC − AC = 125,000 − 50,000                                     =  75,000.00
#   VAC = BAC − EAC = 100,000 − 125,000                                   = −25,000.00
#   TCPI = (BAC − EV) / (BAC − AC) = 60,000 / 50,000                      =  1.2000
#   remaining = BAC − AC = 50,000.00; burn rate = 50,000 / 50 days        =   1,000.00 per day
#   potential savings = max(VAC, 0)                                       =       0.00
AS_OF = D(2027, 2, 19)


async def log_costs(billing_stub, as_role, org, engagement, project) -> None:
    await create_rate(billing_stub, as_role("finance"), org, role="partner", units=1500)
    ann, pm = as_role("member", sub="ann"), as_role("pm", sub="pat")
    for day, billable in ((4, True), (5, True), (6, False)):
        await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, day), hours="10", role="partner",
                       billable=billable)
    rejected = await log_time(billing_stub, ann, engagement, project, day=D(2027, 1, 7), hours="5", role="partner")
    await pm(billing_stub.RejectTimeEntry, api.RejectTimeEntryRequest(name=rejected.name, reason="duplicate"))
    await log_time(billing_stub, ann, engagement, project, day=D(2027, 2, 20), hours="8", role="partner")
    await ann(billing_stub.CreateExpense, api.CreateExpenseRequest(parent=engagement, request_id=rid(),
                                                                  expense=pb.Expense(
        project=project, expense_date=D(2027, 2, 1), category=pb.EXPENSE_CATEGORY_TRAVEL, amount=EUR(5000))))


def check_hand_worked_example(report: pb.FinancialReport) -> None:
    ev = report.earned_value
    assert (ev.bac, ev.pv, ev.ev, ev.ac) == (EUR(100_000), EUR(50_000), EUR(40_000), EUR(50_000))
    assert (ev.cpi, ev.spi, ev.tcpi) == ("0.8000", "0.8000", "1.2000")
    assert (ev.eac, ev.etc, ev.vac) == (EUR(125_000), EUR(75_000), EUR(-25_000))
    assert (report.budget, report.actual_cost, report.remaining) == (EUR(100_000), EUR(50_000), EUR(50_000))
    assert (report.time_cost, report.expense_cost) == (EUR(45_000), EUR(5_000))
    assert report.burn_rate_per_day == EUR(1000)
    assert report.forecast_at_completion == EUR(125_000)
    assert report.potential_savings == EUR(0)
    assert report.percent_complete == 40 and report.as_of == AS_OF


async def test_project_report_matches_the_hand_worked_example(billing_stub, as_role, org, engagement, project):
    await log_costs(billing_stub, as_role, org, engagement, project)
    report = await as_role("viewer")(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"{project}/financialReport", as_of=AS_OF))
    assert report.subject == project
    check_hand_worked_example(report)


async def test_engagement_report_sums_its_projects(billing_stub, as_role, org, engagement, project):
    await log_costs(billing_stub, as_role, org, engagement, project)
    report = await as_role("finance")(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"{engagement}/financialReport", as_of=AS_OF))
    assert report.subject == engagement
    check_hand_worked_example(report)
    assert [p.subject for p in report.projects] == [project]
    check_hand_worked_example(report.projects[0])


async def test_before_any_cost_ratios_are_empty_not_errors(billing_stub, as_role, engagement, project):
    report = await as_role("viewer")(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"{project}/financialReport", as_of=D(2026, 12, 1)))
    ev = report.earned_value
    assert (ev.pv, ev.ac, ev.cpi, ev.spi) == (EUR(0), EUR(0), "", "")
    assert ev.eac == EUR(60_000)  # AC + (BAC − EV): the remaining 60 % at plan
    assert not report.HasField("burn_rate_per_day")


async def test_bad_names_and_access(billing_stub, authority, as_role, org, project):
    viewer = as_role("viewer")
    bad = await fails(viewer(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(name=project)))
    assert bad.fields.keys() == {"name"}
    missing = await fails(viewer(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"organizations/{org}/engagements/nope/financialReport")))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    ghost = await fails(viewer(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"organizations/{org}/projects/ghost/financialReport")))
    assert ghost.code == grpc.StatusCode.NOT_FOUND
    bad_date = await fails(viewer(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"{project}/financialReport", as_of=D(2027, 2, 30))))
    assert bad_date.fields.keys() == {"as_of"}
    stranger = Caller(authority, "eve", {"elsewhere": ["admin"]})
    denied = await fails(stranger(billing_stub.GetFinancialReport, api.GetFinancialReportRequest(
        name=f"{project}/financialReport")))
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED
