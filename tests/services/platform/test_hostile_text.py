"""Hostile text against the real servers: NUL and other control characters are INVALID_ARGUMENT naming the
field (never INTERNAL), and ids, codes and names match whole strings (a trailing newline is no id)."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import field_mask_pb2, struct_pb2
from google.type import money_pb2

from pmaas.billing.v1 import billing_service_pb2 as billing_api
from pmaas.billing.v1 import resources_pb2 as billing_pb
from pmaas.governance.v1 import governance_service_pb2 as governance_api
from pmaas.governance.v1 import resources_pb2 as governance_pb
from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import resources_pb2 as pb
from pmaas.risks.v1 import resources_pb2 as risks_pb
from pmaas.risks.v1 import risks_service_pb2 as risks_api
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.platform.grpc_server import may_hold_nul, nul_field
from tests.support import date, eur, fails, rid

NUL = "a\x00b"


@pytest.fixture
async def risks(risks_service):
    """A RisksService stub of this module's own: the session's `risks_stub` is left for tests/services/risks,
    whose conftest puts the service on a clock it moves (the first to use `risks_stub` fixes its server)."""
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{risks_service.port}")
    yield risks_service_pb2_grpc.RisksServiceStub(channel)
    await channel.close()


def a_project(**fields) -> pb.Project:
    values = {"code": "APL-1", "display_name": "Apollo", "methodology": pb.METHODOLOGY_AGILE}
    values.update(fields)
    return pb.Project(**values)


async def create_project(projects_stub, caller, org: str, project_id: str = "apollo", **fields) -> pb.Project:
    return await caller(projects_stub.CreateProject, api.CreateProjectRequest(
        parent=f"organizations/{org}", project_id=project_id, project=a_project(**fields)))


def refused_on(failure, field: str) -> None:
    assert failure.code == grpc.StatusCode.INVALID_ARGUMENT, failure
    assert field in failure.fields, failure


# --- projects -----------------------------------------------------------------------------------------


async def test_nul_in_a_project_display_name_is_invalid_argument_on_the_field(projects_stub, as_role, org):
    failure = await fails(create_project(projects_stub, as_role("pmo"), org, display_name=NUL))
    refused_on(failure, "project.display_name")


@pytest.mark.parametrize("text", ["a\x07b", "a\x1bb", "two\nlines", "a\x7fb"])
async def test_control_characters_in_a_single_line_field_are_refused_by_validation(projects_stub, as_role, org,
                                                                                    text):
    failure = await fails(create_project(projects_stub, as_role("pmo"), org, display_name=text))
    refused_on(failure, "project.display_name")
    assert "control characters" in failure.fields["project.display_name"]


async def test_free_text_keeps_tabs_and_line_breaks_but_not_other_control_characters(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await create_project(projects_stub, pmo, org, scope_statement="In:\tERP\r\nOut:\tCRM")
    assert created.scope_statement == "In:\tERP\r\nOut:\tCRM"
    failure = await fails(create_project(projects_stub, pmo, org, "other", code="OTH-1",
                                         scope_statement="bell\x07"))
    refused_on(failure, "project.scope_statement")


async def test_nul_in_an_update_and_in_a_list_item_is_invalid_argument(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await create_project(projects_stub, pmo, org)
    update = await fails(pmo(projects_stub.UpdateProject, api.UpdateProjectRequest(
        project=pb.Project(name=created.name, display_name=NUL))))
    refused_on(update, "project.display_name")
    item = await fails(create_project(projects_stub, pmo, org, "other", code="OTH-1", objectives=["ok", NUL]))
    refused_on(item, "project.objectives[1]")


async def test_a_project_id_with_a_trailing_newline_is_refused(projects_stub, as_role, org):
    failure = await fails(create_project(projects_stub, as_role("pmo"), org, "nl\n"))
    refused_on(failure, "project_id")


async def test_a_project_code_with_a_trailing_newline_is_refused(projects_stub, as_role, org):
    failure = await fails(create_project(projects_stub, as_role("pmo"), org, code="nl\n"))
    refused_on(failure, "project.code")


async def test_a_resource_name_with_a_trailing_newline_is_refused(projects_stub, as_role, org):
    pmo = as_role("pmo")
    created = await create_project(projects_stub, pmo, org)
    failure = await fails(pmo(projects_stub.GetProject, api.GetProjectRequest(name=created.name + "\n")))
    refused_on(failure, "name")


async def test_a_currency_with_a_trailing_newline_is_refused(projects_stub, as_role, org):
    failure = await fails(create_project(projects_stub, as_role("pmo"), org,
                                         budget=money_pb2.Money(currency_code="EUR\n", units=1000)))
    refused_on(failure, "project.budget.currency_code")


@pytest.mark.parametrize("value", ['"a\x00b"', '"a\x01b"'])
async def test_a_filter_value_with_a_control_character_is_invalid_argument_on_filter(projects_stub, as_role, org,
                                                                                      value):
    failure = await fails(as_role("viewer")(projects_stub.ListProjects, api.ListProjectsRequest(
        parent=f"organizations/{org}", filter=f"code = {value}")))
    refused_on(failure, "filter")


# --- risks --------------------------------------------------------------------------------------------


async def test_nul_in_a_risk_title_and_in_a_mitigation_action_is_invalid_argument(projects_stub, risks, as_role,
                                                                                   org):
    project = await create_project(projects_stub, as_role("pmo"), org)
    pm = as_role("pm")

    def create(**fields):
        values = {"title": "Vendor delivers late", "probability": 3, "impact": 4}
        values.update(fields)
        return pm(risks.CreateRisk, risks_api.CreateRiskRequest(
            parent=project.name, risk=risks_pb.Risk(**values), request_id=rid()))

    refused_on(await fails(create(title=NUL)), "risk.title")
    action = risks_pb.Action(description=NUL)
    refused_on(await fails(create(mitigation_plan=[action])), "risk.mitigation_plan[0].description")
    refused_on(await fails(create(title="tab\tin a title")), "risk.title")
    listed = await fails(pm(risks.ListRisks, risks_api.ListRisksRequest(
        parent=project.name, filter=f'owner = "{NUL}"')))
    refused_on(listed, "filter")


# --- billing ------------------------------------------------------------------------------------------


async def test_nul_in_billing_text_is_invalid_argument_on_the_field(projects_stub, billing_stub, as_role, org):
    project = await create_project(projects_stub, as_role("pmo"), org)
    finance = as_role("finance")

    def engagement(**fields):
        values = {"display_name": "Apollo delivery", "billing_model": billing_pb.BILLING_MODEL_TIME_AND_MATERIALS,
                  "currency_code": "EUR", "payment_terms_days": 30, "projects": [project.name]}
        values.update(fields)
        return finance(billing_stub.CreateEngagement, billing_api.CreateEngagementRequest(
            parent=f"organizations/{org}", engagement_id="main", engagement=billing_pb.Engagement(**values),
            request_id=rid()))

    refused_on(await fails(engagement(display_name=NUL)), "engagement.display_name")
    refused_on(await fails(engagement(projects=[project.name + "\n"])), "engagement.projects[0]")
    created = await engagement()
    member = as_role("member")

    def time_entry(**fields):
        values = {"project": project.name, "work_date": date(2027, 1, 4), "hours": "8", "role": "consultant"}
        values.update(fields)
        return member(billing_stub.CreateTimeEntry, billing_api.CreateTimeEntryRequest(
            parent=created.name, time_entry=billing_pb.TimeEntry(**values), request_id=rid()))

    refused_on(await fails(time_entry(note=NUL)), "time_entry.note")
    refused_on(await fails(time_entry(role="consultant\x1b[31m")), "time_entry.role")
    refused_on(await fails(time_entry(hours="8\n")), "time_entry.hours")


# --- governance ---------------------------------------------------------------------------------------


async def test_nul_in_a_change_request_title_is_invalid_argument_on_the_field(projects_stub, governance_stub,
                                                                               as_role, org):
    project = await create_project(projects_stub, as_role("pmo"), org)
    pm = as_role("pm", "paula")

    def submit(**fields):
        values = {"project": project.name, "title": "More testing", "type": governance_pb.CHANGE_TYPE_NORMAL,
                  "budget_delta": eur(5_000)}
        values.update(fields)
        return pm(governance_stub.SubmitChangeRequest, governance_api.SubmitChangeRequestRequest(
            parent=f"organizations/{org}", change_request=governance_pb.ChangeRequest(**values), request_id=rid()))

    refused_on(await fails(submit(title=NUL)), "change_request.title")
    refused_on(await fails(submit(title="bell\x07")), "change_request.title")


async def test_nul_in_text_no_validator_checks_is_refused_before_the_handler(governance_stub, as_role, org):
    """The last line (grpc_server.TextInterceptor): policy catalogue text goes to jsonb without check_text."""
    pmo = as_role("pmo")
    name = f"organizations/{org}/governancePolicy"
    current = await pmo(governance_stub.GetGovernancePolicy, governance_api.GetGovernancePolicyRequest(name=name))
    catalogue = list(current.standard_catalogue)
    catalogue[0].title = NUL
    failure = await fails(pmo(governance_stub.UpdateGovernancePolicy, governance_api.UpdateGovernancePolicyRequest(
        governance_policy=governance_pb.GovernancePolicy(name=name, standard_catalogue=catalogue),
        update_mask=field_mask_pb2.FieldMask(paths=["standard_catalogue"]), request_id=rid())))
    refused_on(failure, "governance_policy.standard_catalogue[0].title")


async def test_a_caller_without_a_token_learns_nothing_about_its_text(projects_stub, org):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await projects_stub.ListProjects(api.ListProjectsRequest(parent=f"organizations/{org}", filter=NUL))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_request_without_a_zero_byte_on_the_wire_is_not_walked_and_one_with_nul_always_is():
    nested = risks_pb.Risk(title="ok", mitigation_plan=[risks_pb.Action(owner="a"),
                                                          risks_pb.Action(owner="b" + NUL)])
    assert may_hold_nul(nested) and nul_field(nested) == "mitigation_plan[1].owner"
    assert may_hold_nul(struct_pb2.Struct(fields={NUL: struct_pb2.Value(string_value="v")}))
    assert not may_hold_nul(risks_pb.Risk(title="a\nb\tc", description="x" * 300))
    # A zero byte that is no NUL (here the empty nested message's length) only costs the walk, which finds none.
    empty_plan = risks_pb.Risk(title="t", mitigation_plan=[risks_pb.Action()])
    assert may_hold_nul(empty_plan) and nul_field(empty_plan) is None


def test_nul_field_names_the_path_through_messages_lists_and_maps():
    risk = risks_pb.Risk(title="ok", mitigation_plan=[risks_pb.Action(description="ok"),
                                                      risks_pb.Action(owner=NUL)])
    assert nul_field(risk) == "mitigation_plan[1].owner"
    assert nul_field(struct_pb2.Struct(fields={"k": struct_pb2.Value(string_value=NUL)})) == "fields['k'].string_value"
    assert nul_field(struct_pb2.Struct(fields={NUL: struct_pb2.Value(string_value="v")})) == "fields"
    assert nul_field(risks_pb.Risk(title="a\nb\tc")) is None


def test_control_characters_are_exactly_unicode_category_cc_in_every_code_point() -> None:
    """The regular expressions behind control_character_problem match what Unicode calls a control character,
    over the whole code space, single-line and multiline (where only tab, line feed and carriage return pass)."""
    import unicodedata

    from services.platform.resources import control_character_problem

    for code in range(0x110000):
        c = chr(code)
        control = unicodedata.category(c) == "Cc"
        assert (control_character_problem(f"a{c}b") is not None) == control, hex(code)
        assert (control_character_problem(f"a{c}b", multiline=True) is not None) == (control and c not in "\t\n\r")
    assert control_character_problem("ok\x07") == "must not contain control characters (U+0007 at position 2)"
