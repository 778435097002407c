"""Signing in and out of the inbox pages: the session cookie, the token kept out of URLs and pages, a refused
token, the dev picker only where it is switched on, and the way back to the page a signed-out visitor asked for."""

from __future__ import annotations

from urllib.parse import quote

from services.gateway.web.session import COOKIE
from tests.gateway.web.conftest import csrf_of, post_form, sign_in


async def test_signing_in_with_a_token_sets_an_httponly_samesite_cookie_and_the_token_is_in_no_url_or_page(
        browser, as_role):
    pmo = as_role("pmo", "olga")
    async with browser() as client:
        answer = await sign_in(client, pmo, tz="Europe/Berlin")
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Path=/" in cookie and "Max-Age=" in cookie
        assert pmo.token not in cookie  # encrypted, not merely signed
        assert answer.headers["location"] == "/ui/tasks" and pmo.token not in answer.headers["location"]
        inbox = await client.get("/ui/tasks")
        assert inbox.status_code == 200
        assert "Signed in as <strong>olga</strong>" in inbox.text and "times in Europe/Berlin" in inbox.text
        for path in ("/ui/tasks", "/ui/delegations", "/ui/signin"):
            page = await client.get(path)
            assert pmo.token not in page.text and pmo.token not in str(page.url)


async def test_a_bad_token_is_refused_with_a_message_and_no_session(browser):
    async with browser() as client:
        form = await client.get("/ui/signin")
        refused = await client.post("/ui/signin", data={"csrf": csrf_of(form.text), "token": "not-a-jwt", "tz": "UTC"})
        assert refused.status_code == 401
        assert "That token was not accepted" in refused.text
        assert (await client.get("/ui/tasks")).status_code == 303


async def test_an_unknown_time_zone_is_refused_beside_its_field(browser, as_role):
    async with browser() as client:
        form = await client.get("/ui/signin")
        refused = await client.post("/ui/signin", data={"csrf": csrf_of(form.text), "token": as_role("pm").token,
                                                        "tz": "Mars/Olympus"})
        assert refused.status_code == 400 and "Choose a time zone from the list." in refused.text
        assert (await client.get("/ui/tasks")).status_code == 303


async def test_the_dev_picker_is_offered_and_served_only_with_gateway_dev_signin(browser, dev_gateway_app):
    async with browser() as client:
        plain = await client.get("/ui/signin")
        assert "Sign in as" not in plain.text and "Priya Nair" not in plain.text
        refused = await client.post("/ui/signin/dev", data={"csrf": csrf_of(plain.text), "subject": "priya"})
        assert refused.status_code == 404
        assert (await client.get("/ui/tasks")).status_code == 303
    async with browser(dev_gateway_app) as client:
        picker = await client.get("/ui/signin")
        assert "Sign in as Priya Nair" in picker.text and "Project manager, Northwind PMO Services" in picker.text
        signed = await client.post("/ui/signin/dev", data={"csrf": csrf_of(picker.text), "subject": "priya"})
        assert signed.status_code == 303 and signed.headers["location"] == "/ui/tasks"
        inbox = await client.get("/ui/tasks")
        assert "Signed in as <strong>priya</strong>" in inbox.text and "times in Europe/London" in inbox.text


async def test_signing_out_ends_the_session(browser, as_role):
    async with browser() as client:
        await sign_in(client, as_role("pm"))
        out = await post_form(client, "/ui/tasks", "/ui/signout")
        assert out.status_code == 303 and out.headers["location"] == "/ui/signin?signed_out=1"
        assert f'{COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
        assert "You have signed out." in (await client.get(out.headers["location"])).text
        assert (await client.get("/ui/tasks")).status_code == 303


async def test_a_signed_out_visitor_is_sent_to_sign_in_and_back_to_a_local_page_only(browser, as_role):
    async with browser() as client:
        asked = await client.get("/ui/delegations")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/ui/signin?next=" + quote("/ui/delegations", safe="")
        form = await client.get(asked.headers["location"])
        assert 'name="next" value="/ui/delegations"' in form.text
        back = await sign_in(client, as_role("pm"), next_path="/ui/delegations")
        assert back.headers["location"] == "/ui/delegations"
    async with browser() as client:
        away = await sign_in(client, as_role("pm"), next_path="https://evil.example/ui/tasks")
        assert away.headers["location"] == "/ui/tasks"
    async with browser() as client:
        away = await sign_in(client, as_role("pm"), next_path="//evil.example/ui/tasks")
        assert away.headers["location"] == "/ui/tasks"
    async with browser() as client:
        root = await client.get("/")
        assert root.status_code == 303 and root.headers["location"] == "/ui/tasks"
