"""Callers of the projects tests beyond the people of `as_role`: the governance service principal."""

from __future__ import annotations

import pytest

from services.platform.auth import ON_BEHALF_OF, SERVICE_SUBJECT, TokenAuthority
from tests.support import Caller


class GovernanceCaller(Caller):
    """The governance worker: its own service token, naming the person it acts for on every call."""

    def __init__(self, authority: TokenAuthority, on_behalf_of: str | None, ttl_s: int = 600) -> None:
        self.authority = authority
        self.sub = SERVICE_SUBJECT
        self.on_behalf_of = on_behalf_of
        self.token = authority.issue_service_token(ttl_s)

    def acting_for(self, person: str | None) -> GovernanceCaller:
        return GovernanceCaller(self.authority, person)

    def metadata(self) -> tuple:
        acting = () if self.on_behalf_of is None else ((ON_BEHALF_OF, self.on_behalf_of),)
        return (*super().metadata(), *acting)


@pytest.fixture
def governance(authority) -> GovernanceCaller:
    """The governance service principal acting for alice (`.acting_for(person)` for someone else)."""
    return GovernanceCaller(authority, "alice")
