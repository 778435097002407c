"""REST over ProjectsService beyond projects and portfolios: organizations, milestones, assignments, baselines,
the phase override, lessons learned and the post-project review, each family's happy path and one refusal."""

from __future__ import annotations

from tests.gateway.conftest import bearer
from tests.gateway.test_routes import create_project
from tests.support import Caller


async def test_organizations_are_created_listed_read_and_updated(gateway, as_role, org, authority, new_org_id):
    other = new_org_id + "-b"
    founder = Caller(authority, "founder", {other: ["admin"]})
    created = await gateway.post("/v1/organizations", params={"organizationId": other}, headers=bearer(founder),
                                 json={"displayName": "Beta", "pmoType": "PMO_TYPE_STRATEGIC",
                                       "defaultCurrencyCode": "EUR"})
    assert created.status_code == 200, created.text
    assert created.json()["name"] == f"organizations/{other}"
    listed = await gateway.get("/v1/organizations", headers=bearer(founder))
    assert [o["name"] for o in listed.json()["organizations"]] == [f"organizations/{other}"]

    admin = as_role("admin")
    read = await gateway.get(f"/v1/organizations/{org}", headers=bearer(admin))
    assert read.status_code == 200 and read.json()["displayName"] == "Acme Corp"
    updated = await gateway.patch(f"/v1/organizations/{org}", params={"updateMask": "displayName"},
                                  json={"displayName": "Acme Group"}, headers=bearer(admin))
    assert updated.status_code == 200 and updated.json()["displayName"] == "Acme Group", updated.text
    foreign = await gateway.get(f"/v1/organizations/{other}", headers=bearer(admin))
    assert foreign.status_code == 403, foreign.text


async def test_milestones_and_assignments_are_managed_under_their_etags(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, project = bearer(as_role("pm")), f"/v1/organizations/{org}/projects/apollo"
    milestone = await gateway.post(project + "/milestones", params={"milestoneId": "go-live"}, headers=pm,
                                   json={"displayName": "Go-live", "dueDate": {"year": 2027, "month": 6, "day": 1}})
    assert milestone.status_code == 200, milestone.text
    assert milestone.json()["name"] == f"organizations/{org}/projects/apollo/milestones/go-live"
    moved = await gateway.patch(project + "/milestones/go-live", params={"updateMask": "dueDate"}, headers={
        **pm, "If-Match": milestone.headers["ETag"]}, json={"dueDate": {"year": 2027, "month": 6, "day": 15}})
    assert moved.status_code == 200 and moved.json()["dueDate"]["day"] == 15, moved.text
    stale = await gateway.delete(project + "/milestones/go-live", headers={**pm, "If-Match": milestone.headers["ETag"]})
    assert stale.status_code == 412, stale.text
    assert (await gateway.delete(project + "/milestones/go-live",
                                 headers={**pm, "If-Match": moved.headers["ETag"]})).status_code == 200
    assert (await gateway.get(project + "/milestones", headers=pm)).json()["milestones"] == []

    assignment = await gateway.post(project + "/assignments", params={"assignmentId": "ann"}, headers=pm, json={
        "person": "ann", "role": "architect", "allocationPercent": 50,
        "startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 6, "day": 30}})
    assert assignment.status_code == 200, assignment.text
    listed = await gateway.get(project + "/assignments", headers=pm)
    assert [a["person"] for a in listed.json()["assignments"]] == ["ann"]
    too_much = await gateway.patch(project + "/assignments/ann", params={"updateMask": "allocationPercent"},
                                   json={"allocationPercent": 500}, headers=pm)
    assert too_much.status_code == 400 and too_much.json()["violations"][0]["field"] == "allocationPercent"


async def test_the_first_baseline_is_recorded_and_a_second_needs_a_change_request(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, project = bearer(as_role("pm")), f"/v1/organizations/{org}/projects/apollo"
    plan = {"startDate": {"year": 2027, "month": 1, "day": 1}, "endDate": {"year": 2027, "month": 6, "day": 30},
            "budget": {"currencyCode": "EUR", "units": "100000"}, "reason": "plan approved"}
    first = await gateway.post(project + "/baselines", json=plan, headers=pm)
    assert first.status_code == 200, first.text
    listed = await gateway.get(project + "/baselines", headers=pm)
    assert [b["name"] for b in listed.json()["baselines"]] == [first.json()["name"]]
    second = await gateway.post(project + "/baselines", json={**plan, "reason": "replan"}, headers=pm)
    assert second.status_code == 409 and second.json()["reason"] == "CHANGE_REQUEST_REQUIRED", second.text


async def test_the_phase_moves_by_an_admins_override_only(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    path = f"/v1/organizations/{org}/projects/apollo:transitionPhase"
    refused = await gateway.post(path, json={"phase": "PHASE_PLANNING", "reason": "skip the gate"},
                                 headers=bearer(as_role("pm")))
    assert refused.status_code == 403, refused.text
    moved = await gateway.post(path, json={"phase": "PHASE_PLANNING", "reason": "gate held offline"},
                               headers=bearer(as_role("admin")))
    assert moved.status_code == 200 and moved.json()["phase"] == "PHASE_PLANNING", moved.text


async def test_lessons_learned_are_recorded_and_a_missing_review_is_404(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, project = bearer(as_role("pm")), f"/v1/organizations/{org}/projects/apollo"
    lesson = await gateway.post(project + "/lessonsLearned", headers=pm,
                                json={"title": "Book test environments early", "category": "planning"})
    assert lesson.status_code == 200, lesson.text
    listed = await gateway.get(project + "/lessonsLearned", headers=pm)
    assert [x["title"] for x in listed.json()["lessonsLearned"]] == ["Book test environments early"]
    review = await gateway.get(project + "/postProjectReview", headers=pm)
    assert review.status_code == 404, review.text
    recorded = await gateway.post(project + "/postProjectReview:record", headers=pm, json={
        "postProjectReview": {"satisfactionScore": 4, "clientComments": "on time"},
        "lessonsLearned": [{"title": "Plan cutover early"}]})
    assert recorded.status_code == 200, recorded.text
    review = await gateway.get(project + "/postProjectReview", headers=pm)
    assert review.status_code == 200 and review.json()["satisfactionScore"] == 4, review.text
