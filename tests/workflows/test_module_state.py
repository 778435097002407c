"""The worker passes our `workflows` package through Temporal's sandbox (workflows/worker.py SANDBOX): every
workflow run shares one copy of each module instead of importing its own. That is safe only while the modules
hold no state a run could change: their globals, and the attributes of the classes they define, are constants.
This test is what stands in for the isolation given up (a pure rule: no servers)."""

from __future__ import annotations
import __future__

import dataclasses
import datetime as dt
import decimal
import enum
import fractions
import importlib
import inspect
import pkgutil
import re
import types
import typing
import uuid
from collections.abc import Iterator

import pytest
import temporalio.common

import workflows

# Not loaded into workflow runs: the worker process itself and the activities (they run outside the sandbox).
OUTSIDE_RUNS = ("workflows.worker", "workflows.activities")
SCALARS = (type(None), bool, int, float, complex, str, bytes, range, dt.date, dt.time, dt.timedelta, dt.tzinfo,
           decimal.Decimal, fractions.Fraction, enum.Enum, re.Pattern, typing.TypeVar,
           uuid.UUID, __future__._Feature, temporalio.common.SearchAttributeKey)
CODE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, staticmethod, classmethod, property,
        types.MethodType, typing._GenericAlias, types.GenericAlias)  # type: ignore[attr-defined]


def workflow_modules() -> Iterator[types.ModuleType]:
    for info in pkgutil.walk_packages(workflows.__path__, "workflows."):
        if not info.name.startswith(OUTSIDE_RUNS):
            yield importlib.import_module(info.name)


def constant(value: object, seen: frozenset[int] = frozenset()) -> bool:
    """Whether nothing reachable from `value` can be changed in place."""
    if id(value) in seen:
        return True
    seen |= {id(value)}
    if isinstance(value, SCALARS + CODE):
        return True
    if isinstance(value, tuple | frozenset):
        return all(constant(v, seen) for v in value)
    if isinstance(value, types.MappingProxyType):
        return all(constant(k, seen) and constant(v, seen) for k, v in value.items())
    if dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
        return all(constant(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    if isinstance(value, temporalio.common.RetryPolicy):  # a dataclass, not frozen: checked as if it were
        return all(constant(getattr(value, f.name), seen) for f in dataclasses.fields(value))
    return False


def changeable_state(module: types.ModuleType) -> list[str]:
    found = []
    for name, value in vars(module).items():
        if name.startswith("__"):
            continue
        if not constant(value):
            found.append(f"{module.__name__}.{name} = {type(value).__name__}")
        if inspect.isclass(value) and value.__module__ == module.__name__ and not issubclass(value, enum.Enum):
            for attr, member in vars(value).items():
                if not attr.startswith("__") and not isinstance(member, dataclasses.Field) and not constant(member):
                    found.append(f"{module.__name__}.{name}.{attr} = {type(member).__name__}")
    return found


def test_the_passed_through_modules_are_the_workflow_modules():
    modules = {m.__name__ for m in workflow_modules()}
    assert {"workflows.change_request", "workflows.phase_gate", "workflows.escalation", "workflows.approvals",
            "workflows.quality_audit", "workflows.billing_cycle"} <= modules


@pytest.mark.parametrize("module", list(workflow_modules()), ids=lambda m: m.__name__)
def test_a_workflow_module_holds_constants_only(module):
    assert changeable_state(module) == []


def test_the_check_finds_state_a_run_could_change():
    fake = types.ModuleType("workflows.fake")
    fake.CACHE = {}
    fake.SEEN = [1]
    fake.OK = (1, "a", dt.timedelta(seconds=1))

    class Holder:
        pending: typing.ClassVar[list[str]] = []

    Holder.__module__ = fake.__name__
    fake.Holder = Holder
    assert changeable_state(fake) == ["workflows.fake.CACHE = dict", "workflows.fake.SEEN = list",
                                      "workflows.fake.Holder.pending = list"]
