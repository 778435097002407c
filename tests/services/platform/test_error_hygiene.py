"""What a caller learns when something fails: never PostgreSQL's text or constraint names, a field for a
CHECK violation, and a dependency's own reason after a service-to-service call."""

from __future__ import annotations

import logging

import asyncpg
import grpc

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from services.platform import errors
from services.platform.grpc_server import database_error
from tests.support import fails, rid


def _pg_error(sqlstate: str, constraint: str, table: str = "projects") -> asyncpg.PostgresError:
    """An asyncpg error as the server would raise it, with PostgreSQL's own message and detail."""
    return asyncpg.PostgresError.new({
        "C": sqlstate, "s": table, "t": table, "n": constraint,
        "M": f'new row for relation "{table}" violates check constraint "{constraint}"',
        "D": "Failing row contains (acme, apollo, -1).",
    })


def _leaks(message: str, constraint: str) -> bool:
    return any(text in message for text in ("Key (", "violates", "Failing row", constraint))


async def test_a_duplicate_project_code_names_the_field_and_no_database_text(projects_stub, as_role, org):
    pmo = as_role("pmo")
    for project_id in ("first", "second"):
        request = api.CreateProjectRequest(parent=f"organizations/{org}", project_id=project_id, request_id=rid(),
                                           project=pb.Project(code="ERP-1", display_name=project_id,
                                                              methodology=pb.METHODOLOGY_AGILE))
        if project_id == "first":
            await pmo(projects_stub.CreateProject, request)
    failure = await fails(pmo(projects_stub.CreateProject, request))
    assert (failure.code, failure.reason) == (grpc.StatusCode.ALREADY_EXISTS, "DUPLICATE_VALUE")
    assert failure.metadata == {"field": "project.code"}
    assert "project.code" in failure.message
    assert not _leaks(failure.message, "projects_org_id_code_key")
    assert "ERP-1" not in failure.message and org not in failure.message


def test_a_check_violation_on_a_known_constraint_is_a_field_violation(caplog):
    exc = _pg_error("23514", "projects_budget_micros_check")
    with caplog.at_level(logging.WARNING, logger="services.platform.grpc_server"):
        api_error = database_error(exc, "/pmaas.projects.v1.ProjectsService/UpdateProject")
    assert (api_error.code, api_error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert [f for f, _ in api_error.violations] == ["project.budget"]
    assert not _leaks(api_error.message, "projects_budget_micros_check")
    assert not any(_leaks(d, "projects_budget_micros_check") for _, d in api_error.violations)
    assert "projects_budget_micros_check" not in str(api_error.to_status())
    # The original goes to the log, with the method.
    logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert logged and "UpdateProject" in logged[0].getMessage()
    assert "projects_budget_micros_check" in logged[0].getMessage()


def test_a_check_violation_on_an_unknown_constraint_has_no_field_and_no_database_text():
    api_error = database_error(_pg_error("23514", "mystery_check"), "/pmaas.x.v1.X/Do")
    assert (api_error.code, api_error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "CHECK_VIOLATION")
    assert api_error.violations == [] and api_error.metadata == {}
    assert not _leaks(api_error.message, "mystery_check")


def test_other_mapped_database_errors_carry_a_fixed_message_only():
    for sqlstate, constraint in (("23505", "projects_org_id_code_key"), ("23503", "projects_org_id_fkey")):
        api_error = database_error(_pg_error(sqlstate, constraint), "/pmaas.x.v1.X/Do")
        assert api_error.message == errors.SQLSTATE_TO_ERROR[sqlstate][2]
        assert not _leaks(api_error.message, constraint) and api_error.metadata == {}


async def test_every_registered_check_constraint_exists_in_the_migrated_schemas(
        database_url, projects_service, risks_service, billing_service, governance_pool):
    conn = await asyncpg.connect(database_url)
    try:
        names = {r["conname"] for r in await conn.fetch("SELECT conname FROM pg_constraint WHERE contype = 'c'")}
    finally:
        await conn.close()
    assert set(errors.CHECK_FIELDS) <= names, set(errors.CHECK_FIELDS) - names


async def test_a_dependency_s_reason_survives_a_service_to_service_call(billing_stub, as_role, org):
    missing = f"organizations/{org}/projects/missing"
    failure = await fails(as_role("viewer")(billing_stub.GetFinancialReport, billing_api.GetFinancialReportRequest(
        name=f"{missing}/financialReport")))
    # ProjectsService's NOT_FOUND/RESOURCE_NOT_FOUND, as an activity calling it directly would see it.
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    assert failure.metadata == {"dependency_status": "NOT_FOUND", "dependency_reason": "RESOURCE_NOT_FOUND"}
    assert missing in failure.message


# --- refusals fit the caller's metadata limit (gRPC clients take 8 KiB of trailing metadata by default) ----


def test_a_status_fits_the_clients_metadata_limit_whatever_it_carries():
    wide = "\U0001f642" * 10_000  # 4 bytes each in UTF-8, 3 escapes a byte in grpc-message
    api_error = errors.ApiError(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", wide,
                                [(f"items[{i}]{wide}", wide) for i in range(5_000)], {"resource": wide})
    status = api_error.to_status()
    grpc_message = 3 * len(status.message.encode())
    details_bin = 4 * (status.ByteSize() + 2) // 3
    assert grpc_message + details_bin < 8 * 1024
    assert status.message.endswith("violations not listed)")


async def test_a_refusal_of_a_thousand_bad_items_reaches_the_caller_with_the_first_ones_listed(
        projects_stub, as_role, org):
    failure = await fails(as_role("pmo")(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id="many", request_id=rid(), project=pb.Project(
            code="MANY-1", display_name="Many", methodology=pb.METHODOLOGY_AGILE, objectives=["\x07"] * 1001))))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert "project.objectives" in failure.fields and "project.objectives[0]" in failure.fields
    assert "more violations not listed" in failure.message


async def test_a_huge_value_quoted_back_in_a_refusal_is_cut_short(projects_stub, as_role, org):
    name = f"organizations/{'A' * 1_000_000}/projects/apollo"
    failure = await fails(as_role("viewer")(projects_stub.GetProject, api.GetProjectRequest(name=name)))
    assert (failure.code, failure.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert set(failure.fields) == {"name"} and failure.fields["name"].endswith("\u2026")
