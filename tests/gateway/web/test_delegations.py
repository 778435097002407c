"""The delegations page: add one (dates in the person's time zone, the last day included), see it listed, end
it; the service's field violations shown beside the fields they concern."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from tests.gateway.conftest import bearer
from tests.gateway.web.conftest import csrf_of, post_form, sign_in


async def test_a_delegation_is_added_listed_and_ended(browser, gateway, as_role, org):
    paula = as_role("pm", "paula")
    last_day = dt.date.today() + dt.timedelta(days=10)
    async with browser() as client:
        await sign_in(client, paula, tz="Europe/Berlin")
        empty = await client.get("/ui/delegations")
        assert "You have no delegations." in empty.text
        added = await post_form(client, "/ui/delegations", "/ui/delegations", organization=org, delegate="bob",
                                start="", end=last_day.isoformat(), reason="on holiday")
        assert added.status_code == 303 and added.headers["location"] == "/ui/delegations", added.text
        listed = await client.get("/ui/delegations")
        assert f"Your approvals in {org} go to bob for that period." in listed.text
        assert '<th scope="row">bob</th>' in listed.text and "on holiday" in listed.text
        stored = (await gateway.get(f"/v1/organizations/{org}/delegations", headers=bearer(paula))).json()
        [delegation] = stored["delegations"]
        until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), ZoneInfo("Europe/Berlin"))
        assert dt.datetime.fromisoformat(delegation["endTime"]) == until  # the end of the last day, in Berlin
        ended = await client.post("/ui/delegations/remove", data={
            "csrf": csrf_of(listed.text), "name": delegation["name"], "etag": delegation["etag"]})
        assert ended.status_code == 303
        after = await client.get("/ui/delegations")
    assert "The delegation was ended." in after.text and "You have no delegations." in after.text
    assert (await gateway.get(f"/v1/organizations/{org}/delegations", headers=bearer(paula))).json()[
        "delegations"] == []


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}" [^>]*aria-invalid="true" aria-describedby="{field}-error"[^>]*>\s*'
                      rf'<p class="field-error" id="{field}-error">([^<]+)</p>', html)
    return found.group(1) if found else ""


async def test_the_services_field_violations_are_shown_beside_their_fields(browser, as_role, org):
    async with browser() as client:
        await sign_in(client, as_role("pm", "paula"))
        refused = await post_form(client, "/ui/delegations", "/ui/delegations", organization=org, delegate="paula",
                                  start="", end=(dt.date.today() - dt.timedelta(days=2)).isoformat(), reason="")
        assert refused.status_code == 400
        assert field_error(refused.text, "delegate") == "must be someone else: you are the delegator"
        assert field_error(refused.text, "end") == "must be after start_time"  # start: now
        assert 'value="paula"' in refused.text  # what was typed is kept
        unreadable = await post_form(client, "/ui/delegations", "/ui/delegations", organization=org,
                                     delegate="bob", end="31/12/2030")
        assert unreadable.status_code == 400 and field_error(unreadable.text, "end") == "Enter a date as YYYY-MM-DD."
