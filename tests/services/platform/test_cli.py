"""The `pmaas` command, run as a real process against real servers."""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import jwt
import pytest

from services.platform import audit, components, db, embedded
from services.platform.auth import Role, TokenAuthority
from services.platform.settings import Settings
from services.projects import server as projects_server

CLI_TIMEOUT_S = 120


def cli_env(home: Path, **settings: str) -> dict[str, str]:
    """This environment without any PMAAS_* variable, plus PMAAS_HOME and `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMAAS_")}
    env["PMAAS_HOME"] = str(home)
    env.update({f"PMAAS_{k.upper()}": v for k, v in settings.items()})
    return env


def pmaas(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # cwd is the home, so a developer's .env never leaks into a test.
    return subprocess.run([sys.executable, "-m", "services.platform.cli", *args], env=env, cwd=env["PMAAS_HOME"],
                          capture_output=True, text=True, timeout=CLI_TIMEOUT_S)


@contextmanager
def temporary_home() -> Iterator[Path]:
    # Not under pytest's tmp root: a concurrent pytest run resets it to 0700, which
    # locks out the system user the embedded PostgreSQL runs as when we are root.
    with tempfile.TemporaryDirectory(prefix="pmaas-home-") as path:
        yield Path(path)


@pytest.fixture
def home() -> Iterator[Path]:
    with temporary_home() as path:
        yield path


def test_token_verifies_and_carries_the_orgs(home):
    TokenAuthority(Settings(home=home))  # a server's first start creates the dev secret
    done = pmaas("token", "--sub", "alice", "--org", "acme:pmo,pm", "--org", "globex:viewer", "--ttl", "30m",
                 env=cli_env(home))

    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    principal = TokenAuthority(Settings(home=home)).verify(f"Bearer {token}")
    assert principal.subject == "alice"
    assert principal.orgs == {"acme": {Role.PMO, Role.PM}, "globex": {Role.VIEWER}}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 30 * 60


@pytest.mark.parametrize("org", ["acme", "acme:", ":pm", "acme:boss", "acme:governance", "*:pmo", "*:governance"])
def test_token_rejects_a_bad_org(home, org):
    done = pmaas("token", "--sub", "alice", "--org", org, env=cli_env(home))

    assert done.returncode == 2
    assert "--org" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("ttl", ["0", "soon", "-5", "1w"])
def test_token_rejects_a_bad_ttl(home, ttl):
    done = pmaas("token", "--sub", "alice", "--org", "acme:pm", "--ttl", ttl, env=cli_env(home))

    assert done.returncode == 2
    assert "--ttl" in done.stderr


def test_bad_settings_are_named_without_a_traceback(home):
    done = pmaas("token", "--sub", "alice", "--org", "acme:pm",
                 env=cli_env(home, projects_port="99999", log_level="loud"))

    assert done.returncode == 1
    assert "PMAAS_PROJECTS_PORT" in done.stderr and "99999" in done.stderr
    assert "PMAAS_LOG_LEVEL" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_refuses_an_unknown_component_and_lists_the_known(home):
    done = pmaas("serve", "payroll", env=cli_env(home))

    assert done.returncode == 2
    assert "payroll" in done.stderr and "projects" in done.stderr


def test_a_second_dev_refuses_while_one_holds_the_lock(home):
    with (home / "dev.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("4242\n")
        lock.flush()

        done = pmaas("dev", env=cli_env(home))

    assert done.returncode != 0
    assert "already running (pid 4242)" in done.stderr
    assert not (home / "pgdata").exists(), "nothing may start while another stack runs"


def test_migrate_applies_once_then_nothing_and_stops_what_it_started(home):
    env = cli_env(home)

    first = pmaas("migrate", env=env)
    second = pmaas("migrate", env=env)

    assert first.returncode == 0, first.stderr
    schemas = components.schemas()
    platform = ", ".join(m.key for m in db.load_migrations(db.PLATFORM_MIGRATIONS))
    own = {s: ", ".join(f"{s}/{f.name[:4]}" for f in sorted(folder.glob("*.sql"))) for s, folder in schemas.items()}
    roles = "roles: pmaas_owner owns the schemas, pmaas_runtime runs the services"
    assert first.stdout.splitlines() == [roles, *(f"{s}: applied {platform}, {own[s]}" for s in schemas)]
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [roles, *(f"{s}: up to date" for s in schemas)]
    assert not embedded.postgres_running(Settings(home=home))


async def test_audit_verify_passes_an_intact_chain_and_names_a_broken_link(home, database_url):
    conn = await asyncpg.connect(database_url)
    try:
        await db.migrate(conn, projects_server.SCHEMA, projects_server.MIGRATIONS)
        await conn.execute(f"SET search_path TO {projects_server.SCHEMA}")
        org = f"audit-cli-{uuid.uuid4().hex[:8]}"
        async with conn.transaction():
            await audit.append(conn, audit.AuditEvent(org, "alice", "CreateProject", f"organizations/{org}/projects/p"))
        env = cli_env(home, database_url=database_url)

        intact = await asyncio.to_thread(pmaas, "audit", "verify", "--org", org, env=env)
        # Forge a second event whose hash does not cover its content.
        first = await conn.fetchrow("SELECT hash FROM audit_events WHERE org_id = $1", org)
        await conn.execute(
            """INSERT INTO audit_events (org_id, seq, event_time, actor, action, resource, prev_hash, hash)
               VALUES ($1, 2, now(), 'mallory', 'DeleteProject', 'organizations/x', $2, $3)""",
            org, first["hash"], "0" * 64)
        broken = await asyncio.to_thread(pmaas, "audit", "verify", "--org", org, env=env)
    finally:
        await conn.close()

    assert intact.returncode == 0, intact.stderr
    assert intact.stdout == f"projects: organizations/{org}: 1 event, chain intact\n"
    assert broken.returncode == 1
    assert "BROKEN at event 2" in broken.stderr


def test_token_in_a_home_without_a_dev_secret_refuses_and_creates_nothing(home):
    done = pmaas("token", "--sub", "alice", "--org", "acme:pm", env=cli_env(home))

    assert done.returncode == 1
    assert done.stdout == ""
    assert str(home.resolve() / "dev-jwt-secret") in done.stderr
    assert "pmaas dev" in done.stderr and "PMAAS_JWT_SECRET" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(home.iterdir()) == []


def test_token_signs_with_the_dev_secret_a_server_created(home):
    server = TokenAuthority(Settings(home=home))

    done = pmaas("token", "--sub", "alice", "--org", "acme:pm", env=cli_env(home))

    assert done.returncode == 0, done.stderr
    assert server.verify(f"Bearer {done.stdout.strip()}").orgs == {"acme": {Role.PM}}


def test_token_signs_with_pmaas_jwt_secret_without_a_file(home):
    secret = "a-shared-secret-of-the-servers-0123456789"

    done = pmaas("token", "--sub", "alice", "--org", "acme:pm", env=cli_env(home, jwt_secret=secret))

    assert done.returncode == 0, done.stderr
    principal = TokenAuthority(Settings(home=home, jwt_secret=secret)).verify(f"Bearer {done.stdout.strip()}")
    assert principal.subject == "alice"
    assert list(home.iterdir()) == []
