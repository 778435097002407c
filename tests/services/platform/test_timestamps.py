"""resources.to_timestamp computes by subtraction what Timestamp.FromDatetime computes: the same message for
aware and naive (UTC) datetimes, before and after 1970, at the ends of the calendar and at every microsecond."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from google.protobuf import timestamp_pb2

from services.platform.resources import to_timestamp

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
