"""The GovernanceService's use of Temporal: connect, start a process once, send an update.

Processes are started by workflow type name, so this service needs the workflow's input
dataclasses but not the workflow classes. A start is idempotent: the workflow id derives from
the caller's request id, a running one is joined (USE_EXISTING) and a finished one is never
started again (REJECT_DUPLICATE). Updates carry an id built from the caller's request id, so
Temporal answers a retry with the first outcome.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import grpc
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from services.platform import errors, metrics, temporal_tracing
from services.platform.settings import Settings
from workflows.approvals import Refusal

log = logging.getLogger(__name__)

ORG = SearchAttributeKey.for_keyword("PmaasOrg")
PROJECT = SearchAttributeKey.for_keyword("PmaasProject")
KIND = SearchAttributeKey.for_keyword("PmaasKind")

CHANGE_REQUEST_WORKFLOW = "ChangeRequestWorkflow"
PHASE_GATE_WORKFLOW = "PhaseGateWorkflow"
CONNECT_TIMEOUT = dt.timedelta(seconds=10)
START_TIMEOUT_S = 10.0
# An update returns once the workflow has published the change (one activity): seconds, not minutes.
DEFAULT_UPDATE_TIMEOUT_S = 30.0


def address(settings: Settings) -> str:
    """PMAAS_TEMPORAL_ADDRESS, or the embedded dev server on this machine."""
    if settings.temporal_address:
        return settings.temporal_address
    host = "127.0.0.1" if settings.host in ("", "0.0.0.0", "::") else settings.host
    return f"{host}:{settings.temporal_port}"


async def connect(settings: Settings) -> Client:
    """A client whose starts and updates carry the caller's trace into the workflow and its activities (a worker
    built on it too: services/platform/temporal_tracing.py), and whose SDK metrics join this process's /metrics."""
    try:
        return await Client.connect(address(settings), namespace=settings.temporal_namespace,
                                    plugins=[temporal_tracing.plugin()], connect_timeout=CONNECT_TIMEOUT,
                                    runtime=metrics.temporal_runtime())
    except RuntimeError as exc:  # the core SDK's connection failure
        raise SystemExit(f"cannot reach Temporal at {address(settings)} ({exc}): start it or set "
                         "PMAAS_TEMPORAL_ADDRESS") from None


def search_attributes(org: str, project: str, kind: str) -> TypedSearchAttributes:
    return TypedSearchAttributes([SearchAttributePair(ORG, org), SearchAttributePair(PROJECT, project),
                                  SearchAttributePair(KIND, kind)])


def _unavailable(exc: RPCError) -> errors.ApiError:
    log.warning("temporal call failed", extra={"status": exc.status.name, "error": str(exc)})
    if exc.status == RPCStatusCode.DEADLINE_EXCEEDED:
        return errors.ApiError(grpc.StatusCode.DEADLINE_EXCEEDED, "PROCESS_TIMEOUT",
                               "the process engine did not answer in time; retry with the same request_id")
    return errors.ApiError(grpc.StatusCode.UNAVAILABLE, "PROCESS_ENGINE_UNAVAILABLE",
                           "the process engine is unavailable; retry with the same request_id")


async def start(client: Client, workflow: str, arg: Any, *, workflow_id: str, task_queue: str,
                attributes: TypedSearchAttributes, timeout_s: float,
                reuse: WorkflowIDReusePolicy = WorkflowIDReusePolicy.REJECT_DUPLICATE,
                after_previous: bool = False) -> None:
    """Start the process unless it runs or ran already (a retried submit). Returns once Temporal holds it,
    without waiting for a worker: a submit is accepted while workers restart. `reuse` ALLOW_DUPLICATE runs a
    finished process's id again (a billing period closed once more).

    `after_previous`: this is a new run of an id whose previous run the read model shows closed. That run
    publishes its closed view a moment before its execution ends; starting in that moment would join it
    (USE_EXISTING) and leave the new run recorded but never run. So the previous execution is awaited (within
    `timeout_s`) and the new one started after it."""
    conflict = WorkflowIDConflictPolicy.FAIL if after_previous else WorkflowIDConflictPolicy.USE_EXISTING

    async def begin() -> None:
        await client.start_workflow(
            workflow, arg, id=workflow_id, task_queue=task_queue, id_conflict_policy=conflict,
            id_reuse_policy=reuse, search_attributes=attributes, rpc_timeout=dt.timedelta(seconds=timeout_s))

    try:
        try:
            await begin()
        except WorkflowAlreadyStartedError:
            if not after_previous:
                return  # it ran and finished: the same request, answered from the read model
            await _closed(client, workflow_id, timeout_s)
            await begin()
    except RPCError as exc:
        raise _unavailable(exc) from None


async def _closed(client: Client, workflow_id: str, timeout_s: float) -> None:
    """Wait until the latest execution of `workflow_id` has ended, however it ended."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        await asyncio.wait_for(handle.result(), timeout_s)
    except TimeoutError:
        raise errors.ApiError(grpc.StatusCode.DEADLINE_EXCEEDED, "PROCESS_TIMEOUT",
                              "the previous run is still ending; retry with the same request_id") from None
    except WorkflowFailureError:
        pass  # ended: failed, cancelled or terminated


class Refused(Exception):
    """A workflow's validator (or Temporal, for a finished process) refused the update."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


PROCESS_CLOSED = "PROCESS_CLOSED"
_REFUSALS = frozenset(r.value for r in Refusal)


async def update(client: Client, workflow_id: str, name: str, arg: Any, *, update_id: str | None,
                 result_type: type | None, timeout_s: float) -> Any:
    """Send update `name` and wait for its result (None for a retry answered after the process ended);
    raises Refused for a refusal the caller must hear of."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        async with asyncio.timeout(timeout_s):
            return await handle.execute_update(name, arg, id=update_id, result_type=result_type,
                                               rpc_timeout=dt.timedelta(seconds=timeout_s))
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type in _REFUSALS:
            raise Refused(cause.type, cause.message) from None
        log.warning("update failed in the workflow", extra={"workflow_id": workflow_id, "update": name,
                                                            "error": str(cause)})
        raise errors.failed_precondition("UPDATE_FAILED", f"the process could not apply {name}: {cause}") from None
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise _unavailable(exc) from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise errors.ApiError(grpc.StatusCode.DEADLINE_EXCEEDED, "PROCESS_TIMEOUT",
                              f"the process did not answer {name} in time; retry with the same request_id") from None
    # NOT_FOUND: the workflow has completed (or never existed). A retry of an update it accepted before it
    # completed is answered as the first call was: the change is in the read model.
    if update_id and await _accepted(handle, update_id):
        return None
    raise Refused(PROCESS_CLOSED, "the process has ended; it accepts no more changes")


async def _accepted(handle: WorkflowHandle, update_id: str) -> bool:
    try:
        async for event in handle.fetch_history_events():
            if event.HasField("workflow_execution_update_accepted_event_attributes") and \
                    event.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id \
                    == update_id:
                return True
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise _unavailable(exc) from None
    return False
