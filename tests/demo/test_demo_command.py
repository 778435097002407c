"""`pmaas demo` without a stack: what it says when it cannot seed, and `--once` after a seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.platform.auth import TokenAuthority
from services.platform.settings import Settings
from tests.services.platform.test_cli import cli_env, pmaas, temporary_home
from tests.support import free_port


@pytest.fixture
def home() -> Iterator[Path]:
    with temporary_home() as path:
        yield path


def test_without_a_dev_secret_it_says_how_to_get_one(home):
    done = pmaas("demo", env=cli_env(home))
    assert done.returncode == 1
    assert "no dev secret" in done.stderr and "make run" in done.stderr


def test_without_a_running_stack_it_names_the_step_that_failed(home):
    TokenAuthority(Settings(home=home))  # a server's first start creates the dev secret
    done = pmaas("demo", env=cli_env(home, projects_port=str(free_port()), gateway_port=str(free_port())))
    assert done.returncode == 1
    assert "demo: stopped: organizations: reading as ada: UNAVAILABLE" in done.stdout
    assert not (home / "demo-seeded").exists()


def test_once_does_nothing_after_a_seed_with_this_home(home):
    TokenAuthority(Settings(home=home))
    (home / "demo-seeded").write_text("2026-12-01T00:00:00+00:00\n")
    done = pmaas("demo", "--once", env=cli_env(home, projects_port=str(free_port())))
    assert done.returncode == 0
    assert "already seeded" in done.stdout
