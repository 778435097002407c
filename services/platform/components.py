"""The components `pmaas serve` and `pmaas dev` know, by name.

Each is a module with `async def run(settings) -> None` that serves until
SIGTERM/SIGINT. A module that owns a database schema also defines `SCHEMA`
and `MIGRATIONS` (its folder of NNNN_name.sql files). Modules are imported
only when needed, so `pmaas token` does not load Temporal or FastAPI.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import asyncpg

from services.platform import db
from services.platform.embedded import Database

# name -> module; `pmaas dev` starts them in this order.
COMPONENTS: dict[str, str] = {
    "projects": "services.projects.server",
    "risks": "services.risks.server",
    "billing": "services.billing.server",
    "governance": "services.governance.server",
    "worker": "workflows.worker",
    "gateway": "services.gateway.server",
}
# Components that listen on `<name>_port` and answer grpc.health.v1; `pmaas dev` waits for each.
GRPC_COMPONENTS: frozenset[str] = frozenset({"projects", "risks", "billing", "governance"})
# Components that listen on `<name>_port` over HTTP and answer GET /readyz; `pmaas dev` waits for each.
HTTP_COMPONENTS: frozenset[str] = frozenset({"gateway"})


class UnknownComponent(LookupError):
    pass


def load(name: str) -> ModuleType:
    if name not in COMPONENTS:
        raise UnknownComponent(f"unknown component {name!r}; known: {', '.join(COMPONENTS)}")
    return importlib.import_module(COMPONENTS[name])


def schemas() -> dict[str, Path]:
    """schema -> migrations folder, for every component that owns a schema."""
    found: dict[str, Path] = {}
    for name in COMPONENTS:
        module = load(name)
        if hasattr(module, "SCHEMA"):
            found[module.SCHEMA] = module.MIGRATIONS
    return found


async def apply_migrations(dsn: str) -> dict[str, list[str]]:
    """Migrate every schema; returns the migrations applied now, per schema."""
    conn = await asyncpg.connect(dsn)
    try:
        return {schema: await db.migrate(conn, schema, folder) for schema, folder in schemas().items()}
    finally:
        await conn.close()


async def prepare(database: Database) -> dict[str, list[str]]:
    """Create or update the owner and runtime roles when an admin login is known, then migrate every schema as
    the owner; returns the migrations applied now, per schema."""
    if database.admin:
        await db.ensure_roles(database.admin, owner_url=database.migration, runtime_url=database.runtime,
                              schemas=schemas())
    return await apply_migrations(database.migration)
