"""asyncpg pool, the database roles and the versioned plain-SQL migrations runner.

Each service keeps `migrations/NNNN_name.sql` beside its code and owns one
schema. The platform's own migrations (audit chain, idempotency keys, the
runtime role's grants) are applied into every service schema first. `migrate()`
applies the files not yet recorded in `<schema>.schema_migrations` in one
transaction, under a transaction-level advisory lock so several processes
starting at once apply each file exactly once.

Two roles: migrations run as the schemas' owner; services connect as a member
of RUNTIME_ROLE, which the migrations grant ordinary DML on every table but only
SELECT and INSERT on the audit log. It owns nothing, so it cannot ALTER, DROP,
TRUNCATE or disable the triggers of anything: the database cannot be told to
forget by a service. Services never migrate; they wait for `pmaas migrate`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

log = logging.getLogger(__name__)

_MIGRATION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql\Z")


PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"
# The role the platform migrations grant to (0003_runtime_role.sql); the services' login role is it or a member.
RUNTIME_ROLE = "pmaas_runtime"
# The embedded server's owner (dev, tests); an external server's is whoever PMAAS_MIGRATION_DATABASE_URL names.
OWNER_ROLE = "pmaas_owner"
MIGRATED_POLL_S = 1.0


def literal(value: str) -> str:
    """`value` as an SQL string constant, for statements sent together in one simple-query message, where
    parameters cannot go (asyncpg cannot pipeline; each parameterized statement is its own round trip). An
    escape string, E'...', whose two special characters (backslash, quote) are doubled: its meaning does not
    depend on standard_conforming_strings. NUL, which no PostgreSQL text holds and which would end the
    message, is refused."""
    if "\0" in value:
        raise ValueError("an SQL string constant cannot hold NUL")
    return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def atomic(conn: asyncpg.Connection) -> contextlib.AbstractAsyncContextManager:
    """A transaction of its own, or the caller's when one is open (run_mutation's, begun by a plain BEGIN,
    in which asyncpg's own transaction() refuses to nest). Either way one unit: an error rolls all back."""
    return contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction()


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


async def pending_migrations(conn: asyncpg.Connection, schema: str, folder: Path) -> list[str]:
    """Keys of the migrations this code expects that `schema` has not recorded (newer ones it has are fine:
    a rolling update runs old code against a newer schema)."""
    expected = [m.key for m in load_migrations(PLATFORM_MIGRATIONS) + load_migrations(folder)]
    if await conn.fetchval("SELECT to_regclass($1)", f'"{schema}".schema_migrations') is None:
        return expected
    done = {r["key"] for r in await conn.fetch(f'SELECT key FROM "{schema}".schema_migrations')}
    return [key for key in expected if key not in done]


async def wait_until_migrated(dsn: str, schema: str, folder: Path, timeout_s: float) -> None:
    """Return once `pmaas migrate` has brought `schema` up to this code; RuntimeError naming what is missing
    after `timeout_s`. Services never migrate: their role may not change a schema."""
    deadline = time.monotonic() + timeout_s
    while True:
        conn = await asyncpg.connect(dsn, timeout=timeout_s)
        try:
            pending = await pending_migrations(conn, schema, folder)
        finally:
            await conn.close()
        if not pending:
            return
        if time.monotonic() >= deadline:
            raise RuntimeError(f"schema {schema!r} lacks migrations {', '.join(pending)} after {timeout_s:.0f}s: "
                               "run `pmaas migrate` (as the schemas' owner, PMAAS_MIGRATION_DATABASE_URL)")
        await asyncio.sleep(MIGRATED_POLL_S)


@dataclass(frozen=True)
class Login:
    """The role and password a postgresql:// URL logs in with."""
    user: str
    password: str | None

    @classmethod
    def of(cls, url: str) -> Login:
        parts = urlsplit(url)
        if not parts.username:
            raise ValueError(f"{_redacted(url)} names no user: write postgresql://USER:PASSWORD@HOST/DB")
        return cls(unquote(parts.username), unquote(parts.password) if parts.password else None)


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    return url.replace(f":{parts.password}@", ":***@", 1) if parts.password else url


async def ensure_roles(admin_dsn: str, *, owner_url: str, runtime_url: str, schemas: Iterable[str] = ()) -> None:
    """Create or update, as an administrator, the owner that migrations run as and the runtime login the services
    use (a member of RUNTIME_ROLE), with the passwords their URLs carry. Schemas created before these roles existed
    (by another owner) are handed to the owner, so its migrations may change them. Idempotent: `pmaas migrate`
    runs it every time it can (password rotation included)."""
    owner, runtime = Login.of(owner_url), Login.of(runtime_url)
    if owner.user == runtime.user:
        raise ValueError(f"the migration and runtime URLs both log in as {owner.user!r}: the services' role "
                         "must not own the schemas (set PMAAS_MIGRATION_DATABASE_URL to another role)")
    conn = await asyncpg.connect(admin_dsn)
    try:
        async with conn.transaction():
            # Roles are cluster-wide: serialize with any other `pmaas migrate` on this cluster.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('pmaas:roles'))")
            await _create_login(conn, owner)
            await _create_login(conn, runtime)
            if runtime.user != RUNTIME_ROLE:
                await _create_role(conn, RUNTIME_ROLE, "NOLOGIN")
                await _execute(conn, "GRANT %I TO %I", RUNTIME_ROLE, runtime.user)
            await _execute(conn, "GRANT CONNECT, CREATE ON DATABASE %I TO %I", await _database(conn), owner.user)
            await _execute(conn, "GRANT CONNECT ON DATABASE %I TO %I", await _database(conn), runtime.user)
            await _check_runtime(conn, runtime.user, owner.user)
            for schema in schemas:
                await _adopt(conn, schema, owner.user)
    finally:
        await conn.close()


async def _execute(conn: asyncpg.Connection, template: str, *args: str) -> None:
    """A utility statement with quoted identifiers (%I) and literals (%L): PostgreSQL quotes them, not us."""
    placeholders = ", ".join(f"${i + 2}::text" for i in range(len(args)))
    await conn.execute(await conn.fetchval(f"SELECT format($1, {placeholders})", template, *args))


async def _database(conn: asyncpg.Connection) -> str:
    return await conn.fetchval("SELECT current_database()")


async def _create_role(conn: asyncpg.Connection, name: str, attributes: str) -> None:
    if not await conn.fetchval("SELECT true FROM pg_roles WHERE rolname = $1", name):
        await _execute(conn, f"CREATE ROLE %I {attributes}", name)


async def _create_login(conn: asyncpg.Connection, login: Login) -> None:
    await _create_role(conn, login.user, "LOGIN")
    if login.password is not None:
        await _execute(conn, "ALTER ROLE %I LOGIN PASSWORD %L", login.user, login.password)


async def _check_runtime(conn: asyncpg.Connection, runtime: str, owner: str) -> None:
    """Grants mean nothing to a superuser, a role that bypasses row security, or a member of the owner."""
    row = await conn.fetchrow("SELECT rolsuper, rolbypassrls, pg_has_role($1, $2, 'MEMBER') AS owns "
                              "FROM pg_roles WHERE rolname = $1", runtime, owner)
    if row["rolsuper"] or row["rolbypassrls"] or row["owns"]:
        raise ValueError(f"role {runtime!r} is a superuser, bypasses row security or is a member of {owner!r}: "
                         "the services' role must hold none of these")


async def _adopt(conn: asyncpg.Connection, schema: str, owner: str) -> None:
    """Hand a schema made by another role (before the roles existed) to the owner, with its tables and functions
    (a table's indexes, sequences and triggers follow it)."""
    rows = await conn.fetch(
        """SELECT 'SCHEMA' AS kind, format('%I', n.nspname) AS name FROM pg_namespace n
            WHERE n.nspname = $1 AND pg_get_userbyid(n.nspowner) <> $2
           UNION ALL
           SELECT 'TABLE', format('%I.%I', n.nspname, c.relname)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) <> $2
           UNION ALL
           SELECT 'FUNCTION', format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2""",
        schema, owner)
    for row in rows:
        await _execute(conn, f"ALTER {row['kind']} %s OWNER TO %I", row["name"], owner)


async def _no_session_reset(conn: asyncpg.Connection) -> None:
    """Services keep no session state (no SET, LISTEN, cursors or session locks; advisory
    locks are transaction-scoped), so skip asyncpg's reset query: one round trip less per
    call. An open transaction is still rolled back by the pool before this runs."""


# A new connection that takes longer than this fails (asyncpg's default is 60 s, past any caller's deadline).
CONNECT_TIMEOUT_S = 5.0


def connection_lost(exc: BaseException) -> asyncpg.PostgresConnectionError:
    """asyncpg's own error for a connection lost mid-operation (SQLSTATE 08003), for `exc`, another shape of it."""
    return asyncpg.exceptions.ConnectionDoesNotExistError(f"the connection to the database was lost: {exc!r}")


async def _connect(*args, **kwargs) -> asyncpg.Connection:
    """asyncpg.connect, where a server that is down or restarting (no socket, refused, reset during the handshake,
    too slow) is a connection error (SQLSTATE 08001), as asyncpg reports some of those cases itself."""
    try:
        return await asyncpg.connect(*args, **kwargs)
    except (OSError, TimeoutError) as exc:
        raise asyncpg.exceptions.ClientCannotConnectError(f"cannot connect to the database: {exc!r}") from exc


def _closed(connection: asyncpg.pool.PoolConnectionProxy) -> bool:
    try:
        return connection.is_closed()
    except asyncpg.InterfaceError:  # the pool took it back already: it closed under us
        return True


class _AcquireContext(asyncpg.pool.PoolAcquireContext):
    __slots__ = ()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        lost = self.connection is not None and _closed(self.connection)
        await super().__aexit__(exc_type, exc, tb)
        # The socket's own errors, or asyncpg refusing to go on with a connection that closed under it
        # ("the underlying connection is closed", "another operation is in progress" from the rollback).
        if isinstance(exc, OSError) or (lost and isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError)):
            raise connection_lost(exc) from exc


class Pool(asyncpg.Pool):
    """asyncpg's pool, where every way a database restart or outage reaches a caller is one error: a
    PostgresConnectionError (SQLSTATE class 08), or the server's own 57P01-57P03 (errors.from_database: UNAVAILABLE,
    retryable). Connections the server closed are replaced by the pool on their next use: nothing to restart."""

    def acquire(self, *, timeout: float | None = None) -> _AcquireContext:
        return _AcquireContext(self, timeout)


async def create_pool(dsn: str, *, schema: str, min_size: int = 1, max_size: int = 10,
                      statement_timeout_ms: int = 10_000) -> asyncpg.Pool:
    """A pool whose connections resolve names in the service's own schema."""
    return await Pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,  # asyncpg.create_pool's defaults
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        connect=_connect,
        timeout=CONNECT_TIMEOUT_S,
        reset=_no_session_reset,
        command_timeout=statement_timeout_ms / 1000 + 5,
        server_settings={
            "search_path": f"{schema},public",
            "statement_timeout": str(statement_timeout_ms),
            "application_name": f"pmaas-{schema}",
        },
    )
