"""Pure billing rules: property tests of the money arithmetic and invoice totals, and examples."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmaas.billing.v1 import resources_pb2 as pb
from services.billing import rules
from services.platform import money
from services.platform.errors import ApiError, Violations

CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD", "CLF"])
MINUTES = st.integers(min_value=1, max_value=1440 * 366)
RATES = st.integers(min_value=1, max_value=10_000 * money.MICROS)  # up to 10,000 a hour, any micros
AMOUNTS = st.integers(min_value=-money.MAX_MICROS, max_value=money.MAX_MICROS)


@given(st.integers(min_value=-10**18, max_value=10**18), st.integers(min_value=1, max_value=10**12))
def test_div_round_is_exact_division_rounded_half_to_even(numerator, denominator):
    assert money.div_round(numerator, denominator) == round(Fraction(numerator, denominator))


@given(MINUTES, RATES, CURRENCIES)
def test_a_time_line_is_the_exact_amount_rounded_half_to_even_to_the_minor_unit(minutes, rate, currency):
    unit = money.minor_unit_micros(currency)
    amount = rules.time_amount(minutes, rate, currency)
    exact = Fraction(minutes * rate, 60)
    assert amount % unit == 0
    assert amount == round(exact / unit) * unit
    assert abs(amount - exact) <= Fraction(unit, 2)


@given(MINUTES, MINUTES, RATES, CURRENCIES)
def test_more_time_never_costs_less(a, b, rate, currency):
    low, high = sorted((a, b))
    assert rules.time_amount(low, rate, currency) <= rules.time_amount(high, rate, currency)


@given(AMOUNTS, CURRENCIES)
def test_money_round_trips_through_google_type_money(micros, currency):
    micros -= micros % money.minor_unit_micros(currency)  # whole minor units: finer is refused
    proto = money.Amount(micros, currency).to_proto()
    assert money.micros_of(proto) == micros
    v = Violations()
    assert money.from_proto(proto, "amount", v, allow_negative=True) == money.Amount(micros, currency)
    assert not v


line_st = st.builds(lambda minutes, rate: rules.time_line("p", "role", "ann", minutes, rate, "EUR"), MINUTES, RATES)


@given(st.lists(line_st, max_size=30),
       st.integers(min_value=0, max_value=10**9 * money.MICROS),
       st.one_of(st.none(), st.integers(min_value=0, max_value=10**9 * money.MICROS)))
def test_invoice_total_is_the_sum_of_its_lines_and_never_passes_the_cap(lines, invoiced_before, cap):
    adjustment = rules.cap_adjustment(invoiced_before, rules.total(lines), cap)
    final = lines + ([rules.Line(pb.LINE_ITEM_KIND_CAP_ADJUSTMENT, "cap", adjustment, adjustment)]
                     if adjustment else [])
    assert rules.total(final) == sum(line.amount_micros for line in final)
    assert adjustment <= 0
    assert rules.total(final) >= 0
    if cap is None:
        assert adjustment == 0
    else:
        assert invoiced_before + rules.total(final) <= max(cap, invoiced_before)
        if invoiced_before + rules.total(lines) <= cap:
            assert adjustment == 0


@given(st.integers(min_value=-10**15, max_value=10**15), st.integers(min_value=-10**15, max_value=10**15))
def test_ratios_are_four_decimals_half_to_even(numerator, denominator):
    text = rules.ratio_text(numerator, denominator)
    if denominator == 0:
        assert text == ""
    else:
        assert Fraction(text) == Fraction(round(Fraction(numerator * 10_000, denominator)), 10_000)
        assert len(text.split(".")[1]) == 4


@given(st.integers(min_value=0, max_value=10**12 * money.MICROS), st.integers(min_value=0, max_value=100),
       st.integers(min_value=0, max_value=10**12 * money.MICROS), st.integers(min_value=0, max_value=10**9))
def test_evm_identities_hold_exactly(bac, percent, ac, pv):
    ev = rules.earned_value(bac, percent, "EUR")
    e = rules.evm(rules.Figures(bac=bac, pv=pv, ev=ev, time_cost=ac, expense_cost=0), "EUR")
    assert e.etc == e.eac - e.ac and e.vac == e.bac - e.eac
    if ev and ac:
        assert abs(e.eac - Fraction(bac * ac, ev)) <= Fraction(money.minor_unit_micros("EUR"), 2)


@given(st.integers(min_value=1, max_value=1440))
def test_hours_text_shows_minutes_to_the_hundredth(minutes):
    assert abs(Fraction(rules.hours_text(minutes)) - Fraction(minutes, 60)) <= Fraction(1, 200)


@pytest.mark.parametrize("hours, minutes", [("7.5", 450), ("0.25", 15), ("24", 1440), ("0.1", 6), ("1.05", 63)])
def test_decimal_hours_become_whole_minutes(hours, minutes):
    v = Violations()
    assert rules.minutes_of(pb.TimeEntry(hours=hours), v) == minutes and not v


def test_half_a_cent_rounds_to_the_even_cent():
    rate = money.MICROS * 15 // 100  # 0.15 an hour
    assert rules.time_amount(2, rate, "EUR") == 0  # 0.005 -> 0.00
    assert rules.time_amount(6, rate, "EUR") == 20_000  # 0.015 -> 0.02
    assert rules.time_amount(10, rate, "EUR") == 20_000  # 0.025 -> 0.02
    assert rules.time_amount(60, 1_500_000, "JPY") == 2_000_000  # 1.5 yen -> 2 yen


def test_planned_value_counts_planned_days_inclusively():
    start, end = dt.date(2027, 1, 1), dt.date(2027, 4, 10)  # 100 days
    bac = 100_000 * money.MICROS
    assert rules.planned_value(bac, start, end, dt.date(2027, 2, 19), "EUR") == 50_000 * money.MICROS
    assert rules.planned_value(bac, start, end, dt.date(2026, 12, 31), "EUR") == 0
    assert rules.planned_value(bac, start, end, dt.date(2028, 1, 1), "EUR") == bac
    assert rules.planned_value(bac, None, end, dt.date(2027, 2, 1), "EUR") == 0


def D(month: int, day: int) -> dt.date:
    return dt.date(2027, month, day)


def test_a_new_rate_closes_the_open_ended_one_and_refuses_other_overlaps():
    open_ended = rules.RateSpan("old", D(1, 1), None)
    assert rules.rate_to_close([open_ended], D(7, 1), None) == open_ended
    assert rules.rate_to_close([rules.RateSpan("q1", D(1, 1), D(3, 31))], D(4, 1), None) is None
    for existing, start, end in [([open_ended], D(1, 1), None),  # same start: not a successor
                                 ([rules.RateSpan("q1", D(1, 1), D(3, 31))], D(3, 31), D(5, 1)),
                                 ([rules.RateSpan("later", D(6, 1), None)], D(1, 1), D(6, 1))]:
        with pytest.raises(ApiError) as refused:
            rules.rate_to_close(existing, start, end)
        assert refused.value.reason == "RATE_OVERLAP"


def test_cap_adjustment_examples():
    assert rules.cap_adjustment(0, 1600, 1000) == -600
    assert rules.cap_adjustment(1000, 800, 1000) == -800
    assert rules.cap_adjustment(200, 800, 1000) == 0
    assert rules.cap_adjustment(0, 1600, None) == 0


def test_amount_text_uses_the_minor_unit():
    assert rules.amount_text(5 * money.MICROS, "JPY") == "5 JPY"
    assert rules.amount_text(1_234_500_000, "EUR") == "1234.50 EUR"
