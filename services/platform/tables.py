"""Generic SQL for resource tables: key lookup, keyset pages, insert, versioned update, delete.

A `Table` knows its SQL table, its resource-name pattern (whose parts are the
key columns, in order), which fields List may filter on and, where a row
converts to its proto on its own, how. Every table has `seq` (keyset order)
and, if updatable, `version` (etag) and `update_time` columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from google.protobuf.message import Message

from services.platform import errors, filters, pagination
from services.platform.filters import Field
from services.platform.resources import Pattern


@dataclass(frozen=True)
class Table:
    name: str
    pattern: Pattern
    keys: tuple[str, ...]  # key columns, one per `{part}` of the pattern
    filters: dict[str, Field]
    to_proto: Callable[[asyncpg.Record], Message] | None = None
    # unique constraint name -> the request field it guards, for ALREADY_EXISTS errors
    unique_fields: dict[str, str] = field(default_factory=dict)

    def key_of(self, name: str, field: str = "name") -> list[str]:
        return list(self.pattern.parse(name, field).values())

    def where_key(self, first: int = 1) -> str:
        return " AND ".join(f"{col} = ${first + i}" for i, col in enumerate(self.keys))


async def fetch(conn: asyncpg.Connection, table: Table, key: list[Any], *, lock: bool = False) -> asyncpg.Record | None:
    sql = f"SELECT * FROM {table.name} WHERE {table.where_key()}" + (" FOR UPDATE" if lock else "")
    return await conn.fetchrow(sql, *key)


async def require(conn: asyncpg.Connection, table: Table, key: list[Any], name: str, *,
                  lock: bool = False) -> asyncpg.Record:
    row = await fetch(conn, table, key, lock=lock)
    if row is None:
        raise errors.not_found(name)
    return row


async def list_page(conn: asyncpg.Connection, table: Table, parent_key: list[Any], filter_text: str,
                    page: pagination.Page, only_ids: list[str] | None = None) -> list[asyncpg.Record]:
    """Up to page.size + 1 rows under the parent (the leading key columns), in seq order, after the keyset."""
    where = [f"{col} = ${i + 1}" for i, col in enumerate(table.keys[: len(parent_key)])]
    args: list[Any] = list(parent_key)
    if only_ids is not None:
        args.append(only_ids)
        where.append(f"id = ANY(${len(args)})")
    args.append(page.after_seq)
    where.append(f"seq > ${len(args)}")
    compiled = filters.compile_filter(filter_text, table.filters, len(args) + 1)
    args += compiled.args
    args.append(page.size + 1)
    sql = (f"SELECT * FROM {table.name} WHERE {' AND '.join(where)} {compiled.sql} "
           f"ORDER BY seq LIMIT ${len(args)}")
    return await conn.fetch(sql, *args)


async def insert(conn: asyncpg.Connection, table: str, values: dict[str, Any]) -> asyncpg.Record:
    cols = ", ".join(values)
    params = ", ".join(f"${i + 1}" for i in range(len(values)))
    return await conn.fetchrow(f"INSERT INTO {table} ({cols}) VALUES ({params}) RETURNING *", *values.values())


async def update(conn: asyncpg.Connection, table: Table, key: list[Any], values: dict[str, Any]) -> asyncpg.Record:
    """Apply `values`, bump the version (new etag) and update_time."""
    sets = [f"{col} = ${i + 1}" for i, col in enumerate(values)]
    sets += ["version = version + 1", "update_time = now()"]
    sql = f"UPDATE {table.name} SET {', '.join(sets)} WHERE {table.where_key(len(values) + 1)} RETURNING *"
    return await conn.fetchrow(sql, *values.values(), *key)


async def delete(conn: asyncpg.Connection, table: Table, key: list[Any]) -> None:
    await conn.execute(f"DELETE FROM {table.name} WHERE {table.where_key()}", *key)
