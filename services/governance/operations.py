"""The business signals operators are paged for, as metrics of the governance service (from its read model).

- `pmaas_governance_tasks_open{kind, sla_state, age}`: open tasks by SLA state (BREACHED once past due) and age
  since opened (under_1d, 1d_to_3d, 3d_to_7d, 7d_or_more);
- `pmaas_governance_escalations_open{level, severity}`: open escalations by current level;
- `pmaas_governance_sla_breaches_total{process}`: SLA breaches so far, of tasks and of escalations;
- `pmaas_governance_billing_cycles_failed_total`: billing cycles that failed (their period could not be locked).

Failed activities by type are temporalio's own `temporal_activity_execution_failed{activity_type}`, from the
worker. A scrape cannot await a query, so `observe` recomputes these every settings.metrics_refresh_s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import asyncpg

from services.governance import store
from services.platform import metrics
from services.platform.settings import Settings
from workflows import billing_cycle, escalation

log = logging.getLogger(__name__)


async def read(conn: asyncpg.Connection, now: dt.datetime) -> dict[str, list[tuple[float, dict]]]:
    tasks = await store.open_tasks_by_sla_and_age(conn, now)
    escalations = await store.open_processes_by_level(conn, escalation.KIND)
    breaches = await store.sla_breaches(conn, escalation.KIND, now)
    failed = await store.processes_in_state(conn, billing_cycle.KIND, "FAILED")
    return {
        "tasks": [(r["total"], {"kind": r["kind"], "sla_state": r["sla_state"], "age": r["age"]}) for r in tasks],
        "escalations": [(r["total"], {"level": r["level"], "severity": r["severity"]}) for r in escalations],
        "breaches": [(breaches["tasks"], {"process": "task"}), (breaches["escalations"], {"process": "escalation"})],
        "billing_cycles_failed": [(failed, {})],
    }


async def observe(pool: asyncpg.Pool, settings: Settings) -> None:
    """Register the instruments and keep their values fresh until cancelled; nothing when metrics are off."""
    if not metrics.enabled():
        return
    snapshot = metrics.Snapshot()
    meter = metrics.meter("pmaas.governance")
    meter.create_observable_gauge("pmaas.governance.tasks.open", [snapshot.callback("tasks")],
                                  description="Open tasks by kind, SLA state and age since opened")
    meter.create_observable_gauge("pmaas.governance.escalations.open", [snapshot.callback("escalations")],
                                  description="Open escalations by current level and severity")
    meter.create_observable_counter("pmaas.governance.sla.breaches", [snapshot.callback("breaches")],
                                    description="SLA breaches so far, of tasks and of escalations")
    meter.create_observable_counter("pmaas.governance.billing_cycles.failed",
                                    [snapshot.callback("billing_cycles_failed")],
                                    description="Billing cycles that failed")
    while True:
        try:
            async with pool.acquire() as conn:
                snapshot.values = await read(conn, dt.datetime.now(dt.UTC))
        except Exception:  # noqa: BLE001 - whatever a refresh meets, the loop goes on: a dead task freezes the series
            log.warning("could not refresh the governance metrics", exc_info=True)  # kept: the last values
        await asyncio.sleep(settings.metrics_refresh_s)
