"""JSON Schemas of proto messages, as google.protobuf.json_format writes and reads them (proto3 JSON mapping).

One function walks a message descriptor: lowerCamelCase property names, enums as their value names, 64-bit
integers as decimal strings, bytes as base64, and the well-known types in their JSON forms (Timestamp: RFC 3339
string, Duration: "1.5s", FieldMask: comma-separated camelCase paths, wrappers: the wrapped value, Struct/Value:
any JSON). google.type.Date and Money are ordinary messages ({year, month, day}, {currencyCode, units, nanos}).
Each message becomes one component schema referenced by `$ref`, so recursive messages are fine.
"""

from __future__ import annotations

from google.protobuf.descriptor import Descriptor, FieldDescriptor

REF_PREFIX = "#/components/schemas/"
_INT64 = {"type": "string", "pattern": r"^-?[0-9]+$", "description": "64-bit integer as a decimal string"}
_UINT64 = {"type": "string", "pattern": r"^[0-9]+$", "description": "64-bit integer as a decimal string"}
_FLOAT = {"oneOf": [{"type": "number"}, {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}]}

_SCALARS: dict[int, dict] = {
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32", "minimum": -2**31, "maximum": 2**31 - 1},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32", "minimum": -2**31, "maximum": 2**31 - 1},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32", "minimum": -2**31, "maximum": 2**31 - 1},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
    FieldDescriptor.TYPE_INT64: _INT64, FieldDescriptor.TYPE_SINT64: _INT64, FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT64: _UINT64, FieldDescriptor.TYPE_FIXED64: _UINT64,
    FieldDescriptor.TYPE_DOUBLE: _FLOAT, FieldDescriptor.TYPE_FLOAT: _FLOAT,
    FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte"},
}

_WRAPPERS = {f"google.protobuf.{name}Value": getattr(FieldDescriptor, f"TYPE_{kind}") for name, kind in (
    ("String", "STRING"), ("Bool", "BOOL"), ("Int32", "INT32"), ("UInt32", "UINT32"), ("Int64", "INT64"),
    ("UInt64", "UINT64"), ("Double", "DOUBLE"), ("Float", "FLOAT"), ("Bytes", "BYTES"))}
_WELL_KNOWN: dict[str, dict] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time",
                                  "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
                                             r"(Z|[+-][0-9]{2}:[0-9]{2})$",
                                  "example": "2027-01-01T09:00:00Z"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$", "example": "3600s"},
    "google.protobuf.FieldMask": {"type": "string", "description": "comma-separated lowerCamelCase field paths",
                                  "example": "displayName,budget"},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
}


def ref(descriptor: Descriptor) -> dict:
    return {"$ref": REF_PREFIX + descriptor.full_name}


def field_schema(field: FieldDescriptor, components: dict[str, dict]) -> dict:
    """The schema of one field's JSON value; message types are added to `components` as they are met."""
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        value = field.message_type.fields_by_name["value"]
        return {"type": "object", "additionalProperties": _single(value, components)}
    single = _single(field, components)
    if field.is_repeated:
        return {"type": "array", "items": single}
    return single


def _single(field: FieldDescriptor, components: dict[str, dict]) -> dict:
    if field.enum_type is not None:
        return {"type": "string", "enum": [v.name for v in field.enum_type.values]}
    if field.message_type is not None:
        name = field.message_type.full_name
        if name in _WELL_KNOWN:
            return dict(_WELL_KNOWN[name])
        if name in _WRAPPERS:
            return dict(_SCALARS[_WRAPPERS[name]])
        add_message(field.message_type, components)
        return ref(field.message_type)
    return dict(_SCALARS[field.type])


def add_message(descriptor: Descriptor, components: dict[str, dict]) -> dict:
    """Register `descriptor` (and every message it reaches) in `components`; returns its `$ref`."""
    if descriptor.full_name not in components:
        components[descriptor.full_name] = {}  # placed first: a recursive field finds it
        components[descriptor.full_name] = object_schema(descriptor, components)
    return ref(descriptor)


def object_schema(descriptor: Descriptor, components: dict[str, dict], exclude: frozenset[str] = frozenset()) -> dict:
    """The message as an inline object schema, leaving out the fields named in `exclude` (proto names)."""
    properties = {f.json_name: field_schema(f, components) for f in descriptor.fields if f.name not in exclude}
    return {"type": "object", "properties": properties, "additionalProperties": False}
