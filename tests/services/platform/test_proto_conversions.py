"""The row -> message conversions' shortcuts give the messages the long way gives: resources.to_timestamp
computes by subtraction what Timestamp.FromDatetime computes (aware and naive (UTC) datetimes, before and after
1970, both ends of the calendar, any microsecond); a Money or Date field filled from money_fields/date_fields
equals one given a Money or Date message."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from google.protobuf import timestamp_pb2
from google.type import date_pb2, money_pb2

from pmaas.projects.v1 import resources_pb2 as pb
from services.platform.money import Amount, money_fields
from services.platform.resources import date_fields, to_date, to_timestamp

CASES = [
    dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),  # negative seconds, nanos still positive
    dt.datetime(1969, 12, 31, 23, 59, 59, 1),  # naive: read as UTC
    dt.datetime(2026, 12, 3, 9, 30, 0, 123_456, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 29, 12, tzinfo=dt.timezone(dt.timedelta(hours=14))),
]


def from_datetime(value: dt.datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


@pytest.mark.parametrize("value", CASES, ids=str)
def test_same_as_from_datetime(value: dt.datetime) -> None:
    assert to_timestamp(value) == from_datetime(value)


def test_same_as_from_datetime_for_random_instants() -> None:
    rng = random.Random(11)
    start, span_us = dt.datetime(1900, 1, 1, tzinfo=dt.UTC), 300 * 365 * 86400 * 10**6
    for _ in range(2000):
        value = start + dt.timedelta(microseconds=rng.randrange(span_us))
        assert to_timestamp(value) == from_datetime(value)
        assert to_timestamp(value).ToDatetime(tzinfo=dt.UTC) == value


def test_none_is_unset() -> None:
    assert to_timestamp(None) is None


@pytest.mark.parametrize("micros", [0, 1, 999_999, 1_000_000, 1_234_567, -1, -1_500_000, -(10**18), 10**18])
def test_money_fields_fill_a_field_as_a_money_message_would(micros: int) -> None:
    expected = money_pb2.Money(currency_code="EUR", units=int(micros / 10**6), nanos=(abs(micros) % 10**6) * 1000
                               * (-1 if micros < 0 else 1))
    assert Amount(micros, "EUR").to_proto() == expected
    assert pb.Project(budget=money_fields(micros, "EUR")) == pb.Project(budget=expected)


@pytest.mark.parametrize("value", [dt.date(1, 1, 1), dt.date(2024, 2, 29), dt.date(9999, 12, 31), None])
def test_date_fields_fill_a_field_as_a_date_message_would(value: dt.date | None) -> None:
    made = pb.Project(planned_start_date=date_fields(value))
    assert made == pb.Project(planned_start_date=to_date(value))
    assert made.HasField("planned_start_date") == (value is not None)
    if value is not None:
        assert to_date(value) == date_pb2.Date(year=value.year, month=value.month, day=value.day)
