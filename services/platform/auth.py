"""Bearer-token authentication and the one permission table.

Tokens are JWTs with `sub` and `orgs = {org_id: [roles]}`. Dev runs sign them
HS256 with a secret generated under PMAAS_HOME on first use; production
verifies RS256 with a configured public key. Only the configured algorithm is
accepted, so `alg=none` and algorithm-confusion tokens are refused.

One principal is not a person: the governance worker's token says
`orgs = {"*": ["governance"]}`, its role in every organization. The wildcard
carries that role only and that role comes only through the wildcard, so no
person holds it. It names the person it acts for in `pmaas-on-behalf-of`
metadata (delegation as RFC 8693's `act` claim describes it), which no other
caller may send; the audit log records both.
"""

from __future__ import annotations

import contextvars
import dataclasses
import enum
import os
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import grpc
import jwt

from services.platform import errors
from services.platform.settings import Settings


class Role(enum.StrEnum):
    ADMIN = "admin"
    PMO = "pmo"
    PM = "pm"
    SPONSOR = "sponsor"
    AUDITOR = "auditor"
    FINANCE = "finance"
    MEMBER = "member"
    VIEWER = "viewer"
    GOVERNANCE = "governance"  # the governance worker's service principal only, in every org via "*"


# The roles a person may hold in an organization (everything but the service principal's).
PERSON_ROLES = tuple(r for r in Role if r is not Role.GOVERNANCE)
ALL_ORGANIZATIONS = "*"  # the `orgs` key of the governance service principal
SERVICE_SUBJECT = "svc-governance"
SERVICE_TOKEN_TTL_S = 12 * 3600
ON_BEHALF_OF = "pmaas-on-behalf-of"  # gRPC metadata: the person the governance principal acts for
SUBJECT_MAX = 200


class Permission(enum.StrEnum):
    READ = "read"  # every resource of the organization
    ORGANIZATION_WRITE = "organization.write"
    PORTFOLIO_WRITE = "portfolio.write"
    PROJECT_CREATE = "project.create"
    PROJECT_WRITE = "project.write"  # update fields of an existing project
    PROJECT_DELETE = "project.delete"
    PROJECT_PHASE = "project.phase"  # the phase-gate's decision (governance only)
    BASELINE_WRITE = "baseline.write"  # a project's first baseline, while it is being initiated or planned
    GOVERNED_BASELINE = "baseline.governed"  # any baseline, and the baselined plan (governance only)
    GOVERNANCE_OVERRIDE = "governance.override"  # an admin takes a governance-only action, audited as override
    PROJECT_ACTUAL_COST = "project.actual_cost"  # a project's actual cost, from billing (governance only)
    MILESTONE_WRITE = "milestone.write"
    ASSIGNMENT_WRITE = "assignment.write"
    STATUS_REPORT_WRITE = "status_report.write"
    LESSON_WRITE = "lesson.write"
    AUDIT_READ = "audit.read"  # the audit log: ListAuditEvents, VerifyAuditChain
    BILLING_WRITE = "billing.write"  # engagements and rate cards
    TIME_WRITE = "time.write"  # one's own time and expenses
    # Approve or reject time and expenses (never one's own, nor what one recorded); record time for others.
    TIME_APPROVE = "time.approve"
    INVOICE_ISSUE = "invoice.issue"  # generate, issue, pay, void, credit invoices
    BILLING_PERIOD_LOCK = "billing_period.lock"  # close a period for time and expenses (the billing cycle)
    RISK_WRITE = "risk.write"
    ISSUE_WRITE = "issue.write"
    # Delete, close, resolve or downgrade an escalated issue (HIGH/CRITICAL, or raised from a risk).
    ISSUE_ESCALATION_MANAGE = "issue_escalation.manage"
    RISK_MATRIX_WRITE = "risk_matrix.write"  # the org's scoring thresholds
    CHANGE_REQUEST_SUBMIT = "change_request.submit"  # submit (and withdraw one's own) change requests
    PHASE_GATE_REQUEST = "phase_gate.request"  # ask for a project's next gate, resume one on hold
    GOVERNANCE_POLICY_WRITE = "governance_policy.write"
    WEBHOOK_MANAGE = "webhook.manage"  # subscribe webhooks to governance events, read and replay their deliveries
    TASK_ACT = "task.act"  # decide, claim, release governance tasks (candidacy is the workflow's check)
    TASK_REASSIGN = "task.reassign"
    DELEGATION_WRITE = "delegation.write"  # hand one's own approvals to someone for a while
    QUALITY_AUDIT_MANAGE = "quality_audit.manage"  # start quality audits and schedule them (auditor, pmo, admin)


P = Permission
_DELIVERY = {P.PROJECT_WRITE, P.MILESTONE_WRITE, P.ASSIGNMENT_WRITE, P.STATUS_REPORT_WRITE, P.LESSON_WRITE,
             P.RISK_WRITE, P.ISSUE_WRITE, P.CHANGE_REQUEST_SUBMIT, P.PHASE_GATE_REQUEST}
# Deciding the governance tasks one is a candidate for (the workflow checks candidacy), and handing those
# decisions to someone while away: the only writes an auditor keeps.
_DECIDING = {P.TASK_ACT, P.DELEGATION_WRITE}
# What only the governance worker does, after the workflow's decision: people never hold these. An admin
# may still act by GOVERNANCE_OVERRIDE, and the audit log marks that.
GOVERNANCE_ONLY = frozenset({P.PROJECT_PHASE, P.GOVERNED_BASELINE, P.PROJECT_ACTUAL_COST})

# Who may do what. Read is everyone's; the rest follows the people in DOMAIN.md. Segregation of duties:
# the auditor reads (project data and the audit log), starts quality audits and decides its tasks, and writes
# nothing else; the audit log is read by admin and auditor only; an escalated issue is closed or downgraded
# only along the escalation path (pmo, admin, governance), not by the team that raised it.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - GOVERNANCE_ONLY,
    Role.PMO: frozenset({P.READ, P.BILLING_WRITE, P.TIME_APPROVE, P.BILLING_PERIOD_LOCK,
                         P.PORTFOLIO_WRITE, P.PROJECT_CREATE, P.PROJECT_DELETE,
                         P.BASELINE_WRITE, P.RISK_MATRIX_WRITE, P.GOVERNANCE_POLICY_WRITE, P.WEBHOOK_MANAGE,
                         P.TASK_REASSIGN, P.ISSUE_ESCALATION_MANAGE, P.QUALITY_AUDIT_MANAGE, *_DELIVERY,
                         *_DECIDING}),
    Role.PM: frozenset({P.READ, P.TIME_WRITE, P.TIME_APPROVE, P.BASELINE_WRITE, *_DELIVERY, *_DECIDING}),
    Role.SPONSOR: frozenset({P.READ, P.BASELINE_WRITE, P.CHANGE_REQUEST_SUBMIT, *_DECIDING}),
    Role.AUDITOR: frozenset({P.READ, P.AUDIT_READ, P.QUALITY_AUDIT_MANAGE, *_DECIDING}),
    Role.FINANCE: frozenset({P.READ, P.BILLING_WRITE, P.INVOICE_ISSUE, P.BILLING_PERIOD_LOCK, *_DECIDING}),
    Role.MEMBER: frozenset({P.READ, P.TIME_WRITE, P.LESSON_WRITE, P.ISSUE_WRITE, *_DECIDING}),
    Role.VIEWER: frozenset({P.READ}),
    Role.GOVERNANCE: frozenset({P.READ, P.PROJECT_PHASE, P.GOVERNED_BASELINE, P.BASELINE_WRITE, P.PROJECT_WRITE,
                                P.MILESTONE_WRITE, P.ASSIGNMENT_WRITE, P.RISK_WRITE, P.ISSUE_WRITE,
                                P.ISSUE_ESCALATION_MANAGE, P.TIME_APPROVE, P.INVOICE_ISSUE, P.BILLING_PERIOD_LOCK,
                                P.PROJECT_ACTUAL_COST}),
}


@dataclass(frozen=True)
class Principal:
    subject: str
    orgs: dict[str, frozenset[Role]]
    on_behalf_of: str | None = None  # the person the governance principal acts for

    @property
    def is_governance(self) -> bool:
        return Role.GOVERNANCE in self.orgs.get(ALL_ORGANIZATIONS, frozenset())

    @property
    def person(self) -> str:
        """Who acts, for segregation of duties: the person the governance principal acts for, else the caller."""
        return self.on_behalf_of or self.subject

    @property
    def in_every_organization(self) -> bool:
        return ALL_ORGANIZATIONS in self.orgs

    def roles_in(self, org: str) -> frozenset[Role]:
        return self.orgs.get(org, frozenset()) | self.orgs.get(ALL_ORGANIZATIONS, frozenset())

    def can(self, org: str, permission: Permission) -> bool:
        return any(permission in PERMISSIONS[r] for r in self.roles_in(org))

    def overrides(self, org: str, permission: Permission) -> bool:
        """Whether a governance-only action would be taken by admin override rather than by `permission`."""
        assert permission in GOVERNANCE_ONLY, permission
        return not self.can(org, permission) and self.can(org, Permission.GOVERNANCE_OVERRIDE)

    def require_governed(self, org: str, permission: Permission) -> bool:
        """PERMISSION_DENIED unless the caller holds governance-only `permission` or the admin override;
        returns True when it acts by override (the audit event must say so)."""
        if self.overrides(org, permission):
            return True
        self.require(org, permission)
        return False

    def require(self, org: str, permission: Permission) -> None:
        """PERMISSION_DENIED for any org the caller is not in, existing or not."""
        if not self.roles_in(org):
            raise errors.permission_denied(f"caller has no role in organizations/{org}")
        if not self.can(org, permission):
            roles = ", ".join(sorted(r.value for r in self.roles_in(org)))
            raise errors.permission_denied(f"roles [{roles}] in organizations/{org} do not grant {permission.value}")


_VERIFIED_CACHE_SIZE = 10_000

current_principal: contextvars.ContextVar[Principal] = contextvars.ContextVar("current_principal")


def principal() -> Principal:
    return current_principal.get()


class TokenAuthority:
    """Signs (dev only) and verifies tokens for one configured algorithm."""

    def __init__(self, settings: Settings) -> None:
        self.algorithm = settings.jwt_algorithm
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self._signing_key: str | None = None
        self._verified: dict[str, tuple[Principal, float]] = {}
        if self.algorithm == "HS256":
            secret = settings.jwt_secret or _dev_secret(dev_secret_path(settings))
            self._signing_key = secret
            self._verify_key = secret
        else:
            if settings.jwt_public_key_file is None:
                raise SystemExit("PMAAS_JWT_PUBLIC_KEY_FILE is required with PMAAS_JWT_ALGORITHM=RS256")
            self._verify_key = settings.jwt_public_key_file.read_text()

    def issue_service_token(self, ttl_s: int = SERVICE_TOKEN_TTL_S) -> str:
        """The governance worker's own credential (dev: production configures PMAAS_GOVERNANCE_TOKEN)."""
        return self.issue(SERVICE_SUBJECT, {ALL_ORGANIZATIONS: [Role.GOVERNANCE.value]}, ttl_s)

    def issue(self, subject: str, orgs: dict[str, list[str]], ttl_s: int = 3600) -> str:
        if self._signing_key is None:
            raise RuntimeError("tokens are issued by the identity provider when RS256 is configured")
        now = int(time.time())
        claims = {"sub": subject, "orgs": orgs, "iat": now, "exp": now + ttl_s,
                  "iss": self.issuer, "aud": self.audience}
        return jwt.encode(claims, self._signing_key, algorithm=self.algorithm)

    def verify(self, authorization: str | None) -> Principal:
        if not authorization:
            raise errors.unauthenticated("missing `authorization: Bearer <token>` metadata")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise errors.unauthenticated("authorization must be `Bearer <token>`")
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires = cached
            if time.time() < expires:
                return principal
            del self._verified[token]
        try:
            claims = jwt.decode(token, self._verify_key, algorithms=[self.algorithm], audience=self.audience,
                                issuer=self.issuer, options={"require": ["sub", "exp", "orgs"]})
        except jwt.ExpiredSignatureError:
            raise errors.unauthenticated("token expired") from None
        except jwt.PyJWTError as exc:
            raise errors.unauthenticated(f"invalid token: {exc}") from None
        principal = principal_from_claims(claims)
        # A client sends the same token on every call: verify its signature once, until it expires.
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (principal, float(claims["exp"]))
        return principal


def principal_from_claims(claims: dict) -> Principal:
    orgs = claims.get("orgs")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise errors.unauthenticated("invalid token: `sub` must be a non-empty string")
    if not isinstance(orgs, dict):
        raise errors.unauthenticated("invalid token: `orgs` must map organization ids to role lists")
    parsed: dict[str, frozenset[Role]] = {}
    for org, roles in orgs.items():
        if not isinstance(roles, list):
            raise errors.unauthenticated(f"invalid token: roles of {org!r} must be a list")
        try:
            parsed[org] = frozenset(Role(r) for r in roles)
        except ValueError as exc:
            raise errors.unauthenticated(f"invalid token: {exc}") from None
    _check_service_roles(parsed)
    return Principal(subject=claims["sub"], orgs=parsed)


def _check_service_roles(orgs: dict[str, frozenset[Role]]) -> None:
    """`"*"` means the governance service principal and nothing else; no organization grants its role."""
    wildcard = orgs.get(ALL_ORGANIZATIONS)
    if wildcard is not None:
        if wildcard != {Role.GOVERNANCE}:
            raise errors.unauthenticated(
                f'invalid token: "{ALL_ORGANIZATIONS}" (every organization) holds the governance role only, '
                f"got [{', '.join(sorted(r.value for r in wildcard))}]")
        if len(orgs) > 1:
            raise errors.unauthenticated(
                f'invalid token: the governance service principal ("{ALL_ORGANIZATIONS}") holds no other roles')
    for org, roles in orgs.items():
        if org != ALL_ORGANIZATIONS and Role.GOVERNANCE in roles:
            raise errors.unauthenticated(
                f'invalid token: the governance role is the service principal\'s, held only through "*", '
                f"never in one organization ({org!r})")


def subject_problem(value: str) -> str | None:
    """Why `value` cannot name a person (None when it can)."""
    if not value.strip():
        return "must name the person acted for (a non-empty subject)"
    if len(value) > SUBJECT_MAX:
        return f"must be at most {SUBJECT_MAX} characters"
    if any(unicodedata.category(c) == "Cc" for c in value):
        return "must not contain control characters"
    return None


def acting_for(principal: Principal, values: list[str]) -> Principal:
    """The principal acting for the person named by `pmaas-on-behalf-of` metadata (its values, if sent).

    Only the governance service principal may name one: anyone else is refused, since they would
    otherwise write the audit log in someone else's name.
    """
    if not values:
        return principal
    if not principal.is_governance:
        raise errors.ApiError(
            grpc.StatusCode.PERMISSION_DENIED, "ON_BEHALF_OF_REFUSED",
            f"{ON_BEHALF_OF} is honoured only from the governance service principal; "
            "call as yourself without it")
    if len(values) > 1:
        raise errors.bad_field(ON_BEHALF_OF, "send it once")
    problem = subject_problem(values[0])
    if problem:
        raise errors.bad_field(ON_BEHALF_OF, problem)
    return dataclasses.replace(principal, on_behalf_of=values[0])


def service_token(settings: Settings, authority: TokenAuthority) -> str:
    """The governance worker's credential: PMAAS_GOVERNANCE_TOKEN, or in dev (HS256, where this
    process holds the signing secret) a fresh one valid 12 h."""
    if settings.governance_token:
        return settings.governance_token
    if authority.algorithm == "HS256":
        return authority.issue_service_token(SERVICE_TOKEN_TTL_S)
    raise SystemExit("PMAAS_GOVERNANCE_TOKEN is required with PMAAS_JWT_ALGORITHM=RS256: the identity provider "
                     f'issues the governance principal\'s token (sub {SERVICE_SUBJECT}, orgs {{"*": ["governance"]}})')


def dev_secret_path(settings: Settings) -> Path:
    """Where the dev HS256 secret lives (servers create it on first start); nothing is created here."""
    return settings.home.resolve() / "dev-jwt-secret"


def _dev_secret(path: Path) -> str:
    """A per-checkout secret so dev tokens never verify anywhere else."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: the first process to start wins
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def parse_org_roles(specs: list[str]) -> dict[str, list[str]]:
    """`["acme:pmo,pm", "globex:viewer"]` -> `{"acme": ["pmo", "pm"], ...}` (for `pmaas token`)."""
    orgs: dict[str, list[str]] = {}
    for spec in specs:
        org, sep, roles = spec.partition(":")
        if not sep or not org or not roles:
            raise ValueError(f"{spec!r}: expected ORG:role[,role...]")
        if org == ALL_ORGANIZATIONS:
            raise ValueError(f"{spec!r}: {ALL_ORGANIZATIONS!r} is the governance service principal's, not a person's")
        for role in roles.split(","):
            if Role(role) is Role.GOVERNANCE:  # Role() raises ValueError naming a bad role
                raise ValueError(f"{spec!r}: governance is the service principal's role, not a person's")
        orgs.setdefault(org, []).extend(roles.split(","))
    return orgs
