"""Bearer-token authentication and the one permission table.

Tokens are JWTs with `sub` and `orgs = {org_id: [roles]}`. Dev runs sign them
HS256 with a secret generated under PMAAS_HOME on first use; production
verifies RS256 with a configured public key. Only the configured algorithm is
accepted, so `alg=none` and algorithm-confusion tokens are refused.
"""

from __future__ import annotations

import contextvars
import enum
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

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


class Permission(enum.StrEnum):
    READ = "read"  # every resource of the organization
    ORGANIZATION_WRITE = "organization.write"
    PORTFOLIO_WRITE = "portfolio.write"
    PROJECT_CREATE = "project.create"
    PROJECT_WRITE = "project.write"  # update fields of an existing project
    PROJECT_DELETE = "project.delete"
    PROJECT_PHASE = "project.phase"  # the phase-gate's decision
    BASELINE_WRITE = "baseline.write"
    MILESTONE_WRITE = "milestone.write"
    ASSIGNMENT_WRITE = "assignment.write"
    STATUS_REPORT_WRITE = "status_report.write"
    LESSON_WRITE = "lesson.write"
    AUDIT_READ = "audit.read"
    BILLING_WRITE = "billing.write"  # engagements and rate cards
    TIME_WRITE = "time.write"  # one's own time and expenses
    TIME_APPROVE = "time.approve"  # approve or reject time; record it for others
    INVOICE_ISSUE = "invoice.issue"  # generate, issue, pay, void, credit invoices
    RISK_WRITE = "risk.write"
    ISSUE_WRITE = "issue.write"
    RISK_MATRIX_WRITE = "risk_matrix.write"  # the org's scoring thresholds


P = Permission
_DELIVERY = {P.PROJECT_WRITE, P.MILESTONE_WRITE, P.ASSIGNMENT_WRITE, P.STATUS_REPORT_WRITE, P.LESSON_WRITE,
             P.RISK_WRITE, P.ISSUE_WRITE}

# Who may do what. Read is everyone's; the rest follows the people in DOMAIN.md.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PMO: frozenset({P.READ, P.BILLING_WRITE, P.TIME_APPROVE,
                         P.PORTFOLIO_WRITE, P.PROJECT_CREATE, P.PROJECT_DELETE, P.PROJECT_PHASE,
                         P.BASELINE_WRITE, P.AUDIT_READ, P.RISK_MATRIX_WRITE, *_DELIVERY}),
    Role.PM: frozenset({P.READ, P.TIME_WRITE, P.TIME_APPROVE, *_DELIVERY}),
    Role.SPONSOR: frozenset({P.READ, P.BASELINE_WRITE}),
    Role.AUDITOR: frozenset({P.READ, P.AUDIT_READ, P.LESSON_WRITE}),
    Role.FINANCE: frozenset({P.READ, P.BILLING_WRITE, P.INVOICE_ISSUE}),
    Role.MEMBER: frozenset({P.READ, P.TIME_WRITE, P.LESSON_WRITE, P.ISSUE_WRITE}),
    Role.VIEWER: frozenset({P.READ}),
}


@dataclass(frozen=True)
class Principal:
    subject: str
    orgs: dict[str, frozenset[Role]]

    def roles_in(self, org: str) -> frozenset[Role]:
        return self.orgs.get(org, frozenset())

    def can(self, org: str, permission: Permission) -> bool:
        return any(permission in PERMISSIONS[r] for r in self.roles_in(org))

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
            secret = settings.jwt_secret or _dev_secret(settings.home_dir / "dev-jwt-secret")
            self._signing_key = secret
            self._verify_key = secret
        else:
            if settings.jwt_public_key_file is None:
                raise SystemExit("PMAAS_JWT_PUBLIC_KEY_FILE is required with PMAAS_JWT_ALGORITHM=RS256")
            self._verify_key = settings.jwt_public_key_file.read_text()

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
    return Principal(subject=claims["sub"], orgs=parsed)


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
        for role in roles.split(","):
            Role(role)  # raises ValueError naming the bad role
        orgs.setdefault(org, []).extend(roles.split(","))
    return orgs
