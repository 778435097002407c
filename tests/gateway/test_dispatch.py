"""The route table (services/gateway/dispatch.py) picks what Starlette's router would: for every route's path,
a custom verb's path, a near miss and every method, the same route with the same parameters, or the same 405 or
404, as trying the routes one by one in the table's order."""

from __future__ import annotations

import re

from starlette.routing import Match

from services.gateway import dispatch
from services.gateway.routes import ROUTES


def _endpoint(request):
    raise AssertionError("not called")


TABLE = dispatch.table([(r.path, r.method, _endpoint, r.operation_id)
                        for r in sorted(ROUTES, key=lambda r: ":" not in r.path)])


def one_by_one(scope: dict):
    """Starlette's router: the first full match, else the first partial one."""
    partial = None
    for route in TABLE.routes:
        match, child = route.matches(scope)
        if match == Match.FULL:
            return match, route, child["path_params"]
        if match == Match.PARTIAL and partial is None:
            partial = match, route, child["path_params"]
    return partial or (Match.NONE, None, None)


def paths() -> list[str]:
    out = set()
    for route in ROUTES:
        path = re.sub(r"\{(\w+)\}", lambda m: m.group(1)[:3] + "1", route.path)
        out |= {path, path + "/x", path.rsplit("/", 1)[0], path.replace("/v1/", "/v2/"), path + ":nope",
                path.replace("1", "1:decide"), path + "/"}
    return sorted(out)


def test_the_table_matches_each_path_as_the_router_trying_every_route_would():
    for path in paths():
        for method in ("GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"):
            scope = {"type": "http", "method": method, "path": path, "root_path": ""}
            match, child = TABLE.matches(scope)
            expected_match, expected_route, expected_params = one_by_one(scope)
            assert match == expected_match, (method, path)
            if match != Match.NONE:
                assert (child["route"], child["path_params"]) == (expected_route, expected_params), (method, path)


def test_a_custom_verb_is_its_own_route_not_a_resource_id():
    match, child = TABLE.matches({"type": "http", "method": "POST", "root_path": "",
                                  "path": "/v1/organizations/acme/tasks/t1:decide"})
    assert match == Match.FULL and child["route"].name == "DecideTask_decide_org_task"
    assert child["path_params"] == {"org": "acme", "task": "t1"}
