"""The one error type services raise, and its mapping to google.rpc.Status (AIP-193).

Handlers raise `ApiError` (usually through the helpers below); the error
interceptor turns it into a gRPC status with an `ErrorInfo` and, for bad input,
a `BadRequest` listing every field violation. Anything else becomes INTERNAL
with no detail, and the traceback goes to the log, never to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

DOMAIN = "pmaas.dev"


@dataclass
class ApiError(Exception):
    code: grpc.StatusCode
    reason: str  # UPPER_SNAKE_CASE, stable: clients switch on it
    message: str
    violations: list[tuple[str, str]] = field(default_factory=list)  # (field, why)
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code.name} {self.reason}: {self.message}"

    def to_status(self) -> status_pb2.Status:
        info = error_details_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN, metadata=self.metadata)
        details = [_pack(info)]
        if self.violations:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                    for f, d in self.violations
                ]
            )
            details.append(_pack(bad))
        return status_pb2.Status(code=self.code.value[0], message=self.message, details=details)


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


class Violations:
    """Collects field violations so a caller learns every problem at once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field_path: str, description: str) -> None:
        self.items.append((field_path, description))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise invalid_argument(self.items)


def invalid_argument(violations: list[tuple[str, str]]) -> ApiError:
    summary = "; ".join(f"{f}: {d}" for f, d in violations)
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", summary, list(violations))


def bad_field(field_path: str, description: str) -> ApiError:
    return invalid_argument([(field_path, description)])


def not_found(name: str) -> ApiError:
    return ApiError(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND", f"{name} does not exist",
                    metadata={"resource": name})


def already_exists(name: str) -> ApiError:
    return ApiError(grpc.StatusCode.ALREADY_EXISTS, "RESOURCE_EXISTS", f"{name} already exists",
                    metadata={"resource": name})


def etag_mismatch(name: str) -> ApiError:
    return ApiError(grpc.StatusCode.ABORTED, "ETAG_MISMATCH",
                    f"{name} was changed since it was read: get it again and retry with its new etag",
                    metadata={"resource": name})


def failed_precondition(reason: str, message: str, **metadata: str) -> ApiError:
    return ApiError(grpc.StatusCode.FAILED_PRECONDITION, reason, message, metadata=metadata)


def unauthenticated(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED", message)


def permission_denied(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED", message)


def internal() -> ApiError:
    return ApiError(grpc.StatusCode.INTERNAL, "INTERNAL", "internal error; it has been logged")


# Statuses asyncpg/PostgreSQL errors map to when a rule in the schema catches
# what validation did not (the schema is the last line of defence).
SQLSTATE_TO_ERROR = {
    "23505": (grpc.StatusCode.ALREADY_EXISTS, "RESOURCE_EXISTS"),
    "23503": (grpc.StatusCode.FAILED_PRECONDITION, "REFERENCE_MISSING"),
    "23514": (grpc.StatusCode.INVALID_ARGUMENT, "CHECK_VIOLATION"),
    "57014": (grpc.StatusCode.DEADLINE_EXCEEDED, "STATEMENT_TIMEOUT"),
}
