"""My tasks: the person's open tasks from every organization of their token, overdue first then by due time, with
SLA badges in words and due times in the session's time zone; pages of the services' page tokens; an empty state.

The ordering tests seed the governance read model directly (as tests/bench/governance.py does): a task stays
overdue in the read model only until the worker's timer fires, so a real process cannot hold one there."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from services.governance import convert, store
from tests.gateway.web.conftest import change_task, sign_in
from tests.support import Caller
from workflows import approvals as ap


async def seed_task(pool, org: str, task_id: str, title: str, due: dt.datetime) -> None:
    """An open change-approval task offered to the pmo role of `org`, due at `due`, in the read model."""
    now = dt.datetime.now(dt.UTC)
    spec = ap.TaskSpec(key="approval", kind="CHANGE_APPROVAL", title=title, requester="someone-else",
                       candidates=ap.Candidates(roles=["pmo"]), rule=ap.ApprovalRule(), due_after_s=86400)
    ref = ap.ProcessRef(org=org, project="apollo", workflow_id=f"seeded/{org}/{task_id}", policy_version=1,
                        process=f"organizations/{org}/changeRequests/c-{task_id}")
    task = ap.Task(id=task_id, spec=spec, ref=ref, created=now, due_time=due, reminder_times=[], version=1)
    async with pool.acquire() as conn:
        await store.upsert_task(conn, ap.TaskSync(task=task, new_events=[], pending_approvers=["role:pmo"],
                                                  sla_state="ON_TRACK"),
                                convert.task_message(task, ["role:pmo"], 1, now).SerializeToString())


def titles(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html)


async def test_my_tasks_puts_overdue_first_then_by_due_time_across_organizations_in_the_chosen_zone(
        browser, authority, governance_pool, new_org_id):
    acme, globex = new_org_id, new_org_id + "-g"
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    soon, overdue, later = now + dt.timedelta(hours=2), now - dt.timedelta(hours=3), now + dt.timedelta(days=3)
    await seed_task(governance_pool, acme, "t-soon", "Due in two hours", soon)
    await seed_task(governance_pool, globex, "t-late", "Three hours late", overdue)
    await seed_task(governance_pool, acme, "t-later", "Due in three days", later)
    olga = Caller(authority, "olga", {acme: ["pmo"], globex: ["pmo"]})
    async with browser() as client:
        await sign_in(client, olga, tz="Asia/Tokyo")
        page = await client.get("/ui/tasks")
    assert page.status_code == 200
    assert titles(page.text) == ["Three hours late", "Due in two hours", "Due in three days"]
    tokyo = soon.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo:%a} {tokyo.day} {tokyo:%b %Y, %H:%M} JST" in page.text and "(in 2 h)" in page.text
    assert "(3 h overdue)" in page.text and "(in 3 d)" in page.text
    late_row = page.text[page.text.index("Three hours late"):page.text.index("Due in two hours")]
    assert '<span class="badge badge-bad">Breached</span>' in late_row and globex in late_row
    assert f'href="/ui/organizations/{globex}/tasks/t-late"' in page.text


async def test_my_tasks_pages_on_with_the_services_page_tokens(browser, authority, governance_pool, new_org_id):
    now = dt.datetime.now(dt.UTC)
    for i in range(30):
        await seed_task(governance_pool, new_org_id, f"t{i:02d}", f"Task {i:02d}", now + dt.timedelta(hours=i + 1))
    async with browser() as client:
        await sign_in(client, Caller(authority, "olga", {new_org_id: ["pmo"]}))
        first = await client.get("/ui/tasks")
        assert titles(first.text) == [f"Task {i:02d}" for i in range(25)]
        following = re.search(r'href="(/ui/tasks\?page_token=[^"]+)">Next page', first.text).group(1)
        second = await client.get(following.replace("&amp;", "&"))
    assert titles(second.text) == [f"Task {i:02d}" for i in range(25, 30)] and "Next page" not in second.text


async def test_my_tasks_lists_a_real_change_approval_for_its_candidate_and_says_when_nothing_waits(
        browser, gateway, as_role, org):
    olga = as_role("pmo", "olga")
    async with browser() as client:
        await sign_in(client, olga)
        empty = await client.get("/ui/tasks")
        assert "Nothing is waiting for you." in empty.text and not titles(empty.text)
        path, _ = await change_task(gateway, as_role, org, as_role("pm", "paula"), olga)
        listed = await client.get("/ui/tasks")
    assert titles(listed.text) == ["Change request: More testing"] and f'href="{path}"' in listed.text
    assert "Change approval" in listed.text and "apollo" in listed.text
    assert '<span class="badge badge-ok">On track</span>' in listed.text
