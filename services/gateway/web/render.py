"""Rendering pages: one Jinja2 environment (autoescape on for every template, so whatever a service returns is text,
never markup), the filters the templates share, and `page()`, which every page answers with.

Times are shown in the signed-in person's time zone (the session's), with a relative hint ("in 2 h", "3 h
overdue"); money, dates, durations and enum values in words. `fields()` turns any message into label/value pairs
for the pages that show a process generically.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

import jinja2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from services.gateway.web.session import session

TEMPLATES = Path(__file__).parent / "templates"
UTC = dt.UTC

env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                         lstrip_blocks=True)


def page(request: Request, template: str, context: dict | None = None, status: int = 200) -> HTMLResponse:
    """The template rendered for this request: `me` (the signed-in person or None), `csrf` (the token every form
    posts back), `flash` (the message the last action left), `zone`, and `context`."""
    s = session(request)
    me = s.signed_in
    base = {"request": request, "me": me, "csrf": s.csrf, "flash": s.pop_flash(), "path": request.url.path,
            "zone": me.zone if me else UTC, "now": dt.datetime.now(UTC)}
    return HTMLResponse(env.get_template(template).render({**base, **(context or {})}), status_code=status)


@jinja2.pass_context
def when(ctx, value: dt.datetime | None) -> str:
    """`Tue 1 Dec 2026, 14:05 CET` in the page's time zone."""
    if value is None:
        return "—"
    local = value.astimezone(ctx.get("zone") or UTC)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


@jinja2.pass_context
def relative(ctx, value: dt.datetime | None) -> str:
    """`in 2 h`, `3 h overdue`, `in 4 d`, `in 20 min`."""
    if value is None:
        return ""
    seconds = (value - ctx.get("now", dt.datetime.now(UTC))).total_seconds()
    span = abs(seconds)
    if span < 3600:
        amount = f"{max(1, round(span / 60))} min"
    elif span < 2 * 86400:
        amount = f"{round(span / 3600)} h"
    else:
        amount = f"{round(span / 86400)} d"
    return f"in {amount}" if seconds >= 0 else f"{amount} overdue"


def timestamp(message: Message, field: str) -> dt.datetime | None:
    """A Timestamp field as an aware datetime, None when unset."""
    return getattr(message, field).ToDatetime(tzinfo=UTC) if message.HasField(field) else None


def money(value) -> str:
    """google.type.Money -> `EUR 8,000.00` (negative: `EUR -1,250.50`)."""
    if value is None or not value.currency_code:
        return "—"
    nanos = value.units * 1_000_000_000 + value.nanos
    sign = "-" if nanos < 0 else ""
    whole, frac = divmod(abs(nanos), 1_000_000_000)
    cents = str(frac).rjust(9, "0")[:2]
    return f"{value.currency_code} {sign}{whole:,}.{cents}"


def date(value) -> str:
    """google.type.Date -> `2027-03-05` (ISO 8601, unambiguous in every locale)."""
    if value is None or not value.year:
        return "—"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def duration(value) -> str:
    seconds = value.seconds
    if seconds % 86400 == 0 and seconds:
        return f"{seconds // 86400} d"
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min"


def words(name: str, prefix: str = "") -> str:
    """`CHANGE_REQUEST_STATE_PENDING_APPROVAL` (prefix `CHANGE_REQUEST_STATE_`) or `REQUEST_CHANGES` -> `Pending
    approval`, `Request changes`."""
    text = name.removeprefix(prefix).replace("_", " ").strip().lower()
    return text[:1].upper() + text[1:] if text else "—"


def enum_words(message: Message, field: str) -> str:
    """An enum field's value in words, its type's prefix left out."""
    descriptor = message.DESCRIPTOR.fields_by_name[field].enum_type
    value = descriptor.values_by_number.get(getattr(message, field))
    return words(value.name, _enum_prefix(descriptor.name)) if value else "—"


def _enum_prefix(type_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type_name).upper() + "_"


def short(name: str) -> str:
    """The last id of a resource name: `organizations/acme/projects/erp` -> `erp`."""
    return name.rsplit("/", 1)[-1] if name else "—"


# --- any message as label/value pairs -------------------------------------------------------------------------

HIDDEN_FIELDS = frozenset({"etag", "workflow_id", "policy_version", "tasks"})


def fields(message: Message, hidden: frozenset[str] = HIDDEN_FIELDS) -> list[tuple[str, object]]:
    """The set fields of `message` as (label, value): value is text, a datetime, a list of values, or a nested
    list of pairs. Templates show it with the `fields` macro."""
    return [(words(fd.name), _value(fd, value)) for fd, value in message.ListFields() if fd.name not in hidden]


def _value(fd: FieldDescriptor, value):
    if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
        return [(k, str(v)) for k, v in sorted(value.items())]
    if fd.is_repeated:
        return [_one(fd, v) for v in value]
    return _one(fd, value)


def _one(fd: FieldDescriptor, value):
    if fd.message_type is not None:
        kind = fd.message_type.full_name
        if kind == "google.protobuf.Timestamp":
            return value.ToDatetime(tzinfo=UTC)
        if kind == "google.type.Money":
            return money(value)
        if kind == "google.type.Date":
            return date(value)
        if kind == "google.protobuf.Duration":
            return duration(value)
        return fields(value)
    if fd.enum_type is not None:
        found = fd.enum_type.values_by_number.get(value)
        return words(found.name, _enum_prefix(fd.enum_type.name)) if found else str(value)
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return "Yes" if value else "No"
    return str(value)


def is_pairs(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, tuple) and len(v) == 2 for v in value) and bool(value)


def nl2br(text: str) -> Markup:
    """Line breaks kept in text a person wrote (escaped first)."""
    return Markup("<br>").join(escape(line) for line in text.splitlines())


env.filters.update(when=when, relative=relative, money=money, date=date, words=words, short=short, nl2br=nl2br)
env.tests.update(pairs=is_pairs, datetime=lambda v: isinstance(v, dt.datetime),
                 sequence_of_values=lambda v: isinstance(v, list))
env.globals.update(enum_words=enum_words, timestamp=timestamp, fields=fields)


@cache
def zones() -> tuple[str, ...]:
    """The IANA time zones a person may choose, sorted."""
    return tuple(sorted(available_timezones()))


def valid_zone(name: str) -> bool:
    return name in zones()
