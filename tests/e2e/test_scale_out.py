"""Scale-out, proven on one machine: three workers, two GovernanceService replicas and two replicas of each data
service (tests/e2e/replicas.py), each its own process, against one PostgreSQL and one Temporal. Under a steady
load of change requests, every one completes and is applied once, and the work spreads: every worker ran workflow
and activity tasks and every replica of every service answered calls, as each process's own metrics count them.
The spread is asserted (each replica > 0), not a balance: on a shared 2-core machine the split is timing's."""

from __future__ import annotations

import asyncio

import pytest

from pmaas.projects.v1 import projects_service_pb2 as papi
from tests.e2e.replicas import SCALED, ChangeRequestLoad, Replicas
from tests.e2e.stack import stack_env, until

CHANGE_REQUESTS = 24  # enough that a worker left without a first workflow task is a ~1 in 4,000 fluke
IN_FLIGHT = 6


@pytest.fixture
async def replicas(settings, runtime_database_url, temporal_env, tmp_path):
    # Small pools: eleven processes share the session's PostgreSQL (100 connections) with the in-process services.
    env = stack_env(settings, runtime_database_url, temporal_env, tmp_path, PMAAS_LOG_LEVEL="WARNING",
                    PMAAS_DB_POOL_MAX="4")
    running = Replicas(env, tmp_path, SCALED)
    try:
        await asyncio.to_thread(running.start)
        await running.workers_polling(temporal_env.client)
        yield running
    finally:
        await asyncio.to_thread(running.stop)


async def test_change_requests_spread_over_every_replica_and_each_is_applied_once(
        replicas, authority, temporal_env):
    load = ChangeRequestLoad(replicas, authority, temporal_env.client)
    try:
        projects = await load.seed(CHANGE_REQUESTS)
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def one(project: str) -> None:
            async with gate:
                await load.change(project)

        await asyncio.gather(*(one(p) for p in projects))
        # Applied once: each project has its first baseline and exactly the one the change request added.
        for project in projects:
            baselines = await load.call(load.admin, load.projects.ListBaselines,
                                         papi.ListBaselinesRequest(parent=project))
            assert [b.revision for b in baselines.baselines] == [1, 2], project
    finally:
        await load.close()
    assert len(load.completed) == CHANGE_REQUESTS
    assert all(view.baseline_revision == 2 for view in load.completed)

    # Each worker's metrics: it ran workflow tasks and activity tasks (temporalio exports them within ~1 s).
    for worker in replicas.replicas["worker"]:
        await until(lambda w=worker: _did(w, "workflow tasks", "activity tasks"), f"{worker.name}'s tasks",
                    timeout_s=10)
    # Each service replica's metrics: it answered calls of its service; both governance replicas took decisions,
    # and between them exactly one DecideTask per change request.
    for component in ("projects", "risks", "billing", "governance"):
        for replica in replicas.replicas[component]:
            assert replica.work()["calls"] > 0, (replica.name, replica.work())
    decided = [r.work().get("DecideTask", 0) for r in replicas.replicas["governance"]]
    assert all(d > 0 for d in decided) and sum(decided) == CHANGE_REQUESTS, decided


async def _did(replica, *kinds: str) -> bool:
    work = replica.work()
    return all(work[kind] > 0 for kind in kinds)
