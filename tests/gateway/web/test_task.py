"""The task page: what is asked and its evidence (a change request's impact assessment, a gate's criteria), the
decisions so far, and the forms: approve (the process moves on; a double-submitted form applies once), a
refusal in plain words (the requester deciding their own change), claim and release."""

from __future__ import annotations

import asyncio
import uuid

from markupsafe import escape

from tests.gateway.conftest import bearer
from tests.gateway.test_routes import create_project
from tests.gateway.web.conftest import change_task, csrf_of, request_id_of, sign_in
from tests.services.governance.processes import until


async def rest(gateway, caller, name: str) -> dict:
    answer = await gateway.get("/v1/" + name, headers=bearer(caller))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_task_page_shows_the_change_requests_impact_assessment_and_the_change_as_submitted(
        browser, gateway, as_role, org):
    olga = as_role("pmo", "olga")
    path, submitted = await change_task(gateway, as_role, org, as_role("pm", "paula"), olga)
    change = await until(lambda: rest(gateway, olga, submitted["name"]), lambda cr: cr.get("route"), "routed")
    async with browser() as client:
        await sign_in(client, olga)
        page = await client.get(path)
    assert page.status_code == 200
    html = page.text
    assert "Impact assessment" in html and f"tier <strong>{change['route']['tier']}</strong>" in html
    assert "EUR 100,000.00" in html and "EUR 105,000.00" in html and "EUR 5,000.00" in html  # budget now/after/change
    assert "2027-06-30" in html  # the planned end date
    assert "The change as submitted" in html and "Two more weeks of UAT" in html and "paula" in html
    assert "Asked by</dt><dd>paula" in html and "role pmo" in html
    assert all(f'value="{choice}"' in html for choice in ("APPROVE", "REJECT", "ABSTAIN", "REQUEST_CHANGES"))
    assert ">Request changes</button>" in html and "No decisions yet." in html


async def test_the_task_page_shows_a_phase_gates_criteria_results(browser, gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    olga = as_role("pmo", "olga")
    requested = await gateway.post(f"/v1/organizations/{org}/projects/apollo/phaseGates", json={},
                                   headers=bearer(as_role("pm", "paula"), **{"Idempotency-Key": str(uuid.uuid4())}))
    assert requested.status_code == 200, requested.text
    inbox = await until(lambda: gateway.get(f"/v1/organizations/{org}/tasks", params={"assignee": "me"},
                                            headers=bearer(olga)),
                        lambda r: r.json()["tasks"], "the gate's task")
    task = inbox.json()["tasks"][0]
    assert task["kind"] == "TASK_KIND_PHASE_GATE"
    gate = await rest(gateway, olga, requested.json()["name"])
    assert gate["criteria"]
    async with browser() as client:
        await sign_in(client, olga)
        page = await client.get("/ui/organizations/{}/tasks/{}".format(org, task["name"].rsplit("/", 1)[1]))
    assert page.status_code == 200 and "Gate criteria" in page.text
    for criterion in gate["criteria"]:
        assert str(escape(criterion["description"])) in page.text
        assert str(escape(criterion.get("evidence", ""))) in page.text
    assert ">Passed</span>" in page.text or ">Failed" in page.text
    assert all(f'value="{c}"' in page.text for c in ("GO", "CONDITIONAL_GO", "HOLD", "RECYCLE", "KILL"))


async def test_approving_through_the_form_applies_once_however_often_it_is_sent_and_the_change_moves_on(
        browser, gateway, as_role, org):
    olga = as_role("pmo", "olga")
    path, submitted = await change_task(gateway, as_role, org, as_role("pm", "paula"), olga)
    async with browser() as client:
        await sign_in(client, olga)
        page = await client.get(path)
        form = {"csrf": csrf_of(page.text), "request_id": request_id_of(page.text), "choice": "APPROVE",
                "comment": "fine by me"}
        first, second = await asyncio.gather(client.post(path + "/decide", data=form),
                                             client.post(path + "/decide", data=form))
        assert first.status_code == 303 or second.status_code == 303, (first.text, second.text)
        for answer in (first, second):  # a repeat is the same decision, or told in words that the task is done
            assert answer.status_code in (303, 409), answer.text
        done = await client.get(path)
    assert "Your decision was recorded: Approve." in done.text
    assert "State</dt><dd>Decided" in done.text and "fine by me" in done.text
    task = await rest(gateway, olga, path.removeprefix("/ui/"))
    assert [(d["voter"], d["choice"]) for d in task["decisions"]] == [("olga", "APPROVE")]
    moved = await until(lambda: rest(gateway, olga, submitted["name"]),
                        lambda cr: cr["state"] in ("CHANGE_REQUEST_STATE_APPLIED", "CHANGE_REQUEST_STATE_COMPLETED"),
                        "the approved change applied")
    assert moved["state"] != "CHANGE_REQUEST_STATE_PENDING_APPROVAL"


async def test_the_requester_deciding_their_own_change_sees_the_refusal_in_plain_words_and_nothing_changes(
        browser, gateway, as_role, org):
    rita = as_role("pmo,pm", "rita")  # a candidate by role, and the requester
    path, submitted = await change_task(gateway, as_role, org, rita, as_role("pmo", "olga"))
    async with browser() as client:
        await sign_in(client, rita)
        page = await client.get(path)
        refused = await client.post(path + "/decide", data={
            "csrf": csrf_of(page.text), "request_id": request_id_of(page.text), "choice": "APPROVE",
            "comment": "my own"})
    assert refused.status_code == 403
    assert "Not done." in refused.text
    assert "You asked for this yourself, so someone else has to decide it" in refused.text
    assert "Traceback" not in refused.text and ">my own</textarea>" in refused.text  # what was typed is kept
    task = await rest(gateway, rita, path.removeprefix("/ui/"))
    assert task["state"] == "TASK_STATE_OPEN" and not task.get("decisions")
    change = await rest(gateway, rita, submitted["name"])
    assert change["state"] == "CHANGE_REQUEST_STATE_PENDING_APPROVAL"


async def test_a_role_offered_task_is_claimed_and_released_through_the_forms(browser, gateway, as_role, org):
    olga = as_role("pmo", "olga")
    path, _ = await change_task(gateway, as_role, org, as_role("pm", "paula"), olga)
    async with browser() as client:
        await sign_in(client, olga)
        page = await client.get(path)
        assert ">Claim</button>" in page.text
        claimed = await client.post(path + "/claim", data={"csrf": csrf_of(page.text), "request_id": str(uuid.uuid4())})
        assert claimed.status_code == 303 and claimed.headers["location"] == path
        page = await client.get(path)
        assert "You claimed this task" in page.text and "Claimed by</dt><dd>olga" in page.text
        assert ">Release</button>" in page.text and ">Claim</button>" not in page.text
        released = await client.post(path + "/release", data={"csrf": csrf_of(page.text),
                                                               "request_id": str(uuid.uuid4())})
        assert released.status_code == 303
        page = await client.get(path)
    assert "You released this task" in page.text and ">Claim</button>" in page.text
    task = await rest(gateway, olga, path.removeprefix("/ui/"))
    assert task["state"] == "TASK_STATE_OPEN"


async def test_an_escalations_task_page_shows_the_escalation_generically(browser, gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    raised = await gateway.post(f"/v1/organizations/{org}/projects/apollo/escalations",
                                json={"title": "Vendor API down", "severity": "ISSUE_SEVERITY_HIGH"},
                                headers=bearer(as_role("member", "mia"), **{"Idempotency-Key": str(uuid.uuid4())}))
    assert raised.status_code == 200, raised.text
    pete = as_role("pm", "pete")
    inbox = await until(lambda: gateway.get(f"/v1/organizations/{org}/tasks", params={"assignee": "me"},
                                            headers=bearer(pete)),
                        lambda r: r.json()["tasks"], "the escalation's task")
    escalation = await rest(gateway, pete, raised.json()["name"])
    async with browser() as client:
        await sign_in(client, pete)
        page = await client.get("/ui/organizations/{}/tasks/{}".format(
            org, inbox.json()["tasks"][0]["name"].rsplit("/", 1)[1]))
    assert page.status_code == 200 and "<h2 id=\"evidence-heading\">The escalation</h2>" in page.text
    assert "<dt>Severity</dt><dd>High" in page.text and "<dt>Raised by</dt><dd>mia" in page.text
    assert f"<dt>Level name</dt><dd>{escape(escalation['levelName'])}" in page.text
    assert ">Acknowledge</button>" in page.text and ">Resolve</button>" in page.text
