"""Pure unit tests (no database, no gRPC): filters, pagination, money and the Projects rules."""

import base64
import datetime as dt
from fractions import Fraction

import grpc
import pytest
from google.type import money_pb2

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import errors, money, pagination
from services.platform.filters import Compiled, Field, compile_filter
from services.projects import rules

D = dt.date


def _bad(exc_info, field: str) -> str:
    """The description of the single violation of `field` an INVALID_ARGUMENT ApiError carries."""
    error = exc_info.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in error.violations] == [field]
    return error.violations[0][1]


# --- filters ---------------------------------------------------------------------------

FIELDS = {
    "status": Field("status", "enum", pb.ProjectStatus.DESCRIPTOR),
    "percent_complete": Field("percent_complete", "int"),
    "code": Field("code"),
    "portfolio": Field("portfolio_id"),
    "planned_end_date": Field("planned_end_date", "date"),
    "archived": Field("archived", "bool"),
}


def test_empty_filter_compiles_to_nothing():
    assert compile_filter("", FIELDS, 1) == Compiled("", [])
    assert compile_filter("   ", FIELDS, 7) == Compiled("", [])


def test_filter_compiles_to_sql_with_numbered_parameters():
    compiled = compile_filter('status = PROJECT_STATUS_ACTIVE AND percent_complete >= 50 AND code = "ERP-1"',
                              FIELDS, 3)
    assert compiled.sql == "AND status = $3 AND percent_complete >= $4::bigint AND code = $5"
    assert compiled.args == [pb.PROJECT_STATUS_ACTIVE, 50, "ERP-1"]


def test_filter_maps_fields_to_columns_and_converts_each_kind():
    compiled = compile_filter('portfolio != core AND planned_end_date < "2027-03-01" AND archived = false '
                              'AND percent_complete > -1', FIELDS, 1)
    assert compiled.sql == ("AND portfolio_id != $1 AND planned_end_date < $2 AND archived = $3 "
                            "AND percent_complete > $4::bigint")
    assert compiled.args == ["core", D(2027, 3, 1), False, -1]


def test_filter_accepts_every_operator_and_no_spaces():
    for op in ("=", "!=", "<", "<=", ">", ">="):
        compiled = compile_filter(f"percent_complete{op}10", FIELDS, 1)
        assert compiled.sql == f"AND percent_complete {op} $1::bigint"
        assert compiled.args == [10]


def test_filter_values_are_bound_never_inlined():
    compiled = compile_filter(r'code = "x\" OR 1=1; DROP TABLE projects"', FIELDS, 1)
    assert compiled.sql == "AND code = $1"
    assert compiled.args == ['x" OR 1=1; DROP TABLE projects']


@pytest.mark.parametrize("text, expected_words", [
    ("budget > 5", "unknown field 'budget'"),
    ("status = ACTIVE", "expected one of"),
    ("status = PROJECT_STATUS_UNSPECIFIED", "expected one of"),
    ("status = 2", "expected one of"),
    ("percent_complete >= fifty", "bad value for percent_complete"),
    ("percent_complete >= 99999999999999999999", "out of range"),
    ('planned_end_date < "2027-02-30"', "bad value for planned_end_date"),
    ("archived = yes", "expected true or false"),
    ("status PROJECT_STATUS_ACTIVE", "expected `field OP value`"),
    ("status PROJECT_STATUS_ACTIVE AND", "expected an operator"),
    ("percent_complete >= <", "expected a value"),
    ("percent_complete >=", "expected `field OP value`"),
    ("percent_complete >= 1 AND", "expected `field OP value`"),
    ("percent_complete >= 1 OR code = x", "expected AND"),
    ("percent_complete >= 1 and code = x", "expected AND"),
    ("(code = x)", "unexpected character"),
    ("code = x; DROP TABLE projects", "unexpected character"),
    ('code = "unterminated', "unexpected character"),
    ("= 5", "expected `field OP value`"),
    ("= 5 AND", "unknown field"),
])
def test_bad_filters_are_invalid_argument_on_filter(text, expected_words):
    with pytest.raises(errors.ApiError) as exc_info:
        compile_filter(text, FIELDS, 1)
    assert expected_words in _bad(exc_info, "filter")


def test_filter_longer_than_2000_characters_is_refused():
    text = " AND ".join(["percent_complete >= 1"] * 100)
    assert len(text) > 2000
    with pytest.raises(errors.ApiError) as exc_info:
        compile_filter(text, FIELDS, 1)
    assert "2000" in _bad(exc_info, "filter")


# --- pagination ------------------------------------------------------------------------

LIST = projects_api.ListProjectsResponse
LIST_NAME = "pmaas.projects.v1.ListProjectsResponse"


def test_page_size_defaults_to_50_and_is_capped_at_1000():
    assert pagination.page_from_request(0, "", "p", of=LIST).size == 50
    assert pagination.page_from_request(1, "", "p", of=LIST).size == 1
    assert pagination.page_from_request(1000, "", "p", of=LIST).size == 1000
    assert pagination.page_from_request(1001, "", "p", of=LIST).size == 1000
    assert pagination.page_from_request(2**31 - 1, "", "p", of=LIST).size == 1000


def test_negative_page_size_is_invalid():
    with pytest.raises(errors.ApiError) as exc_info:
        pagination.page_from_request(-1, "", "p", of=LIST)
    _bad(exc_info, "page_size")


def test_first_page_starts_at_the_beginning():
    assert pagination.page_from_request(10, "", "organizations/a", "", of=LIST).after_seq == 0


def test_page_token_round_trips_through_next_token():
    first = pagination.page_from_request(2, "", "organizations/a", "status = X", of=LIST)
    rows = [{"seq": 11}, {"seq": 15}, {"seq": 20}]  # LIMIT size + 1: there is more
    token = first.next_token(rows)
    assert token and "=" not in token
    second = pagination.page_from_request(5, token, "organizations/a", "status = X", of=LIST)
    assert second.after_seq == 15  # the last row shown, not the look-ahead row
    assert second.size == 5  # the page size may change between pages


def test_last_page_has_no_next_token():
    page = pagination.page_from_request(3, "", "p", of=LIST)
    assert page.next_token([{"seq": 1}, {"seq": 2}, {"seq": 3}]) == ""
    assert page.next_token([]) == ""


def test_page_token_is_bound_to_its_query():
    token = pagination.encode_token(LIST_NAME, s=7, q=pagination.query_fingerprint("organizations/a", ""))
    for parts in (("organizations/b", ""), ("organizations/a", "code = x"), ("organizations/a",)):
        with pytest.raises(errors.ApiError) as exc_info:
            pagination.page_from_request(10, token, *parts, of=LIST)
        assert "different query" in _bad(exc_info, "page_token")


def test_page_token_is_bound_to_its_list():
    token = pagination.encode_token(LIST_NAME, s=7, q=pagination.query_fingerprint("p"))
    with pytest.raises(errors.ApiError) as exc_info:
        pagination.page_from_request(10, token, "p", of=projects_api.ListPortfoliosResponse)
    assert "belongs to another list" in _bad(exc_info, "page_token")


def test_page_token_naming_no_list_is_invalid():  # e.g. one issued before tokens named their list
    token = _token(f'{{"s": 7, "q": "{pagination.query_fingerprint("p")}"}}')
    with pytest.raises(errors.ApiError) as exc_info:
        pagination.page_from_request(10, token, "p", of=LIST)
    _bad(exc_info, "page_token")


def _token(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", ["not base64 at all!", "%%%%", _token("not json"), _token("[1, 2]"),
                                 _token('"a string"')])
def test_page_tokens_that_are_not_ours_are_invalid(raw):
    with pytest.raises(errors.ApiError) as exc_info:
        pagination.page_from_request(10, raw, "p", of=LIST)
    _bad(exc_info, "page_token")


@pytest.mark.parametrize("payload", [
    '{"s": 5}', '{"q": "KEY"}', '{"s": "five", "q": "KEY"}', '{"s": null, "q": "KEY"}', '{"s": -1, "q": "KEY"}',
    '{"s": 1e400, "q": "KEY"}', '{"s": Infinity, "q": "KEY"}', '{"s": NaN, "q": "KEY"}',
    '{"s": 9223372036854775808, "q": "KEY"}',  # beyond bigint: would fail when bound to the query
])
def test_tampered_page_tokens_are_invalid(payload):
    payload = payload.replace("KEY", pagination.query_fingerprint("p")).replace("{", f'{{"l": "{LIST_NAME}", ', 1)
    token = _token(payload)
    with pytest.raises(errors.ApiError) as exc_info:
        pagination.page_from_request(10, token, "p", of=LIST)
    _bad(exc_info, "page_token")


def test_largest_bigint_position_is_still_a_valid_token():
    key = pagination.query_fingerprint("p")
    page = pagination.page_from_request(10, pagination.encode_token(LIST_NAME, s=2**63 - 1, q=key), "p", of=LIST)
    assert page.after_seq == 2**63 - 1


# --- money -------------------------------------------------------------------------------

def _m(units=0, nanos=0, currency="EUR") -> money_pb2.Money:
    return money_pb2.Money(currency_code=currency, units=units, nanos=nanos)


def _from(value: money_pb2.Money, **kw):
    v = errors.Violations()
    amount = money.from_proto(value, "budget", v, **kw)
    return amount, v.items


@pytest.mark.parametrize("units, nanos, micros, currency", [
    (0, 0, 0, "EUR"),
    (1, 0, 1_000_000, "EUR"),
    (1, 500_000_000, 1_500_000, "EUR"),
    (0, 10_000_000, 10_000, "EUR"),
    (12_345, 678_900_000, 12_345_678_900, "CLF"),
    (0, 999_900_000, 999_900, "CLF"),
    (10**12, 0, 10**18, "EUR"),
])
def test_money_from_proto_is_exact(units, nanos, micros, currency):
    amount, problems = _from(_m(units, nanos, currency))
    assert problems == []
    assert amount == money.Amount(micros, currency)
    assert amount.to_proto() == _m(units, nanos, currency)


def test_negative_money_is_exact_when_allowed_and_refused_otherwise():
    amount, problems = _from(_m(-1, -500_000_000), allow_negative=True)
    assert (amount, problems) == (money.Amount(-1_500_000, "EUR"), [])
    assert amount.to_proto() == _m(-1, -500_000_000)
    assert money.Amount(-1, "EUR").to_proto() == _m(0, -1000)
    amount, problems = _from(_m(-1))
    assert amount is None and [f for f, _ in problems] == ["budget"]


@pytest.mark.parametrize("nanos", [1, 999, 1_000_001, 999_999_999])
def test_money_finer_than_a_micro_is_refused_not_rounded(nanos):
    amount, problems = _from(_m(3, nanos))
    assert amount is None
    assert [f for f, _ in problems] == ["budget.nanos"]


@pytest.mark.parametrize("units, nanos", [(1, -500_000_000), (-1, 500_000_000)])
def test_money_with_units_and_nanos_of_opposite_signs_is_refused(units, nanos):
    amount, problems = _from(_m(units, nanos), allow_negative=True)
    assert amount is None
    assert [f for f, _ in problems] == ["budget.nanos"]


def test_money_nanos_out_of_range_is_refused():
    amount, problems = _from(_m(0, 1_000_000_000))
    assert amount is None and [f for f, _ in problems] == ["budget.nanos"]


@pytest.mark.parametrize("currency", ["", "eur", "EU", "EURO", "E1R"])
def test_money_needs_an_iso_currency_code(currency):
    amount, problems = _from(_m(1, currency=currency))
    assert amount is None and [f for f, _ in problems] == ["budget.currency_code"]


def test_money_above_10_to_the_12_units_is_refused():
    amount, problems = _from(_m(10**12, 10_000_000))
    assert amount is None and [f for f, _ in problems] == ["budget"]


def test_micros_of_reads_validated_money():
    assert money.micros_of(_m(2, 250_000_000)) == 2_250_000
    assert money.micros_of(_m(-2, -250_000_000)) == -2_250_000
    assert money.micros_of(_m(999_999_999_999, 999_999_000)) == 999_999_999_999_999_999


@pytest.mark.parametrize("numerator, denominator, expected", [
    (5, 2, 2), (7, 2, 4), (9, 2, 4), (1, 2, 0), (3, 2, 2),      # ties go to the even neighbour
    (1, 3, 0), (2, 3, 1), (10, 5, 2), (0, 7, 0),
    (-5, 2, -2), (-7, 2, -4), (-1, 2, 0), (-3, 2, -2),           # ... on both sides of zero
    (-1, 3, 0), (-2, 3, -1),
    (5, -2, -2), (-5, -2, 2), (7, -2, -4),                       # negative denominators
    (2 * 10**18 + 1, 2, 10**18),                                 # exact for big integers
])
def test_div_round_is_half_to_even(numerator, denominator, expected):
    assert money.div_round(numerator, denominator) == expected


def test_div_round_matches_exact_rational_rounding():
    for n in range(-60, 61):
        for d in [*range(-12, 0), *range(1, 13)]:
            assert money.div_round(n, d) == round(Fraction(n, d)), (n, d)


def test_div_round_by_zero_raises():
    with pytest.raises(ZeroDivisionError):
        money.div_round(1, 0)


# --- rules: allocation -------------------------------------------------------------------

A = rules.Allocation


def test_peak_allocation_finds_the_busiest_day():
    others = [A(D(2027, 1, 1), D(2027, 1, 10), 50), A(D(2027, 1, 5), D(2027, 1, 20), 30),
              A(D(2027, 2, 1), D(2027, 2, 5), 60)]
    assert rules.peak_allocation(others, D(2027, 1, 1), D(2027, 1, 31)) == (D(2027, 1, 5), 80)
    assert rules.peak_allocation(others, D(2027, 1, 1), D(2027, 2, 28)) == (D(2027, 1, 5), 80)
    assert rules.peak_allocation(others, D(2027, 1, 11), D(2027, 2, 28)) == (D(2027, 2, 1), 60)


def test_peak_allocation_counts_allocations_started_before_the_window():
    others = [A(D(2027, 1, 1), D(2027, 3, 31), 40), A(D(2027, 2, 1), D(2027, 2, 1), 20)]
    assert rules.peak_allocation(others, D(2027, 1, 15), D(2027, 1, 31)) == (D(2027, 1, 15), 40)
    assert rules.peak_allocation(others, D(2027, 1, 15), D(2027, 2, 15)) == (D(2027, 2, 1), 60)


def test_peak_allocation_ignores_what_ends_before_the_window_and_touching_days_count():
    others = [A(D(2027, 1, 1), D(2027, 1, 9), 100), A(D(2027, 1, 10), D(2027, 1, 10), 70)]
    assert rules.peak_allocation(others, D(2027, 1, 10), D(2027, 1, 20)) == (D(2027, 1, 10), 70)


def test_peak_allocation_of_nothing_is_zero_on_the_first_day():
    assert rules.peak_allocation([], D(2027, 5, 1), D(2027, 5, 31)) == (D(2027, 5, 1), 0)


# --- rules: phases -------------------------------------------------------------------------

ORDER = [pb.PHASE_INITIATION, pb.PHASE_PLANNING, pb.PHASE_EXECUTION, pb.PHASE_MONITORING, pb.PHASE_CLOSING,
         pb.PHASE_CLOSED]


def _transition_reason(current: int, target: int) -> str | None:
    try:
        rules.check_phase_transition(current, target)
    except errors.ApiError as exc:
        assert exc.code == grpc.StatusCode.FAILED_PRECONDITION
        return exc.reason
    return None


def test_every_phase_transition_follows_the_gate_rules():
    for i, current in enumerate(ORDER):
        for j, target in enumerate(ORDER):
            reason = _transition_reason(current, target)
            if current == pb.PHASE_CLOSED:
                expected = "PROJECT_CLOSED"
            elif target == current:
                expected = "PHASE_UNCHANGED"
            elif target == pb.PHASE_CLOSED or j < i or j == i + 1:
                expected = None  # close (kill), recycle back, or GO to the next phase
            else:
                expected = "PHASE_SKIPPED"
            assert reason == expected, (pb.Phase.Name(current), pb.Phase.Name(target))


def test_skipping_a_phase_names_where_the_project_may_go():
    with pytest.raises(errors.ApiError) as exc_info:
        rules.check_phase_transition(pb.PHASE_PLANNING, pb.PHASE_MONITORING)
    assert exc_info.value.metadata == {"current": "PHASE_PLANNING", "target": "PHASE_MONITORING"}
    assert "PHASE_EXECUTION" in exc_info.value.message


# --- rules: slippage and KPIs ----------------------------------------------------------------

M = rules.MilestoneFacts
TODAY = D(2027, 2, 10)


@pytest.mark.parametrize("facts, late", [
    (M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 10), D(2027, 1, 10), D(2027, 1, 10)), 0),   # on time
    (M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 10), D(2027, 1, 10), D(2027, 1, 15)), 5),   # done late
    (M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 10), D(2027, 1, 10), D(2027, 1, 1)), 0),    # done early
    (M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 20), D(2027, 1, 10), D(2027, 1, 18)), 8),   # moved, done late
    (M(pb.MILESTONE_STATE_PLANNED, D(2027, 3, 1), D(2027, 3, 1), None), 0),                # not due yet
    (M(pb.MILESTONE_STATE_PLANNED, D(2027, 3, 1), D(2027, 2, 1), None), 28),               # replanned later
    (M(pb.MILESTONE_STATE_IN_PROGRESS, D(2027, 2, 1), D(2027, 2, 1), None), 9),            # overdue: till today
    (M(pb.MILESTONE_STATE_MISSED, D(2027, 1, 31), D(2027, 1, 31), None), 10),
    (M(pb.MILESTONE_STATE_CANCELLED, D(2027, 1, 1), D(2026, 1, 1), None), 0),              # cancelled never slips
])
def test_days_late(facts, late):
    assert rules.days_late(facts, TODAY) == late


def _project(name, status, budget, actual, health=None, percent=0) -> pb.Project:
    return pb.Project(name=name, code=name.upper(), display_name=name, status=status,
                      budget=money_pb2.Money(currency_code="EUR", units=budget),
                      actual_cost=money_pb2.Money(currency_code="EUR", units=actual),
                      health=health or pb.Health(schedule=pb.RAG_GREEN, scope=pb.RAG_GREEN, cost=pb.RAG_GREEN,
                                                 resources=pb.RAG_GREEN),
                      percent_complete=percent, phase=pb.PHASE_EXECUTION)


def test_project_summary_on_a_hand_worked_example():
    project = _project("b", pb.PROJECT_STATUS_ACTIVE, 200, 250, percent=40,
                       health=pb.Health(schedule=pb.RAG_AMBER, scope=pb.RAG_GREEN, cost=pb.RAG_RED,
                                        resources=pb.RAG_GREEN))
    milestones = [M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 10), D(2027, 1, 10), D(2027, 1, 15)),  # 5 days
                  M(pb.MILESTONE_STATE_PLANNED, D(2027, 3, 1), D(2027, 2, 1), None),               # 28 days
                  M(pb.MILESTONE_STATE_PLANNED, D(2027, 4, 1), D(2027, 4, 1), None)]               # 0
    summary = rules.project_summary(project, milestones, TODAY)
    assert summary.overall == pb.RAG_RED
    assert summary.budget_used_bp == 12_500  # 250 / 200
    assert (summary.milestone_slippage_days, summary.milestones_late) == (33, 2)
    assert (summary.project, summary.code, summary.percent_complete, summary.phase) == ("b", "B", 40,
                                                                                        pb.PHASE_EXECUTION)


def test_budget_used_without_a_budget_is_zero():
    summary = rules.project_summary(_project("c", pb.PROJECT_STATUS_ACTIVE, 0, 10), [], TODAY)
    assert summary.budget_used_bp == 0


def test_portfolio_kpis_on_a_hand_worked_example():
    green = pb.Health(schedule=pb.RAG_GREEN, scope=pb.RAG_GREEN, cost=pb.RAG_GREEN, resources=pb.RAG_GREEN)
    projects = [
        _project("a", pb.PROJECT_STATUS_COMPLETED, 100, 90, green),                   # within budget, GREEN
        _project("b", pb.PROJECT_STATUS_ACTIVE, 200, 250,                             # over budget, RED
                 pb.Health(schedule=pb.RAG_GREEN, scope=pb.RAG_GREEN, cost=pb.RAG_RED, resources=pb.RAG_AMBER)),
        _project("c", pb.PROJECT_STATUS_CANCELLED, 0, 0,                              # no budget, AMBER
                 pb.Health(schedule=pb.RAG_AMBER, scope=pb.RAG_GREEN, cost=pb.RAG_GREEN, resources=pb.RAG_GREEN)),
        _project("d", pb.PROJECT_STATUS_ACTIVE, 50, 50, green),                       # exactly on budget, GREEN
    ]
    milestones = [
        M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 10), D(2027, 1, 10), D(2027, 1, 10)),  # on time
        M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 10), D(2027, 1, 10), D(2027, 1, 15)),  # late
        M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 1, 10), D(2027, 1, 10), D(2027, 1, 5)),   # early
        M(pb.MILESTONE_STATE_ACHIEVED, D(2027, 2, 1), D(2027, 1, 20), D(2027, 1, 20)),   # on the original date
        M(pb.MILESTONE_STATE_PLANNED, D(2027, 3, 1), D(2027, 2, 1), None),               # open: not counted
        M(pb.MILESTONE_STATE_CANCELLED, D(2027, 1, 1), D(2027, 1, 1), None),             # not counted
    ]
    summaries = [rules.project_summary(p, [], TODAY) for p in projects]
    kpis = rules.portfolio_kpis(summaries, milestones)
    assert kpis == pb.PortfolioKpis(
        project_count=4,
        on_time_rate_bp=7_500,       # 3 of 4 achieved milestones by their original due date
        budget_adherence_bp=6_667,   # a and d of the 3 budgeted projects (2/3 = 0.66667 -> 6667)
        completion_rate_bp=5_000,    # a COMPLETED of a and c finished
        red_projects=1, amber_projects=1, green_projects=2,
    )


def test_portfolio_kpis_of_an_empty_portfolio_are_zero():
    assert rules.portfolio_kpis([], []) == pb.PortfolioKpis()


def test_basis_points_round_half_to_even():
    assert rules.basis_points(1, 3) == 3_333
    assert rules.basis_points(2, 3) == 6_667
    assert rules.basis_points(1, 20_000) == 0   # 0.5 -> 0
    assert rules.basis_points(3, 20_000) == 2   # 1.5 -> 2
    assert rules.basis_points(5, 0) == 0


def test_overall_rag_is_the_worst_dimension():
    assert rules.overall_rag(pb.Health(schedule=pb.RAG_GREEN, scope=pb.RAG_AMBER, cost=pb.RAG_GREEN,
                                       resources=pb.RAG_GREEN)) == pb.RAG_AMBER
    assert rules.overall_rag(pb.Health(schedule=pb.RAG_RED, scope=pb.RAG_AMBER, cost=pb.RAG_GREEN,
                                       resources=pb.RAG_GREEN)) == pb.RAG_RED
    assert rules.overall_rag(pb.Health(schedule=pb.RAG_GREEN, scope=pb.RAG_GREEN, cost=pb.RAG_GREEN,
                                       resources=pb.RAG_GREEN)) == pb.RAG_GREEN
