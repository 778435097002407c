"""What every resource servicer does the same way: get, list, write, insert.

Each handler keeps one order: parse names (INVALID_ARGUMENT), check the
caller's role in the organization (PERMISSION_DENIED before any read, so
another tenant cannot learn what exists), validate, then read or write.
Writes go through `run_mutation` (one transaction, idempotent request_id,
audit event).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any

import asyncpg
import grpc
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from services.platform import errors, pagination, tables
from services.platform.auth import Permission, principal
from services.platform.errors import Violations
from services.platform.mutations import Tx, run_mutation
from services.platform.names import ORG_PATTERN
from services.platform.resources import check_etag, check_id, mask_paths, merged, new_id
from services.platform.tables import Table

log = logging.getLogger(__name__)

ColumnsFn = Callable[[Message, asyncpg.Record, Violations], dict[str, Any]]
CheckFn = Callable[[Tx, list[str], dict[str, Any]], Awaitable[None]]
ToProtoFn = Callable[[asyncpg.Record], Message]
# Reads (in the transaction, under the row's lock) what converting a row needs besides the row, and returns
# the conversion: a risk's levels come from its organization's matrix.
ConverterFn = Callable[[Tx, list[str]], Awaitable[ToProtoFn]]
# Called in the transaction once the row has changed, with the row before and after: writes that follow
# from the change (score history, escalation events) commit or roll back with it.
AfterWriteFn = Callable[[Tx, asyncpg.Record, asyncpg.Record], Awaitable[None]]
# Called before the transaction with the resource as it would become: checks what other services hold (e.g.
# that referenced projects exist) while no row lock is held.
PrepareFn = Callable[[Message], Awaitable[None]]


def chosen_id(given: str, field: str, v: Violations) -> str:
    """The client's id (AIP-133 `<resource>_id`) if valid, else a generated one."""
    if given:
        check_id(given, field, v)
        return given
    return new_id()


def duplicate(exc: asyncpg.UniqueViolationError, name: str, table: Table) -> errors.ApiError:
    """ALREADY_EXISTS for the resource itself, or naming the field whose value is taken (e.g. a project code).

    The caller gets the field and a plain message; the constraint name and PostgreSQL's
    `Key (...)=(...)` detail go to the log only.
    """
    constraint = exc.constraint_name or ""
    log.warning("unique violation on %s (%s): %s", name, constraint or "-", exc.detail or "")
    if constraint.endswith("_pkey"):
        return errors.already_exists(name)
    field = table.unique_fields.get(constraint, "")
    if not field:
        return errors.ApiError(grpc.StatusCode.ALREADY_EXISTS, "DUPLICATE_VALUE",
                               "a value that must be unique in the organization is already taken")
    return errors.ApiError(grpc.StatusCode.ALREADY_EXISTS, "DUPLICATE_VALUE",
                           f"{field} must be unique in the organization: the value is already taken",
                           metadata={"field": field})


class ResourceHandlers:
    """Mixin for servicers that own tables in `self.pool`."""

    pool: asyncpg.Pool

    async def get_resource(self, table: Table, name: str) -> Message:
        key = table.key_of(name)
        principal().require(key[0], Permission.READ)
        async with self.pool.acquire() as conn:
            return table.to_proto(await tables.require(conn, table, key, name))

    async def list_resources(self, table: Table, parent: Table | None, request, response, field: str):
        """One page of `table` under `request.parent`: a row of `parent`, or an organization when None."""
        if parent is None:
            parent_key = [ORG_PATTERN.parse(request.parent, "parent")["organization"]]
        else:
            parent_key = parent.key_of(request.parent, "parent")
        principal().require(parent_key[0], Permission.READ)
        filter_text = getattr(request, "filter", "")
        page = pagination.page_from_request(request.page_size, request.page_token, request.parent, filter_text,
                                            of=response)
        async with self.pool.acquire() as conn:
            rows = await tables.list_page(conn, table, parent_key, filter_text, page)
            if not rows and page.after_seq == 0 and parent is not None:
                await tables.require(conn, parent, parent_key, request.parent)  # 404 for a missing parent
        getattr(response, field).extend(table.to_proto(r) for r in rows[: page.size])
        response.next_page_token = page.next_token(rows)
        return response

    async def mutate(self, org: str, method: str, request, response_type, work, *, dry_run: bool = False):
        return await run_mutation(self.pool, org_id=org, method=method, request=request,
                                  response_type=response_type, work=work, dry_run=dry_run)

    async def insert_row(self, conn: asyncpg.Connection, table: Table, values: dict[str, Any], name: str):
        try:
            return await tables.insert(conn, table.name, values)
        except asyncpg.UniqueViolationError as exc:
            raise duplicate(exc, name, table) from None

    async def update_row(self, tx: Tx, table: Table, key: list, row: asyncpg.Record, before: Message,
                         columns: dict[str, Any], method: str, name: str, paths: list[str], *,
                         to_proto: ToProtoFn | None = None, after_write: AfterWriteFn | None = None,
                         jsonb: Collection[str] = ()) -> Message:
        """Write the columns that changed (none: no new version, no audit event), run `after_write(tx, row,
        new_row)` and record the change; `to_proto` converts the new row when `table.to_proto` cannot.

        `jsonb` columns are given as JSON values: they compare with the row decoded (jsonb comes back in its
        own key order and spacing, so as text an unchanged value would differ) and are written as JSON text.
        """
        stored = {c: json.loads(row[c]) if c in jsonb else row[c] for c in columns}
        changed = {c: v for c, v in columns.items() if stored[c] != v}
        if not changed:
            return before
        try:
            new_row = await tables.update(tx.conn, table, key, {
                c: json.dumps(v) if c in jsonb else v for c, v in changed.items()})
        except asyncpg.UniqueViolationError as exc:
            raise duplicate(exc, name, table) from None
        if after_write is not None:
            await after_write(tx, row, new_row)
        after = (to_proto or table.to_proto)(new_row)
        tx.record(method, name, before, after, fields=sorted(paths))
        return after

    async def update_resource(self, table: Table, request, field: str, permission: Permission,
                              updatable: set[str], method: str, to_columns: ColumnsFn,
                              check: CheckFn | None = None, *, converter: ConverterFn | None = None,
                              after_write: AfterWriteFn | None = None, prepare: PrepareFn | None = None,
                              jsonb: Collection[str] = ()) -> Message:
        """AIP-134 update of `request.<field>`: mask, etag, validation of the merged resource, audit.

        `to_columns(merged, row, violations)` validates the resource as it would become and returns its
        columns (it may also refuse the change, e.g. by the row's state); `check(tx, key, columns)` may refuse
        it against other rows. `converter(tx, key)` gives the row -> proto conversion when the table has none
        of its own; `after_write(tx, row, new_row)` writes what follows from a change (see AfterWriteFn).
        `prepare(merged)` runs first, outside the transaction, on the resource merged from a row read without
        a lock, once `to_columns` finds it valid (see PrepareFn); the transaction then checks everything
        again under the row's lock. It needs the table's own `to_proto`. `jsonb` names the columns that
        `to_columns` gives as JSON values (see update_row).
        """
        resource = getattr(request, field)
        name = resource.name
        key = table.key_of(name, f"{field}.name")
        principal().require(key[0], permission)
        paths = mask_paths(resource, request.update_mask, updatable, field)
        if prepare is not None:
            async with self.pool.acquire() as conn:
                row = await tables.require(conn, table, key, name)
            proposed = merged(table.to_proto(row), resource, paths)
            v = Violations()
            to_columns(proposed, row, v)
            v.raise_if_any()
            await prepare(proposed)

        async def work(tx: Tx) -> Message:
            row = await tables.require(tx.conn, table, key, name, lock=True)
            check_etag(resource.etag, name, row["version"])
            to_proto = table.to_proto if converter is None else await converter(tx, key)
            before = to_proto(row)
            v = Violations()
            columns = to_columns(merged(before, resource, paths), row, v)
            v.raise_if_any()
            if check is not None:
                await check(tx, key, columns)
            return await self.update_row(tx, table, key, row, before, columns, method, name, paths,
                                         to_proto=to_proto, after_write=after_write, jsonb=jsonb)

        return await self.mutate(key[0], method, request, type(resource), work)

    async def delete_resource(self, table: Table, request, method: str, permission: Permission,
                              precondition: Callable[[asyncpg.Record], None] | None = None, *,
                              check: Callable[[Tx, list, asyncpg.Record], Awaitable[None]] | None = None,
                              ) -> empty_pb2.Empty:
        """AIP-135 delete: etag checked when given, `precondition(row)` may refuse, and so may
        `check(tx, key, row)` against other rows (under the row's lock); the old state is audited."""
        key = table.key_of(request.name)
        principal().require(key[0], permission)

        async def work(tx: Tx) -> empty_pb2.Empty:
            row = await tables.require(tx.conn, table, key, request.name, lock=True)
            check_etag(request.etag, request.name, row["version"])
            if precondition:
                precondition(row)
            if check is not None:
                await check(tx, key, row)
            await tables.delete(tx.conn, table, key)
            tx.record(method, request.name, table.to_proto(row), None)
            return empty_pb2.Empty()

        return await self.mutate(key[0], method, request, empty_pb2.Empty, work)
