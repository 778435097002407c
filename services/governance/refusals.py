"""What a caller hears when a workflow refuses an update: a status per workflows.approvals.Refusal,
with the refusal as the ErrorInfo reason."""

from __future__ import annotations

import grpc

from services.governance.temporal import PROCESS_CLOSED
from services.platform import errors
from workflows.approvals import Refusal as R

STATUS = {
    R.NOT_A_CANDIDATE: grpc.StatusCode.PERMISSION_DENIED,
    R.SELF_APPROVAL: grpc.StatusCode.PERMISSION_DENIED,
    R.CLAIMED_BY_OTHER: grpc.StatusCode.PERMISSION_DENIED,
    R.NOT_CLAIMANT: grpc.StatusCode.PERMISSION_DENIED,
    R.NOT_ALLOWED: grpc.StatusCode.PERMISSION_DENIED,
    R.TASK_CLOSED: grpc.StatusCode.FAILED_PRECONDITION,
    R.ALREADY_DECIDED: grpc.StatusCode.FAILED_PRECONDITION,
    R.NOT_CLAIMABLE: grpc.StatusCode.FAILED_PRECONDITION,
    PROCESS_CLOSED: grpc.StatusCode.FAILED_PRECONDITION,
    R.INVALID_CHOICE: grpc.StatusCode.INVALID_ARGUMENT,
    R.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    R.TASK_NOT_FOUND: grpc.StatusCode.NOT_FOUND,
}


def api_error(reason: str, message: str, target: str, invalid_field: str) -> errors.ApiError:
    """`invalid_field`: the request field an INVALID_CHOICE / INVALID_ARGUMENT refusal is about."""
    code = STATUS.get(reason, grpc.StatusCode.FAILED_PRECONDITION)
    field = "choice" if reason == R.INVALID_CHOICE else invalid_field
    violations = [(field, message)] if code == grpc.StatusCode.INVALID_ARGUMENT else []
    return errors.ApiError(code, reason, message, violations, metadata={"resource": target})
