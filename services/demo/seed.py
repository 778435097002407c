"""`pmaas demo`: the demo organizations' work, seeded through the public gRPC APIs only.

Each step is taken by the roster person who would really take it (docs/domain.md, "The people"), with a
token minted as `pmaas token` mints one: the PMO lead sets up portfolios and projects, the project manager
plans milestones, reports status, records risks and asks for gates and changes, the team member logs time
and escalates, finance sets rates and invoices, sponsors and the PMO decide gates. Nothing is written in
SQL, so every rule, audit event and process runs as it would for people.

Idempotent: every resource has a fixed id (or, for processes, a fixed title in its project) and every
write a request id derived from its step (uuid5 of NAMESPACE), and each step first reads whether its
result is there. A second run reads everything, writes nothing and says so. The governance worker must
be running: gates and change requests are Temporal processes, and the seed waits for their tasks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from google.type import date_pb2, money_pb2

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.governance.v1 import governance_service_pb2 as gov_api
from pmaas.governance.v1 import governance_service_pb2_grpc
from pmaas.governance.v1 import resources_pb2 as gov_pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.demo import roster
from services.platform.auth import TokenAuthority
from services.platform.settings import Settings

NAMESPACE = uuid.UUID("0b5e3f52-8d1e-5c6a-9f7e-6d656d6f2d31")  # fixed forever: request ids derive from it
CALL_TIMEOUT_S = 15.0
PROCESS_WAIT_S = 60.0  # a gate or change request reaching its next state, on a busy machine
POLL_S = 0.1
TOKEN_TTL_S = 3600
OPEN_TASK = (gov_pb.TASK_STATE_OPEN, gov_pb.TASK_STATE_CLAIMED)
PASSED = (gov_pb.PHASE_GATE_STATE_PASSED, gov_pb.PHASE_GATE_STATE_CONDITIONS_OPEN)
OPEN_GATE = (gov_pb.PHASE_GATE_STATE_EVALUATING, gov_pb.PHASE_GATE_STATE_AWAITING_DECISION)
SERVICES = ("projects", "risks", "billing", "governance")


class SeedError(RuntimeError):
    """A step failed; the message names the step and what the service said."""


def run(settings: Settings, say: Callable[[str], None] = print, once: bool = False, sign_in_url: str = "") -> int:
    """Seed the demo against the services `settings` point at, with tokens signed by its key (as `pmaas
    token`); 0 when done, 1 when a step failed. `once`: do nothing if it was seeded with this home before."""
    marker = marker_path(settings)
    if once and marker.exists():
        say(f"demo: already seeded with this PMAAS_HOME ({marker} records it); `pmaas demo` checks it again")
        return 0
    targets = {name: settings.target_of(name) for name in SERVICES}
    try:
        report = asyncio.run(seed(targets, TokenAuthority(settings), say))
    except SeedError as exc:
        say(f"demo: stopped: {exc}")
        return 1
    marker.write_text(f"{dt.datetime.now(dt.UTC).isoformat()}\n")
    say(report.summary(sign_in_url))
    return 0


def marker_path(settings: Settings) -> Path:
    """Written after a complete seed: `pmaas dev` seeds only when it is absent."""
    return settings.home_dir / "demo-seeded"


def request_id(step: str) -> str:
    return str(uuid.uuid5(NAMESPACE, step))


def date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def money(currency: str, units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code=currency, units=units)


@dataclass
class Tally:
    """What each section created now and found already there, in the order sections ran."""

    sections: dict[str, list[int]] = field(default_factory=dict)

    def count(self, section: str, created: bool) -> None:
        self.sections.setdefault(section, [0, 0])[0 if created else 1] += 1

    @property
    def created(self) -> int:
        return sum(new for new, _ in self.sections.values())

    def line(self, section: str) -> str:
        new, kept = self.sections.get(section, [0, 0])
        detail = f"{new} new" if not kept else ("already there" if not new else f"{new} new, {kept} already there")
        return f"{section} ✓ {new + kept} ({detail})"


@dataclass(frozen=True)
class Waiting:
    """An open task in someone's inbox after the seed."""

    person: roster.DemoUser
    org: str
    kind: str  # "change request", "phase gate", "escalation", ...
    title: str
    task: str  # its resource name


@dataclass
class Report:
    tally: Tally
    waiting: list[Waiting]
    self_requested: list[Waiting]  # tasks whose requester is also a candidate: segregation of duties refuses them

    def summary(self, sign_in_url: str = "") -> str:
        lines = ["demo: nothing new, it was already seeded" if not self.tally.created
                 else f"demo: seeded {self.tally.created} new resources and processes"]
        if sign_in_url:
            lines.append(f"Sign in at {sign_in_url} and pick one of these people:")
        for person, tasks in _by_person(self.waiting):
            roles = "; ".join(f"{', '.join(r)} in {o}" for o, r in person.orgs.items())
            lines.append(f"  {person.display_name} ({roles}) has {_count(len(tasks), 'task')} waiting:")
            lines.extend(f"    - {w.kind}: {w.title}" for w in tasks)
        for w in self.self_requested:
            page = f" (its page: {sign_in_url}ui/{w.task})" if sign_in_url else ""
            lines.append(f"  {w.person.display_name} requested \"{w.title}\" and holds a role that approves it, "
                         f"but may not decide it: segregation of duties{page}")
        return "\n".join(lines)


def _by_person(waiting: list[Waiting]) -> list[tuple[roster.DemoUser, list[Waiting]]]:
    order = [u.subject for u in roster.USERS]
    people: dict[str, list[Waiting]] = {}
    for w in waiting:
        people.setdefault(w.person.subject, []).append(w)
    return [(roster.user(s), people[s]) for s in sorted(people, key=order.index)]  # type: ignore[misc]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


class Demo:
    """The four services' stubs, and each roster person's credential."""

    def __init__(self, targets: dict[str, str], authority: TokenAuthority, say: Callable[[str], None]) -> None:
        self.channels = {name: grpc.aio.insecure_channel(targets[name]) for name in SERVICES}
        self.projects = projects_service_pb2_grpc.ProjectsServiceStub(self.channels["projects"])
        self.risks = risks_service_pb2_grpc.RisksServiceStub(self.channels["risks"])
        self.billing = billing_service_pb2_grpc.BillingServiceStub(self.channels["billing"])
        self.governance = governance_service_pb2_grpc.GovernanceServiceStub(self.channels["governance"])
        self.authority = authority
        self.say = say
        self.today = dt.date.today()  # until the organizations say which day the demo was first seeded
        self.tally = Tally()
        self._tokens: dict[str, str] = {}

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()

    def auth(self, subject: str) -> tuple[tuple[str, str], ...]:
        if subject not in self._tokens:
            person = roster.user(subject)
            assert person is not None, subject
            self._tokens[subject] = self.authority.issue(subject, {o: list(r) for o, r in person.orgs.items()},
                                                         TOKEN_TTL_S)
        return (("authorization", f"Bearer {self._tokens[subject]}"),)

    async def call(self, who: str, method, request, step: str = ""):
        try:
            return await method(request, metadata=self.auth(who), timeout=CALL_TIMEOUT_S)
        except grpc.aio.AioRpcError as exc:
            if step:
                raise SeedError(f"{step} (as {who}): {exc.code().name}: {exc.details()}") from None
            raise

    async def ensure(self, section: str, who: str, get, get_request, create, create_request):
        """What `get(get_request)` reads, first made by `create(create_request)` when it does not exist yet."""
        try:
            found = await self.call(who, get, get_request)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise SeedError(f"{section}: reading as {who}: {exc.code().name}: {exc.details()}") from None
        else:
            self.tally.count(section, created=False)
            return found
        try:
            made = await self.call(who, create, create_request)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.ALREADY_EXISTS:  # made meanwhile, e.g. by a run cut short
                raise SeedError(f"{section}: creating as {who}: {exc.code().name}: {exc.details()}") from None
            self.tally.count(section, created=False)
            return await self.call(who, get, get_request, step=section)
        self.tally.count(section, created=True)
        return made

    async def until(self, what: str, method, request, who: str, check: Callable[[object], bool]):
        """`method(request)` as `who`, polled until `check` holds for its answer."""
        deadline = time.monotonic() + PROCESS_WAIT_S
        while True:
            result = await self.call(who, method, request, step=what)
            if check(result):
                return result
            if time.monotonic() > deadline:
                raise SeedError(f"{what}: not there after {PROCESS_WAIT_S:.0f}s; is the governance worker "
                                "running (`pmaas serve worker`)?")
            await asyncio.sleep(POLL_S)


# --- the demo's content ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedProject:
    org: str
    id: str
    code: str
    display_name: str
    methodology: int
    portfolio: str
    budget: int
    start_days: int  # planned start, in days from the day the demo was first seeded
    end_days: int
    percent_complete: int
    objectives: tuple[str, ...]
    passed_gates: tuple[tuple[str, str], ...]  # (the gatekeeper deciding GO, their comment) per gate passed, in order
    health: tuple[int, int, int, int]  # the status report's RAG: schedule, scope, cost, resources
    summary: str
    milestones: tuple[tuple[str, str, int, int], ...]  # (id, name, due in days, MilestoneState)


G, A, R = projects_pb.RAG_GREEN, projects_pb.RAG_AMBER, projects_pb.RAG_RED
PLANNED, IN_PROGRESS, ACHIEVED = (projects_pb.MILESTONE_STATE_PLANNED, projects_pb.MILESTONE_STATE_IN_PROGRESS,
                                  projects_pb.MILESTONE_STATE_ACHIEVED)

PORTFOLIOS = (
    ("acme", "operations", "Operational excellence", ("Cut unplanned downtime by 20%", "One ERP for all plants"), 80),
    ("acme", "growth", "Digital growth", ("Half of orders placed online by 2028",), 60),
    ("globex", "stores", "Store network renewal", ("Every store refitted by 2028", "Online and in-store as one"), 70),
)

PROJECTS = (
    PlannedProject("acme", "erp", "ACM-ERP", "ERP rollout", projects_pb.METHODOLOGY_WATERFALL, "operations",
                   480_000, -150, 210, 45, ("One ERP for all plants",),
                   (("sam", "Charter and business case approved"), ("omar", "Plan and baseline reviewed")),
                   (A, G, G, A), "Data migration rehearsal slipped a week; UAT starts on the new date.",
                   (("requirements", "Requirements signed off", -90, ACHIEVED),
                    ("migration-rehearsal", "Data migration rehearsal", 20, IN_PROGRESS),
                    ("go-live", "Go-live in all plants", 180, PLANNED))),
    PlannedProject("acme", "plant-safety", "ACM-PSU", "Plant safety upgrade", projects_pb.METHODOLOGY_PRINCE2,
                   "operations", 150_000, -60, 150, 20, ("Cut unplanned downtime by 20%",),
                   (("sam", "Safety case accepted by the board"),),
                   (G, G, G, G), "Plan complete; contractors shortlisted; ready for the execution gate.",
                   (("survey", "Site survey complete", -20, ACHIEVED),
                    ("contractors", "Contractors appointed", 30, PLANNED))),
    PlannedProject("acme", "customer-portal", "ACM-CP", "Customer portal", projects_pb.METHODOLOGY_AGILE, "growth",
                   90_000, -10, 200, 5, ("Half of orders placed online by 2028",), (),
                   (R, A, R, A), "No product owner named yet; budget request under review.",
                   (("discovery", "Discovery sprint", 25, PLANNED),)),
    PlannedProject("globex", "store-refit", "GLX-SR", "Store refit wave 1", projects_pb.METHODOLOGY_HYBRID, "stores",
                   220_000, -90, 180, 30, ("Every store refitted by 2028",),
                   (("kenji", "Wave 1 stores confirmed"), ("omar", "Contractor plan approved")),
                   (G, A, G, G), "Three of twelve stores done; two more start next week.",
                   (("first-stores", "First three stores reopened", -5, ACHIEVED),
                    ("wave-done", "All twelve stores reopened", 150, PLANNED))),
)

# Risks (org, project, id, title, probability, impact): several cells of the heat map.
RISKS = (
    ("acme", "erp", "legacy-data", "Legacy master data is inconsistent across plants", 4, 4),
    ("acme", "erp", "key-users", "Key users unavailable during UAT (peak season)", 3, 5),
    ("acme", "erp", "licence-price", "Vendor raises licence prices at renewal", 2, 3),
    ("acme", "plant-safety", "permits", "Contractor site permits take longer than planned", 3, 2),
    ("acme", "customer-portal", "no-owner", "No product owner on the client side", 4, 3),
    ("globex", "store-refit", "supply", "Fixture supplier capacity in peak months", 2, 4),
)

# Engagements (org, id, name, projects, currency, financier, rates {role: hourly units}).
ENGAGEMENTS = (
    ("acme", "erp-delivery", "ERP and plant safety delivery", ("erp", "plant-safety"), "USD", "felix",
     {"project-manager": 150, "engineer": 110}),
    ("globex", "store-programme", "Store programme management", ("store-refit",), "EUR", "carmen",
     {"project-manager": 140}),
)

# Time logged last month (org, engagement, person, role, project, hours per day, approver): each approved by
# someone else, then invoiced; plus this month's first days, still waiting for approval.
TIME = (
    ("acme", "erp-delivery", "priya", "project-manager", "erp", "6", "omar"),
    ("acme", "erp-delivery", "lee", "engineer", "erp", "8", "priya"),
    ("globex", "store-programme", "priya", "project-manager", "store-refit", "4", "omar"),
)
DAYS_LOGGED = 5

# The change request that waits for a decision, and one whose requester is also a candidate approver.
WAITING_CHANGE = ("acme", "erp", "priya", "Two more weeks of user acceptance testing",
                  "Key users are only free after the peak season; UAT moves by five working days.", 4_500, 5)
SELF_REQUESTED_CHANGE = ("acme", "customer-portal", "sam", "Accessibility review before launch",
                         "An external accessibility audit of the portal before it opens to customers.", 3_000, 3)
WAITING_GATE = ("acme", "plant-safety", "priya")  # asks for the next gate; the PMO lead and sponsor decide
ESCALATED_ISSUE = ("acme", "erp", "test-environment", "Test environment down since Monday", "lee",
                   "The vendor's test environment has been down for three days; UAT preparation is blocked.")


def _org(org_id: str) -> roster.DemoOrganization:
    return next(o for o in roster.ORGANIZATIONS if o.id == org_id)


def _project_name(org: str, project: str) -> str:
    return f"organizations/{org}/projects/{project}"


def _in(org: str, role: str) -> str:
    """The first roster person holding `role` in `org`."""
    return next(u.subject for u in roster.USERS if role in u.orgs.get(org, ()))


# --- the steps ------------------------------------------------------------------------------------------


async def seed(targets: dict[str, str], authority: TokenAuthority, say: Callable[[str], None] = print) -> Report:
    """Seed the demo (or find it seeded) and report what waits for whom; raises SeedError on a failed step."""
    demo = Demo(targets, authority, say)
    try:
        for section, step in (("organizations", _organizations), ("portfolios", _portfolios),
                              ("projects", _projects), ("milestones", _milestones),
                              ("status reports", _status_reports), ("phase gates passed", _gates),
                              ("risks", _risks), ("issues and escalations", _escalation),
                              ("engagements and rate cards", _engagements), ("time entries", _time),
                              ("invoices", _invoices), ("change requests", _change_requests),
                              ("phase gates waiting", _waiting_gate)):
            await step(demo)
            say(demo.tally.line(section))
        waiting, self_requested = await _inboxes(demo)
        return Report(demo.tally, waiting, self_requested)
    finally:
        await demo.close()


async def _organizations(demo: Demo) -> None:
    """The organizations; every date the demo plans after this is relative to the day they were created, so a
    run on a later day finds the same time entries, invoices and plans rather than next month's."""
    admin = _in("acme", "admin")
    created = []
    for org in roster.ORGANIZATIONS:
        name = f"organizations/{org.id}"
        created.append(await demo.ensure(
            "organizations", admin, demo.projects.GetOrganization, projects_api.GetOrganizationRequest(name=name),
            demo.projects.CreateOrganization, projects_api.CreateOrganizationRequest(
                organization_id=org.id, request_id=request_id(name), organization=projects_pb.Organization(
                    display_name=org.display_name, pmo_type=projects_pb.PmoType.Value(f"PMO_TYPE_{org.pmo_type}"),
                    default_currency_code=org.currency))))
    demo.today = min(o.create_time.ToDatetime(dt.UTC).date() for o in created)


async def _portfolios(demo: Demo) -> None:
    for org, pid, title, objectives, priority in PORTFOLIOS:
        pmo, name = _in(org, "pmo"), f"organizations/{org}/portfolios/{pid}"
        await demo.ensure(
            "portfolios", pmo, demo.projects.GetPortfolio, projects_api.GetPortfolioRequest(name=name),
            demo.projects.CreatePortfolio, projects_api.CreatePortfolioRequest(
                parent=f"organizations/{org}", portfolio_id=pid, request_id=request_id(name),
                portfolio=projects_pb.Portfolio(display_name=title, strategic_objectives=objectives,
                                                priority_score=priority)))


async def _projects(demo: Demo) -> None:
    for p in PROJECTS:
        pmo, name = _in(p.org, "pmo"), _project_name(p.org, p.id)
        currency = _org(p.org).currency
        project = projects_pb.Project(
            code=p.code, display_name=p.display_name, methodology=p.methodology, objectives=p.objectives,
            status=projects_pb.PROJECT_STATUS_ACTIVE, budget=money(currency, p.budget),
            planned_start_date=date(demo.today + dt.timedelta(days=p.start_days)),
            planned_end_date=date(demo.today + dt.timedelta(days=p.end_days)), percent_complete=p.percent_complete,
            sponsor=_in(p.org, "sponsor"), project_manager=_in(p.org, "pm"),
            portfolio=f"organizations/{p.org}/portfolios/{p.portfolio}")
        await demo.ensure(
            "projects", pmo, demo.projects.GetProject, projects_api.GetProjectRequest(name=name),
            demo.projects.CreateProject, projects_api.CreateProjectRequest(
                parent=f"organizations/{p.org}", project_id=p.id, project=project, request_id=request_id(name)))


async def _milestones(demo: Demo) -> None:
    for p in PROJECTS:
        pm = _in(p.org, "pm")
        for mid, title, due_days, state in p.milestones:
            name = f"{_project_name(p.org, p.id)}/milestones/{mid}"
            milestone = projects_pb.Milestone(display_name=title, due_date=date(demo.today + dt.timedelta(due_days)),
                                              state=state)
            if state == ACHIEVED:
                milestone.completion_date.CopyFrom(milestone.due_date)
            await demo.ensure(
                "milestones", pm, demo.projects.GetMilestone, projects_api.GetMilestoneRequest(name=name),
                demo.projects.CreateMilestone, projects_api.CreateMilestoneRequest(
                    parent=_project_name(p.org, p.id), milestone_id=mid, milestone=milestone,
                    request_id=request_id(name)))


async def _status_reports(demo: Demo) -> None:
    for p in PROJECTS:
        pm = _in(p.org, "pm")
        name = f"{_project_name(p.org, p.id)}/statusReports/first"
        schedule, scope, cost, resources = p.health
        report = projects_pb.StatusReport(
            report_date=date(demo.today), summary=p.summary,
            health=projects_pb.Health(schedule=schedule, scope=scope, cost=cost, resources=resources))
        await demo.ensure(
            "status reports", pm, demo.projects.GetStatusReport, projects_api.GetStatusReportRequest(name=name),
            demo.projects.CreateStatusReport, projects_api.CreateStatusReportRequest(
                parent=_project_name(p.org, p.id), status_report_id="first", status_report=report,
                request_id=request_id(name)))


async def _gates(demo: Demo) -> None:
    """Each project's gates passed so far: the PM asks, a gatekeeper decides GO, the phase moves."""
    for p in PROJECTS:
        pm, project = _in(p.org, "pm"), _project_name(p.org, p.id)
        for passed, (decider, comment) in enumerate(p.passed_gates, start=1):
            target = projects_pb.PHASE_INITIATION + passed
            current = await demo.call(pm, demo.projects.GetProject, projects_api.GetProjectRequest(name=project),
                                      step=f"reading {project}")
            if current.phase >= target:
                demo.tally.count("phase gates passed", created=False)
                continue
            gate = await _open_gate(demo, pm, project, target)
            task = await _task_of(demo, decider, gate.name)
            await demo.call(decider, demo.governance.DecideTask, gov_api.DecideTaskRequest(
                name=task.name, choice="GO", comment=comment, request_id=request_id(f"{task.name}/GO")),
                step=f"deciding {gate.name}")
            await demo.until(f"{gate.name} passed", demo.governance.GetPhaseGate,
                             gov_api.GetPhaseGateRequest(name=gate.name), pm, lambda g: g.state in PASSED)
            demo.tally.count("phase gates passed", created=True)


async def _open_gate(demo: Demo, pm: str, project: str, to_phase: int) -> gov_pb.PhaseGate:
    """The project's open gate towards `to_phase` (one is asked for when none is), once awaiting a decision."""
    listed = await demo.call(pm, demo.governance.ListPhaseGates, gov_api.ListPhaseGatesRequest(
        parent=project, page_size=1000), step=f"listing the gates of {project}")
    gate = next((g for g in listed.phase_gates if g.to_phase == to_phase and g.state in OPEN_GATE), None)
    if gate is None:
        gate = await demo.call(pm, demo.governance.RequestPhaseGate, gov_api.RequestPhaseGateRequest(
            parent=project, phase_gate=gov_pb.PhaseGate(to_phase=to_phase),
            request_id=request_id(f"{project}/gates/{to_phase}")), step=f"asking for the gate of {project}")
    return await demo.until(f"{gate.name} awaiting a decision", demo.governance.GetPhaseGate,
                            gov_api.GetPhaseGateRequest(name=gate.name), pm,
                            lambda g: g.state == gov_pb.PHASE_GATE_STATE_AWAITING_DECISION)


async def _task_of(demo: Demo, who: str, process: str) -> gov_pb.Task:
    """The open task of `process` once the read model lists it (the process's own view may say so first)."""
    org = "/".join(process.split("/")[:2])
    found = await demo.until(f"the task of {process}", demo.governance.ListTasks,
                             gov_api.ListTasksRequest(parent=org, filter=f'process = "{process}"'), who,
                             lambda r: any(t.state in OPEN_TASK for t in r.tasks))
    return next(t for t in found.tasks if t.state in OPEN_TASK)


async def _risks(demo: Demo) -> None:
    for org, project, rid_, title, probability, impact in RISKS:
        pm, name = _in(org, "pm"), f"{_project_name(org, project)}/risks/{rid_}"
        risk = risks_pb.Risk(title=title, probability=probability, impact=impact, owner=pm,
                             response_strategy=risks_pb.RESPONSE_STRATEGY_MITIGATE)
        await demo.ensure(
            "risks", pm, demo.risks.GetRisk, risks_api.GetRiskRequest(name=name),
            demo.risks.CreateRisk, risks_api.CreateRiskRequest(
                parent=_project_name(org, project), risk_id=rid_, risk=risk, request_id=request_id(name)))


async def _escalation(demo: Demo) -> None:
    """The team member records an issue and escalates it: it climbs the policy's matrix from the PM."""
    org, project, iid, title, who, description = ESCALATED_ISSUE
    parent, name = _project_name(org, project), f"{_project_name(org, project)}/issues/{iid}"
    issue = await demo.ensure(
        "issues and escalations", who, demo.risks.GetIssue, risks_api.GetIssueRequest(name=name),
        demo.risks.CreateIssue, risks_api.CreateIssueRequest(
            parent=parent, issue_id=iid, request_id=request_id(name), issue=risks_pb.Issue(
                title=title, description=description, severity=risks_pb.ISSUE_SEVERITY_MEDIUM, owner=_in(org, "pm"),
                due_date=date(demo.today + dt.timedelta(days=3)))))
    listed = await demo.call(who, demo.governance.ListEscalations, gov_api.ListEscalationsRequest(
        parent=parent, page_size=1000), step=f"listing the escalations of {parent}")
    if any(e.subject == issue.name for e in listed.escalations):
        demo.tally.count("issues and escalations", created=False)
        return
    raised = await demo.call(who, demo.governance.RaiseEscalation, gov_api.RaiseEscalationRequest(
        parent=parent, request_id=request_id(f"{name}/escalation"), escalation=gov_pb.Escalation(
            title=f"Blocked: {title}", severity=risks_pb.ISSUE_SEVERITY_HIGH, subject=issue.name,
            description="UAT cannot start while this lasts; the vendor has not given a date.")),
        step=f"escalating {name}")
    demo.tally.count("issues and escalations", created=True)
    await _task_of(demo, who, raised.name)


async def _engagements(demo: Demo) -> None:
    section = "engagements and rate cards"
    for org, eid, title, projects, currency, finance, rates in ENGAGEMENTS:
        name = f"organizations/{org}/engagements/{eid}"
        start = min(demo.today + dt.timedelta(days=p.start_days) for p in PROJECTS if p.org == org)
        await demo.ensure(
            section, finance, demo.billing.GetEngagement, billing_api.GetEngagementRequest(name=name),
            demo.billing.CreateEngagement, billing_api.CreateEngagementRequest(
                parent=f"organizations/{org}", engagement_id=eid, request_id=request_id(name),
                engagement=billing_pb.Engagement(
                    display_name=title, projects=[_project_name(org, p) for p in projects],
                    billing_model=billing_pb.BILLING_MODEL_TIME_AND_MATERIALS, currency_code=currency,
                    payment_terms_days=30)))
        for role, units in rates.items():
            rate_name = f"organizations/{org}/rates/{eid}-{role}"
            rate = billing_pb.Rate(role=role, engagement=name, hourly_rate=money(currency, units),
                                   start_date=date(start))
            await demo.ensure(
                section, finance, demo.billing.GetRate, billing_api.GetRateRequest(name=rate_name),
                demo.billing.CreateRate, billing_api.CreateRateRequest(
                    parent=f"organizations/{org}", rate_id=f"{eid}-{role}", rate=rate,
                    request_id=request_id(rate_name)))


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _weekdays(start: dt.date, count: int, until: dt.date | None = None) -> list[dt.date]:
    days, day = [], start
    while len(days) < count and (until is None or day <= until):
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


async def _time(demo: Demo) -> None:
    """Last month's time, each entry approved by someone else; this month's, still waiting for approval."""
    first, _ = _last_month(demo.today)
    this_month = _weekdays(demo.today.replace(day=1), 2, until=demo.today)
    for org, eid, person, role, project, hours, approver in TIME:
        engagement = f"organizations/{org}/engagements/{eid}"
        for day in _weekdays(first, DAYS_LOGGED) + this_month:
            entry_id = f"{person}-{project}-{day:%Y%m%d}"
            name = f"{engagement}/timeEntries/{entry_id}"
            entry = await demo.ensure(
                "time entries", person, demo.billing.GetTimeEntry, billing_api.GetTimeEntryRequest(name=name),
                demo.billing.CreateTimeEntry, billing_api.CreateTimeEntryRequest(
                    parent=engagement, time_entry_id=entry_id, request_id=request_id(name),
                    time_entry=billing_pb.TimeEntry(role=role, project=_project_name(org, project), work_date=date(day),
                                                    hours=hours, note="Delivery and coordination")))
            if day < demo.today.replace(day=1) and entry.approval_state == billing_pb.APPROVAL_STATE_SUBMITTED:
                await demo.call(approver, demo.billing.ApproveTimeEntry, billing_api.ApproveTimeEntryRequest(
                    name=entry.name, request_id=request_id(f"{name}/approve")), step=f"approving {name}")


async def _invoices(demo: Demo) -> None:
    """Finance invoices last month's approved time of each engagement, and issues the invoice."""
    first, last = _last_month(demo.today)
    for org, eid, _, _, _, finance, _ in ENGAGEMENTS:
        engagement = f"organizations/{org}/engagements/{eid}"
        listed = await demo.call(finance, demo.billing.ListInvoices, billing_api.ListInvoicesRequest(
            parent=engagement, page_size=1000), step=f"listing the invoices of {engagement}")
        invoice = next((i for i in listed.invoices if i.state != billing_pb.INVOICE_STATE_VOID), None)
        demo.tally.count("invoices", created=invoice is None)
        if invoice is None:
            invoice = await demo.call(finance, demo.billing.GenerateInvoice, billing_api.GenerateInvoiceRequest(
                parent=engagement, period_start=date(first), period_end=date(last),
                request_id=request_id(f"{engagement}/invoices/{first:%Y-%m}")), step=f"invoicing {engagement}")
        if invoice.state == billing_pb.INVOICE_STATE_DRAFT:
            await demo.call(finance, demo.billing.IssueInvoice, billing_api.IssueInvoiceRequest(
                name=invoice.name, etag=invoice.etag, request_id=request_id(f"{invoice.name}/issue")),
                step=f"issuing {invoice.name}")


async def _change_requests(demo: Demo) -> None:
    for org, project, requester, title, description, budget, days in (WAITING_CHANGE, SELF_REQUESTED_CHANGE):
        await _change_request(demo, org, _project_name(org, project), requester, title, description, budget, days)


async def _change_request(demo: Demo, org: str, project: str, requester: str, title: str, description: str,
                          budget: int, days: int) -> gov_pb.ChangeRequest:
    listed = await demo.call(requester, demo.governance.ListChangeRequests, gov_api.ListChangeRequestsRequest(
        parent=f"organizations/{org}", page_size=1000), step=f"listing the change requests of {org}")
    found = next((c for c in listed.change_requests if c.project == project and c.title == title), None)
    demo.tally.count("change requests", created=found is None)
    if found is None:
        found = await demo.call(requester, demo.governance.SubmitChangeRequest, gov_api.SubmitChangeRequestRequest(
            parent=f"organizations/{org}", request_id=request_id(f"{project}/changeRequests/{title}"),
            change_request=gov_pb.ChangeRequest(
                project=project, title=title, description=description, type=gov_pb.CHANGE_TYPE_NORMAL,
                budget_delta=money(_org(org).currency, budget), schedule_delta_days=days)),
            step=f"submitting {title!r}")
    routed = await demo.until(
        f"{found.name} routed to its approvers", demo.governance.GetChangeRequest,
        gov_api.GetChangeRequestRequest(name=found.name), requester, _routed)
    if routed.state == gov_pb.CHANGE_REQUEST_STATE_PENDING_APPROVAL:
        await _task_of(demo, requester, routed.name)
    return routed


def _routed(change: gov_pb.ChangeRequest) -> bool:
    """Past its assessment, and when pending, with its approval task open."""
    if change.state == gov_pb.CHANGE_REQUEST_STATE_ASSESSING:
        return False
    return change.state != gov_pb.CHANGE_REQUEST_STATE_PENDING_APPROVAL or bool(change.tasks)


async def _waiting_gate(demo: Demo) -> None:
    org, project_id, pm = WAITING_GATE
    project = _project_name(org, project_id)
    current = await demo.call(pm, demo.projects.GetProject, projects_api.GetProjectRequest(name=project),
                              step=f"reading {project}")
    listed = await demo.call(pm, demo.governance.ListPhaseGates, gov_api.ListPhaseGatesRequest(
        parent=project, page_size=1000), step=f"listing the gates of {project}")
    target = current.phase + 1
    asked = any(g.to_phase >= target and g.state in OPEN_GATE for g in listed.phase_gates)
    # Decided since (someone used the demo): the phase moved past the gate the seed asks for; nothing to redo.
    decided = current.phase > projects_pb.PHASE_INITIATION + len(_planned(org, project_id).passed_gates)
    demo.tally.count("phase gates waiting", created=not (asked or decided))
    if not decided:
        gate = await _open_gate(demo, pm, project, target)
        await _task_of(demo, pm, gate.name)


def _planned(org: str, project: str) -> PlannedProject:
    return next(p for p in PROJECTS if (p.org, p.id) == (org, project))


async def _inboxes(demo: Demo) -> tuple[list[Waiting], list[Waiting]]:
    """What waits in each roster person's inbox now, and the open tasks each person requested but could
    decide by role (segregation of duties refuses them)."""
    waiting, self_requested = [], []
    for person in roster.USERS:
        for org in person.orgs:
            mine = await demo.call(person.subject, demo.governance.ListTasks, gov_api.ListTasksRequest(
                parent=f"organizations/{org}", assignee="me", page_size=100), step=f"{person.subject}'s inbox")
            waiting.extend(_waiting(person, org, mine.tasks))
            every = await demo.call(person.subject, demo.governance.ListTasks, gov_api.ListTasksRequest(
                parent=f"organizations/{org}", page_size=1000), step=f"the open tasks of {org}")
            roles = {f"role:{r}" for r in person.orgs[org]}
            own = [t for t in every.tasks if t.requester == person.subject and roles & set(t.pending_approvers)]
            self_requested.extend(_waiting(person, org, own))
    return waiting, self_requested


def _waiting(person: roster.DemoUser, org: str, tasks: Iterable[gov_pb.Task]) -> list[Waiting]:
    return [Waiting(person, org, gov_pb.TaskKind.Name(t.kind).removeprefix("TASK_KIND_").replace("_", " ").lower(),
                    t.title, t.name) for t in tasks]
