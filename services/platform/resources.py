"""AIP resource plumbing: names, ids, etags, update masks, dates and times."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass
from functools import cached_property

from google.protobuf import field_mask_pb2, timestamp_pb2
from google.protobuf.message import Message
from google.type import date_pb2

from services.platform import errors

# Patterns end in \Z, not $ (which also matches before a trailing newline: "nl\n" would pass).
ID_PART = r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
ID_RE = re.compile(rf"^{ID_PART}\Z")
ID_RULE = "must be 1-63 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'"


def check_id(value: str, field: str, violations: errors.Violations) -> None:
    if not ID_RE.match(value):
        violations.add(field, ID_RULE)


# Text keeps its line breaks and tabs only where it may span lines; no field takes NUL (PostgreSQL
# cannot store it) or any other control character.
# Unicode's control characters (category Cc) are exactly U+0000-U+001F and U+007F-U+009F: one regular
# expression finds the first, instead of a Python loop over every character of every text field.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why `value` cannot be stored as text (None when it can)."""
    found = (_CONTROL_BUT_LINE_BREAKS if multiline else _CONTROL).search(value)
    if found is None:
        return None
    allowed = " other than tab, line feed and carriage return" if multiline else ""
    return f"must not contain control characters{allowed} (U+{ord(found.group()):04X} at position {found.start()})"


def new_id() -> str:
    """A random id for clients that do not choose one (valid under ID_RE)."""
    return "r" + uuid.uuid4().hex[:20]


@dataclass(frozen=True)
class Pattern:
    """e.g. Pattern("organizations/{organization}/projects/{project}")."""

    template: str

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + r"\Z")

    def parse(self, name: str, field: str = "name") -> dict[str, str]:
        match = self.regex.match(name or "")
        if not match:
            raise errors.bad_field(field, f"must be a resource name like {self.template}" if name
                                   else f"is required ({self.template})")
        for part in match.groupdict().values():
            if not ID_RE.match(part):
                raise errors.bad_field(field, f"{part!r} in {name!r} {ID_RULE}")
        return match.groupdict()

    def format(self, **parts: str) -> str:
        return self.template.format(**parts)


def etag_of(name: str, version: int) -> str:
    return hashlib.sha256(f"{name}@{version}".encode()).hexdigest()[:20]


def check_etag(given: str, name: str, version: int) -> None:
    if given and given != etag_of(name, version):
        raise errors.etag_mismatch(name)


def mask_paths(resource: Message, mask: field_mask_pb2.FieldMask, updatable: set[str],
               resource_field: str) -> list[str]:
    """Resolve an update mask (AIP-134): empty -> fields set in `resource`, `*` -> all updatable."""
    paths = list(mask.paths)
    if paths == ["*"]:
        return sorted(updatable)
    if not paths:
        paths = [f.name for f, _ in resource.ListFields() if f.name in updatable]
        if not paths:
            raise errors.bad_field("update_mask", f"nothing to update: set update_mask or fields of {resource_field}")
        return paths
    violations = errors.Violations()
    for path in paths:
        if path not in updatable:
            violations.add("update_mask", f"{path!r} cannot be updated; updatable: {', '.join(sorted(updatable))}")
    violations.raise_if_any()
    return paths


def merged(current: Message, requested: Message, paths: list[str]) -> Message:
    """`current` with the masked top-level fields taken from `requested` (AIP-134 semantics)."""
    result = type(current)()
    result.CopyFrom(current)
    for path in paths:
        result.ClearField(path)
        field = requested.DESCRIPTOR.fields_by_name[path]
        if field.is_repeated:
            getattr(result, path).extend(getattr(requested, path))
        elif field.message_type is not None:
            if requested.HasField(path):
                getattr(result, path).CopyFrom(getattr(requested, path))
        else:
            setattr(result, path, getattr(requested, path))
    return result


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_timestamp(value: dt.datetime | None) -> timestamp_pb2.Timestamp | None:
    """`Timestamp.FromDatetime`'s result (naive means UTC; nanos never negative), by subtraction: a third of
    its cost, and every resource a service returns converts two or more of these."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    since = value - _EPOCH
    return timestamp_pb2.Timestamp(seconds=since.days * 86400 + since.seconds, nanos=since.microseconds * 1000)


def to_date(value: dt.date | None) -> date_pb2.Date | None:
    return None if value is None else date_pb2.Date(**date_fields(value))


def date_fields(value: dt.date | None) -> dict | None:
    """The google.type.Date of `value` as a dict, for a message constructor's Date field (filled in place, no
    Date made and copied: see money.money_fields); None leaves the field unset."""
    return None if value is None else {"year": value.year, "month": value.month, "day": value.day}


# Every date a caller gives is in this range, so date arithmetic (an invoice's due date is the issue
# date plus up to 365 days of terms; days late; planned value) never leaves Python's or PostgreSQL's
# calendar, and sums of day counts stay small.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(9000, 12, 31)


def from_date(message: Message, field: str, violations: errors.Violations, *, required: bool = False,
              prefix: str = "") -> dt.date | None:
    """The python date of `message.<field>`, recording a violation if unset-but-required or invalid.

    `prefix` is the path of `message` in the request (e.g. "milestone"), so violations name the full field path.
    """
    path = f"{prefix}.{field}" if prefix else field
    if not message.HasField(field):
        if required:
            violations.add(path, "is required")
        return None
    d = getattr(message, field)
    try:
        day = dt.date(d.year, d.month, d.day)
    except ValueError:
        violations.add(path, f"{d.year:04d}-{d.month:02d}-{d.day:02d} is not a valid calendar date")
        return None
    if not MIN_DATE <= day <= MAX_DATE:
        violations.add(path, f"{day.isoformat()} is outside {MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}")
        return None
    return day


def check_text(value: str, field: str, violations: errors.Violations, *, max_len: int,
               required: bool = False, multiline: bool = False) -> None:
    """Length, presence, and no control characters (tab, line feed and carriage return only if `multiline`)."""
    if required and not value.strip():
        violations.add(field, "is required")
    elif len(value) > max_len:
        violations.add(field, f"is {len(value)} characters; at most {max_len}")
    elif problem := control_character_problem(value, multiline=multiline):
        violations.add(field, problem)


def check_text_list(values, field: str, violations: errors.Violations, *, max_items: int, max_len: int,
                    multiline: bool = False) -> None:
    if len(values) > max_items:
        violations.add(field, f"has {len(values)} items; at most {max_items}")
    for i, value in enumerate(values):
        if not value.strip():
            violations.add(f"{field}[{i}]", "must not be blank")
        elif len(value) > max_len:
            violations.add(f"{field}[{i}]", f"is {len(value)} characters; at most {max_len}")
        elif problem := control_character_problem(value, multiline=multiline):
            violations.add(f"{field}[{i}]", problem)


def check_enum(value: int, enum_descriptor, field: str, violations: errors.Violations, *,
               required: bool = False) -> None:
    if value == 0:
        if required:
            violations.add(field, f"is required (one of {_enum_names(enum_descriptor)})")
        return
    if enum_descriptor.values_by_number.get(value) is None:
        violations.add(field, f"unknown value {value}; expected one of {_enum_names(enum_descriptor)}")


def _enum_names(enum_descriptor) -> str:
    return ", ".join(v.name for v in enum_descriptor.values if v.number)
