"""The quality audit's pure rules: the score from the weights, what a recording must carry, and which
checklist applies to a project (workflows/quality_audit.py, workflows/policy.py)."""

from __future__ import annotations

from decimal import Decimal

from workflows.approvals import Actor
from workflows.corrective_action import Finding
from workflows.policy import (
    WORKDAY,
    ActionSla,
    AuditChecklist,
    ChecklistItem,
    action_sla_s,
    audit_checklist,
    default_policy,
    validate,
)
from workflows.quality_audit import ItemResult, RecordInput, needs_re_audit, passes, result_problems, score

CHECKLIST = [ChecklistItem("plan", "Plan baselined", 3, True), ChecklistItem("risks", "Risks reviewed", 2),
             ChecklistItem("lessons", "Lessons recorded", 1)]
ANN = Actor("ann", ["auditor"])


def test_the_score_is_the_weight_of_the_passed_items_over_all_weights():
    results = [ItemResult("plan", True, "baseline r2"), ItemResult("risks", False), ItemResult("lessons", True)]
    assert score(CHECKLIST, results) == Decimal("0.6667")  # (3 + 1) / 6, four places
    assert score(CHECKLIST, [ItemResult("risks", True)]) == Decimal("0.3333")  # items without a result: not passed
    assert score(CHECKLIST, []) == Decimal("0.0000")
    assert score([], []) == Decimal("0.0000")


def test_an_audit_passes_at_the_threshold_and_not_below():
    assert passes(Decimal("0.8000"), "0.80") and not passes(Decimal("0.7999"), "0.80")


def test_an_item_that_requires_evidence_refuses_a_result_without_it():
    problems = result_problems(CHECKLIST, [], RecordInput(ANN, results=[ItemResult("plan", True, " ")]))
    assert problems == ["results[0].evidence: item 'plan' requires evidence"]
    assert result_problems(CHECKLIST, [], RecordInput(ANN, results=[ItemResult("risks", True)])) == []


def test_results_must_be_for_items_on_the_checklist_and_findings_need_a_known_severity():
    problems = result_problems(CHECKLIST, [], RecordInput(
        ANN, results=[ItemResult("coffee", True)],
        findings=[Finding("f1", "SEVERE", "no plan"), Finding("f1", "MINOR", ""),
                  Finding("f2", "MAJOR", "x", item_id="y")]))
    assert problems == [
        "results[0].item_id: 'coffee' is not on the audit's checklist",
        "findings[0].severity: must be one of MINOR, MAJOR, CRITICAL",
        "findings[1].id: 'f1' is given twice",
        "findings[1].description: is required (at most 4000 characters)",
        "findings[2].item_id: 'y' is not on the audit's checklist"]


def test_completing_needs_a_result_for_every_item_recorded_so_far_or_now():
    earlier = [ItemResult("plan", True, "baseline r2")]
    incomplete = result_problems(CHECKLIST, earlier, RecordInput(ANN, results=[ItemResult("risks", True)],
                                                                  complete=True))
    assert incomplete == ["results: no result yet for lessons; every item needs one to complete"]
    assert result_problems(CHECKLIST, earlier, RecordInput(
        ANN, results=[ItemResult("risks", True), ItemResult("lessons", False)], complete=True)) == []


def test_only_major_and_critical_findings_call_for_a_re_audit():
    assert not needs_re_audit([Finding("f1", "MINOR", "typo in the plan")])
    assert needs_re_audit([Finding("f1", "MINOR", "a"), Finding("f2", "MAJOR", "no risk owners")])


def test_the_most_specific_checklist_for_the_methodology_and_phase_applies():
    chosen = default_policy()
    agile_exec = [ChecklistItem("sprint-reviews", "Sprint reviews held")]
    agile = [ChecklistItem("backlog", "Backlog groomed")]
    planning = [ChecklistItem("wbs", "WBS complete")]
    anything = [ChecklistItem("charter", "Charter signed")]
    chosen.quality.checklists = [AuditChecklist("AGILE", "EXECUTION", agile_exec), AuditChecklist("AGILE", "", agile),
                                 AuditChecklist("", "PLANNING", planning), AuditChecklist("", "", anything)]
    assert audit_checklist(chosen, "AGILE", "EXECUTION") == agile_exec
    assert audit_checklist(chosen, "AGILE", "PLANNING") == agile  # methodology before phase
    assert audit_checklist(chosen, "WATERFALL", "PLANNING") == planning
    assert audit_checklist(chosen, "WATERFALL", "EXECUTION") == anything
    chosen.quality.checklists = []
    assert [i.id for i in audit_checklist(chosen, "WATERFALL", "EXECUTION")][0] == "plan-baselined"  # defaults


def test_an_org_without_a_quality_policy_audits_with_the_defaults():
    chosen = default_policy()
    assert validate(chosen) == []
    assert (chosen.quality.cron, chosen.quality.pass_threshold, chosen.quality.auditors.roles) == (
        "0 9 1 * *", "0.80", ["auditor"])
    assert action_sla_s(chosen, "CRITICAL") == 2 * WORKDAY and action_sla_s(chosen, "MINOR") == 10 * WORKDAY
    chosen.quality.action_slas = [ActionSla("MAJOR", WORKDAY)]
    assert action_sla_s(chosen, "MAJOR") == WORKDAY and action_sla_s(chosen, "MINOR") == 10 * WORKDAY


def test_a_bad_quality_policy_names_every_bad_field():
    chosen = default_policy()
    q = chosen.quality
    q.cron, q.pass_threshold, q.interval_days = "every day", "1.5", 0
    q.checklists = [AuditChecklist("SCRUMBAN", "", [ChecklistItem("a", "A", 0), ChecklistItem("a", "")])]
    q.action_slas = [ActionSla("BLOCKER", 0)]
    assert validate(chosen) == [
        ("quality.audit_cron", "must be a cron expression of 5 fields (minute hour day month weekday) when no "
                               "interval is set"),
        ("quality.pass_threshold", "must be a decimal number from 0 to 1"),
        ("quality.checklists[0].methodology", "must be one of WATERFALL, AGILE, PRINCE2, HYBRID or unset"),
        ("quality.checklists[0].items[0].weight", "must be from 1 to 100"),
        ("quality.checklists[0].items[1].id", "duplicate item id 'a'"),
        ("quality.checklists[0].items[1].text", "is required"),
        ("quality.corrective_action_slas[0].severity", "must be one of MINOR, MAJOR, CRITICAL"),
        ("quality.corrective_action_slas[0].due_duration", "must be positive and at most 366 days")]
