"""SQL for the projects schema: one `Kind` per resource, row <-> proto.

A Kind knows its table, its resource-name pattern (whose parts are the key
columns, in order), how a row becomes a proto, and which fields List may
filter on. Generic get/list/delete live here; each resource's own writes live
in the servicer beside its validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from google.protobuf.message import Message

from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import errors, filters, pagination
from services.platform.filters import Field
from services.platform.money import Amount
from services.platform.resources import Pattern, etag_of, to_date, to_timestamp


@dataclass(frozen=True)
class Kind:
    table: str
    pattern: Pattern
    keys: tuple[str, ...]  # key columns, one per `{part}` of the pattern
    to_proto: Callable[[asyncpg.Record], Message]
    filters: dict[str, Field]

    def key_of(self, name: str, field: str = "name") -> list[str]:
        return list(self.pattern.parse(name, field).values())

    def where_key(self, first: int = 1) -> str:
        return " AND ".join(f"{col} = ${first + i}" for i, col in enumerate(self.keys))


def _health(row: asyncpg.Record) -> pb.Health:
    return pb.Health(schedule=row["health_schedule"], scope=row["health_scope"], cost=row["health_cost"],
                     resources=row["health_resources"])


def _money(micros: int, currency: str):
    return Amount(micros, currency).to_proto()


ORG_PATTERN = Pattern("organizations/{organization}")
PORTFOLIO_PATTERN = Pattern("organizations/{organization}/portfolios/{portfolio}")
PROJECT_PATTERN = Pattern("organizations/{organization}/projects/{project}")


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
        status=row["status"], health=_health(row), budget=_money(row["budget_micros"], row["currency"]),
        actual_cost=_money(row["actual_cost_micros"], row["currency"]),
        planned_start_date=to_date(row["planned_start_date"]), planned_end_date=to_date(row["planned_end_date"]),
        percent_complete=row["percent_complete"], sponsor=row["sponsor"], project_manager=row["project_manager"],
        portfolio=portfolio_name, baseline_revision=row["baseline_revision"],
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def _child_name(kind_segment: str, row: asyncpg.Record, child_key: str = "id") -> str:
    return f"organizations/{row['org_id']}/projects/{row['project_id']}/{kind_segment}/{row[child_key]}"


def baseline(row: asyncpg.Record) -> pb.Baseline:
    return pb.Baseline(
        name=_child_name("baselines", row, "revision"), revision=row["revision"],
        start_date=to_date(row["start_date"]), end_date=to_date(row["end_date"]),
        budget=_money(row["budget_micros"], row["currency"]), reason=row["reason"], creator=row["creator"],
        create_time=to_timestamp(row["create_time"]),
    )


def milestone(row: asyncpg.Record) -> pb.Milestone:
    name = _child_name("milestones", row)
    return pb.Milestone(
        name=name, display_name=row["display_name"], due_date=to_date(row["due_date"]),
        original_due_date=to_date(row["original_due_date"]), state=row["state"],
        deliverables=row["deliverables"], completion_date=to_date(row["completion_date"]),
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def assignment(row: asyncpg.Record) -> pb.Assignment:
    name = _child_name("assignments", row)
    return pb.Assignment(
        name=name, person=row["person"], role=row["role"], skills=row["skills"],
        allocation_percent=row["allocation_percent"], start_date=to_date(row["start_date"]),
        end_date=to_date(row["end_date"]), create_time=to_timestamp(row["create_time"]),
        update_time=to_timestamp(row["update_time"]), etag=etag_of(name, row["version"]),
    )


def status_report(row: asyncpg.Record) -> pb.StatusReport:
    return pb.StatusReport(
        name=_child_name("statusReports", row), report_date=to_date(row["report_date"]), health=_health(row),
        summary=row["summary"], accomplishments=row["accomplishments"], next_steps=row["next_steps"],
        key_risks=row["key_risks"], percent_complete=row["percent_complete"], author=row["author"],
        create_time=to_timestamp(row["create_time"]),
    )


def lesson_learned(row: asyncpg.Record) -> pb.LessonLearned:
    return pb.LessonLearned(
        name=_child_name("lessonsLearned", row), title=row["title"], category=row["category"],
        description=row["description"], recommendation=row["recommendation"], author=row["author"],
        create_time=to_timestamp(row["create_time"]),
    )


_PROJECT_CHILD = ("org_id", "project_id", "id")

ORGANIZATIONS = Kind("organizations", ORG_PATTERN, ("id",), organization,
                     {"pmo_type": Field("pmo_type", "enum", pb.PmoType.DESCRIPTOR),
                      "display_name": Field("display_name")})
PORTFOLIOS = Kind("portfolios", PORTFOLIO_PATTERN, ("org_id", "id"), portfolio,
                  {"display_name": Field("display_name"), "priority_score": Field("priority_score", "int")})
PROJECTS = Kind("projects", PROJECT_PATTERN, ("org_id", "id"), project, {
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
})
BASELINES = Kind("baselines", Pattern("organizations/{organization}/projects/{project}/baselines/{revision}"),
                 ("org_id", "project_id", "revision"), baseline, {})
MILESTONES = Kind("milestones", Pattern("organizations/{organization}/projects/{project}/milestones/{milestone}"),
                  _PROJECT_CHILD, milestone, {
                      "state": Field("state", "enum", pb.MilestoneState.DESCRIPTOR),
                      "due_date": Field("due_date", "date"),
                  })
ASSIGNMENTS = Kind("assignments",
                   Pattern("organizations/{organization}/projects/{project}/assignments/{assignment}"),
                   _PROJECT_CHILD, assignment, {
                       "person": Field("person"), "role": Field("role"),
                       "start_date": Field("start_date", "date"), "end_date": Field("end_date", "date"),
                   })
STATUS_REPORTS = Kind("status_reports",
                      Pattern("organizations/{organization}/projects/{project}/statusReports/{status_report}"),
                      _PROJECT_CHILD, status_report, {"report_date": Field("report_date", "date")})
LESSONS_LEARNED = Kind("lessons_learned",
                       Pattern("organizations/{organization}/projects/{project}/lessonsLearned/{lesson}"),
                       _PROJECT_CHILD, lesson_learned, {"category": Field("category")})


async def fetch(conn: asyncpg.Connection, kind: Kind, key: list[Any], *, lock: bool = False) -> asyncpg.Record | None:
    sql = f"SELECT * FROM {kind.table} WHERE {kind.where_key()}" + (" FOR UPDATE" if lock else "")
    return await conn.fetchrow(sql, *key)


async def require(conn: asyncpg.Connection, kind: Kind, key: list[Any], name: str, *,
                  lock: bool = False) -> asyncpg.Record:
    row = await fetch(conn, kind, key, lock=lock)
    if row is None:
        raise errors.not_found(name)
    return row


async def list_page(conn: asyncpg.Connection, kind: Kind, parent_key: list[Any], filter_text: str,
                    page: pagination.Page, only_ids: list[str] | None = None) -> list[asyncpg.Record]:
    """Up to page.size + 1 rows under the parent, in seq order, after the page's keyset."""
    parent_cols = kind.keys[: len(parent_key)]
    where = [f"{col} = ${i + 1}" for i, col in enumerate(parent_cols)]
    args: list[Any] = list(parent_key)
    if only_ids is not None:
        args.append(only_ids)
        where.append(f"id = ANY(${len(args)})")
    args.append(page.after_seq)
    where.append(f"seq > ${len(args)}")
    compiled = filters.compile_filter(filter_text, kind.filters, len(args) + 1)
    args += compiled.args
    args.append(page.size + 1)
    sql = (f"SELECT * FROM {kind.table} WHERE {' AND '.join(where)} {compiled.sql} "
           f"ORDER BY seq LIMIT ${len(args)}")
    return await conn.fetch(sql, *args)


async def insert(conn: asyncpg.Connection, table: str, values: dict[str, Any]) -> asyncpg.Record:
    cols = ", ".join(values)
    params = ", ".join(f"${i + 1}" for i in range(len(values)))
    return await conn.fetchrow(f"INSERT INTO {table} ({cols}) VALUES ({params}) RETURNING *", *values.values())


async def update(conn: asyncpg.Connection, kind: Kind, key: list[Any], values: dict[str, Any]) -> asyncpg.Record:
    """Apply `values`, bump the version (new etag) and update_time."""
    sets = [f"{col} = ${i + 1}" for i, col in enumerate(values)]
    sets += ["version = version + 1", "update_time = now()"]
    sql = (f"UPDATE {kind.table} SET {', '.join(sets)} WHERE {kind.where_key(len(values) + 1)} RETURNING *")
    return await conn.fetchrow(sql, *values.values(), *key)


async def delete(conn: asyncpg.Connection, kind: Kind, key: list[Any]) -> None:
    await conn.execute(f"DELETE FROM {kind.table} WHERE {kind.where_key()}", *key)
