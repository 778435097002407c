"""The pure rules: scoring, the matrix, escalation, heat map and overdue logic."""

from __future__ import annotations

import datetime as dt

import pytest

from pmaas.risks.v1 import resources_pb2 as pb
from services.platform.errors import ApiError, Violations
from services.risks import rules
from services.risks.rules import DEFAULT_MATRIX
from tests.services.risks.builders import a_date, a_risk

NOW = dt.datetime(2027, 3, 10, 12, 0, tzinfo=dt.UTC)


def band(lo: int, hi: int, level: int) -> pb.RiskScoreBand:
    return pb.RiskScoreBand(min_score=lo, max_score=hi, level=level)


@pytest.mark.parametrize(("score", "level"), [
    (0, pb.RISK_LEVEL_UNSPECIFIED), (1, pb.RISK_LEVEL_LOW), (4, pb.RISK_LEVEL_LOW), (5, pb.RISK_LEVEL_MEDIUM),
    (9, pb.RISK_LEVEL_MEDIUM), (10, pb.RISK_LEVEL_HIGH), (16, pb.RISK_LEVEL_HIGH), (20, pb.RISK_LEVEL_CRITICAL),
    (25, pb.RISK_LEVEL_CRITICAL),
])
def test_default_matrix_levels(score, level):
    assert DEFAULT_MATRIX.level_of(score) == level


def test_default_matrix_is_a_valid_matrix():
    v = Violations()
    assert rules.matrix_from_bands(DEFAULT_MATRIX.to_protos(), v) == DEFAULT_MATRIX
    assert not v


def test_matrix_survives_its_json_form():
    assert rules.Matrix.from_json(DEFAULT_MATRIX.to_json()) == DEFAULT_MATRIX


def test_matrix_with_fewer_levels_is_valid():
    v = Violations()
    matrix = rules.matrix_from_bands([band(1, 12, pb.RISK_LEVEL_LOW), band(13, 25, pb.RISK_LEVEL_HIGH)], v)
    assert not v
    assert matrix.level_of(12) == pb.RISK_LEVEL_LOW and matrix.level_of(15) == pb.RISK_LEVEL_HIGH


@pytest.mark.parametrize(("bands", "field"), [
    ([], "risk_matrix.bands"),
    ([band(2, 25, pb.RISK_LEVEL_LOW)], "risk_matrix.bands[0].min_score"),
    ([band(1, 4, pb.RISK_LEVEL_LOW), band(6, 25, pb.RISK_LEVEL_HIGH)], "risk_matrix.bands[1].min_score"),
    ([band(1, 4, pb.RISK_LEVEL_LOW), band(4, 25, pb.RISK_LEVEL_HIGH)], "risk_matrix.bands[1].min_score"),
    ([band(1, 4, pb.RISK_LEVEL_LOW), band(5, 20, pb.RISK_LEVEL_HIGH)], "risk_matrix.bands[1].max_score"),
    ([band(1, 30, pb.RISK_LEVEL_LOW)], "risk_matrix.bands[0].max_score"),
    ([band(1, 9, pb.RISK_LEVEL_HIGH), band(10, 25, pb.RISK_LEVEL_LOW)], "risk_matrix.bands[1].level"),
    ([band(1, 9, pb.RISK_LEVEL_LOW), band(10, 25, pb.RISK_LEVEL_LOW)], "risk_matrix.bands[1].level"),
    ([band(1, 25, pb.RISK_LEVEL_UNSPECIFIED)], "risk_matrix.bands[0].level"),
    ([band(1, 25, 9)], "risk_matrix.bands[0].level"),
])
def test_matrix_bands_must_ascend_and_cover_1_to_25(bands, field):
    v = Violations()
    rules.matrix_from_bands(bands, v)
    assert field in dict(v.items)


def test_risk_columns_of_a_valid_risk():
    v = Violations()
    columns = rules.risk_columns(a_risk(mitigation_plan=[pb.Action(description=" call vendor ")]), v)
    assert not v
    assert columns["status"] == pb.RISK_STATUS_OPEN
    assert columns["review_cadence_days"] == rules.DEFAULT_REVIEW_CADENCE_DAYS
    assert '"description": "call vendor"' in columns["mitigation_plan"]
    assert f'"state": {pb.ACTION_STATE_PLANNED}' in columns["mitigation_plan"]


@pytest.mark.parametrize(("risk", "field"), [
    (a_risk(title=""), "risk.title"),
    (a_risk(title="x" * 201), "risk.title"),
    (a_risk(probability=0), "risk.probability"),
    (a_risk(impact=6), "risk.impact"),
    (a_risk(residual_probability=2), "risk.residual_impact"),
    (a_risk(residual_probability=6, residual_impact=1), "risk.residual_probability"),
    (a_risk(response_strategy=99), "risk.response_strategy"),
    (a_risk(response_strategy=pb.RESPONSE_STRATEGY_EXPLOIT), "risk.response_strategy"),
    (a_risk(is_opportunity=True, response_strategy=pb.RESPONSE_STRATEGY_AVOID), "risk.response_strategy"),
    (a_risk(status=17), "risk.status"),
    (a_risk(review_cadence_days=366), "risk.review_cadence_days"),
    (a_risk(owner="o" * 129), "risk.owner"),
    (a_risk(mitigation_plan=[pb.Action(description="")]), "risk.mitigation_plan[0].description"),
    (a_risk(contingency_plan=[pb.Action(description="a", state=9)]), "risk.contingency_plan[0].state"),
    (a_risk(mitigation_plan=[pb.Action(description="a", due_date={"year": 2027, "month": 2, "day": 30})]),
     "risk.mitigation_plan[0].due_date"),
    (a_risk(mitigation_plan=[pb.Action(description="a")] * 101), "risk.mitigation_plan"),
])
def test_risk_columns_refuse_bad_values(risk, field):
    v = Violations()
    rules.risk_columns(risk, v)
    assert field in dict(v.items)


def test_accept_answers_threats_and_opportunities():
    for is_opportunity in (False, True):
        v = Violations()
        rules.risk_columns(a_risk(is_opportunity=is_opportunity, response_strategy=pb.RESPONSE_STRATEGY_ACCEPT), v)
        assert not v


@pytest.mark.parametrize(("current", "target", "reason"), [
    (pb.RISK_STATUS_OPEN, pb.RISK_STATUS_OCCURRED, "USE_OCCUR_RISK"),
    (pb.RISK_STATUS_OCCURRED, pb.RISK_STATUS_OPEN, "RISK_OCCURRED"),
])
def test_refused_status_changes(current, target, reason):
    with pytest.raises(ApiError) as raised:
        rules.check_risk_status_change(current, target)
    assert raised.value.reason == reason


def test_allowed_status_changes():
    rules.check_risk_status_change(pb.RISK_STATUS_OPEN, pb.RISK_STATUS_MITIGATING)
    rules.check_risk_status_change(pb.RISK_STATUS_CLOSED, pb.RISK_STATUS_OPEN)
    rules.check_risk_status_change(pb.RISK_STATUS_OCCURRED, pb.RISK_STATUS_CLOSED)
    rules.check_risk_status_change(pb.RISK_STATUS_OCCURRED, pb.RISK_STATUS_OCCURRED)


@pytest.mark.parametrize(("status", "is_opportunity", "reason"), [
    (pb.RISK_STATUS_CLOSED, False, "RISK_NOT_ACTIVE"),
    (pb.RISK_STATUS_OCCURRED, False, "RISK_NOT_ACTIVE"),
    (pb.RISK_STATUS_OPEN, True, "OPPORTUNITY_CANNOT_OCCUR"),
])
def test_only_active_threats_occur(status, is_opportunity, reason):
    with pytest.raises(ApiError) as raised:
        rules.check_can_occur(status, is_opportunity)
    assert raised.value.reason == reason


@pytest.mark.parametrize(("previous", "severity", "trigger"), [
    (None, pb.ISSUE_SEVERITY_LOW, None),
    (None, pb.ISSUE_SEVERITY_MEDIUM, None),
    (None, pb.ISSUE_SEVERITY_HIGH, pb.ESCALATION_TRIGGER_RAISED),
    (None, pb.ISSUE_SEVERITY_CRITICAL, pb.ESCALATION_TRIGGER_RAISED),
    (pb.ISSUE_SEVERITY_LOW, pb.ISSUE_SEVERITY_MEDIUM, None),
    (pb.ISSUE_SEVERITY_MEDIUM, pb.ISSUE_SEVERITY_HIGH, pb.ESCALATION_TRIGGER_REGRADED),
    (pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_SEVERITY_CRITICAL, pb.ESCALATION_TRIGGER_REGRADED),
    (pb.ISSUE_SEVERITY_CRITICAL, pb.ISSUE_SEVERITY_HIGH, None),
    (pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_SEVERITY_HIGH, None),
])
def test_escalation_trigger(previous, severity, trigger):
    assert rules.escalation_trigger(previous, severity) == trigger


def _issue(severity: int = pb.ISSUE_SEVERITY_MEDIUM, status: int = pb.ISSUE_STATUS_OPEN, source_risk: str = "") -> dict:
    return {"severity": severity, "status": status, "source_risk": source_risk}


@pytest.mark.parametrize(("before", "after", "managed"), [
    (_issue(pb.ISSUE_SEVERITY_HIGH), None, "delete"),
    (_issue(source_risk="r"), None, "delete"),
    (_issue(), None, None),
    (_issue(pb.ISSUE_SEVERITY_CRITICAL), _issue(pb.ISSUE_SEVERITY_HIGH), "downgrade"),
    (_issue(pb.ISSUE_SEVERITY_HIGH), _issue(pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_STATUS_RESOLVED), "resolve"),
    (_issue(pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_STATUS_RESOLVED), _issue(pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_STATUS_CLOSED),
     "close"),
    (_issue(source_risk="r"), _issue(pb.ISSUE_SEVERITY_LOW, source_risk="r"), "downgrade"),
    (_issue(), _issue(pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_STATUS_CLOSED), "close"),  # raised and closed at once
    (_issue(pb.ISSUE_SEVERITY_HIGH), _issue(pb.ISSUE_SEVERITY_CRITICAL, pb.ISSUE_STATUS_IN_PROGRESS), None),
    (_issue(pb.ISSUE_SEVERITY_HIGH, pb.ISSUE_STATUS_CLOSED), _issue(pb.ISSUE_SEVERITY_HIGH), None),  # reopened
    (_issue(), _issue(pb.ISSUE_SEVERITY_LOW, pb.ISSUE_STATUS_CLOSED), None),
    (_issue(), _issue(), None),
])
def test_escalation_managed_change(before, after, managed):
    assert rules.escalation_managed_change(before, after) == managed


def test_issue_from_risk_takes_the_risk_s_facts_unless_given():
    risk = a_risk(title="Key supplier fails", effect="Go-live slips", owner="alice", inherent_level=pb.RISK_LEVEL_HIGH)
    issue = rules.issue_from_risk(risk, pb.Issue())
    assert (issue.title, issue.description, issue.owner, issue.severity) == (
        "Key supplier fails", "Go-live slips", "alice", pb.ISSUE_SEVERITY_HIGH)
    given = rules.issue_from_risk(risk, pb.Issue(title="Supplier insolvent", severity=pb.ISSUE_SEVERITY_CRITICAL))
    assert (given.title, given.severity, given.owner) == ("Supplier insolvent", pb.ISSUE_SEVERITY_CRITICAL, "alice")


@pytest.mark.parametrize(("issue", "field"), [
    (pb.Issue(severity=pb.ISSUE_SEVERITY_LOW), "issue.title"),
    (pb.Issue(title="t"), "issue.severity"),
    (pb.Issue(title="t", severity=7), "issue.severity"),
    (pb.Issue(title="t", severity=1, status=9), "issue.status"),
    (pb.Issue(title="t", severity=1, status=pb.ISSUE_STATUS_RESOLVED), "issue.resolution"),
    (pb.Issue(title="t", severity=1, due_date={"year": 2027, "month": 13, "day": 1}), "issue.due_date"),
])
def test_issue_columns_refuse_bad_values(issue, field):
    v = Violations()
    rules.issue_columns(issue, v)
    assert field in dict(v.items)


def test_heat_map_has_25_cells_with_counts_and_levels():
    cells = rules.heat_map({(5, 5): 2, (1, 3): 1}, DEFAULT_MATRIX)
    assert len(cells) == 25
    by_cell = {(c.probability, c.impact): c for c in cells}
    assert by_cell[5, 5].count == 2 and by_cell[5, 5].level == pb.RISK_LEVEL_CRITICAL
    assert by_cell[1, 3].count == 1 and by_cell[1, 3].level == pb.RISK_LEVEL_LOW
    assert sum(c.count for c in cells) == 3
    assert [(c.probability, c.impact) for c in cells[:6]] == [(1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 1)]


def _with_review(risk: pb.Risk, when: dt.datetime) -> pb.Risk:
    risk.next_review_time.FromDatetime(when)
    return risk


def test_review_is_overdue_only_for_active_risks_past_their_date():
    past = NOW - dt.timedelta(minutes=1)
    assert rules.review_overdue(_with_review(a_risk(status=pb.RISK_STATUS_OPEN), past), NOW)
    assert not rules.review_overdue(_with_review(a_risk(status=pb.RISK_STATUS_OPEN), NOW), NOW)
    assert not rules.review_overdue(_with_review(a_risk(status=pb.RISK_STATUS_CLOSED), past), NOW)


def test_overdue_actions_are_unfinished_and_past_due():
    today = NOW.date()
    yesterday = a_date(today - dt.timedelta(days=1))
    risk = a_risk(name="r", status=pb.RISK_STATUS_MITIGATING, mitigation_plan=[
        pb.Action(description="late", due_date=yesterday),
        pb.Action(description="done", due_date=yesterday, state=pb.ACTION_STATE_DONE),
        pb.Action(description="due today", due_date=a_date(today)),
        pb.Action(description="no date"),
    ], contingency_plan=[pb.Action(description="late too", due_date=yesterday, state=pb.ACTION_STATE_IN_PROGRESS)])
    found = rules.overdue_actions(risk, today)
    assert [(a.plan, a.index, a.action.description) for a in found] == [
        ("mitigation_plan", 0, "late"), ("contingency_plan", 0, "late too")]
    risk.status = pb.RISK_STATUS_CLOSED
    assert rules.overdue_actions(risk, today) == []


def test_exposure_ranks_and_caps_each_list():
    later, earlier = NOW + dt.timedelta(days=1), NOW - dt.timedelta(days=3)
    risks = [
        _with_review(a_risk(name="a", inherent_score=6, owner=""), later),
        _with_review(a_risk(name="b", inherent_score=20), NOW - dt.timedelta(days=1)),
        _with_review(a_risk(name="c", inherent_score=12, owner=""), earlier),
        _with_review(a_risk(name="d", inherent_score=25, status=pb.RISK_STATUS_CLOSED, owner=""), earlier),
    ]
    for r in risks[:3]:
        r.status = pb.RISK_STATUS_OPEN
    exposure = rules.exposure("scope", risks, NOW, max_items=2)
    assert [r.name for r in exposure.top_risks] == ["b", "c"]
    assert [r.name for r in exposure.overdue_reviews] == ["c", "b"]
    assert exposure.overdue_review_count == 2
    assert list(exposure.unowned_risks) == ["c", "a"]
    assert exposure.unowned_risk_count == 2
    assert exposure.active_risk_count == 3
