"""SQL for the risks schema: rows <-> protos, and the queries the servicer runs.

Generic reads and writes are in services/platform/tables.py. A risk's levels
depend on its organization's matrix, so risks convert to protos with the
matrix in hand.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import asyncpg

from pmaas.risks.v1 import resources_pb2 as pb
from services.platform import pagination
from services.platform.filters import Field
from services.platform.names import ISSUE_PATTERN, RISK_PATTERN
from services.platform.resources import etag_of, to_date, to_timestamp
from services.platform.tables import Table, insert
from services.risks.rules import ACTIVE_STATUSES, DEFAULT_MATRIX, Matrix

_PROJECT_CHILD = ("org_id", "project_id", "id")
RISKS = Table("risks", RISK_PATTERN, _PROJECT_CHILD, {
    "status": Field("status", "enum", pb.RiskStatus.DESCRIPTOR),
    "category": Field("category"),
    "owner": Field("owner"),
    "probability": Field("probability", "int"),
    "impact": Field("impact", "int"),
    "inherent_score": Field("inherent_score", "int"),
    "residual_score": Field("residual_score", "int"),
    "is_opportunity": Field("is_opportunity", "bool"),
    "response_strategy": Field("response_strategy", "enum", pb.ResponseStrategy.DESCRIPTOR),
})
def risk_name(org: str, project: str, risk_id: str) -> str:
    return RISKS.pattern.format(organization=org, project=project, risk=risk_id)


def issue_name(org: str, project: str, issue_id: str) -> str:
    return ISSUES.pattern.format(organization=org, project=project, issue=issue_id)


def _actions(plan_json: str) -> list[pb.Action]:
    return [pb.Action(description=a["description"], owner=a["owner"], state=a["state"],
                      due_date=to_date(dt.date.fromisoformat(a["due_date"]) if a["due_date"] else None))
            for a in json.loads(plan_json)]


def risk(row: asyncpg.Record, matrix: Matrix) -> pb.Risk:
    name = risk_name(row["org_id"], row["project_id"], row["id"])
    return pb.Risk(
        name=name, title=row["title"], description=row["description"], category=row["category"],
        cause=row["cause"], effect=row["effect"], owner=row["owner"], probability=row["probability"],
        impact=row["impact"], inherent_score=row["inherent_score"],
        inherent_level=matrix.level_of(row["inherent_score"]), is_opportunity=row["is_opportunity"],
        response_strategy=row["response_strategy"], mitigation_plan=_actions(row["mitigation_plan"]),
        contingency_plan=_actions(row["contingency_plan"]), residual_probability=row["residual_probability"],
        residual_impact=row["residual_impact"], residual_score=row["residual_score"],
        residual_level=matrix.level_of(row["residual_score"]), status=row["status"],
        review_cadence_days=row["review_cadence_days"], next_review_time=to_timestamp(row["next_review_time"]),
        create_time=to_timestamp(row["create_time"]), update_time=to_timestamp(row["update_time"]),
        etag=etag_of(name, row["version"]),
    )


def issue(row: asyncpg.Record) -> pb.Issue:
    name = issue_name(row["org_id"], row["project_id"], row["id"])
    return pb.Issue(
        name=name, title=row["title"], description=row["description"], severity=row["severity"],
        owner=row["owner"], due_date=to_date(row["due_date"]), status=row["status"], resolution=row["resolution"],
        source_risk=row["source_risk"], create_time=to_timestamp(row["create_time"]),
        update_time=to_timestamp(row["update_time"]), etag=etag_of(name, row["version"]),
    )


ISSUES = Table("issues", ISSUE_PATTERN, _PROJECT_CHILD, {
    "status": Field("status", "enum", pb.IssueStatus.DESCRIPTOR),
    "severity": Field("severity", "enum", pb.IssueSeverity.DESCRIPTOR),
    "owner": Field("owner"),
    "due_date": Field("due_date", "date"),
    "source_risk": Field("source_risk"),
}, to_proto=issue)


def score_change(row: asyncpg.Record) -> pb.RiskScoreChange:
    return pb.RiskScoreChange(
        probability=row["probability"], impact=row["impact"], inherent_score=row["probability"] * row["impact"],
        inherent_level=row["inherent_level"], residual_probability=row["residual_probability"],
        residual_impact=row["residual_impact"], residual_score=row["residual_probability"] * row["residual_impact"],
        residual_level=row["residual_level"], status=row["status"], actor=row["actor"],
        change_time=to_timestamp(row["change_time"]),
    )


def escalation_event(row: asyncpg.Record) -> pb.IssueEscalationEvent:
    return pb.IssueEscalationEvent(
        sequence=row["seq"], issue=row["issue"], trigger=row["trigger"], severity=row["severity"],
        previous_severity=row["previous_severity"], title=row["title"], owner=row["owner"], actor=row["actor"],
        event_time=to_timestamp(row["event_time"]),
    )


# --- the risk matrix -------------------------------------------------------------

@dataclass(frozen=True)
class MatrixState:
    matrix: Matrix
    version: int  # 0 while the organization uses the default
    update_time: dt.datetime | None


async def matrix_state(conn: asyncpg.Connection, org: str, *, lock: bool = False) -> MatrixState:
    """The org's matrix; with `lock`, its row is created (with the default bands) and locked to commit."""
    if lock:
        await conn.execute("INSERT INTO risk_matrices (org_id, bands) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           org, DEFAULT_MATRIX.to_json())
    row = await conn.fetchrow("SELECT bands, version, update_time FROM risk_matrices WHERE org_id = $1"
                              + (" FOR UPDATE" if lock else ""), org)
    if row is None:
        return MatrixState(DEFAULT_MATRIX, 0, None)
    return MatrixState(Matrix.from_json(row["bands"]), row["version"], row["update_time"])


async def matrix(conn: asyncpg.Connection, org: str) -> Matrix:
    return (await matrix_state(conn, org)).matrix


async def save_matrix(conn: asyncpg.Connection, org: str, new: Matrix) -> MatrixState:
    row = await conn.fetchrow(
        """UPDATE risk_matrices SET bands = $2, version = version + 1, update_time = now()
           WHERE org_id = $1 RETURNING version, update_time""", org, new.to_json())
    return MatrixState(new, row["version"], row["update_time"])


# --- history and escalation events ------------------------------------------------

async def append_history(conn: asyncpg.Connection, row: asyncpg.Record, matrix_now: Matrix, actor: str,
                         when: dt.datetime) -> None:
    await conn.execute(
        """INSERT INTO risk_score_history (org_id, project_id, risk_id, probability, impact, inherent_level,
                                           residual_probability, residual_impact, residual_level, status, actor,
                                           change_time)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
        row["org_id"], row["project_id"], row["id"], row["probability"], row["impact"],
        matrix_now.level_of(row["inherent_score"]), row["residual_probability"], row["residual_impact"],
        matrix_now.level_of(row["residual_score"]), row["status"], actor, when)


async def history_page(conn: asyncpg.Connection, risk_key: list[str], page: pagination.Page) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT * FROM risk_score_history WHERE org_id = $1 AND project_id = $2 AND risk_id = $3 AND seq > $4
           ORDER BY seq LIMIT $5""", *risk_key, page.after_seq, page.size + 1)


async def append_event(conn: asyncpg.Connection, org: str, values: dict[str, Any]) -> None:
    # Serialize per organization to commit, so sequence numbers become visible in order.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('issue_events:' || $1))", org)
    seq = await conn.fetchval("SELECT coalesce(max(seq), 0) + 1 FROM issue_events WHERE org_id = $1", org)
    await insert(conn, "issue_events", {"org_id": org, "seq": seq, **values})


async def events_after(conn: asyncpg.Connection, org: str, after_seq: int, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM issue_events WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                            org, after_seq, limit)


# --- views --------------------------------------------------------------------------

def _in_scope(org: str, project_ids: list[str] | None) -> tuple[str, list[Any]]:
    """WHERE clause and arguments for the active risks of an org, or of some of its projects."""
    where, args = "org_id = $1 AND status = ANY($2)", [org, list(ACTIVE_STATUSES)]
    if project_ids is None:
        return where, args
    return where + " AND project_id = ANY($3)", [*args, project_ids]


async def active_risks(conn: asyncpg.Connection, org: str, project_ids: list[str] | None) -> list[asyncpg.Record]:
    """Active risks of the org, or of the listed projects only, in creation order."""
    where, args = _in_scope(org, project_ids)
    return await conn.fetch(f"SELECT * FROM risks WHERE {where} ORDER BY seq", *args)


async def heat_counts(conn: asyncpg.Connection, org: str, project_ids: list[str] | None,
                      residual: bool) -> dict[tuple[int, int], int]:
    """Active risks per (probability, impact); residual counts only risks assessed after response."""
    p, i = ("residual_probability", "residual_impact") if residual else ("probability", "impact")
    where, args = _in_scope(org, project_ids)
    rows = await conn.fetch(f"SELECT {p} AS p, {i} AS i, count(*) AS n FROM risks WHERE {where} AND {p} > 0 "
                            "GROUP BY 1, 2", *args)
    return {(r["p"], r["i"]): r["n"] for r in rows}
