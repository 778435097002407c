"""Fixtures of the platform tests."""

from __future__ import annotations

import asyncpg
import pytest


@pytest.fixture
async def projects_db(database_url):
    """The superuser in ProjectsService's schema: to read and age what the API wrote, behind it."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "projects"})
    yield conn
    await conn.close()
