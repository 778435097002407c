"""A small, safe subset of AIP-160 filters, compiled to SQL with bind parameters.

    status = PROJECT_STATUS_ACTIVE AND percent_complete >= 50 AND code = "ERP-1"

Comparisons (=, !=, <, <=, >, >=) of one declared field with one literal,
joined by AND. Values are quoted strings, integers, enum value names,
true/false, dates as "YYYY-MM-DD" or timestamps in RFC 3339 with a time zone
("2027-01-31T09:30:00Z"). Anything else is INVALID_ARGUMENT on `filter`
saying what was expected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import EnumDescriptor

from services.platform import errors
from services.platform.resources import control_character_problem

_TOKEN = re.compile(r'\s*(?:(?P<op>!=|<=|>=|=|<|>)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<word>[A-Za-z0-9_.:\-]+))')


@dataclass(frozen=True)
class Field:
    column: str
    kind: str = "text"  # text | int | bool | date | timestamp | enum
    enum: EnumDescriptor | None = None

    def convert(self, raw: str, quoted: bool) -> Any:
        if self.kind == "text":
            return raw
        if self.kind == "int":
            value = int(raw)
            if not -2**63 <= value < 2**63:
                raise ValueError("integer out of range")
            return value
        if self.kind == "bool":
            if raw not in ("true", "false"):
                raise ValueError("expected true or false")
            return raw == "true"
        if self.kind == "date":
            return dt.date.fromisoformat(raw)
        if self.kind == "timestamp":
            value = dt.datetime.fromisoformat(raw)
            if value.tzinfo is None:
                raise ValueError("a timestamp needs its time zone, e.g. 2027-01-31T09:30:00Z")
            return value
        if self.kind == "enum":
            assert self.enum is not None
            value = self.enum.values_by_name.get(raw)
            if value is None or value.number == 0:
                names = ", ".join(v.name for v in self.enum.values if v.number)
                raise ValueError(f"expected one of {names}")
            return value.number
        raise AssertionError(self.kind)


@dataclass(frozen=True)
class Compiled:
    sql: str  # "" or "AND ..." fragments
    args: list[Any]


def compile_filter(text: str, fields: dict[str, Field], first_param: int) -> Compiled:
    """SQL for `text` with placeholders numbered from `first_param`."""
    text = text.strip()
    if not text:
        return Compiled("", [])
    if len(text) > 2000:
        raise errors.bad_field("filter", "is longer than 2000 characters")
    # No stored text holds NUL or another control character (tab and line breaks aside), so no value
    # may either; PostgreSQL would refuse a NUL as a bind parameter.
    if problem := control_character_problem(text, multiline=True):
        raise errors.bad_field("filter", problem)
    tokens = _tokenize(text)
    clauses, args = [], []
    i = 0
    while True:
        if i + 3 > len(tokens):
            raise errors.bad_field("filter", "expected `field OP value` (e.g. status = PROJECT_STATUS_ACTIVE)")
        (k1, name), (k2, op), (k3, raw) = tokens[i:i + 3]
        if k1 != "word" or name not in fields:
            allowed = ", ".join(sorted(fields))
            raise errors.bad_field("filter", f"unknown field {name!r}; filterable fields: {allowed}")
        if k2 != "op":
            raise errors.bad_field("filter", f"expected an operator after {name} (one of = != < <= > >=)")
        if k3 == "op":
            raise errors.bad_field("filter", f"expected a value after {name} {op}")
        value_text = _unquote(raw) if k3 == "str" else raw
        try:
            value = fields[name].convert(value_text, k3 == "str")
        except ValueError as exc:
            raise errors.bad_field("filter", f"bad value for {name}: {exc}") from None
        args.append(value)
        # Integers compare as bigint so a literal wider than the column (e.g. smallint) is no bind error.
        cast = "::bigint" if fields[name].kind == "int" else ""
        clauses.append(f"{fields[name].column} {op} ${first_param + len(args) - 1}{cast}")
        i += 3
        if i == len(tokens):
            break
        if tokens[i] != ("word", "AND"):
            raise errors.bad_field("filter", f"expected AND, got {tokens[i][1]!r} (only AND is supported)")
        i += 1
    return Compiled("AND " + " AND ".join(clauses), args)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            if text[pos:].strip() == "":
                break
            raise errors.bad_field("filter", f"unexpected character at position {pos}: {text[pos:pos + 10]!r}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1])
