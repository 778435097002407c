"""The governance service principal: its token, its permissions, acting for a person, its credential."""

from __future__ import annotations

import jwt
import pytest

from services.platform import errors
from services.platform.auth import (
    GOVERNANCE_ONLY,
    PERMISSIONS,
    PERSON_ROLES,
    Permission,
    Principal,
    Role,
    TokenAuthority,
    acting_for,
    parse_org_roles,
    principal_from_claims,
    service_token,
)
from services.platform.settings import Settings

P = Permission


def _principal(orgs: dict) -> Principal:
    return principal_from_claims({"sub": "someone", "orgs": orgs})


def test_the_wildcard_gives_governance_its_role_in_every_organization():
    governance = _principal({"*": ["governance"]})
    assert governance.is_governance and governance.in_every_organization
    for org in ("acme", "globex"):
        assert governance.roles_in(org) == {Role.GOVERNANCE}
        assert governance.can(org, P.PROJECT_PHASE) and not governance.can(org, P.PROJECT_CREATE)
        governance.require(org, P.GOVERNED_BASELINE)


@pytest.mark.parametrize("orgs", [
    {"*": ["pmo"]}, {"*": ["admin"]}, {"*": []}, {"*": ["governance", "viewer"]},
    {"acme": ["governance"]}, {"acme": ["pm", "governance"]}, {"*": ["governance"], "acme": ["pm"]},
])
def test_no_person_holds_the_governance_role_and_the_wildcard_holds_nothing_else(orgs):
    with pytest.raises(errors.ApiError) as refused:
        _principal(orgs)
    assert refused.value.reason == "UNAUTHENTICATED"
    assert "governance" in refused.value.message


def test_governance_only_permissions_are_governances_alone():
    for role in PERSON_ROLES:
        assert not PERMISSIONS[role] & GOVERNANCE_ONLY, role
        assert (P.GOVERNANCE_OVERRIDE in PERMISSIONS[role]) == (role is Role.ADMIN), role
    assert PERMISSIONS[Role.ADMIN] == set(Permission) - GOVERNANCE_ONLY
    assert PERMISSIONS[Role.GOVERNANCE] == {
        P.READ, P.PROJECT_PHASE, P.GOVERNED_BASELINE, P.BASELINE_WRITE, P.PROJECT_WRITE, P.MILESTONE_WRITE,
        P.ASSIGNMENT_WRITE, P.RISK_WRITE, P.ISSUE_WRITE, P.ISSUE_ESCALATION_MANAGE, P.TIME_APPROVE, P.INVOICE_ISSUE,
        P.BILLING_PERIOD_LOCK, P.PROJECT_ACTUAL_COST}  # the last two: the billing cycle's
    assert P.BASELINE_WRITE in PERMISSIONS[Role.PM] and P.PROJECT_PHASE not in PERMISSIONS[Role.PMO]


def test_an_admin_acts_by_override_and_no_one_else_does():
    admin, pmo = _principal({"acme": ["admin"]}), _principal({"acme": ["pmo"]})
    governance = _principal({"*": ["governance"]})
    assert admin.require_governed("acme", P.PROJECT_PHASE) is True
    assert governance.require_governed("acme", P.PROJECT_PHASE) is False
    with pytest.raises(errors.ApiError) as denied:
        pmo.require_governed("acme", P.PROJECT_PHASE)
    assert denied.value.reason == "PERMISSION_DENIED"
    with pytest.raises(errors.ApiError):
        admin.require_governed("globex", P.PROJECT_PHASE)  # an admin elsewhere overrides nothing here


def test_acting_for_a_person_is_the_governance_principals_alone():
    governance = _principal({"*": ["governance"]})
    assert acting_for(governance, []) is governance
    assert acting_for(governance, ["alice"]).on_behalf_of == "alice"
    assert governance.on_behalf_of is None  # frozen: a new principal, the verified one is unchanged
    for person in (_principal({"acme": ["admin"]}), _principal({"acme": ["pm"]})):
        with pytest.raises(errors.ApiError) as refused:
            acting_for(person, ["alice"])
        assert refused.value.reason == "ON_BEHALF_OF_REFUSED"


@pytest.mark.parametrize("values, says", [
    ([""], "non-empty"), (["  "], "non-empty"), (["a" * 201], "200"), (["alice\tadmin"], "control"),
    (["alice\x00"], "control"), (["alice\x7f"], "control"), (["alice", "bob"], "once"),
])
def test_the_person_acted_for_is_a_plain_subject(values, says):
    with pytest.raises(errors.ApiError) as refused:
        acting_for(_principal({"*": ["governance"]}), values)
    assert refused.value.violations[0][0] == "pmaas-on-behalf-of"
    assert says in refused.value.violations[0][1]


def test_a_subject_of_200_characters_is_fine():
    assert acting_for(_principal({"*": ["governance"]}), ["a" * 200]).on_behalf_of == "a" * 200


def test_dev_mints_the_service_token_for_12_hours(tmp_path):
    settings = Settings(home=tmp_path, jwt_secret="s" * 40)
    authority = TokenAuthority(settings)
    token = service_token(settings, authority)
    principal = authority.verify(f"Bearer {token}")
    assert principal.subject == "svc-governance" and principal.orgs == {"*": {Role.GOVERNANCE}}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 12 * 3600


def test_a_configured_service_token_wins(tmp_path):
    settings = Settings(home=tmp_path, jwt_secret="s" * 40, governance_token="from-the-identity-provider")
    assert service_token(settings, TokenAuthority(settings)) == "from-the-identity-provider"


def test_production_without_a_service_token_is_a_clear_start_error(tmp_path):
    public = tmp_path / "public.pem"
    public.write_text("not used")
    settings = Settings(home=tmp_path, jwt_algorithm="RS256", jwt_public_key_file=public)
    with pytest.raises(SystemExit, match="PMAAS_GOVERNANCE_TOKEN"):
        service_token(settings, TokenAuthority(settings))


@pytest.mark.parametrize("spec", ["acme:governance", "acme:pm,governance", "*:pmo", "*:governance"])
def test_pmaas_token_mints_no_service_principal(spec):
    with pytest.raises(ValueError, match="governance|service principal"):
        parse_org_roles([spec])
