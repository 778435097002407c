"""The REST routes as one Starlette route: a tree of path segments, built once, picks the few routes a path can
match, instead of the router trying ~150 path patterns in turn for every request.

Matching stays Starlette's: the candidates, in the table's order, are asked `Route.matches` as the router would
ask them, so the first full match wins, a path whose routes lack the method is a 405 (raised by that route, with
every method the path has in Allow: app.py), and the path parameters are Starlette's. The tree only leaves out
routes that cannot match: a literal segment must be equal, a parameter (with or without a `:verb`) takes any
non-empty segment.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.routing import Route as StarletteRoute
from starlette.types import Receive, Scope, Send

_ANY = "{"  # the tree's key for a parameter segment: no literal segment starts with "{"


class _Node:
    __slots__ = ("children", "routes")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.routes: list[tuple[int, TableRoute]] = []


class TableRoute(StarletteRoute):
    """A Starlette route that names itself in the scope once matched, as FastAPI's routes do: the instrumentation
    reads the route's template there for the http_target of its metrics."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match != Match.NONE:
            child_scope["route"] = self
        return match, child_scope


class RouteTable(BaseRoute):
    def __init__(self, routes: list[TableRoute]) -> None:
        self.routes = routes
        self._root = _Node()
        for order, route in enumerate(routes):
            node = self._root
            for segment in route.path.split("/")[1:]:
                node = node.children.setdefault(_ANY if segment.startswith("{") else segment, _Node())
            node.routes.append((order, route))

    def candidates(self, scope: Scope) -> list[TableRoute]:
        """The routes whose literal segments the path has, in the table's order."""
        found: list[tuple[int, TableRoute]] = []
        for node in _walk(self._root, get_route_path(scope).split("/")[1:], 0):
            found.extend(node.routes)
        return [route for _, route in sorted(found, key=lambda pair: pair[0])]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        partial: tuple[Match, Scope] = (Match.NONE, {})
        for route in self.candidates(scope):
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return match, child_scope
            if match == Match.PARTIAL and partial[0] == Match.NONE:
                partial = match, child_scope
        return partial

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        for route in self.routes:
            with contextlib.suppress(NoMatchFound):
                return route.url_path_for(name, **path_params)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["route"].handle(scope, receive, send)  # the route matches() chose; a 405 if it was partial


def table(routes: list[tuple[str, str, Callable, str]]) -> RouteTable:
    """(path, method, endpoint, name) each -> plain Starlette routes (the endpoint takes the Request) in a table."""
    built = []
    for path, method, endpoint, name in routes:
        route = TableRoute(path, endpoint, methods=[method], name=name, include_in_schema=False)
        route.methods = {method}  # not the HEAD Starlette adds to a GET: the API (its OpenAPI) has no HEAD
        built.append(route)
    return RouteTable(built)


def _walk(node: _Node, segments: list[str], i: int) -> Iterator[_Node]:
    if i == len(segments):
        yield node
        return
    if (literal := node.children.get(segments[i])) is not None:
        yield from _walk(literal, segments, i + 1)
    if segments[i] and (any_value := node.children.get(_ANY)) is not None:
        yield from _walk(any_value, segments, i + 1)
