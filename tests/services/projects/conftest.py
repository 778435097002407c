"""Callers of the projects tests beyond the people of `as_role`: the governance service principal."""

from __future__ import annotations

import pytest

from tests.support import GovernanceCaller


@pytest.fixture
def governance(authority) -> GovernanceCaller:
    """The governance service principal acting for alice (`.acting_for(person)` for someone else)."""
    return GovernanceCaller(authority, "alice")
