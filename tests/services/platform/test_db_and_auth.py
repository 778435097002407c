"""Migrations under concurrency, and production (RS256) token verification."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path

import asyncpg
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.platform import db, errors
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings


def _write_migrations(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "0001_things.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (folder / "0002_more.sql").write_text("ALTER TABLE things ADD COLUMN label text;")
    return folder


async def test_concurrent_migrations_apply_each_file_exactly_once(database_url, tmp_path):
    schema = "m" + uuid.uuid4().hex[:10]
    folder = _write_migrations(tmp_path / "svc" / "migrations")
    conns = [await asyncpg.connect(database_url) for _ in range(6)]
    try:
        applied = await asyncio.gather(*(db.migrate(c, schema, folder) for c in conns))
        rows = await conns[0].fetch(f'SELECT key FROM "{schema}".schema_migrations ORDER BY key')
    finally:
        for c in conns:
            await c.close()
    winners = [a for a in applied if a]
    everything = [m.key for m in db.load_migrations(db.PLATFORM_MIGRATIONS)] + ["svc/0001", "svc/0002"]
    assert winners == [everything], "one process applies, the others find it done"
    assert [r["key"] for r in rows] == everything


async def test_an_edited_applied_migration_is_refused(database_url, tmp_path):
    schema = "m" + uuid.uuid4().hex[:10]
    folder = _write_migrations(tmp_path / "svc" / "migrations")
    conn = await asyncpg.connect(database_url)
    try:
        await db.migrate(conn, schema, folder)
        (folder / "0002_more.sql").write_text("ALTER TABLE things ADD COLUMN other text;")
        with pytest.raises(RuntimeError, match="edited after it was applied"):
            await db.migrate(conn, schema, folder)
    finally:
        await conn.close()


def test_badly_named_migration_files_are_refused(tmp_path):
    folder = tmp_path / "svc" / "migrations"
    folder.mkdir(parents=True)
    (folder / "1_init.sql").write_text("SELECT 1;")
    with pytest.raises(ValueError, match="NNNN_lower_snake.sql"):
        db.load_migrations(folder)


@pytest.fixture
def rsa_keys(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_file = tmp_path / "public.pem"
    public_file.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_pem, public_file


def _claims(**over):
    now = int(time.time())
    return {"sub": "alice", "orgs": {"acme": ["pm"]}, "iat": now, "exp": now + 60, "iss": "pmaas",
            "aud": "pmaas", **over}


def test_rs256_verifies_tokens_of_the_identity_provider(rsa_keys, tmp_path):
    private_pem, public_file = rsa_keys
    authority = TokenAuthority(Settings(home=tmp_path, jwt_algorithm="RS256", jwt_public_key_file=public_file))
    principal = authority.verify("Bearer " + jwt.encode(_claims(), private_pem, algorithm="RS256"))
    assert principal.subject == "alice"
    assert {org: sorted(r.value for r in roles) for org, roles in principal.orgs.items()} == {"acme": ["pm"]}


def test_rs256_refuses_hs256_tokens_signed_with_the_public_key(rsa_keys, tmp_path):
    """Algorithm confusion: the public key is public, so an HS256 token 'signed' with it must fail."""
    _, public_file = rsa_keys
    authority = TokenAuthority(Settings(home=tmp_path, jwt_algorithm="RS256", jwt_public_key_file=public_file))

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(_claims()).encode())
    signature = b64(hmac.new(public_file.read_bytes(), f"{header}.{body}".encode(), hashlib.sha256).digest())
    with pytest.raises(errors.ApiError) as refused:
        authority.verify(f"Bearer {header}.{body}.{signature}")
    assert refused.value.reason == "UNAUTHENTICATED"


def test_rs256_cannot_issue_tokens(rsa_keys, tmp_path):
    _, public_file = rsa_keys
    authority = TokenAuthority(Settings(home=tmp_path, jwt_algorithm="RS256", jwt_public_key_file=public_file))
    with pytest.raises(RuntimeError, match="identity provider"):
        authority.issue("alice", {"acme": ["pm"]})


def test_rs256_without_a_public_key_is_a_clear_start_error(tmp_path):
    with pytest.raises(SystemExit, match="PMAAS_JWT_PUBLIC_KEY_FILE"):
        TokenAuthority(Settings(home=tmp_path, jwt_algorithm="RS256"))


def test_the_dev_secret_is_created_once_and_reused(tmp_path):
    first = TokenAuthority(Settings(home=tmp_path))
    second = TokenAuthority(Settings(home=tmp_path))
    token = first.issue("dev", {"demo": ["admin"]})
    assert second.verify(f"Bearer {token}").subject == "dev"
    assert (tmp_path / "dev-jwt-secret").stat().st_mode & 0o777 == 0o600
