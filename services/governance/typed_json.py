"""Dataclasses back from the JSON a workflow sent: the same result as Temporal's `value_to_type`, faster.

The worker rebuilds every published process view (a few KB of nested dataclasses) to store its API message,
and the service rebuilds views and tasks on reads. `value_to_type` resolves each dataclass's type hints
again for every object (`typing.get_type_hints` was the largest single cost of a change request in the
worker's profile); here each class's fields and hints are resolved once. Only the shapes our views use
take the fast path (dataclasses, list, dict with str keys, X | None, datetime, date, enums, JSON scalars);
anything else is handed to `value_to_type` itself, so the result never differs
(tests/services/governance/test_typed_json.py compares both on every recorded history's payloads).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import json
import types
import typing
from typing import Any, TypeVar

from temporalio.converter import value_to_type

T = TypeVar("T")
_SCALARS = (str, int, float, bool)


def load(hint: type[T], data: Any) -> T:
    """`data`: a JSON text or what json.loads made of it."""
    return _value(hint, json.loads(data) if isinstance(data, str) else data)


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


@functools.cache
def _shape(hint: Any) -> tuple[str, Any]:
    """How to rebuild a value of `hint`: (kind, argument), resolved once per hint."""
    if hint is Any:
        return "as-is", None
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            return "dataclass", hint
        if issubclass(hint, enum.Enum):
            return "enum", hint
        if hint in (dt.datetime, dt.date):
            return "iso", hint
        if hint in _SCALARS:
            return "scalar", hint
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list and len(args) == 1:
        return "list", args[0]
    if origin is dict and len(args) == 2 and args[0] is str:
        return "dict", args[1]
    if origin in (typing.Union, types.UnionType):
        present = [a for a in args if a is not type(None)]
        if len(present) == 1 and len(args) == 2:
            return "optional", present[0]
    return "temporal", hint


def _value(hint: Any, value: Any) -> Any:
    kind, arg = _shape(hint)
    if kind == "as-is":
        return value
    if kind == "optional":
        return None if value is None else _value(arg, value)
    if kind == "dataclass" and isinstance(value, dict):
        return arg(**{name: _value(h, value[name]) for name, h in _fields(arg) if name in value})
    if kind == "list" and isinstance(value, list):
        return [_value(arg, v) for v in value]
    if kind == "dict" and isinstance(value, dict):
        return {k: _value(arg, v) for k, v in value.items()}
    if kind == "iso" and isinstance(value, str):
        return arg.fromisoformat(value)
    if kind == "scalar" and type(value) is arg:
        return value
    if kind == "enum":
        return arg(value)
    return value_to_type(hint, value)  # anything unusual (and every error message) as Temporal has it
