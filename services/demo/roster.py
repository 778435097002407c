"""The demo's organizations and people: one provider's staff serving two client organizations.

`pmaas demo` seeds these through the public APIs, and the gateway's dev sign-in (only when
`gateway_dev_signin` is on, as `pmaas dev` sets it) offers these people to pick from. People are token
subjects with roles per organization (docs/domain.md, "The people"); nothing here is a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class DemoOrganization:
    id: str
    display_name: str
    pmo_type: str  # a PmoType name without its prefix, e.g. "STRATEGIC"
    currency: str


@dataclass(frozen=True)
class DemoUser:
    subject: str
    display_name: str
    title: str  # what they do, as the sign-in picker shows it
    time_zone: str  # IANA name: due times on their pages are shown in it
    orgs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # organization id -> roles


PROVIDER = "Northwind PMO Services"  # the provider the demo's staff work for

ORGANIZATIONS = (
    DemoOrganization("acme", "Acme Manufacturing", "STRATEGIC", "USD"),
    DemoOrganization("globex", "Globex Retail", "TACTICAL", "EUR"),
)


def _user(subject: str, name: str, title: str, tz: str, orgs: dict[str, tuple[str, ...]]) -> DemoUser:
    return DemoUser(subject, name, title, tz, MappingProxyType(orgs))


_BOTH = ("acme", "globex")
USERS = (
    _user("priya", "Priya Nair", f"Project manager, {PROVIDER}", "Europe/London",
          {o: ("pm", "member") for o in _BOTH}),
    _user("omar", "Omar Haddad", f"PMO lead, {PROVIDER}", "Europe/Berlin", {o: ("pmo",) for o in _BOTH}),
    _user("grace", "Grace Liu", f"Quality auditor, {PROVIDER}", "Asia/Singapore", {o: ("auditor",) for o in _BOTH}),
    _user("felix", "Felix Okafor", f"Finance, {PROVIDER}", "Europe/London", {o: ("finance",) for o in _BOTH}),
    _user("ada", "Ada Brennan", f"Administrator, {PROVIDER}", "Europe/Dublin", {o: ("admin",) for o in _BOTH}),
    _user("sam", "Samantha Reyes", "Sponsor, Acme Manufacturing", "America/New_York", {"acme": ("sponsor",)}),
    _user("lee", "Lee Park", "Team member, Acme Manufacturing", "America/Chicago", {"acme": ("member",)}),
    _user("vera", "Vera Novak", "Stakeholder, Acme Manufacturing", "America/New_York", {"acme": ("viewer",)}),
    _user("kenji", "Kenji Sato", "Sponsor, Globex Retail", "Asia/Tokyo", {"globex": ("sponsor",)}),
    _user("carmen", "Carmen Diaz", "Finance, Globex Retail", "Europe/Madrid", {"globex": ("finance",)}),
)


def user(subject: str) -> DemoUser | None:
    return next((u for u in USERS if u.subject == subject), None)
