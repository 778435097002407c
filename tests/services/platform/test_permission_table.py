"""Segregation of duties in the one permission table (services/platform/auth.py), a named case per rule;
the services' own tests prove each rule over gRPC (billing test_roles and test_expense_review, risks
test_escalation_path, projects test_reports_and_summary, platform test_audit_service)."""

from __future__ import annotations

from services.platform.auth import PERMISSIONS, PERSON_ROLES, Permission, Role, acting_for, principal_from_claims

P = Permission


def holders(permission: Permission) -> set[Role]:
    return {role for role in Role if permission in PERMISSIONS[role]}


def test_the_auditor_only_reads_starts_quality_audits_and_decides_the_tasks_it_is_a_candidate_for():
    assert PERMISSIONS[Role.AUDITOR] == {P.READ, P.AUDIT_READ, P.QUALITY_AUDIT_MANAGE, P.TASK_ACT, P.DELEGATION_WRITE}
    assert P.LESSON_WRITE not in PERMISSIONS[Role.AUDITOR]


def test_only_admins_and_auditors_read_the_audit_log():
    assert holders(P.AUDIT_READ) == {Role.ADMIN, Role.AUDITOR}


def test_escalated_issues_are_managed_by_pmo_admin_and_the_governance_service_only():
    assert holders(P.ISSUE_ESCALATION_MANAGE) == {Role.ADMIN, Role.PMO, Role.GOVERNANCE}
    assert {Role.MEMBER, Role.PM} <= holders(P.ISSUE_WRITE)  # they raise and work issues, not close escalations


def test_time_and_expenses_are_approved_by_admin_pmo_pm_and_the_governance_service():
    assert holders(P.TIME_APPROVE) == {Role.ADMIN, Role.PMO, Role.PM, Role.GOVERNANCE}


def test_only_the_viewer_and_auditor_hold_no_project_write():
    writes = {p for p in Permission
              if p not in (P.READ, P.AUDIT_READ, P.TASK_ACT, P.DELEGATION_WRITE, P.QUALITY_AUDIT_MANAGE)}
    read_only = {r for r in PERSON_ROLES if not PERMISSIONS[r] & writes}
    assert read_only == {Role.VIEWER, Role.AUDITOR}


def test_who_acts_is_the_person_the_governance_service_acts_for():
    ann = principal_from_claims({"sub": "ann", "orgs": {"acme": ["pm"]}})
    governance = principal_from_claims({"sub": "svc-governance", "orgs": {"*": ["governance"]}})
    assert ann.person == "ann"
    assert governance.person == "svc-governance"
    assert acting_for(governance, ["ann"]).person == "ann"
