"""HTTP request -> gRPC request message, gRPC response -> JSON, with google.protobuf.json_format.

Only the HTTP shape is checked here (JSON syntax, types, known fields, a UUID Idempotency-Key): a request that
fails raises `BadRequest` with field violations named as the caller wrote them. Values are the service's to judge.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from services.gateway.routes import Route

_FAILED_FIELD = re.compile(r"Failed to parse (\w+) field")
_UNKNOWN_FIELD = re.compile(r'has no field named "([^"]+)"')


class BadRequest(Exception):
    def __init__(self, violations: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {d}" for f, d in violations))
        self.violations = violations


def build(route: Route, path_params: Mapping[str, str], query: Mapping[str, str], body: bytes,
          idempotency_key: str | None, if_match: str | None) -> Message:
    request = GetMessageClass(route.request_type)()
    _parse_into(_query_dict(route, query), request)
    if route.body:
        document = _json_object(body)
        if route.body == "*":
            for excluded in route.body_excluded:
                if excluded in document or _camel(excluded) in document:
                    raise BadRequest([(_camel(excluded), "set by the path or a header, not the body")])
        _parse_into(document, request if route.body == "*" else getattr(request, route.body))
    for name, value in route.fixed.items():
        setattr(request, name, value)
    if route.bind:
        _set(request, route.bind, route.resource.format(**path_params))
    if idempotency_key is not None:
        try:
            key = str(uuid.UUID(idempotency_key))
        except ValueError:
            raise BadRequest([("Idempotency-Key", "must be a UUID, e.g. " + str(uuid.uuid4()))]) from None
        request.request_id = key
    if if_match and if_match.strip() != "*":
        etag_holder = getattr(request, route.body) if route.method == "PATCH" else request
        if "etag" in etag_holder.DESCRIPTOR.fields_by_name:
            etag_holder.etag = _unquote_etag(if_match)
    return request


def to_json(message: Message) -> dict:
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _json_object(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest([("body", f"is not valid JSON: {exc}")]) from None
    if not isinstance(document, dict):
        raise BadRequest([("body", "must be a JSON object")])
    return document


def _query_dict(route: Route, query: Mapping[str, str]) -> dict:
    """Query parameters as the JSON the request's fields expect (`asOf.year=2027` fills as_of.year)."""
    fields = {f.json_name: f for f in route.request_type.fields if f.name in route.query_fields}
    document: dict = {}
    for key, value in query.items():
        head, _, leaf = key.partition(".")
        field = fields.get(head)
        if field is None:
            continue  # unknown parameters are ignored, as proxies and caches add their own
        if leaf and field.message_type is not None and field.message_type.fields_by_name.get(_snake(leaf)):
            sub = field.message_type.fields_by_name[_snake(leaf)]
            document.setdefault(head, {})[leaf] = _scalar(sub, value, key)
        elif not leaf:
            document[head] = _scalar(field, value, key)
    return document


def _scalar(field: FieldDescriptor, value: str, key: str):
    if field.type == FieldDescriptor.TYPE_BOOL:
        if value.lower() not in ("true", "false"):
            raise BadRequest([(key, "must be true or false")])
        return value.lower() == "true"
    return value  # json_format reads numbers, enums, timestamps and masks from their string forms


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _parse_into(document: dict, target: Message) -> None:
    try:
        json_format.ParseDict(document, target)
    except json_format.ParseError as exc:
        raise BadRequest([_violation(str(exc))]) from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a lone surrogate no protobuf string holds
        raise BadRequest([("body", f"cannot be read: {exc}")]) from None


def _violation(message: str) -> tuple[str, str]:
    """(field path as the caller wrote it, what is wrong) from json_format's nested message."""
    path = _FAILED_FIELD.findall(message)
    if unknown := _UNKNOWN_FIELD.search(message):
        path.append(unknown.group(1))
        reason = "is not a field of this message"
    else:
        reason = message.rsplit("field: ", 1)[-1].split(" at ", 1)[0].rstrip(".") or "has the wrong type"
    field = ".".join(path) or "body"
    return field, reason[:256]


def _set(message: Message, dotted: str, value: str) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        message = getattr(message, part)
    setattr(message, last, value)


def _unquote_etag(value: str) -> str:
    value = value.strip().removeprefix("W/")
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
