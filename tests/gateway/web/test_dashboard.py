"""The portfolio dashboard over the real services: each project's RAG, heat map counts that match the risks, CPI and
SPI points for the month-ends with figures, open escalations and tasks of the portfolio only, a panel whose service
is down says so while the rest renders, the page's security headers, and sign-in first."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import quote

import grpc
import pytest
from google.type import date_pb2, money_pb2

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from services.gateway.app import create_app
from services.gateway.web import calls, dashboard
from services.gateway.web.security import CSP
from tests.gateway.conftest import bearer
from tests.gateway.web.conftest import sign_in
from tests.services.governance.processes import until
from tests.support import Caller, free_port, rid

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "CRM <b>relaunch</b>"
GREEN, AMBER, RED = projects_pb.RAG_GREEN, projects_pb.RAG_AMBER, projects_pb.RAG_RED


def D(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def EUR(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", units=units)


def months_before(today: dt.date, months: int, day: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, day)


def figure(html: str, chart_id: str) -> ET.Element:
    found = re.search(rf'<figure class="chart[^"]*" id="{re.escape(chart_id)}">.*?</figure>', html, re.S)
    assert found, f"no chart {chart_id} on the page"
    return ET.fromstring(found.group(0))


def texts(element: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in element.iter(f"{SVG}text")]


def series_days(chart: ET.Element, series: str) -> list[str]:
    group = next((g for g in chart.iter(f"{SVG}g") if g.get("data-series") == series), None)
    return [] if group is None else [p.get("data-day") for p in group if p.get("class") == "point"]


@pytest.fixture
async def portfolio(projects_stub, risks_stub, billing_stub, gateway, as_role, org):
    """Portfolio `digital` of two projects, ERP (all green) and a hostile-named CRM (amber schedule), ERP with time
    logged two and three months ago (so CPI exists from then on, SPI from its planned start five months ago), risks
    on both and on a project outside the portfolio, and an escalation on ERP and on the outsider."""
    pmo, today = as_role("pmo", "olga"), dt.date.today()
    await pmo(projects_stub.CreatePortfolio, projects_api.CreatePortfolioRequest(
        parent=f"organizations/{org}", portfolio_id="digital", portfolio=projects_pb.Portfolio(display_name="Digital"),
        request_id=rid()))
    name = f"organizations/{org}/portfolios/digital"
    start = months_before(today, 5, 1)

    async def project(project_id: str, display: str, health: projects_pb.Health, in_portfolio: bool = True) -> str:
        created = await pmo(projects_stub.CreateProject, projects_api.CreateProjectRequest(
            parent=f"organizations/{org}", project_id=project_id, request_id=rid(), project=projects_pb.Project(
                code=project_id.upper(), display_name=display, methodology=projects_pb.METHODOLOGY_AGILE,
                budget=EUR(100_000), planned_start_date=D(start), planned_end_date=D(today + dt.timedelta(days=200)),
                percent_complete=30, health=health, portfolio=name if in_portfolio else "")))
        return created.name

    erp = await project("erp", "ERP", projects_pb.Health(schedule=GREEN, scope=GREEN, cost=GREEN, resources=GREEN))
    crm = await project("crm", HOSTILE, projects_pb.Health(schedule=AMBER, scope=GREEN, cost=GREEN, resources=GREEN))
    other = await project("other", "Elsewhere", projects_pb.Health(schedule=RED), in_portfolio=False)

    finance = as_role("finance", "fay")
    engagement = await finance(billing_stub.CreateEngagement, billing_api.CreateEngagementRequest(
        parent=f"organizations/{org}", engagement_id="main", request_id=rid(), engagement=billing_pb.Engagement(
            display_name="Delivery", projects=[erp, crm], billing_model=billing_pb.BILLING_MODEL_TIME_AND_MATERIALS,
            currency_code="EUR", payment_terms_days=30)))
    await finance(billing_stub.CreateRate, billing_api.CreateRateRequest(
        parent=f"organizations/{org}", request_id=rid(), rate=billing_pb.Rate(
            role="consultant", hourly_rate=EUR(1000), start_date=D(start))))
    member = as_role("member", "ann")
    for months, hours in ((3, "10"), (2, "5")):
        await member(billing_stub.CreateTimeEntry, billing_api.CreateTimeEntryRequest(
            parent=engagement.name, request_id=rid(), time_entry=billing_pb.TimeEntry(
                project=erp, work_date=D(months_before(today, months, 10)), hours=hours, role="consultant")))

    pm = as_role("pm", "pat")
    for parent, probability, impact in ((erp, 5, 5), (erp, 5, 5), (crm, 2, 3), (other, 1, 1)):
        await pm(risks_stub.CreateRisk, risks_api.CreateRiskRequest(parent=parent, request_id=rid(), risk=risks_pb.Risk(
            title=f"Risk {probability}x{impact}", probability=probability, impact=impact)))

    for project_id in ("erp", "other"):
        raised = await gateway.post(f"/v1/organizations/{org}/projects/{project_id}/escalations",
                                    json={"title": f"Vendor down for {project_id}", "severity": "ISSUE_SEVERITY_HIGH"},
                                    headers=bearer(member, **{"Idempotency-Key": str(uuid.uuid4())}))
        assert raised.status_code == 200, raised.text
        await until(lambda path=raised.json()["name"]: gateway.get("/v1/" + path, headers=bearer(pmo)),
                    lambda r: r.json().get("acknowledgeDueTime"), "the escalation's acknowledge task")
    return {"erp": erp, "crm": crm, "start": start, "today": today}


async def test_the_dashboard_plots_each_projects_rag_the_heat_map_evm_escalations_and_tasks(
        browser, as_role, org, portfolio):
    async with browser() as client:
        await sign_in(client, as_role("viewer", "vera"))
        shown = await client.get(f"/ui/organizations/{org}/dashboard", params={"portfolio": "digital"})
    assert shown.status_code == 200, shown.text
    html = shown.text

    health = figure(html, "health")
    rows = [[c.text for c in row] for row in health.find("div/table/tbody")]
    assert sorted(rows) == sorted([["ERP (ERP)", "Green", "Green", "Green", "Green", "Green"],
                                   [f"{HOSTILE} (CRM)", "Amber", "Amber", "Green", "Green", "Green"]])
    assert "Elsewhere" not in html  # the project outside the portfolio

    heat = figure(html, "heat")
    counts = {(int(g.get("data-probability")), int(g.get("data-impact"))): int(g.get("data-count"))
              for g in heat.iter(f"{SVG}g") if g.get("class") == "cell"}
    assert {k: v for k, v in counts.items() if v} == {(5, 5): 2, (2, 3): 1}

    month_ends = [d.isoformat() for d in dashboard.as_of_dates(portfolio["today"])]
    assert f"the last six month-ends and today ({portfolio['today'].isoformat()})" in html
    evm = figure(html, "evm-erp")
    first_cost = months_before(portfolio["today"], 3, 10).isoformat()
    assert series_days(evm, "CPI") == [d for d in month_ends if d >= first_cost]  # CPI once there is actual cost
    assert series_days(evm, "SPI") == [d for d in month_ends if d >= portfolio["start"].isoformat()]
    burn = figure(html, "burn-erp")
    assert series_days(burn, "Actual cost (AC)") == month_ends
    assert any(t.startswith("Budget EUR 100,000") for t in texts(burn))
    assert series_days(figure(html, "evm-crm"), "CPI") == []  # no cost logged on CRM: no CPI, but SPI

    escalations = figure(html, "escalations")
    assert [(b.get("data-label"), b.get("data-value")) for b in escalations.iter(f"{SVG}g")
            if b.get("class") == "bar"] == [("L1 project manager", "1")]  # the default policy's first level
    assert "Vendor down for erp" in html and "Vendor down for other" not in html
    sla = figure(html, "sla")
    bars = {b.get("data-label"): b.get("data-value") for b in sla.iter(f"{SVG}g") if b.get("class") == "bar"}
    assert sum(int(v) for v in bars.values()) == 1  # the ERP escalation's acknowledge task, not the outsider's
    breaches = figure(html, "breaches")
    assert [(b.get("data-label"), b.get("data-value")) for b in breaches.iter(f"{SVG}g")
            if b.get("class") == "bar"] == [("ERP (ERP)", "0")]  # raised today, within its SLA
    assert "of 1 raised (0%)" in texts(breaches)[-1]


async def test_project_names_are_escaped_text_and_the_page_has_no_inline_style_or_script(
        browser, as_role, org, portfolio):
    async with browser() as client:
        await sign_in(client, as_role("viewer", "vera"))
        shown = await client.get(f"/ui/organizations/{org}/dashboard")
    assert shown.status_code == 200, shown.text
    assert "CRM &lt;b&gt;relaunch&lt;/b&gt;" in shown.text and "<b>relaunch" not in shown.text
    assert not re.search(r"\sstyle=", shown.text) and not re.search(r"<script(?![^>]*\bsrc=)", shown.text)
    assert '<a href="/ui/dashboard" aria-current="page">Dashboard</a>' in shown.text  # the nav link, marked current
    assert shown.headers["content-security-policy"] == CSP
    assert shown.headers["x-content-type-options"] == "nosniff" and shown.headers["cache-control"] == "no-store"


async def test_a_service_that_is_down_leaves_its_panel_saying_so_and_the_rest_of_the_page_renders(
        settings, targets, browser, as_role, org, portfolio):
    app = create_app(settings, {**targets, "billing": f"127.0.0.1:{free_port()}"})
    async with app.router.lifespan_context(app), browser(app) as client:
        await sign_in(client, as_role("viewer", "vera"))
        shown = await client.get(f"/ui/organizations/{org}/dashboard")
    assert shown.status_code == 200, shown.text
    assert "The financial figures: unavailable right now" in shown.text
    assert 'id="evm-erp"' not in shown.text
    assert figure(shown.text, "health") is not None and figure(shown.text, "heat") is not None


async def test_a_refusal_becomes_the_panels_sentence_permission_denied_saying_so():
    async def refused(code: grpc.StatusCode):
        raise calls.Refused("billing", code, "", "roles [viewer] do not grant it", {})

    denied = await dashboard._fetch("the financial figures", refused(grpc.StatusCode.PERMISSION_DENIED), 5)
    assert denied.problem == "You do not have permission to see the financial figures."
    other = await dashboard._fetch("the risk heat map", refused(grpc.StatusCode.FAILED_PRECONDITION), 5)
    assert other.problem == "The risk heat map could not be shown: roles [viewer] do not grant it"


async def test_a_person_without_a_role_in_the_organization_is_refused_the_page(browser, authority, org, portfolio):
    async with browser() as client:
        await sign_in(client, Caller(authority, "eve", {"elsewhere": ["admin"]}))
        refused = await client.get(f"/ui/organizations/{org}/dashboard")
    assert refused.status_code == 403 and "Digital" not in refused.text


async def test_an_unknown_portfolio_is_not_found_and_the_dashboard_link_opens_the_first_organization(
        browser, as_role, org, portfolio):
    async with browser() as client:
        await sign_in(client, as_role("viewer", "vera"))
        missing = await client.get(f"/ui/organizations/{org}/dashboard", params={"portfolio": "nope"})
        assert missing.status_code == 404 and "There is no portfolio nope" in missing.text
        first = await client.get("/ui/dashboard")
        assert first.status_code == 303 and first.headers["location"] == f"/ui/organizations/{quote(org)}/dashboard"


async def test_signed_out_the_dashboard_sends_the_visitor_to_sign_in_and_back(browser, org):
    async with browser() as client:
        answer = await client.get(f"/ui/organizations/{org}/dashboard", params={"portfolio": "digital"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/ui/signin?next=" + quote(
        f"/ui/organizations/{org}/dashboard?portfolio=digital", safe="")
