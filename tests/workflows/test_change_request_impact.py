"""The pure parts of a change request, hand-worked: impact arithmetic (dates, budget, affected milestones and
assignments, earned value before/after), routing by policy tier, conflicts, and the approvers' evidence."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from workflows.approvals import Actor
from workflows.change_request import (
    AssessInput,
    ChangeRequestInput,
    MilestoneChange,
    blackout_conflicts,
    evidence_of,
    format_money,
    open_request_conflicts,
    route_of,
)
from workflows.impact import Actuals, Dated, ProjectFacts, compute_impact, evm_after, ratio_text
from workflows.policy import MICROS, BlackoutWindow, default_policy

EUR = 1_000_000  # micros of one euro
P = "organizations/acme/projects/apollo"

# Apollo: 100,000 EUR over 2027-01-01..2027-04-10 (100 days inclusive), 40% complete.
APOLLO = ProjectFacts(name=P, etag="e1", currency="EUR", budget_micros=100_000 * EUR, start_date="2027-01-01",
                      end_date="2027-04-10", percent_complete=40)
MILESTONES = [Dated(f"{P}/milestones/design", "2027-02-01"), Dated(f"{P}/milestones/launch", "2027-04-08"),
              Dated(f"{P}/milestones/old", "2027-04-09", open=False)]
ASSIGNMENTS = [Dated(f"{P}/assignments/dan", "2027-04-10"), Dated(f"{P}/assignments/eve", "2027-03-01")]
# Day 50 of 100: PV 50,000; EV 40,000; AC 30,000 -> CPI 1.3333, SPI 0.8000, EAC 75,000.
ACTUALS = Actuals(as_of="2027-02-19", ac_micros=30_000 * EUR, cpi="1.3333", spi="0.8000", eac_micros=75_000 * EUR)


def change(**kw) -> AssessInput:
    base = dict(org="acme", project="apollo", requester="alice", currency="EUR", budget_delta_micros=0,
                schedule_delta_days=0, new_end_date="", scope_change="")
    return AssessInput(**{**base, **kw})


def request(type_: str = "NORMAL", policy=None, **kw) -> ChangeRequestInput:
    return ChangeRequestInput(org="acme", project="apollo", id="cr1", requester=Actor("alice", ["pm"]),
                              title="More time", description="", type=type_,
                              policy=policy or default_policy("TACTICAL"), **kw)


# --- impact -----------------------------------------------------------------------------------


def test_budget_and_schedule_move_and_evm_is_recomputed_on_the_new_plan():
    impact = compute_impact(change(budget_delta_micros=10_000 * EUR, schedule_delta_days=10), APOLLO, MILESTONES,
                            ASSIGNMENTS, ACTUALS)
    assert (impact.current_budget_micros, impact.new_budget_micros) == (100_000 * EUR, 110_000 * EUR)
    assert (impact.current_end_date, impact.new_end_date, impact.schedule_delta_days) == \
        ("2027-04-10", "2027-04-20", 10)
    assert impact.affected_milestones == [] and impact.affected_assignments == []
    # BAC 110,000 over 110 days, day 50: PV 50,000; EV 44,000 -> CPI 44/30 = 1.46667, SPI 0.88;
    # EAC = BAC x AC / EV = 110,000 x 30,000 / 44,000 = 75,000 (EAC follows cost and progress, not the budget).
    assert (impact.cpi_before, impact.cpi_after) == ("1.3333", "1.4667")
    assert (impact.spi_before, impact.spi_after) == ("0.8000", "0.8800")
    assert (impact.eac_before_micros, impact.eac_after_micros) == (75_000 * EUR, 75_000 * EUR)
    assert impact.project_etag == "e1" and impact.current_start_date == "2027-01-01"


def test_an_earlier_end_date_affects_open_milestones_and_assignments_after_it():
    impact = compute_impact(change(new_end_date="2027-04-05"), APOLLO, MILESTONES, ASSIGNMENTS, None)
    assert impact.schedule_delta_days == -5
    # launch (due 04-08) falls after the new end; "old" is achieved or cancelled: nothing of it moves.
    assert impact.affected_milestones == [f"{P}/milestones/launch"]
    assert impact.affected_assignments == [f"{P}/assignments/dan"]


def test_milestones_named_in_the_change_are_affected_by_id_or_by_name():
    impact = compute_impact(change(milestone_changes=[MilestoneChange("design", "2027-02-10"),
                                                      MilestoneChange(f"{P}/milestones/launch", "2027-04-09")]),
                            APOLLO, MILESTONES, ASSIGNMENTS, None)
    assert impact.affected_milestones == [f"{P}/milestones/design", f"{P}/milestones/launch"]


def test_without_an_engagement_the_earned_value_stays_empty():
    impact = compute_impact(change(budget_delta_micros=1 * EUR), APOLLO, [], [], None)
    assert (impact.cpi_before, impact.cpi_after, impact.spi_before, impact.spi_after) == ("", "", "", "")
    assert impact.eac_before_micros == impact.eac_after_micros == 0


@pytest.mark.parametrize(("kw", "field"), [
    (dict(currency="USD"), "budget_delta.currency_code"),
    (dict(budget_delta_micros=-100_001 * EUR), "budget_delta"),
    (dict(new_end_date="2026-12-31"), "new_end_date"),
    (dict(new_end_date="2027-05-01", schedule_delta_days=3), "new_end_date"),
    (dict(new_end_date="next week"), "new_end_date"),
    (dict(milestone_changes=[MilestoneChange("nope", "2027-02-01")]), "milestone_changes[0].milestone"),
    (dict(milestone_changes=[MilestoneChange("design", "")]), "milestone_changes[0].new_due_date"),
])
def test_a_change_that_does_not_fit_the_project_names_the_field(kw, field):
    with pytest.raises(ValueError) as refused:
        compute_impact(change(**kw), APOLLO, MILESTONES, ASSIGNMENTS, None)
    assert str(refused.value).startswith(f"{field}: ")


def test_a_project_without_planned_dates_cannot_be_rebaselined():
    undated = ProjectFacts(P, "e", "EUR", 1 * EUR, "", "", 0)
    with pytest.raises(ValueError, match="^project: .* no planned start and end dates"):
        compute_impact(change(), undated, [], [], None)


def test_evm_after_while_nothing_is_earned_or_spent_forecasts_the_rest_at_plan():
    # EV 0 (0%): CPI undefined, EAC = AC + (BAC - EV) = 1,000 + 2,000.
    assert evm_after(2_000 * EUR, dt.date(2027, 1, 1), dt.date(2027, 1, 10), dt.date(2027, 1, 5), 0,
                     1_000 * EUR) == ("0.0000", "0.0000", 3_000 * EUR)
    # AC 0: CPI undefined (""), EAC = BAC - EV; before the start PV is 0, so SPI is undefined too.
    assert evm_after(2_000 * EUR, dt.date(2027, 1, 1), dt.date(2027, 1, 10), dt.date(2026, 12, 1), 50, 0) == \
        ("", "", 1_000 * EUR)


def test_ratios_have_four_decimals_rounded_half_to_even():
    assert ratio_text(Fraction(1, 3), Fraction(1)) == "0.3333"
    assert ratio_text(Fraction(2, 3), Fraction(1)) == "0.6667"
    assert ratio_text(Fraction(5, 100_000), Fraction(1)) == "0.0000"  # 0.5 e-4 -> even 0
    assert ratio_text(Fraction(15, 100_000), Fraction(1)) == "0.0002"  # 1.5 e-4 -> even 2
    assert ratio_text(Fraction(-1, 4), Fraction(1)) == "-0.2500"
    assert ratio_text(Fraction(1), Fraction(0)) == ""


def test_money_is_formatted_without_floats():
    assert format_money(1_234_500_000, "EUR") == "1234.50 EUR"
    assert format_money(-5 * MICROS, "EUR") == "-5.00 EUR"
    assert format_money(1_234_567, "JPY") == "1.234567 JPY"


# --- routing, conflicts, evidence ------------------------------------------------------------


def impact_of(budget: int = 0, days: int = 0):
    return compute_impact(change(budget_delta_micros=budget, schedule_delta_days=days), APOLLO, [], [], None)


def test_normal_changes_route_by_the_first_tier_their_impact_fits():
    assert route_of(request(), impact_of(10_000 * EUR, 5)).tier == "minor"
    assert route_of(request(), impact_of(10_000 * EUR + 1, 0)).tier == "major"
    assert route_of(request(), impact_of(-10_000 * EUR, -6)).tier == "major"  # absolute values
    assert route_of(request(scope_change="add a module"), impact_of(1 * EUR)).tier == "major"
    assert route_of(request(), impact_of(100_001 * EUR)).tier == "critical"
    minor = route_of(request(), impact_of(1 * EUR))
    assert (minor.auto_approved, minor.due_s, minor.candidates.roles, minor.rule.kind) == \
        (False, 2 * 8 * 3600, ["pmo"], "ANY")  # two working days of business time


def test_emergency_uses_the_emergency_tier_and_standard_changes_are_auto_approved():
    assert route_of(request("EMERGENCY"), impact_of(500_000 * EUR)).tier == "emergency"
    standard = route_of(request("STANDARD", catalogue_item="minor-date-shift"), impact_of(0, 2))
    assert (standard.tier, standard.auto_approved) == ("standard", True)


@pytest.mark.parametrize(("item", "days", "message"), [
    ("nope", 1, "not in the organization's standard catalogue"),
    ("minor-date-shift", 3, "exceeds what 'minor-date-shift' pre-approves"),
])
def test_a_standard_change_outside_its_catalogue_item_is_refused(item, days, message):
    with pytest.raises(ValueError, match=f"^catalogue_item: .*{message}"):
        route_of(request("STANDARD", catalogue_item=item), impact_of(0, days))


def test_blackouts_block_normal_changes_and_not_emergencies():
    now = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)
    policy = default_policy()
    policy.blackout_windows = [
        BlackoutWindow("year-end", now - dt.timedelta(days=1), now + dt.timedelta(days=1), reason="close"),
        BlackoutWindow("other", now - dt.timedelta(days=1), now + dt.timedelta(days=1), project="zeus"),
        BlackoutWindow("later", now + dt.timedelta(hours=1), now + dt.timedelta(days=2)),
    ]
    [conflict] = blackout_conflicts(request(policy=policy), now)
    assert (conflict.kind, conflict.blackout, conflict.blocking) == ("BLACKOUT_WINDOW", "year-end", True)
    assert conflict.description == "change freeze year-end until 2027-03-02T12:00:00+00:00: close"
    assert [c.blocking for c in blackout_conflicts(request("EMERGENCY", policy), now)] == [False]


def test_other_open_change_requests_are_shown_never_blocking():
    [c] = open_request_conflicts(["organizations/acme/changeRequests/cr0"])
    assert (c.kind, c.change_request, c.blocking) == ("OPEN_CHANGE_REQUEST", "organizations/acme/changeRequests/cr0",
                                                      False)


def test_approvers_see_impact_and_conflicts_as_text():
    impact = compute_impact(change(budget_delta_micros=10_000 * EUR, schedule_delta_days=10), APOLLO, MILESTONES,
                            ASSIGNMENTS, ACTUALS)
    evidence = evidence_of(impact, open_request_conflicts(["organizations/acme/changeRequests/cr0"]),
                           route_of(request(), impact))
    assert evidence["budget"] == "100000.00 EUR -> 110000.00 EUR (+10000.00 EUR)"
    assert evidence["end_date"] == "2027-04-10 -> 2027-04-20 (+10 days)"
    assert evidence["cpi"] == "1.3333 -> 1.4667" and evidence["eac"] == "75000.00 EUR -> 75000.00 EUR"
    assert evidence["tier"] == "major"  # 10 days is more than the minor tier's 5
    assert evidence["conflicts"] == \
        "OPEN_CHANGE_REQUEST: organizations/acme/changeRequests/cr0 on the same project is still open"
    assert evidence_of(impact_of(), [], route_of(request(), impact_of()))["evm"].startswith("not available")
