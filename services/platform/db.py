"""asyncpg pool and the versioned plain-SQL migrations runner.

Each service keeps `migrations/NNNN_name.sql` beside its code and owns one
schema. The platform's own migrations (audit chain, idempotency keys) are
applied into every service schema first. `migrate()` applies the files not yet
recorded in `<schema>.schema_migrations` in one transaction, under a
transaction-level advisory lock so several processes starting at once apply
each file exactly once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

_MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql\Z")


PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Migration:
    key: str  # "<folder owner>/<NNNN>", e.g. "platform/0001"
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(folder: Path) -> list[Migration]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNNN_lower_snake.sql")
        found.append(Migration(f"{folder.parent.name}/{match.group(1)}", path.stem, path.read_text()))
    keys = [m.key for m in found]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{folder}: two migrations share a version number")
    return found


async def migrate(conn: asyncpg.Connection, schema: str, folder: Path) -> list[str]:
    """Apply pending platform and service migrations of one schema; returns the names applied."""
    migrations = load_migrations(PLATFORM_MIGRATIONS) + load_migrations(folder)
    applied_now: list[str] = []
    async with conn.transaction():
        # One lock per schema; released at commit. Waiters then see the rows.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            f"""CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations (
                    key text PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = await conn.fetch(f'SELECT key, name, checksum FROM "{schema}".schema_migrations')
        done = {r["key"]: r for r in rows}
        for m in migrations:
            if m.key in done:
                if done[m.key]["checksum"] != m.checksum:
                    raise RuntimeError(
                        f"migration {schema}/{m.name} was edited after it was applied; add a new migration instead"
                    )
                continue
            await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
            await conn.execute(m.sql)
            await conn.execute(
                f'INSERT INTO "{schema}".schema_migrations (key, name, checksum) VALUES ($1, $2, $3)',
                m.key, m.name, m.checksum,
            )
            applied_now.append(m.key)
            log.info("applied migration", extra={"schema": schema, "migration": m.name})
    return applied_now


async def _no_session_reset(conn: asyncpg.Connection) -> None:
    """Services keep no session state (no SET, LISTEN, cursors or session locks; advisory
    locks are transaction-scoped), so skip asyncpg's reset query: one round trip less per
    call. An open transaction is still rolled back by the pool before this runs."""


async def create_pool(dsn: str, *, schema: str, min_size: int = 1, max_size: int = 10,
                      statement_timeout_ms: int = 10_000) -> asyncpg.Pool:
    """A pool whose connections resolve names in the service's own schema."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        reset=_no_session_reset,
        command_timeout=statement_timeout_ms / 1000 + 5,
        server_settings={
            "search_path": f"{schema},public",
            "statement_timeout": str(statement_timeout_ms),
            "application_name": f"pmaas-{schema}",
        },
    )
