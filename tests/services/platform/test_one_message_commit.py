"""run_mutation's two one-message steps (BEGIN with the request id's claim; the stored response, the audit
appends and COMMIT) write values into SQL text (db.literal) instead of sending them as parameters. Any text a
caller sends must arrive as sent, change no statement, and keep the chain verifiable; a failure in either
message must keep nothing and leave the pooled connection out of any transaction."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from google.protobuf import struct_pb2

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import audit, db, mutations
from services.platform.auth import Principal, current_principal

HOSTILE = [
    "plain",
    "",
    "it's",
    "''",
    "back\\slash",
    "\\x41 and \\' and \\\\",
    "E'\\''",
    "'); DROP TABLE idempotency_keys; --",
    "$$ dollar $$ $tag$",
    "line\nbreak\r\ttab",
    "ünïcödé ✓ 漢字 🚀",
    "/* comment */ -- comment",
]


@pytest.fixture
async def pool(runtime_database_url):
    # One connection: a call that left its transaction open would hand it to the next call.
    pool = await db.create_pool(runtime_database_url, schema="projects", min_size=1, max_size=1)
    yield pool
    await pool.close()


@pytest.fixture
def caller():
    token = current_principal.set(Principal("literal-tester", {}))
    yield
    current_principal.reset(token)


@pytest.mark.parametrize("standard_conforming", ["on", "off"])
async def test_a_literal_is_read_back_as_the_text_it_holds(projects_db, standard_conforming):
    await projects_db.execute(f"SET standard_conforming_strings = {standard_conforming}")
    for text in HOSTILE:
        # As a statement of its own in a simple-query message, beside another: no parameters anywhere.
        got = await projects_db.fetchval(f"SELECT {db.literal(text)}")
        assert got == text
        assert await projects_db.execute(f"SELECT {db.literal(text)}; SELECT 1") == "SELECT 1"


def test_a_literal_refuses_nul():
    with pytest.raises(ValueError, match="NUL"):
        db.literal("before\0after")


async def test_appends_written_in_keep_the_text_and_a_verifiable_chain(projects_db):
    org = "literal-" + uuid.uuid4().hex[:8]
    for i, text in enumerate(HOSTILE):
        event = audit.AuditEvent(org_id=org, actor=text or "nobody", action="CreateThing", resource=f"things/{text}",
                                 request_id=str(uuid.uuid4()), on_behalf_of=text, detail={"text": text, "i": i})
        async with projects_db.transaction():
            await projects_db.execute(audit.append_statement(event))
        # Every other one the parameterized way: both extend the one chain.
        async with projects_db.transaction():
            await audit.append(projects_db, audit.AuditEvent(org_id=org, actor="param", action="Touch", resource=text))
    rows = await projects_db.fetch(
        "SELECT * FROM audit_events WHERE org_id = $1 AND actor <> 'param' ORDER BY seq", org)
    assert [r["resource"] for r in rows] == [f"things/{t}" for t in HOSTILE]
    assert [r["on_behalf_of"] for r in rows] == HOSTILE
    report = await audit.verify_chain(projects_db, org)
    assert report.ok and report.events == 2 * len(HOSTILE)


def _request(request_id: str, text: str) -> api.CreateProjectRequest:
    return api.CreateProjectRequest(parent="organizations/o", request_id=request_id,
                                    project=pb.Project(display_name=text))


async def _mutate(pool, org: str, request, work):
    return await mutations.run_mutation(pool, org_id=org, method="CreateThing", request=request,
                                        response_type=struct_pb2.Struct, work=work)


async def test_a_response_written_in_is_replayed_byte_for_byte(pool, projects_db, caller):
    org = "literal-" + uuid.uuid4().hex[:8]
    calls = 0
    for text in HOSTILE:
        request = _request(str(uuid.uuid4()), text)

        async def work(tx: mutations.Tx, text=text) -> struct_pb2.Struct:
            nonlocal calls
            calls += 1
            response = struct_pb2.Struct()
            response.update({"echo": text, "bytes": text.encode().hex()})
            tx.record("CreateThing", f"things/{text}", None, response, text=text)
            return response

        first = await _mutate(pool, org, request, work)
        again = await _mutate(pool, org, request, work)
        assert again == first and again["echo"] == text
    assert calls == len(HOSTILE)  # each replay answered from the stored response, without running `work`
    assert (await audit.verify_chain(projects_db, org)).ok


async def test_a_failure_in_the_work_keeps_nothing_and_frees_the_connection(pool, projects_db, caller):
    org = "literal-" + uuid.uuid4().hex[:8]
    request = _request(str(uuid.uuid4()), "x")

    async def failing(tx: mutations.Tx):
        await tx.conn.execute("SELECT 1/0")

    with pytest.raises(asyncpg.DivisionByZeroError):
        await _mutate(pool, org, request, failing)
    async with pool.acquire() as pooled:
        assert not pooled.is_in_transaction()
    assert await projects_db.fetchval("SELECT count(*) FROM idempotency_keys WHERE org_id = $1", org) == 0


async def test_a_failure_in_the_commit_message_keeps_nothing_and_frees_the_connection(pool, projects_db, caller):
    org = "literal-" + uuid.uuid4().hex[:8]
    request = _request(str(uuid.uuid4()), "x")

    async def work(tx: mutations.Tx) -> struct_pb2.Struct:
        tx.record("CreateThing", "things/ok", None, None)
        # jsonb refuses \u0000, so this event's append fails after the first one's, in the commit message.
        tx.record("CreateThing", "things/refused", None, None, text="\0")
        return struct_pb2.Struct()

    with pytest.raises(asyncpg.UntranslatableCharacterError):
        await _mutate(pool, org, request, work)
    async with pool.acquire() as pooled:
        assert not pooled.is_in_transaction()
    assert await projects_db.fetchval("SELECT count(*) FROM idempotency_keys WHERE org_id = $1", org) == 0
    assert await projects_db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org) == 0
    # The request id stays free: the retry (now with an event the chain accepts) goes through.

    async def fixed(tx: mutations.Tx) -> struct_pb2.Struct:
        tx.record("CreateThing", "things/ok", None, None)
        return struct_pb2.Struct()

    await _mutate(pool, org, request, fixed)
    assert await projects_db.fetchval("SELECT count(*) FROM audit_events WHERE org_id = $1", org) == 1
