"""Money follows its currency: only current ISO 4217 codes, and nothing finer than the minor unit."""

from __future__ import annotations

import grpc
import pytest
from google.type import money_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import errors, money
from tests.support import fails, rid


def _from(currency: str, units: int = 0, nanos: int = 0):
    v = errors.Violations()
    amount = money.from_proto(money_pb2.Money(currency_code=currency, units=units, nanos=nanos), "budget", v)
    return amount, [f for f, _ in v.items]


@pytest.mark.parametrize("currency, units, nanos, micros", [
    ("USD", 0, 10_000_000, 10_000),     # 0.01 USD: one cent
    ("JPY", 1, 0, 1_000_000),           # 1 JPY
    ("KWD", 0, 1_000_000, 1_000),       # 0.001 KWD: three decimals
    ("CLF", 0, 100_000, 100),           # 0.0001 CLF: four decimals
])
def test_an_amount_in_whole_minor_units_is_accepted(currency, units, nanos, micros):
    assert _from(currency, units, nanos) == (money.Amount(micros, currency), [])


@pytest.mark.parametrize("currency, units, nanos", [
    ("USD", 0, 5_000_000),              # 0.005 USD
    ("USD", -1, -5_000_000),            # -1.005 USD
    ("JPY", 0, 500_000_000),            # 0.5 JPY
    ("KWD", 0, 500_000),                # 0.0005 KWD
])
def test_an_amount_finer_than_the_currency_minor_unit_is_refused(currency, units, nanos):
    v = errors.Violations()
    assert money.from_proto(money_pb2.Money(currency_code=currency, units=units, nanos=nanos), "budget", v,
                            allow_negative=True) is None
    assert [f for f, _ in v.items] == ["budget.nanos"]


def test_half_a_yen_is_refused_because_jpy_has_no_minor_unit():
    v = errors.Violations()
    money.from_proto(money_pb2.Money(currency_code="JPY", nanos=500_000_000), "budget", v)
    assert v.items == [("budget.nanos", "JPY has no minor unit: whole units only")]


@pytest.mark.parametrize("currency", ["XYZ", "usd", "ABC", "DEM", "XAU", "XXX", "USD\n"])
def test_a_code_that_is_not_a_current_iso_4217_currency_is_refused(currency):
    assert _from(currency, 1) == (None, ["budget.currency_code"])
    assert not money.is_currency(currency)


def test_minor_units_come_from_the_iso_table():
    assert [money.minor_unit_micros(c) for c in ("JPY", "USD", "KWD", "CLF")] == [1_000_000, 10_000, 1_000, 100]


async def _create(projects_stub, as_role, org, budget: money_pb2.Money):
    return await fails(as_role("pmo")(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", request_id=rid(), project=pb.Project(
            code="APL", display_name="Apollo", methodology=pb.METHODOLOGY_AGILE, budget=budget))))


async def test_create_project_refuses_a_budget_finer_than_a_cent(projects_stub, as_role, org):
    failure = await _create(projects_stub, as_role, org, money_pb2.Money(currency_code="USD", nanos=5_000_000))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "project.budget.nanos" in failure.fields


async def test_create_project_refuses_a_budget_in_a_code_that_is_not_iso_4217(projects_stub, as_role, org):
    failure = await _create(projects_stub, as_role, org, money_pb2.Money(currency_code="ABC", units=100))
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "project.budget.currency_code" in failure.fields
