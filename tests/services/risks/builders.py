"""Builders of valid requests, so each test states only what it is about."""

from __future__ import annotations

import datetime as dt

from google.type import date_pb2

from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from pmaas.risks.v1 import resources_pb2 as pb
from pmaas.risks.v1 import risks_service_pb2 as api
from tests.support import rid


async def make_project(projects_stub, caller, org: str, project_id: str, portfolio: str = "") -> str:
    created = await caller(projects_stub.CreateProject, projects_api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, project=projects_pb.Project(
            code=project_id.upper(), display_name=f"Project {project_id}", methodology=projects_pb.METHODOLOGY_AGILE,
            portfolio=portfolio)))
    return created.name


def a_risk(**fields) -> pb.Risk:
    values = {"title": "Vendor delivers late", "probability": 3, "impact": 4, "owner": "alice"}
    values.update(fields)
    return pb.Risk(**values)


def an_issue(**fields) -> pb.Issue:
    values = {"title": "Interface spec missing", "severity": pb.ISSUE_SEVERITY_MEDIUM, "owner": "bob"}
    values.update(fields)
    return pb.Issue(**values)


def a_date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


async def create_risk(stub, caller, parent: str, risk_id: str = "", **fields) -> pb.Risk:
    return await caller(stub.CreateRisk, api.CreateRiskRequest(parent=parent, risk_id=risk_id,
                                                               risk=a_risk(**fields), request_id=rid()))


async def create_issue(stub, caller, parent: str, issue_id: str = "", **fields) -> pb.Issue:
    return await caller(stub.CreateIssue, api.CreateIssueRequest(parent=parent, issue_id=issue_id,
                                                                 issue=an_issue(**fields), request_id=rid()))
