"""Browser security of the pages: the CSP and other headers on every page (and not on the REST API or /docs), a
form post refused without the session's CSRF token, with a wrong one, or from another origin (nothing called),
and whatever a service returns shown as text."""

from __future__ import annotations

from services.gateway.app import create_app
from services.gateway.web.security import CSP
from tests.gateway.conftest import bearer
from tests.gateway.web.conftest import change_task, csrf_of, request_id_of, sign_in
from tests.support import free_port


async def test_pages_carry_the_strict_csp_and_the_other_security_headers_and_the_api_does_not(
        browser, gateway, as_role, org):
    async with browser() as client:
        await sign_in(client, as_role("pm"))
        for path in ("/ui/signin", "/ui/tasks", "/ui/delegations"):
            page = await client.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert page.headers["Content-Security-Policy"] == CSP
            assert page.headers["X-Content-Type-Options"] == "nosniff"
            assert page.headers["Referrer-Policy"] == "same-origin"
            assert page.headers["Cache-Control"] == "no-store"
            assert "<script>" not in page.text and " style=" not in page.text  # nothing inline for the CSP to block
        static = await client.get("/ui/static/site.css")
        assert static.status_code == 200 and static.headers["Content-Security-Policy"] == CSP
        assert "no-store" not in static.headers.get("Cache-Control", "")
    api = await gateway.get(f"/v1/organizations/{org}/projects", headers=bearer(as_role("viewer")))
    docs = await gateway.get("/docs")
    assert api.status_code == 200 and docs.status_code == 200
    assert "Content-Security-Policy" not in api.headers and "Content-Security-Policy" not in docs.headers


async def test_a_decision_posted_without_the_csrf_token_with_a_wrong_one_or_from_another_origin_is_refused(
        browser, gateway, as_role, org):
    olga = as_role("pmo", "olga")
    path, _ = await change_task(gateway, as_role, org, as_role("pm", "paula"), olga)
    async with browser() as other:
        foreign = csrf_of((await other.get("/ui/signin")).text)  # a real token, of another session
    async with browser() as client:
        await sign_in(client, olga)
        page = await client.get(path)
        form = {"request_id": request_id_of(page.text), "choice": "APPROVE", "comment": "forged"}
        attempts = [
            await client.post(path + "/decide", data=form),
            await client.post(path + "/decide", data={**form, "csrf": "0" * 43}),
            await client.post(path + "/decide", data={**form, "csrf": foreign}),
            await client.post(path + "/decide", data={**form, "csrf": csrf_of(page.text)},
                              headers={"Origin": "https://evil.example"}),
            await client.post(path + "/decide", data={**form, "csrf": csrf_of(page.text)},
                              headers={"Referer": "https://evil.example/page"}),
        ]
        for refused in attempts:
            assert refused.status_code == 403 and "Form refused" in refused.text
            assert "Nothing was changed" in refused.text
        signed_out = await client.post("/ui/signout", data={})
        assert signed_out.status_code == 403 and "Signed in as" in (await client.get("/ui/tasks")).text
    task = (await gateway.get("/v1/" + path.removeprefix("/ui/"), headers=bearer(olga))).json()
    assert task["state"] == "TASK_STATE_OPEN" and not task.get("decisions")


async def test_what_a_service_returns_is_shown_as_text_never_as_markup(browser, gateway, as_role, org):
    olga = as_role("pmo", "olga")
    title = "<script>alert('x')</script> & <b>co</b>"
    path, _ = await change_task(gateway, as_role, org, as_role("pm", "paula"), olga, title=title)
    async with browser() as client:
        await sign_in(client, olga)
        for page in (await client.get("/ui/tasks"), await client.get(path)):
            assert page.status_code == 200
            assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in page.text
            assert "<script>alert" not in page.text and "<b>co</b>" not in page.text


async def test_a_service_that_does_not_answer_is_a_503_page_naming_it(browser, settings, targets, as_role):
    app = create_app(settings, {**targets, "governance": f"127.0.0.1:{free_port()}"})  # nothing listens there
    async with app.router.lifespan_context(app), browser(app) as client:
        await sign_in(client, as_role("pmo"))
        page = await client.get("/ui/tasks")
    assert page.status_code == 503 and "Service unavailable" in page.text
    assert "The governance service is not answering right now." in page.text and "Traceback" not in page.text
