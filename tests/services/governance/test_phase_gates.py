"""RequestPhaseGate, GetPhaseGate, ListPhaseGates and ResumePhaseGate over gRPC, decided through DecideTask."""

from __future__ import annotations

import grpc

from pmaas.governance.v1 import governance_service_pb2 as api
from pmaas.governance.v1 import resources_pb2 as pb
from pmaas.projects.v1 import projects_service_pb2 as projects_api
from pmaas.projects.v1 import resources_pb2 as projects_pb
from tests.services.governance.processes import decide, until
from tests.support import fails, rid


async def _request(stub, caller, project: str, **kw) -> pb.PhaseGate:
    kw.setdefault("request_id", rid())
    return await caller(stub.RequestPhaseGate, api.RequestPhaseGateRequest(parent=project, **kw))


async def _gate_in(stub, caller, name: str, *states: int) -> pb.PhaseGate:
    return await until(lambda: caller(stub.GetPhaseGate, api.GetPhaseGateRequest(name=name)),
                       lambda g: g.state in states, f"{name} in {states}")


async def _gate_task(stub, caller, gate: pb.PhaseGate) -> pb.Task:
    found = await until(lambda: caller(stub.ListTasks, api.ListTasksRequest(
        parent=gate.name.split("/projects/")[0], filter=f'process = "{gate.name}"')), lambda r: r.tasks,
        f"the task of {gate.name}")
    return found.tasks[0]


async def test_a_go_moves_the_project_to_the_next_phase(governance_stub, projects_stub, worker, as_role, org, project):
    pm, sponsor = as_role("pm", "paula"), as_role("sponsor", "sam")
    gate = await _request(governance_stub, pm, project)
    assert gate.name.startswith(f"{project}/phaseGates/") and gate.requester == "paula"
    assert gate.to_phase == projects_pb.PHASE_PLANNING
    awaiting = await _gate_in(governance_stub, pm, gate.name, pb.PHASE_GATE_STATE_AWAITING_DECISION)
    assert awaiting.from_phase == projects_pb.PHASE_INITIATION
    task = await _gate_task(governance_stub, sponsor, gate)
    assert task.kind == pb.TASK_KIND_PHASE_GATE and "GO" in task.choices
    await decide(governance_stub, sponsor, task.name, "GO", "ready to plan")
    passed = await _gate_in(governance_stub, pm, gate.name, pb.PHASE_GATE_STATE_PASSED)
    assert passed.decision == pb.GATE_DECISION_GO and passed.criteria
    moved = await pm(projects_stub.GetProject, projects_api.GetProjectRequest(name=project))
    assert moved.phase == projects_pb.PHASE_PLANNING
    listed = await pm(governance_stub.ListPhaseGates, api.ListPhaseGatesRequest(parent=project))
    assert [g.name for g in listed.phase_gates] == [gate.name]
    every = await pm(governance_stub.ListPhaseGates, api.ListPhaseGatesRequest(
        parent=f"organizations/{org}/projects/-", filter="state = PHASE_GATE_STATE_PASSED"))
    assert [g.name for g in every.phase_gates] == [gate.name]


async def test_a_gate_on_hold_resumes_by_its_requester(governance_stub, worker, as_role, org, project, db_conn):
    pm, sponsor = as_role("pm", "paula"), as_role("sponsor", "sam")
    gate = await _request(governance_stub, pm, project)
    early = await fails(pm(governance_stub.ResumePhaseGate, api.ResumePhaseGateRequest(name=gate.name)))
    assert (early.code, early.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_ALLOWED")
    await _gate_in(governance_stub, pm, gate.name, pb.PHASE_GATE_STATE_AWAITING_DECISION)
    task = await _gate_task(governance_stub, sponsor, gate)
    await decide(governance_stub, sponsor, task.name, "HOLD", "budget unclear")
    await _gate_in(governance_stub, pm, gate.name, pb.PHASE_GATE_STATE_ON_HOLD)
    stranger = await fails(as_role("pm", "pete")(governance_stub.ResumePhaseGate,
                                                 api.ResumePhaseGateRequest(name=gate.name)))
    assert stranger.reason == "NOT_ALLOWED"
    resumed = await pm(governance_stub.ResumePhaseGate, api.ResumePhaseGateRequest(
        name=gate.name, comment="budget clarified", request_id=rid()))
    assert resumed.state in (pb.PHASE_GATE_STATE_EVALUATING, pb.PHASE_GATE_STATE_AWAITING_DECISION)
    again = await _gate_in(governance_stub, pm, gate.name, pb.PHASE_GATE_STATE_AWAITING_DECISION)
    assert len(again.tasks) == 2
    assert await db_conn.fetchval("SELECT count(*) FROM refused_attempts WHERE org_id = $1 AND "
                                  "method = 'ResumePhaseGate'", org) == 2


async def test_gate_requests_are_validated(governance_stub, as_role, org, project):
    pm = as_role("pm", "paula")
    back = await fails(_request(governance_stub, pm, project, phase_gate=pb.PhaseGate(
        to_phase=projects_pb.PHASE_EXECUTION)))
    assert (back.code, set(back.fields)) == (grpc.StatusCode.INVALID_ARGUMENT, {"phase_gate.to_phase"})
    unknown = await fails(_request(governance_stub, pm, project, phase_gate=pb.PhaseGate(to_phase=42)))
    assert set(unknown.fields) == {"phase_gate.to_phase"}
    output_only = await fails(_request(governance_stub, pm, project, phase_gate=pb.PhaseGate(requester="x")))
    assert set(output_only.fields) == {"phase_gate"}
    missing = await fails(_request(governance_stub, pm, f"organizations/{org}/projects/nope"))
    assert missing.code == grpc.StatusCode.NOT_FOUND
    bad_parent = await fails(pm(governance_stub.ListPhaseGates, api.ListPhaseGatesRequest(parent="projects/-")))
    assert "parent" in bad_parent.fields
    not_found = await fails(pm(governance_stub.GetPhaseGate, api.GetPhaseGateRequest(name=f"{project}/phaseGates/a1")))
    assert not_found.code == grpc.StatusCode.NOT_FOUND
    long_comment = await fails(pm(governance_stub.ResumePhaseGate, api.ResumePhaseGateRequest(
        name=f"{project}/phaseGates/a1", comment="x" * 4001)))
    assert set(long_comment.fields) == {"comment"}
