"""The approver inbox in a real Chromium: signing in, a seeded task, deciding it, the refusals a person sees, the
dashboard on the seeded data, accessibility and a phone-sized screen."""

from __future__ import annotations

import uuid

import pytest

try:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect
except ImportError:  # without the dev extra: the chromium_path fixture skips every test, saying how to enable them
    Axe = expect = None

from pmaas.governance.v1 import governance_service_pb2 as gov_api
from pmaas.governance.v1 import resources_pb2 as gov_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from services.demo import seed
from services.gateway.web.inbox import task_href
from tests.gateway.browser.conftest import person, sign_in_as
from tests.services.governance.processes import open_task

WAITING_TITLE = "Change request: " + seed.WAITING_CHANGE[3]
SERIOUS = ("serious", "critical")


async def test_a_demo_person_signs_in_with_the_dev_picker_and_sees_the_waiting_change_request(page):
    await sign_in_as(page, "Samantha Reyes")
    await expect(page.get_by_role("link", name=WAITING_TITLE)).to_be_visible()


async def test_a_person_signs_in_with_a_pasted_token(page, authority):
    await page.goto("/ui/signin")
    await page.get_by_label("Access token").fill(person(authority, "sam").token)
    await page.get_by_label("Time zone").select_option("America/New_York")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("heading", level=1, name="My tasks")).to_be_visible()
    await expect(page.get_by_role("link", name=WAITING_TITLE)).to_be_visible()
    await expect(page.get_by_text("Signed in as sam")).to_contain_text("America/New_York")


async def test_approving_a_change_request_moves_it_on_and_out_of_the_inbox(page, authority, governance):
    # A change request of the test's own, so the seeded one keeps waiting for the other tests and the README.
    title = f"Extra load test {uuid.uuid4().hex[:6]}"
    priya, sam = person(authority, "priya"), person(authority, "sam")
    submitted = await priya(governance.SubmitChangeRequest, gov_api.SubmitChangeRequestRequest(
        parent="organizations/acme", request_id=str(uuid.uuid4()), change_request=gov_pb.ChangeRequest(
            project="organizations/acme/projects/erp", title=title, type=gov_pb.CHANGE_TYPE_NORMAL,
            budget_delta=seed.money("USD", 1_200), schedule_delta_days=1)))
    await open_task(governance, sam, submitted.name)
    await sign_in_as(page, "Samantha Reyes")
    await page.get_by_role("link", name=f"Change request: {title}").click()
    await expect(page.get_by_text("State: Pending approval")).to_be_visible()

    await page.get_by_label("Comment").fill("Fine: one more day of load testing is worth it.")
    await page.get_by_role("button", name="Approve").click()

    await expect(page.get_by_role("status").filter(has_text="Your decision was recorded: Approve.")).to_be_visible()
    await expect(page.get_by_role("cell", name="Fine: one more day of load testing is worth it.")).to_be_visible()
    for _ in range(100):  # the process goes on without the page: it shows where it got to when reloaded
        if await page.get_by_text("State: Pending approval").count() == 0:
            break
        await page.wait_for_timeout(200)
        await page.reload()
    await expect(page.get_by_text("State: Pending approval")).to_have_count(0)
    await page.get_by_role("link", name="My tasks").first.click()
    await expect(page.get_by_role("link", name=WAITING_TITLE)).to_be_visible()
    await expect(page.get_by_role("link", name=f"Change request: {title}")).to_have_count(0)


async def test_the_requester_is_told_in_plain_words_that_someone_else_must_decide(page, demo):
    [own] = demo.self_requested
    await sign_in_as(page, own.person.display_name)
    await page.goto(task_href(own.task))
    await page.get_by_role("button", name="Approve").click()
    refusal = page.get_by_role("alert")
    await expect(refusal).to_contain_text("You asked for this yourself, so someone else has to decide it")
    await expect(refusal).to_contain_text("segregation of duties")


async def test_a_post_without_the_forms_csrf_token_is_refused(page, demo):
    await sign_in_as(page, "Samantha Reyes")
    waiting = next(w for w in demo.waiting if w.person.subject == "sam" and w.title == WAITING_TITLE)
    answer = await page.request.post(task_href(waiting.task) + "/decide", form={"choice": "APPROVE"})
    assert answer.status == 403
    assert "Form refused" in await answer.text()
    await page.goto("/ui/tasks")
    await expect(page.get_by_role("link", name=WAITING_TITLE)).to_be_visible()  # nothing was decided


async def test_the_dashboard_shows_the_seeded_health_and_heat_map(page, authority, projects_stub, risks_stub):
    omar = person(authority, "omar")
    portfolio = "organizations/acme/portfolios/operations"
    summary = await omar(projects_stub.GetPortfolioSummary, projects_api.GetPortfolioSummaryRequest(name=portfolio))
    heat = await omar(risks_stub.GetRiskHeatMap, risks_api.GetRiskHeatMapRequest(scope=portfolio))
    await sign_in_as(page, "Omar Haddad")
    await page.goto("/ui/organizations/acme/dashboard?portfolio=operations")
    kpis = page.locator("dl.kpis")
    await expect(kpis.get_by_text("Projects", exact=True).locator("xpath=..")).to_contain_text(
        str(summary.kpis.project_count))
    k = summary.kpis
    await expect(kpis).to_contain_text(f"{k.red_projects} / {k.amber_projects} / {k.green_projects}")
    assert k.amber_projects >= 1 and k.green_projects >= 1  # the seed's status reports: ERP amber, safety green
    heat_panel = page.locator("section", has=page.get_by_role("heading", name="Risk heat map"))
    counted = [c for c in heat.inherent if c.count]
    assert len(counted) >= 3, heat  # the seed's risks fall in several cells
    for c in counted:
        cell = heat_panel.locator(f'[data-probability="{c.probability}"][data-impact="{c.impact}"]')
        await expect(cell).to_have_attribute("data-count", str(c.count))
        await expect(cell.locator(".count")).to_have_text(str(c.count))


@pytest.mark.parametrize("where", ["inbox", "task"])
async def test_the_inbox_and_task_pages_have_no_serious_accessibility_violations(page, demo, where):
    await sign_in_as(page, "Samantha Reyes")
    if where == "task":
        waiting = next(w for w in demo.waiting if w.person.subject == "sam" and w.title == WAITING_TITLE)
        await page.goto(task_href(waiting.task))
        await expect(page.get_by_role("heading", level=1, name=WAITING_TITLE)).to_be_visible()
    results = await Axe().run(page)
    serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]])
               for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert serious == []


@pytest.mark.parametrize("context", [{"viewport": {"width": 375, "height": 740}, "is_mobile": True}],
                         indirect=True)
async def test_the_inbox_fits_a_375_px_wide_screen_without_scrolling_sideways(page):
    await sign_in_as(page, "Samantha Reyes")
    await expect(page.get_by_role("link", name=WAITING_TITLE)).to_be_visible()
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == 375
