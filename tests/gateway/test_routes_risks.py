"""REST over RisksService beyond risks and heat maps: a risk occurring as an issue, issues, the score history,
the scoring matrix, exposure and the issue events feed, each family's happy path and one refusal."""

from __future__ import annotations

from tests.gateway.conftest import bearer
from tests.gateway.test_routes import create_project


async def test_a_risk_occurs_as_an_issue_which_is_listed_updated_and_in_the_feed(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, project = bearer(as_role("pm")), f"/v1/organizations/{org}/projects/apollo"
    risk = await gateway.post(project + "/risks", params={"riskId": "vendor"}, headers=pm,
                              json={"title": "Vendor delay", "probability": 3, "impact": 4})
    assert risk.status_code == 200, risk.text
    occurred = await gateway.post(project + "/risks/vendor:occur", headers=pm,
                                  json={"issueId": "vendor-late", "issue": {"severity": "ISSUE_SEVERITY_MEDIUM"}})
    assert occurred.status_code == 200, occurred.text
    assert occurred.json()["risk"]["status"] == "RISK_STATUS_OCCURRED"
    assert occurred.json()["issue"]["name"] == f"organizations/{org}/projects/apollo/issues/vendor-late"
    again = await gateway.post(project + "/risks/vendor:occur", headers=pm, json={"issueId": "second"})
    assert again.status_code == 409, again.text  # an occurred risk does not occur twice

    history = await gateway.get(project + "/risks/vendor/scoreHistory", headers=pm)
    assert history.status_code == 200, history.text
    assert [c["status"] for c in history.json()["changes"]] == ["RISK_STATUS_OPEN", "RISK_STATUS_OCCURRED"]

    issues = await gateway.get(project + "/issues", headers=pm)
    assert [i["name"] for i in issues.json()["issues"]] == [occurred.json()["issue"]["name"]]
    raised = await gateway.post(project + "/issues", params={"issueId": "env-down"}, headers=pm,
                                json={"title": "Test environment down", "severity": "ISSUE_SEVERITY_LOW"})
    assert raised.status_code == 200, raised.text
    resolved = await gateway.patch(project + "/issues/env-down", params={"updateMask": "status,resolution"},
                                   json={"status": "ISSUE_STATUS_RESOLVED", "resolution": "restarted"},
                                   headers={**pm, "If-Match": raised.headers["ETag"]})
    assert resolved.status_code == 200 and resolved.json()["status"] == "ISSUE_STATUS_RESOLVED", resolved.text
    read = await gateway.get(project + "/issues/env-down", headers=pm)
    assert read.json()["resolution"] == "restarted"

    feed = await gateway.get(f"/v1/organizations/{org}/issueEvents", headers=pm)
    assert feed.status_code == 200 and feed.json()["nextPageToken"], feed.text


async def test_the_scoring_matrix_is_read_and_a_gap_in_its_bands_is_400(gateway, as_role, org):
    admin, path = bearer(as_role("admin")), f"/v1/organizations/{org}/riskMatrix"
    matrix = await gateway.get(path, headers=admin)
    assert matrix.status_code == 200, matrix.text
    assert [b["level"] for b in matrix.json()["bands"]] == [f"RISK_LEVEL_{x}" for x in ("LOW", "MEDIUM", "HIGH",
                                                                                         "CRITICAL")]
    gap = await gateway.patch(path, json={"bands": [{"minScore": 1, "maxScore": 5, "level": "RISK_LEVEL_LOW"},
                                                    {"minScore": 7, "maxScore": 25, "level": "RISK_LEVEL_HIGH"}]},
                              headers=admin)
    assert gap.status_code == 400 and gap.json()["violations"], gap.text
    bands = [{"minScore": lo, "maxScore": hi, "level": f"RISK_LEVEL_{level}"} for lo, hi, level in (
        (1, 5, "LOW"), (6, 11, "MEDIUM"), (12, 19, "HIGH"), (20, 25, "CRITICAL"))]
    updated = await gateway.patch(path, json={"bands": bands}, headers={**admin, "If-Match": matrix.headers["ETag"]})
    assert updated.status_code == 200 and updated.json()["bands"][0]["maxScore"] == 5, updated.text


async def test_exposure_lists_the_top_risks_of_a_project_and_of_the_organization(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    pm, project = bearer(as_role("pm")), f"/v1/organizations/{org}/projects/apollo"
    await gateway.post(project + "/risks", params={"riskId": "vendor"}, headers=pm,
                       json={"title": "Vendor delay", "probability": 3, "impact": 4})
    for scope in (project, f"/v1/organizations/{org}"):
        exposure = await gateway.get(scope + "/riskExposure", params={"maxItems": 5}, headers=pm)
        assert exposure.status_code == 200, exposure.text
        assert [r["title"] for r in exposure.json()["topRisks"]] == ["Vendor delay"]
    too_many = await gateway.get(project + "/riskExposure", params={"maxItems": 1000}, headers=pm)
    assert too_many.status_code == 400 and too_many.json()["violations"][0]["field"] == "maxItems", too_many.text
