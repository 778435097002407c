"""REST over GovernanceService beyond change requests, gates, escalations and the inbox: the policy, the
escalation report, webhooks and their deliveries, billing cycles, audit schedules and corrective actions; happy
paths and one refusal each."""

from __future__ import annotations

from tests.gateway.conftest import bearer
from tests.gateway.test_routes import create_project
from tests.services.governance.processes import until


async def test_the_policy_is_read_checked_without_recording_and_updated(gateway, as_role, org):
    admin, path = bearer(as_role("admin")), f"/v1/organizations/{org}/governancePolicy"
    current = await gateway.get(path, headers=admin)
    assert current.status_code == 200 and current.json()["name"] == f"organizations/{org}/governancePolicy"
    negative = await gateway.patch(path, params={"updateMask": "taskSla"}, json={"taskSla": "-60s"}, headers=admin)
    assert negative.status_code == 400 and negative.json()["violations"][0]["field"] == "taskSla", negative.text
    checked = await gateway.patch(path, params={"updateMask": "taskSla", "validateOnly": "true"},
                                  json={"taskSla": "172800s"}, headers=admin)
    assert checked.status_code == 200 and checked.json()["taskSla"] == "172800s", checked.text
    assert (await gateway.get(path, headers=admin)).json()["version"] == current.json()["version"]
    updated = await gateway.patch(path, params={"updateMask": "taskSla"}, json={"taskSla": "172800s"}, headers=admin)
    assert updated.status_code == 200, updated.text
    assert (await gateway.get(path, headers=admin)).json()["taskSla"] == "172800s"


async def test_the_escalation_report_covers_a_period_and_refuses_one_that_ends_before_it_starts(gateway, as_role,
                                                                                                 org):
    path, pmo = f"/v1/organizations/{org}/escalationReport", bearer(as_role("pmo"))
    report = await gateway.get(path, headers=pmo, params={
        "startDate.year": 2027, "startDate.month": 1, "startDate.day": 1,
        "endDate.year": 2027, "endDate.month": 1, "endDate.day": 31})
    assert report.status_code == 200, report.text
    backwards = await gateway.get(path, headers=pmo, params={
        "startDate.year": 2027, "startDate.month": 2, "startDate.day": 1,
        "endDate.year": 2027, "endDate.month": 1, "endDate.day": 1})
    assert backwards.status_code == 400 and backwards.json()["violations"], backwards.text


async def test_a_webhook_is_created_with_its_secret_once_listed_and_deleted(gateway, as_role, org):
    admin, webhooks = bearer(as_role("admin")), f"/v1/organizations/{org}/webhooks"
    plain_http = await gateway.post(webhooks, json={"uri": "http://itsm.example.com/hook"}, headers=admin)
    assert plain_http.status_code == 400 and plain_http.json()["violations"][0]["field"] == "uri", plain_http.text
    created = await gateway.post(webhooks, headers=admin, json={
        "uri": "https://itsm.example.com/hook", "eventTypes": ["com.pmaas.governance.quality_audit.closed"]})
    assert created.status_code == 200 and created.json()["secret"].startswith("whsec_"), created.text
    listed = await gateway.get(webhooks, headers=admin)
    assert [(w["name"], w["secret"]) for w in listed.json()["webhooks"]] == [(created.json()["name"], "")]
    path = "/v1/" + created.json()["name"]
    deliveries = await gateway.get(path + "/deliveries", headers=admin)
    assert deliveries.status_code == 200 and deliveries.json()["deliveries"] == [], deliveries.text
    missing = await gateway.post(path + "/deliveries/d1:redeliver", headers=admin)
    assert missing.status_code == 404, missing.text
    deleted = await gateway.delete(path, headers={**admin, "If-Match": created.headers["ETag"]})
    assert deleted.status_code == 200 and deleted.json()["state"] == "WEBHOOK_STATE_DELETED", deleted.text


async def test_a_billing_cycle_is_run_read_and_listed(gateway, as_role, org):
    finance, cycles = bearer(as_role("finance")), f"/v1/organizations/{org}/billingCycles"
    half = await gateway.post(cycles + ":run", json={"periodStart": {"year": 2027, "month": 1, "day": 1}},
                              headers=finance)
    assert half.status_code == 400 and half.json()["violations"], half.text
    run = await gateway.post(cycles + ":run", headers=finance, json={
        "periodStart": {"year": 2027, "month": 1, "day": 1}, "periodEnd": {"year": 2027, "month": 1, "day": 31}})
    assert run.status_code == 200, run.text
    path = "/v1/" + run.json()["name"]
    read = await until(lambda: gateway.get(path, headers=finance), lambda r: r.status_code == 200, "the cycle")
    assert read.json()["name"] == run.json()["name"]
    listed = await gateway.get(cycles, headers=finance)
    assert [c["name"] for c in listed.json()["billingCycles"]] == [run.json()["name"]]


async def test_audits_are_scheduled_and_a_corrective_action_that_does_not_exist_is_404(gateway, as_role, org):
    await create_project(gateway, as_role("pmo"), org)
    auditor, project = bearer(as_role("auditor")), f"/v1/organizations/{org}/projects/apollo"
    both = await gateway.post(project + ":scheduleAudits", headers=auditor,
                              json={"enabled": True, "auditCron": "0 9 1 * *", "auditIntervalDays": 30})
    assert both.status_code == 400 and both.json()["violations"], both.text
    scheduled = await gateway.post(project + ":scheduleAudits", json={"enabled": True, "auditIntervalDays": 30},
                                   headers=auditor)
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["name"] == f"organizations/{org}/projects/apollo/auditSchedule"
    removed = await gateway.post(project + ":scheduleAudits", json={"delete": True}, headers=auditor)
    assert removed.status_code == 200, removed.text
    missing = await gateway.post(project + "/qualityAudits/a1/correctiveActions/f1:close", json={"note": "done"},
                                 headers=bearer(as_role("pm")))
    assert missing.status_code == 404, missing.text
