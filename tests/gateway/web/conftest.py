"""The inbox pages as a browser uses them: an httpx client with its own cookie jar over the in-process gateway
(tests/gateway/conftest.py), in front of the real services and worker. Each test signs in as the people it needs,
each in a browser of their own."""

from __future__ import annotations

import re
import uuid
from contextlib import asynccontextmanager

import httpx
import pytest

from services.gateway.app import create_app
from tests.gateway.conftest import bearer
from tests.gateway.test_routes import a_change, create_project
from tests.services.governance.processes import until
from tests.support import Caller

ORIGIN = "http://gateway"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')


@pytest.fixture(scope="session")
async def dev_gateway_app(settings, targets):
    """A gateway with the dev sign-in picker on (as `pmaas dev` runs it)."""
    app = create_app(settings.model_copy(update={"gateway_dev_signin": True}), targets)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def browser(gateway_app):
    """browser() -> a fresh client (its own cookies) on the gateway; browser(app) on another gateway app."""
    @asynccontextmanager
    async def open_(app=None):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app or gateway_app), base_url=ORIGIN,
                                     timeout=30) as client:
            yield client
    return open_


def csrf_of(html: str) -> str:
    return _CSRF.search(html).group(1)


def request_id_of(html: str) -> str:
    return _REQUEST_ID.search(html).group(1)


async def sign_in(client: httpx.AsyncClient, caller: Caller, tz: str = "UTC", next_path: str = "") -> httpx.Response:
    form = await client.get("/ui/signin")
    answer = await client.post("/ui/signin", data={"csrf": csrf_of(form.text), "token": caller.token, "tz": tz,
                                                   "next": next_path})
    assert answer.status_code == 303, answer.text
    return answer


async def post_form(client: httpx.AsyncClient, page_path: str, action: str, **fields: str) -> httpx.Response:
    """Load `page_path`, then post `fields` to `action` with the page's CSRF token, as the page's form does."""
    shown = await client.get(page_path)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={"csrf": csrf_of(shown.text), **fields})


async def change_task(gateway, as_role, org: str, requester: Caller, approver: Caller, **change) -> tuple[str, dict]:
    """A project (by a pmo) and a change request on it by `requester`; its approval task once `approver` sees it
    in their inbox: (the task page's path, the change request as submitted)."""
    await create_project(gateway, as_role("pmo", "project-creator"), org)
    submitted = await gateway.post(f"/v1/organizations/{org}/changeRequests", json=a_change(org, **change),
                                   headers=bearer(requester, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert submitted.status_code == 200, submitted.text
    inbox = await until(lambda: gateway.get(f"/v1/organizations/{org}/tasks", params={"assignee": "me"},
                                            headers=bearer(approver)),
                        lambda r: r.status_code == 200 and r.json()["tasks"], "the task in the approver's inbox")
    task_id = inbox.json()["tasks"][0]["name"].rsplit("/", 1)[1]
    return f"/ui/organizations/{org}/tasks/{task_id}", submitted.json()
