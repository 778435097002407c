"""The projects schema: one `Table` per resource and its row -> proto conversion, and the
references other services hold to projects.

Generic reads and writes are in services/platform/tables.py; every other statement of the
projects service is a typed function here (the servicer writes no SQL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from pmaas.projects.v1 import resources_pb2 as pb
from services.platform.filters import Field
from services.platform.money import money_fields
from services.platform.names import (
    ASSIGNMENT_PATTERN,
    BASELINE_PATTERN,
    LESSON_LEARNED_PATTERN,
    MILESTONE_PATTERN,
    ORG_PATTERN,
    PORTFOLIO_PATTERN,
    POST_PROJECT_REVIEW_PATTERN,
    PROJECT_PATTERN,
    STATUS_REPORT_PATTERN,
)
from services.platform.resources import Pattern, date_fields, etag_of, to_timestamp
from services.platform.tables import Table


def _health(row: asyncpg.Record) -> dict:
    """A pb.Health as a dict: a message constructor fills the field in place (see money.money_fields)."""
    return {"schedule": row["health_schedule"], "scope": row["health_scope"], "cost": row["health_cost"],
            "resources": row["health_resources"]}


def organization(row: asyncpg.Record) -> pb.Organization:
    name = ORG_PATTERN.format(organization=row["id"])
    return pb.Organization(
        name=name, display_name=row["display_name"], pmo_type=row["pmo_type"],
        default_currency_code=row["default_currency"], create_time=to_timestamp(row["create_time"]),
        update_time=to_timestamp(row["update_time"]), etag=etag_of(name, row["version"]),
    )


def portfolio(row: asyncpg.Record) -> pb.Portfolio:
    name = PORTFOLIO_PATTERN.format(organization=row["org_id"], portfolio=row["id"])
    return pb.Portfolio(
        name=name, display_name=row["display_name"], description=row["description"],
        strategic_objectives=row["strategic_objectives"], priority_score=row["priority_score"],
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def project(row: asyncpg.Record) -> pb.Project:
    name = PROJECT_PATTERN.format(organization=row["org_id"], project=row["id"])
    portfolio_name = (PORTFOLIO_PATTERN.format(organization=row["org_id"], portfolio=row["portfolio_id"])
                      if row["portfolio_id"] else "")
    return pb.Project(
        name=name, code=row["code"], display_name=row["display_name"], objectives=row["objectives"],
        scope_statement=row["scope_statement"], methodology=row["methodology"], phase=row["phase"],
        status=row["status"], health=_health(row), budget=money_fields(row["budget_micros"], row["currency"]),
        actual_cost=money_fields(row["actual_cost_micros"], row["currency"]),
        planned_start_date=date_fields(row["planned_start_date"]),
        planned_end_date=date_fields(row["planned_end_date"]),
        percent_complete=row["percent_complete"], sponsor=row["sponsor"], project_manager=row["project_manager"],
        portfolio=portfolio_name, baseline_revision=row["baseline_revision"],
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def _child_name(pattern: Pattern, row: asyncpg.Record, child_key: str = "id") -> str:
    """The name of a project's child row by `pattern` (organization, project, then the child's own part)."""
    organization, project, child = pattern.regex.groupindex
    return pattern.format(**{organization: row["org_id"], project: row["project_id"], child: row[child_key]})


def baseline(row: asyncpg.Record) -> pb.Baseline:
    return pb.Baseline(
        name=_child_name(BASELINE_PATTERN, row, "revision"), revision=row["revision"],
        start_date=date_fields(row["start_date"]), end_date=date_fields(row["end_date"]),
        budget=money_fields(row["budget_micros"], row["currency"]), reason=row["reason"], creator=row["creator"],
        create_time=to_timestamp(row["create_time"]),
    )


def milestone(row: asyncpg.Record) -> pb.Milestone:
    name = _child_name(MILESTONE_PATTERN, row)
    return pb.Milestone(
        name=name, display_name=row["display_name"], due_date=date_fields(row["due_date"]),
        original_due_date=date_fields(row["original_due_date"]), state=row["state"],
        deliverables=row["deliverables"], completion_date=date_fields(row["completion_date"]),
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def assignment(row: asyncpg.Record) -> pb.Assignment:
    name = _child_name(ASSIGNMENT_PATTERN, row)
    return pb.Assignment(
        name=name, person=row["person"], role=row["role"], skills=row["skills"],
        allocation_percent=row["allocation_percent"], start_date=date_fields(row["start_date"]),
        end_date=date_fields(row["end_date"]), create_time=to_timestamp(row["create_time"]),
        update_time=to_timestamp(row["update_time"]), etag=etag_of(name, row["version"]),
    )


def status_report(row: asyncpg.Record) -> pb.StatusReport:
    return pb.StatusReport(
        name=_child_name(STATUS_REPORT_PATTERN, row), report_date=date_fields(row["report_date"]), health=_health(row),
        summary=row["summary"], accomplishments=row["accomplishments"], next_steps=row["next_steps"],
        key_risks=row["key_risks"], percent_complete=row["percent_complete"], author=row["author"],
        create_time=to_timestamp(row["create_time"]),
    )


def lesson_learned(row: asyncpg.Record) -> pb.LessonLearned:
    return pb.LessonLearned(
        name=_child_name(LESSON_LEARNED_PATTERN, row), title=row["title"], category=row["category"],
        description=row["description"], recommendation=row["recommendation"], author=row["author"],
        create_time=to_timestamp(row["create_time"]),
    )


_PROJECT_CHILD = ("org_id", "project_id", "id")

ORGANIZATIONS = Table("organizations", ORG_PATTERN, ("id",), {
    "pmo_type": Field("pmo_type", "enum", pb.PmoType.DESCRIPTOR),
    "display_name": Field("display_name"),
}, to_proto=organization)
PORTFOLIOS = Table("portfolios", PORTFOLIO_PATTERN, ("org_id", "id"), {
    "display_name": Field("display_name"),
    "priority_score": Field("priority_score", "int"),
}, to_proto=portfolio)
PROJECTS = Table("projects", PROJECT_PATTERN, ("org_id", "id"), {
    "code": Field("code"),
    "display_name": Field("display_name"),
    "methodology": Field("methodology", "enum", pb.Methodology.DESCRIPTOR),
    "phase": Field("phase", "enum", pb.Phase.DESCRIPTOR),
    "status": Field("status", "enum", pb.ProjectStatus.DESCRIPTOR),
    "sponsor": Field("sponsor"),
    "project_manager": Field("project_manager"),
    "portfolio": Field("portfolio_id"),  # the portfolio's id
    "percent_complete": Field("percent_complete", "int"),
    "planned_end_date": Field("planned_end_date", "date"),
}, to_proto=project, unique_fields={"projects_org_id_code_key": "project.code"})
PROJECT_ORG_FOREIGN_KEY = "projects_org_id_fkey"  # a project's organization exists (0001_projects.sql)
BASELINES = Table("baselines", BASELINE_PATTERN, ("org_id", "project_id", "revision"), {}, to_proto=baseline)
MILESTONES = Table("milestones", MILESTONE_PATTERN, _PROJECT_CHILD, {
    "state": Field("state", "enum", pb.MilestoneState.DESCRIPTOR),
    "due_date": Field("due_date", "date"),
}, to_proto=milestone)
ASSIGNMENTS = Table("assignments", ASSIGNMENT_PATTERN, _PROJECT_CHILD, {
    "person": Field("person"), "role": Field("role"),
    "start_date": Field("start_date", "date"), "end_date": Field("end_date", "date"),
}, to_proto=assignment)
STATUS_REPORTS = Table("status_reports", STATUS_REPORT_PATTERN, _PROJECT_CHILD,
                       {"report_date": Field("report_date", "date")}, to_proto=status_report)
LESSONS_LEARNED = Table("lessons_learned", LESSON_LEARNED_PATTERN, _PROJECT_CHILD,
                        {"category": Field("category")}, to_proto=lesson_learned)


# --- references other services hold to a project ----------------------------------------------


async def lock_for_reference(conn: asyncpg.Connection, key: list[str]) -> asyncpg.Record | None:
    """The project's row, locked FOR KEY SHARE (the lock a foreign key check takes) until commit: a
    DeleteProject (FOR UPDATE) in flight makes this wait and then find no row; one that comes later
    waits for this transaction and then sees its reference."""
    return await conn.fetchrow("SELECT * FROM projects WHERE org_id = $1 AND id = $2 FOR KEY SHARE", *key)


async def add_reference(conn: asyncpg.Connection, key: list[str], holder: str, kind: str) -> bool:
    """Record that `holder` keeps `kind`s referring to the project; True if it is the first such."""
    return await conn.fetchval(
        """INSERT INTO project_references (org_id, project_id, holder, kind) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING true""", *key, holder, kind) is not None


async def references(conn: asyncpg.Connection, key: list[str]) -> list[tuple[str, str]]:
    """(holder, kind) of every reference to the project, in a stable order."""
    rows = await conn.fetch("SELECT holder, kind FROM project_references WHERE org_id = $1 AND project_id = $2 "
                            "ORDER BY holder, kind", *key)
    return [(r["holder"], r["kind"]) for r in rows]


# --- portfolios, allocation, status reports ------------------------------------------------


async def portfolio_project_count(conn: asyncpg.Connection, portfolio_key: list[str]) -> int:
    """How many projects the portfolio holds."""
    return await conn.fetchval("SELECT count(*) FROM projects WHERE org_id = $1 AND portfolio_id = $2",
                               *portfolio_key)


async def lock_allocations(conn: asyncpg.Connection, org: str, person: str, start: dt.date,
                           end: dt.date) -> list[asyncpg.Record]:
    """The person's assignments overlapping start..end (project_id, id, start_date, end_date,
    allocation_percent), after taking the person's allocation lock until commit: allocation changes are
    serialized per person, so two concurrent writes cannot both fit."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('alloc:' || $1 || ':' || $2))", org, person)
    return await conn.fetch(
        """SELECT project_id, id, start_date, end_date, allocation_percent FROM assignments
           WHERE org_id = $1 AND person = $2 AND start_date <= $4 AND end_date >= $3""",
        org, person, start, end)


async def has_newer_status_report(conn: asyncpg.Connection, project_key: list[str], report_date: dt.date) -> bool:
    """Whether the project has a status report dated after `report_date`."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM status_reports WHERE org_id = $1 AND project_id = $2 AND report_date > $3)",
        *project_key, report_date)


async def portfolio_projects(conn: asyncpg.Connection, portfolio_key: list[str]) -> list[asyncpg.Record]:
    """The portfolio's projects, in creation order."""
    return await conn.fetch("SELECT * FROM projects WHERE org_id = $1 AND portfolio_id = $2 ORDER BY seq",
                            *portfolio_key)


async def portfolio_milestones(conn: asyncpg.Connection, portfolio_key: list[str]) -> list[asyncpg.Record]:
    """(project_id, state, due_date, original_due_date, completion_date) of every milestone of the
    portfolio's projects."""
    return await conn.fetch(
        """SELECT m.project_id, m.state, m.due_date, m.original_due_date, m.completion_date
           FROM milestones m JOIN projects p ON p.org_id = m.org_id AND p.id = m.project_id
           WHERE p.org_id = $1 AND p.portfolio_id = $2""", *portfolio_key)


# --- post-project reviews -----------------------------------------------------------------------


def post_project_review(row: asyncpg.Record) -> pb.PostProjectReview:
    name = POST_PROJECT_REVIEW_PATTERN.format(organization=row["org_id"], project=row["project_id"])
    return pb.PostProjectReview(
        name=name, satisfaction_score=row["satisfaction"], client_comments=row["client_comments"],
        reviewer=row["reviewer"], review_time=to_timestamp(row["review_time"]), etag=etag_of(name, row["version"]),
        lessons_learned=[LESSON_LEARNED_PATTERN.format(organization=row["org_id"], project=row["project_id"],
                                                       lesson=lesson) for lesson in row["lessons"]])


async def get_post_project_review(conn: asyncpg.Connection, key: list[str]) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM post_project_reviews WHERE org_id = $1 AND project_id = $2", *key)


async def upsert_post_project_review(conn: asyncpg.Connection, key: list[str], columns: dict[str, Any],
                                     reviewer: str, lessons: list[str]) -> asyncpg.Record:
    """The project's review as recorded now (a new one, or the next version replacing the feedback)."""
    return await conn.fetchrow(
        """INSERT INTO post_project_reviews AS r (org_id, project_id, satisfaction, client_comments, reviewer,
                                                 lessons)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (org_id, project_id) DO UPDATE SET
               satisfaction = excluded.satisfaction, client_comments = excluded.client_comments,
               reviewer = excluded.reviewer, lessons = r.lessons || excluded.lessons, version = r.version + 1,
               review_time = now()
           RETURNING *""", *key, columns["satisfaction"], columns["client_comments"], reviewer, lessons)


async def portfolio_satisfaction(conn: asyncpg.Connection, portfolio_key: list[str]) -> dict[str, int]:
    """project id -> the client's satisfaction score, for the portfolio's reviewed projects."""
    rows = await conn.fetch(
        """SELECT r.project_id, r.satisfaction FROM post_project_reviews r
           JOIN projects p ON p.org_id = r.org_id AND p.id = r.project_id
           WHERE p.org_id = $1 AND p.portfolio_id = $2""", *portfolio_key)
    return {r["project_id"]: r["satisfaction"] for r in rows}
