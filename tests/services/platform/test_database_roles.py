"""The database cannot be told to forget: the services log in as pmaas_runtime, which appends to the audit log
through the API but cannot change, remove, truncate, alter, untrigger or drop it; migrations run as the owner."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import audit, components, db, embedded
from tests.support import rid

SCHEMAS = sorted(components.schemas())
REFUSED = {
    "UPDATE": "UPDATE audit_events SET actor = 'mallory'",
    "DELETE": "DELETE FROM audit_events",
    "TRUNCATE": "TRUNCATE audit_events",
    "DISABLE TRIGGER": "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete",
    "DISABLE TRIGGER ALL": "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "DROP": "DROP TABLE audit_events",
    "UPDATE schema_migrations": "UPDATE schema_migrations SET checksum = ''",
    "CREATE TABLE": "CREATE TABLE shadow (id int)",
}


async def _connect(url: str, schema: str) -> asyncpg.Connection:
    return await asyncpg.connect(url, server_settings={"search_path": schema})


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("statement", REFUSED.values(), ids=REFUSED.keys())
async def test_the_runtime_role_cannot_change_or_remove_the_audit_log(runtime_database_url, schema, statement):
    conn = await _connect(runtime_database_url, schema)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError) as refused:
            await conn.execute(statement)
    finally:
        await conn.close()

    # Refused by the grants, not by the append-only trigger (which superusers and owners can disable).
    assert "append-only" not in str(refused.value)
    assert "permission denied" in str(refused.value) or "must be owner" in str(refused.value)


async def test_services_log_in_as_the_runtime_role_and_append_through_the_api(
        projects_stub, as_role, org, database_url, runtime_database_url):
    await as_role("pmo")(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="apollo", request_id=rid(),
        project=pb.Project(code="APL-1", display_name="Apollo", methodology=pb.METHODOLOGY_AGILE)))

    admin = await asyncpg.connect(database_url)
    runtime = await _connect(runtime_database_url, "projects")
    try:
        logins = await admin.fetch("SELECT DISTINCT usename FROM pg_stat_activity WHERE application_name = ANY($1)",
                                   [f"pmaas-{s}" for s in SCHEMAS])
        actions = await runtime.fetch("SELECT action FROM audit_events WHERE org_id = $1 ORDER BY seq", org)
        report = await audit.verify_chain(runtime, org)
    finally:
        await admin.close()
        await runtime.close()

    assert {r["usename"] for r in logins} == {db.RUNTIME_ROLE}
    assert [r["action"] for r in actions] == ["CreateOrganization", "CreateProject"]
    assert report.ok and report.events == 2


async def test_tables_of_later_migrations_are_granted_and_the_audit_log_stays_append_only(
        database_url, runtime_database_url, tmp_path):
    schema = "m" + uuid.uuid4().hex[:10]
    folder = tmp_path / "svc" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_things.sql").write_text("CREATE TABLE things (id bigserial PRIMARY KEY, label text);")
    owner = await asyncpg.connect(embedded.as_role(database_url, db.OWNER_ROLE))
    try:
        await db.migrate(owner, schema, folder)
    finally:
        await owner.close()

    conn = await _connect(runtime_database_url, schema)
    try:
        await conn.execute("INSERT INTO things (label) VALUES ('a')")
        await conn.execute("UPDATE things SET label = 'b'")
        labels = await conn.fetch("SELECT label FROM things")
        await conn.execute("DELETE FROM things")
        async with conn.transaction():
            await audit.append(conn, audit.AuditEvent("acme", "alice", "CreateThing", "things/1"))
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await conn.execute("DELETE FROM audit_events")
    finally:
        await conn.close()

    assert [r["label"] for r in labels] == ["b"]


async def test_a_schema_made_before_the_roles_is_handed_to_the_owner_which_then_migrates_it(
        database_url, runtime_database_url, tmp_path):
    schema = "m" + uuid.uuid4().hex[:10]
    folder = tmp_path / "svc" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0001_things.sql").write_text("CREATE TABLE things (id bigserial PRIMARY KEY);")
    admin = await asyncpg.connect(database_url)
    try:
        await db.migrate(admin, schema, folder)  # as the superuser, as before the roles existed
    finally:
        await admin.close()
    (folder / "0002_label.sql").write_text("ALTER TABLE things ADD COLUMN label text;")
    owner_url = embedded.as_role(database_url, db.OWNER_ROLE)

    await db.ensure_roles(database_url, owner_url=owner_url, runtime_url=runtime_database_url, schemas=[schema])
    owner = await asyncpg.connect(owner_url)
    try:
        applied = await db.migrate(owner, schema, folder)
    finally:
        await owner.close()

    assert applied == ["svc/0002"]


async def test_the_runtime_role_may_not_be_the_owner(database_url):
    owner = embedded.as_role(database_url, db.OWNER_ROLE)

    with pytest.raises(ValueError, match="must not own the schemas"):
        await db.ensure_roles(database_url, owner_url=owner, runtime_url=owner)
