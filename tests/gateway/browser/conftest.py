"""The inbox pages in a real headless Chromium (Playwright's async API, Debian's chromium: Playwright cannot
download its own browser here), served by uvicorn on a loopback port in front of the session's real services and
the gateway tests' governance worker, with the dev sign-in on and the demo seeded through services/demo/seed.py.

Without a browser every test here is skipped with how to enable them, except where PMAAS_REQUIRE_BROWSER=1 (CI,
.ci/run) makes that a failure. One browser per session, a context (its own cookies) per test; a failed test leaves
a screenshot under .pmaas/browser-screenshots/ (git-ignored) and names it in its report."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path

import grpc
import pytest
import uvicorn

from pmaas.governance.v1 import governance_service_pb2_grpc
from services.demo import roster, seed
from services.gateway.app import create_app
from tests.support import Caller, free_port

ENABLE = ("install chromium (`apt-get install chromium`) or set PMAAS_CHROMIUM to a Chromium binary, and "
          "`pip install -e '.[dev]'` for playwright")
SCREENSHOTS = Path(__file__).resolve().parents[3] / ".pmaas" / "browser-screenshots"
START_TIMEOUT_S = 30.0
EXPECT_TIMEOUT_MS = 20_000  # a decision moving a process on, on a busy 2-core machine


def _chromium() -> str | None:
    given = os.environ.get("PMAAS_CHROMIUM", "")
    if given:
        return given if Path(given).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(why: str) -> None:
    if os.environ.get("PMAAS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here (PMAAS_REQUIRE_BROWSER=1) but {why}", pytrace=False)
    pytest.skip(f"browser tests need a browser: {why}; to run them, {ENABLE}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path, given = _chromium(), os.environ.get("PMAAS_CHROMIUM", "")
    if path is None:
        _unavailable(f"PMAAS_CHROMIUM={given} is not a file" if given else "no chromium on PATH")
    try:
        import axe_playwright_python.async_playwright  # noqa: F401
        import playwright.async_api  # noqa: F401
    except ImportError as exc:
        _unavailable(f"{exc.name} is not installed")
    return path


@pytest.fixture(scope="session")
async def demo(targets, authority):
    """The demo, seeded (or found seeded) through the public APIs: its report says what waits for whom."""
    return await seed.seed(targets, authority, say=lambda _line: None)


@pytest.fixture(scope="session")
def site(chromium_path, settings, targets, demo):
    """The gateway with its pages, served by uvicorn in a thread on a free loopback port; its base URL."""
    app = create_app(settings.model_copy(update={"gateway_dev_signin": True}), targets)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="browser-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the gateway did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="session")
async def governance(targets):
    """The GovernanceService whose worker runs the demo's processes (the gateway tests' own)."""
    channel = grpc.aio.insecure_channel(targets["governance"])
    yield governance_service_pb2_grpc.GovernanceServiceStub(channel)
    await channel.close()


@pytest.fixture(scope="session")
async def browser(chromium_path):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path, headless=True)
        yield launched
        await launched.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so its page fixture knows at teardown whether it failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
async def context(browser, site, request):
    """A fresh browser context (no cookies) on the site; a failed test's pages are kept as screenshots."""
    from playwright.async_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    options = {"viewport": {"width": 1280, "height": 900}, **getattr(request, "param", {})}
    ctx = await browser.new_context(base_url=site, **options)
    ctx.set_default_timeout(EXPECT_TIMEOUT_MS)
    yield ctx
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(ctx.pages):
            path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}-{i}.png"
            await page.screenshot(path=str(path), full_page=True)
            request.node.add_report_section("call", "screenshot", str(path))
            print(f"\nscreenshot of the failed page: {path}")
    await ctx.close()


@pytest.fixture
async def page(context):
    return await context.new_page()


def person(authority, subject: str) -> Caller:
    """A demo person calling the APIs with the token the dev sign-in would give them."""
    who = roster.user(subject)
    return Caller(authority, subject, {o: list(r) for o, r in who.orgs.items()})


async def sign_in_as(page, display_name: str) -> None:
    """Through the dev picker, as a newcomer would: the site's root, then the person's button."""
    from playwright.async_api import expect

    await page.goto("/")
    await page.get_by_role("button", name=f"Sign in as {display_name}").click()
    await expect(page.get_by_role("heading", level=1, name="My tasks")).to_be_visible()
