"""What every BillingService handler shares: the pool, today's date, ProjectsService called as the
caller, and the amounts charged in an engagement's currency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import asyncpg

from pmaas.projects.v1 import projects_service_pb2_grpc
from services.platform import clients, money
from services.platform.errors import Violations
from services.platform.handlers import ResourceHandlers
from services.platform.settings import Settings


def positive_amount(message, field: str, path: str, currency: str, v: Violations) -> int | None:
    """Positive micros of `message.<field>`, which must be in `currency`."""
    if not message.HasField(field):
        v.add(path, "is required")
        return None
    amount = money.from_proto(getattr(message, field), path, v)
    if amount is None:
        return None
    if amount.micros == 0:
        v.add(path, "must be more than zero")
    if amount.currency != currency:
        v.add(f"{path}.currency_code", f"must be {currency}, the engagement's currency")
    return amount.micros


class BillingCore(ResourceHandlers):
    def __init__(self, pool: asyncpg.Pool, settings: Settings,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self.pool = pool
        self.today = today
        self.timeout_s = settings.call_timeout_s
        self._channel = clients.channel(settings.target_of("projects"))
        self.projects = projects_service_pb2_grpc.ProjectsServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()
