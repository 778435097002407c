"""The `pmaas` command.

Settings come from `PMAAS_*` variables; a bad value stops the command with a
message naming it. Usage mistakes exit 2, failures 1.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from typing import Annotated

import asyncpg
import typer

from services.platform import components, db, embedded, mutations, stopping
from services.platform import dev as dev_stack
from services.platform.audit import ChainReport, verify_chain
from services.platform.auth import PERSON_ROLES, TokenAuthority, dev_secret_path, parse_org_roles
from services.platform.settings import Settings, load_settings

# Plain tracebacks: rich ones with locals would print settings (secrets) into logs.
app = typer.Typer(help="PMaaS governance platform.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
audit_app = typer.Typer(help="Audit log tools.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@app.command()
def dev(
    demo: Annotated[bool, typer.Option(help="seed the demo on the first start with this PMAAS_HOME "
                                            "(PMAAS_DEMO=0 also skips it)")] = True,
    otlp: Annotated[bool, typer.Option(help="export every component's traces over OTLP/gRPC to "
                                            "OTEL_EXPORTER_OTLP_ENDPOINT (default http://127.0.0.1:4317: a "
                                            "collector or Jaeger)")] = False,
) -> None:
    """Start the whole stack on embedded defaults; Ctrl-C stops it."""
    if otlp:  # the components inherit it; setting the variable alone does the same
        os.environ.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", dev_stack.DEFAULT_OTLP_ENDPOINT)
    raise typer.Exit(dev_stack.run(load_settings(), seed_demo=demo))


@app.command()
def serve(component: Annotated[str, typer.Argument(help="one of: " + ", ".join(components.COMPONENTS))]) -> None:
    """Run one component as production runs it, until SIGTERM/SIGINT."""
    stopping.catch_early()  # before the import, which takes seconds for the worker
    try:
        module = components.load(component)
    except components.UnknownComponent as exc:
        raise typer.BadParameter(str(exc), param_hint="COMPONENT") from None
    # A component may bring its own event loop (the gateway's: uvloop, services/gateway/server.py).
    with asyncio.Runner(loop_factory=getattr(module, "loop_factory", None)) as runner:
        runner.run(module.run(load_settings()))


@app.command()
def migrate() -> None:
    """Create or update the database roles (when an admin login is known), then apply pending migrations of every
    schema as their owner."""
    settings = load_settings()
    with embedded.postgres(settings) as database:
        if database.one_role:
            typer.echo("warning: migrations and services log in as the same role, which then owns the audit log "
                       "and could alter it: set PMAAS_MIGRATION_DATABASE_URL to the schemas' owner", err=True)
        try:
            applied = asyncio.run(components.prepare(database))
        except ValueError as exc:  # the roles' URLs contradict each other
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    if database.admin:
        typer.echo(f"roles: {db.Login.of(database.migration).user} owns the schemas, "
                   f"{db.Login.of(database.runtime).user} runs the services")
    for schema, keys in applied.items():
        typer.echo(f"{schema}: applied {', '.join(keys)}" if keys else f"{schema}: up to date")


@app.command()
def prune() -> None:
    """Delete request ids older than PMAAS_IDEMPOTENCY_RETENTION_DAYS from every schema now (each service also
    does this every PMAAS_IDEMPOTENCY_PRUNE_INTERVAL_S)."""
    settings = load_settings()
    with embedded.postgres(settings) as database:
        removed = asyncio.run(_prune(database.runtime, settings.idempotency_retention_days,
                                     settings.idempotency_prune_batch))
    for schema, count in removed.items():
        typer.echo(f"{schema}: pruned {count} request id{'' if count == 1 else 's'} older than "
                   f"{settings.idempotency_retention_days} days")


async def _prune(url: str, days: int, batch: int) -> dict[str, int]:
    removed = {}
    for schema in components.schemas():
        pool = await db.create_pool(url, schema=schema, min_size=1, max_size=1)
        try:
            removed[schema] = await mutations.prune_idempotency_keys(pool, older_than=dt.timedelta(days=days),
                                                                     batch=batch)
        except asyncpg.UndefinedTableError:
            raise SystemExit(f"schema {schema!r} has no request ids yet: run `pmaas migrate` first") from None
        finally:
            await pool.close()
    return removed


@app.command()
def token(
    sub: Annotated[str, typer.Option(help="subject (user id) of the token")],
    org: Annotated[list[str], typer.Option(help="ORG:role[,role...]; repeat for more organizations")],
    ttl: Annotated[str, typer.Option(help="lifetime: seconds, or 30m, 12h, 7d")] = "1h",
) -> None:
    """Print a signed dev token (HS256 with PMAAS_JWT_SECRET or the secret `pmaas dev` made under PMAAS_HOME)."""
    try:
        orgs = parse_org_roles(org)
    except ValueError as exc:
        roles = ", ".join(r.value for r in PERSON_ROLES)
        raise typer.BadParameter(f"{exc} (roles: {roles})", param_hint="--org") from None
    ttl_s = _seconds(ttl)
    settings = load_settings()
    _require_signing_secret(settings)
    try:
        typer.echo(TokenAuthority(settings).issue(sub, orgs, ttl_s))
    except RuntimeError as exc:  # RS256: tokens come from the identity provider
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def demo(
    once: Annotated[bool, typer.Option(help="do nothing if the demo was seeded with this PMAAS_HOME before "
                                            "(what `pmaas dev` does on start)")] = False,
) -> None:
    """Seed the demo through the running stack's APIs: two client organizations, their projects, risks, time,
    an invoice and decisions waiting for the demo people. Idempotent: a second run changes nothing."""
    settings = load_settings()
    if settings.jwt_algorithm != "HS256":
        typer.echo("error: the demo signs its people's tokens with the dev secret (HS256); with "
                   "PMAAS_JWT_ALGORITHM=RS256 tokens come from the identity provider", err=True)
        raise typer.Exit(1)
    _require_signing_secret(settings)
    from services.demo import seed  # here: it loads every service's generated API

    raise typer.Exit(seed.run(settings, typer.echo, once=once, sign_in_url=dev_stack.sign_in_url(settings)))


def _require_signing_secret(settings: Settings) -> None:
    secret = dev_secret_path(settings)
    if settings.jwt_algorithm == "HS256" and not settings.jwt_secret and not secret.exists():
        # A secret made here would sign tokens that every running server refuses.
        typer.echo(
            f"error: no dev secret at {secret} and PMAAS_JWT_SECRET is not set, so there is nothing to sign "
            "a token the servers would accept. Start the stack once with this PMAAS_HOME (`make run` or "
            "`pmaas dev` creates the secret on first start), or set PMAAS_JWT_SECRET to the secret the "
            "servers use; with PMAAS_JWT_ALGORITHM=RS256, tokens come from the identity provider.", err=True)
        raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify(
    org: Annotated[str, typer.Option(help="organization id whose chain to walk")],
    schema: Annotated[str, typer.Option(help="service schema holding the audit log")] = "projects",
) -> None:
    """Walk an organization's audit chain; exit 1 and name the first broken link if any."""
    known = components.schemas()
    if schema not in known:
        raise typer.BadParameter(f"unknown schema {schema!r}; known: {', '.join(known)}", param_hint="--schema")
    with embedded.postgres(load_settings()) as database:
        report = asyncio.run(_verify(database.runtime, schema, org))
    where = f"{schema}: organizations/{org}"
    if not report.ok:
        typer.echo(f"{where}: chain BROKEN at event {report.first_broken_seq}: {report.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{where}: {report.events} event{'' if report.events == 1 else 's'}, chain intact")


async def _verify(url: str, schema: str, org: str) -> ChainReport:
    conn = await asyncpg.connect(url, server_settings={"search_path": schema})
    try:
        return await verify_chain(conn, org)
    except asyncpg.UndefinedTableError:
        raise SystemExit(f"schema {schema!r} has no audit log yet: run `pmaas migrate` first") from None
    finally:
        await conn.close()


def _seconds(ttl: str) -> int:
    match = _DURATION.match(ttl.strip())
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{ttl!r}: expected a positive duration such as 3600, 30m, 12h or 7d",
                                 param_hint="--ttl")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


if __name__ == "__main__":
    app(prog_name="pmaas")
