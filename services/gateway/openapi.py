"""The OpenAPI 3.1 document of the route table: paths from the routes, component schemas from the protos.

Every operation documents its path and query parameters, its JSON body (the body field's message, or the request
message without the fields the path and headers fill), its 200 response (the RPC's response message) and the
problem+json answer of every error, with an example body, so /docs can try it and Schemathesis can check it.
"""

from __future__ import annotations

from services.gateway import schemas
from services.gateway.problems import PROBLEM_JSON, PROBLEM_SCHEMA
from services.gateway.routes import Route

# Path parameters are resource ids; the service decides what it accepts (derived ids may start with a digit).
_ID = {"type": "string", "pattern": r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"}
_EXAMPLE_IDS = {"org": "demo", "project": "erp", "portfolio": "digital", "engagement": "erp-2027"}
_REQUEST_ID = {"name": "X-Request-Id", "in": "header", "required": False, "schema": {"type": "string"},
               "description": "echoed in the response (generated when absent) and passed to the services"}
_IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False,
                    "schema": {"type": "string", "format": "uuid"},
                    "description": "a UUID; a retry with the same key returns the first result (request_id, AIP-155)"}
_IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
             "description": "the resource's ETag: the change applies only to that version (else 412)"}


def document(routes: tuple[Route, ...], base: dict) -> dict:
    """`base` (FastAPI's document of its own routes: health) with the route table's operations added."""
    components: dict[str, dict] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, dict] = dict(base.get("paths", {}))
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, components)
    doc = dict(base)
    doc["paths"] = paths
    doc["components"] = {
        "schemas": {**base.get("components", {}).get("schemas", {}), **components},
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
    }
    return doc


def _operation(route: Route, components: dict[str, dict]) -> dict:
    parameters = [{"name": p, "in": "path", "required": True, "schema": {**_ID, "example": _EXAMPLE_IDS.get(p, "x1")}}
                  for p in _path_params(route.path)]
    fields = route.request_type.fields_by_name
    for name in route.query_fields:
        field = fields[name]
        if field.message_type is not None and field.message_type.full_name.startswith("google.type."):
            for leaf in field.message_type.fields:  # e.g. asOf.year, asOf.month, asOf.day
                parameters.append({"name": f"{field.json_name}.{leaf.json_name}", "in": "query", "required": False,
                                   "schema": schemas.field_schema(leaf, components)})
        elif field.message_type is None or field.message_type.full_name.startswith("google.protobuf."):
            parameters.append({"name": field.json_name, "in": "query", "required": False,
                               "schema": schemas.field_schema(field, components)})
    parameters.append(_REQUEST_ID)
    if "request_id" in fields:
        parameters.append(_IDEMPOTENCY_KEY)
    if "etag" in (route.request_type.fields_by_name if route.method != "PATCH"
                  else fields[route.body].message_type.fields_by_name):
        parameters.append(_IF_MATCH)
    operation = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "description": f"{route.service}: `{route.rpc}`" + (f"; the path fills `{route.bind}` (`{route.resource}`)."
                                                            if route.bind else "."),
        "tags": [route.service],
        "parameters": parameters,
        "security": [{"bearer": []}],
        "responses": {
            "200": {"description": f"the {route.response_type.name}",
                    "headers": {"X-Request-Id": {"schema": {"type": "string"}}},
                    "content": {"application/json": {
                        "schema": schemas.add_message(route.response_type, components)}}},
            "default": {"description": "an RFC 9457 problem", "content": {
                PROBLEM_JSON: {"schema": {"$ref": schemas.REF_PREFIX + "Problem"}}}},
        },
    }
    if route.body:
        if route.body == "*":
            body_schema = schemas.object_schema(route.request_type, components, route.body_excluded)
        else:
            body_schema = schemas.add_message(fields[route.body].message_type, components)
        operation["requestBody"] = {"required": False, "content": {"application/json": {
            "schema": body_schema, "example": route.example or {}}}}
    return operation


def _path_params(path: str) -> list[str]:
    return [part[1:].split("}")[0] for part in path.split("/") if part.startswith("{")]

