"""The phase gate's pure rules, worked by hand: which gate a project may ask for, how each criterion
judges its facts (and says why), and how decisions turn into reasons, conditions and due times."""

from __future__ import annotations

import datetime as dt

import pytest

from workflows.activities.gates import (
    FinancialFact,
    MilestoneFact,
    ReportFact,
    RiskFact,
    evaluate_budget,
    evaluate_freshness,
    evaluate_high_risks,
    evaluate_milestones,
    evaluate_quality_audit,
    evaluate_unknown,
)
from workflows.approvals import Condition, Task, TaskSpec, Vote
from workflows.phase_gate import (
    MIN_CONDITION_S,
    AuditScore,
    CriterionResult,
    ProjectSnapshot,
    condition_due_after_s,
    condition_requester,
    conditions_of,
    criteria_evidence,
    criteria_summary,
    deciding_vote,
    gate_target,
    next_phase,
    reasons_of,
)
from workflows.policy import GateCriterion

TODAY = dt.date(2027, 3, 15)
NOW = dt.datetime(2027, 3, 15, 12, 0, tzinfo=dt.UTC)


def project(phase: str = "PLANNING", status: str = "ACTIVE") -> ProjectSnapshot:
    return ProjectSnapshot(name="organizations/acme/projects/erp", display_name="ERP", phase=phase,
                           methodology="WATERFALL", status=status)


# --- which gate ---------------------------------------------------------------------------------


def test_next_phase_walks_the_lifecycle_and_stops_at_closed():
    assert [next_phase(p) for p in ("INITIATION", "PLANNING", "EXECUTION", "MONITORING", "CLOSING", "CLOSED")] == \
        ["PLANNING", "EXECUTION", "MONITORING", "CLOSING", "CLOSED", ""]
    assert next_phase("SOMETHING") == ""


def test_a_gate_leads_to_the_next_phase_by_default_or_when_named():
    assert gate_target(project("PLANNING"), "") == ("EXECUTION", "")
    assert gate_target(project("PLANNING"), "EXECUTION") == ("EXECUTION", "")
    assert gate_target(project("CLOSING"), "") == ("CLOSED", "")


@pytest.mark.parametrize(("phase", "requested", "why"), [
    ("PLANNING", "MONITORING", "skipping to MONITORING is refused"),
    ("PLANNING", "CLOSED", "skipping to CLOSED is refused"),
    ("EXECUTION", "PLANNING", "not back to PLANNING"),
    ("EXECUTION", "EXECUTION", "not back to EXECUTION"),
    ("PLANNING", "DONE", "'DONE' is not a phase"),
    ("CLOSED", "", "is CLOSED"),
])
def test_skipping_going_back_and_closed_projects_are_refused(phase, requested, why):
    to_phase, reason = gate_target(project(phase), requested)
    assert to_phase == ""
    assert why in reason


@pytest.mark.parametrize("status", ["CANCELLED", "COMPLETED"])
def test_finished_projects_pass_no_more_gates(status):
    assert gate_target(project("EXECUTION", status), "") == (
        "", f"organizations/acme/projects/erp is {status}: a finished project passes no more gates")


# --- criteria -------------------------------------------------------------------------------------


def risk(name: str, level: str, status: str = "OPEN", opportunity: bool = False) -> RiskFact:
    return RiskFact(name=f"r/{name}", title=name.title(), level=level, status=status, is_opportunity=opportunity)


def test_open_high_and_critical_threats_fail_the_risk_criterion_critical_first():
    c = GateCriterion("no_open_high_risks")
    result = evaluate_high_risks(c, [risk("vendor", "HIGH"), risk("outage", "CRITICAL", "MITIGATING"),
                                     risk("typo", "LOW"), risk("old", "CRITICAL", "CLOSED"),
                                     risk("upside", "HIGH", opportunity=True)])
    assert not result.passed and result.required
    assert result.evidence == "2 open HIGH/CRITICAL risks: Outage (CRITICAL, MITIGATING), Vendor (HIGH, OPEN)"
    assert result.evidence_values == {"open_high_risks": "1", "open_critical_risks": "1",
                                      "risks": "r/outage,r/vendor"}


def test_lower_closed_or_occurred_risks_and_opportunities_pass():
    result = evaluate_high_risks(GateCriterion("no_open_high_risks"), [
        risk("a", "MEDIUM"), risk("b", "HIGH", "CLOSED"), risk("c", "HIGH", "OCCURRED"),
        risk("d", "CRITICAL", opportunity=True)])
    assert result.passed
    assert result.evidence == "no open HIGH or CRITICAL risks (1 open risks of lower level)"


def test_a_long_list_of_risks_is_shortened():
    result = evaluate_high_risks(GateCriterion("no_open_high_risks"), [risk(f"r{i}", "HIGH") for i in range(7)])
    assert result.evidence.endswith("and 2 more")


FIN = FinancialFact(engagements=("organizations/acme/engagements/main",), cpi="0.8500", spi="1.0000",
                    budget="100000.00 EUR", actual_cost="47058.82 EUR", earned_value="40000.00 EUR",
                    eac="117647.06 EUR")


def test_cpi_below_one_minus_tolerance_fails_the_budget_criterion():
    result = evaluate_budget(GateCriterion("budget_variance_within_tolerance", threshold="0.10"), FIN)
    assert not result.passed
    assert result.evidence.startswith("CPI 0.8500 is below 0.90 (tolerance 0.10): earned 40000.00 EUR for "
                                      "47058.82 EUR spent")
    assert result.evidence_values["cpi"] == "0.8500"
    assert result.evidence_values["cpi_floor"] == "0.90"


def test_cpi_at_the_floor_passes_and_a_wider_tolerance_passes_too():
    at_floor = FinancialFact(engagements=FIN.engagements, cpi="0.9000")
    assert evaluate_budget(GateCriterion("budget_variance_within_tolerance", threshold="0.10"), at_floor).passed
    assert evaluate_budget(GateCriterion("budget_variance_within_tolerance", threshold="0.20"), FIN).passed
    assert not evaluate_budget(GateCriterion("budget_variance_within_tolerance"), FIN).passed  # default 0.10


def test_no_engagement_and_no_cost_yet_pass_with_that_said():
    c = GateCriterion("budget_variance_within_tolerance", threshold="0.10")
    none = evaluate_budget(c, FinancialFact(engagements=()))
    assert none.passed and none.evidence.startswith("no engagement")
    no_cost = evaluate_budget(c, FinancialFact(engagements=FIN.engagements, cpi="", budget="100000.00 EUR"))
    assert no_cost.passed and no_cost.evidence == "no cost recorded yet against the budget of 100000.00 EUR"


def test_an_unavailable_report_fails_the_budget_criterion_with_the_reason():
    result = evaluate_budget(GateCriterion("budget_variance_within_tolerance"),
                             FinancialFact(engagements=FIN.engagements, unavailable="CURRENCY_MISMATCH: ..."))
    assert not result.passed and "CURRENCY_MISMATCH" in result.evidence


def milestone(name: str, due: dt.date | None, state: str) -> MilestoneFact:
    return MilestoneFact(name=f"m/{name}", title=name.title(), due=due, state=state)


def test_milestones_due_before_today_must_be_achieved_or_cancelled():
    c = GateCriterion("milestones_complete")
    result = evaluate_milestones(c, [
        milestone("design", dt.date(2027, 3, 1), "ACHIEVED"),
        milestone("build", dt.date(2027, 3, 10), "IN_PROGRESS"),
        milestone("dropped", dt.date(2027, 2, 1), "CANCELLED"),
        milestone("missed", dt.date(2027, 2, 20), "MISSED"),
        milestone("today", TODAY, "PLANNED"),  # due today: not late yet
        milestone("later", dt.date(2027, 6, 1), "PLANNED"),
    ], TODAY)
    assert not result.passed
    assert result.evidence == ("2 of 4 milestones due before 2027-03-15 not achieved: Missed (due 2027-02-20, "
                               "MISSED), Build (due 2027-03-10, IN_PROGRESS)")
    assert result.evidence_values["milestones_not_achieved"] == "2"


def test_milestones_pass_when_all_due_are_done_or_none_is_due():
    c = GateCriterion("milestones_complete")
    assert evaluate_milestones(c, [milestone("a", dt.date(2027, 1, 1), "ACHIEVED")], TODAY).evidence == \
        "all 1 milestones due before 2027-03-15 are achieved"
    assert evaluate_milestones(c, [], TODAY).evidence == "no milestone was due before 2027-03-15"


def test_freshness_counts_days_since_the_latest_report():
    c = GateCriterion("status_report_fresh", threshold="14")
    reports = [ReportFact("s/1", dt.date(2027, 2, 1)), ReportFact("s/2", dt.date(2027, 3, 1))]
    fresh = evaluate_freshness(c, reports, TODAY)  # 14 days: still fresh
    assert fresh.passed and fresh.evidence == "latest status report of 2027-03-01 is 14 days old (at most 14)"
    stale = evaluate_freshness(c, reports, TODAY + dt.timedelta(days=1))
    assert not stale.passed and stale.evidence == "latest status report of 2027-03-01 is 15 days old, older than " \
                                                  "14 days"
    assert stale.evidence_values["latest_report"] == "s/2"


def test_no_status_report_is_not_fresh():
    result = evaluate_freshness(GateCriterion("status_report_fresh"), [], TODAY)
    assert not result.passed and result.evidence == "no status report has been filed"
    assert result.evidence_values["max_age_days"] == "14"


def test_no_quality_audit_yet_is_not_met():
    result = evaluate_quality_audit(GateCriterion("quality_audit_score", required=True, threshold="0.80"), AuditScore())
    assert (result.passed, result.required) == (False, True)
    assert result.evidence == "no quality audit recorded yet"
    replayed = evaluate_quality_audit(GateCriterion("quality_audit_score", required=False), None)
    assert not replayed.passed and replayed.evidence_values == {"threshold": "0.80"}


def test_the_latest_closed_audit_score_meets_the_threshold_or_not():
    audit = AuditScore("organizations/o/projects/p/qualityAudits/a1", "0.8000", "2027-03-01T10:00:00+00:00")
    met = evaluate_quality_audit(GateCriterion("quality_audit_score", threshold="0.80"), audit)
    assert met.passed and met.evidence == "latest audit score 0.8000 reaches 0.80"
    assert met.evidence_values["audit"] == audit.audit and met.evidence_values["score"] == "0.8000"
    low = evaluate_quality_audit(GateCriterion("quality_audit_score", threshold="0.90"), audit)
    assert not low.passed and low.evidence == "latest audit score 0.8000 is below 0.90"


def test_an_unknown_criterion_is_not_evaluated():
    result = evaluate_unknown(GateCriterion("gut_feeling"))
    assert not result.passed and "not evaluated" in result.evidence


def test_summary_and_evidence_shown_to_the_gatekeepers():
    results = [CriterionResult("a", "A", True, True, "fine"), CriterionResult("b", "B", False, True, "bad"),
               CriterionResult("c", "C", False, False, "unknown")]
    assert criteria_summary(results) == "1 of 3 criteria met; required and not met: b"
    assert criteria_evidence(results) == {"a": "MET (required): fine", "b": "NOT MET (required): bad",
                                          "c": "NOT MET: unknown"}


# --- decisions --------------------------------------------------------------------------------------


def vote(voter: str, choice: str, comment: str = "", conditions: list[Condition] | None = None) -> Vote:
    return Vote(voter=voter, actor=voter, on_behalf_of="", choice=choice, comment=comment, time=NOW,
                conditions=conditions or [])


def decided(outcome: str, votes: list[Vote]) -> Task:
    spec = TaskSpec(key="gate-1", kind="PHASE_GATE", title="t", requester="paula", candidates=None, rule=None,
                    due_after_s=1)
    return Task(id="t", spec=spec, ref=None, created=NOW, due_time=NOW, reminder_times=[], state="DECIDED",
                outcome=outcome, votes=votes)


def test_the_deciding_vote_is_the_last_for_the_outcome():
    task = decided("GO", [vote("a", "GO"), vote("b", "HOLD"), vote("c", "GO")])
    assert deciding_vote(task).voter == "c"
    assert deciding_vote(decided("EXPIRED", [])) is None


def test_reasons_are_the_comments_of_the_votes_for_the_outcome():
    task = decided("RECYCLE", [vote("a", "RECYCLE", "business case is thin"), vote("b", "GO", "fine"),
                               vote("c", "RECYCLE", " "), vote("d", "RECYCLE", "no benefits plan")])
    assert reasons_of(task) == "a: business case is thin; d: no benefits plan"


def test_conditions_come_from_the_conditional_go_votes_without_repeats():
    c1 = Condition("Staff the test team", owner="paula", due_date="2027-04-01")
    c2 = Condition("Sign the vendor contract", owner="quinn", due_date="2027-04-15")
    task = decided("CONDITIONAL_GO", [vote("a", "CONDITIONAL_GO", conditions=[c1, c2]), vote("b", "GO"),
                                      vote("c", "CONDITIONAL_GO", conditions=[Condition(" Staff the test team ",
                                                                                       "paula", "2027-04-01")])])
    assert [(c.description, c.owner, who) for c, who in conditions_of(task)] == [
        ("Staff the test team", "paula", "a"), ("Sign the vendor contract", "quinn", "a")]


def test_a_condition_is_due_at_the_end_of_its_due_date():
    assert condition_due_after_s(NOW, "2027-03-16", 99) == 36 * 3600  # to 2027-03-17T00:00Z
    assert condition_due_after_s(NOW, "2027-03-01", 99) == MIN_CONDITION_S  # already late: soon, not at once
    assert condition_due_after_s(NOW, "", 99) == 99
    assert condition_due_after_s(NOW, "next week", 99) == 99


def test_a_condition_task_is_requested_by_whoever_is_not_its_owner():
    assert condition_requester(owner="paula", set_by="sam", gate_requester="paula") == "sam"
    assert condition_requester(owner="sam", set_by="sam", gate_requester="paula") == "paula"
    assert condition_requester(owner="paula", set_by="paula", gate_requester="paula") == ""
