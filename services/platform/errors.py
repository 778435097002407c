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

# A status reaches the caller in trailing metadata, which gRPC clients cap at 8 KiB by default; past it the
# caller gets RESOURCE_EXHAUSTED "Stream removed" and learns nothing. The status goes there twice (grpc-message,
# percent-encoded: up to 3 bytes a byte; grpc-status-details-bin, base64), so its parts are bounded: a request
# with thousands of bad items, or a huge value quoted back, still gets a readable INVALID_ARGUMENT.
MESSAGE_MAX_BYTES = 1024
TEXT_MAX_BYTES = 256  # a field path, a violation's description, an ErrorInfo metadata value
DETAILS_MAX_BYTES = 3072  # the serialized status, message included


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
        """The google.rpc.Status, within the bounds above: violations that do not fit are counted, not listed."""
        info = error_details_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN,
                                           metadata={k: clipped(v, TEXT_MAX_BYTES) for k, v in self.metadata.items()})
        details = [_pack(info)]
        message = clipped(self.message, MESSAGE_MAX_BYTES)
        if self.violations:
            room = DETAILS_MAX_BYTES - len(message.encode()) - info.ByteSize()
            listed = []
            for f, d in self.violations:
                violation = error_details_pb2.BadRequest.FieldViolation(
                    field=clipped(f, TEXT_MAX_BYTES), description=clipped(d, TEXT_MAX_BYTES))
                room -= violation.ByteSize() + 8  # its framing in BadRequest, Any and Status
                if room < 0:
                    break
                listed.append(violation)
            if unlisted := len(self.violations) - len(listed):
                message = clipped(self.message, MESSAGE_MAX_BYTES - 64) + f" ({unlisted} more violations not listed)"
            details.append(_pack(error_details_pb2.BadRequest(field_violations=listed)))
        return status_pb2.Status(code=self.code.value[0], message=message, details=details)


def clipped(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` of UTF-8 (on a character boundary), marked with an ellipsis if cut."""
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode(errors="ignore") + "\u2026"


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


# What the caller learns when a rule in the schema catches what validation did not (the schema is
# the last line of defence): a status, a reason and a fixed message. PostgreSQL's own text names
# tables, constraints and stored values, so it goes to the log only (grpc_server.ErrorInterceptor).
SQLSTATE_TO_ERROR = {
    "23505": (grpc.StatusCode.ALREADY_EXISTS, "RESOURCE_EXISTS", "a value that must be unique is already taken"),
    "23503": (grpc.StatusCode.FAILED_PRECONDITION, "REFERENCE_MISSING", "the referenced resource does not exist"),
    "23514": (grpc.StatusCode.INVALID_ARGUMENT, "CHECK_VIOLATION", "a value breaks a rule of the stored data"),
    "57014": (grpc.StatusCode.DEADLINE_EXCEEDED, "STATEMENT_TIMEOUT", "the database took too long; try again"),
}
# The database restarting, shutting down or out of reach: nothing was committed unless the reply was lost after
# the COMMIT, so a retry with the same request_id is safe (it replays or applies once) and soon useful. Class 08
# (connection exceptions: asyncpg's own for a lost or refused connection, db.py's for a socket's errors),
# 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting up or shutting down).
DATABASE_UNAVAILABLE = (grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE",
                        "the database is unavailable (restarting or unreachable); retry with the same request_id")
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})

# CHECK constraint name (as PostgreSQL names it in the migrations) -> the API field it guards, one
# group per store. A CHECK violation on a constraint listed here is INVALID_ARGUMENT with a field
# violation on that field; one not listed (output-only columns, derived totals) has no field.
CHECK_FIELDS: dict[str, str] = {}


def register_check_fields(fields: dict[str, str]) -> None:
    """Let a store name the API field behind each of its CHECK constraints."""
    CHECK_FIELDS.update(fields)


register_check_fields({  # projects
    "portfolios_priority_score_check": "portfolio.priority_score",
    "projects_budget_micros_check": "project.budget",
    "projects_actual_cost_micros_check": "project.actual_cost",
    "projects_percent_complete_check": "project.percent_complete",
    "projects_check": "project.planned_end_date",
    "baselines_budget_micros_check": "budget",
    "baselines_check": "end_date",
    "assignments_allocation_percent_check": "assignment.allocation_percent",
    "assignments_check": "assignment.end_date",
})
register_check_fields({  # billing
    "engagements_cap_micros_check": "engagement.cap",
    "engagements_fee_micros_check": "engagement.fee",
    "engagements_payment_terms_days_check": "engagement.payment_terms_days",
    "rates_hourly_micros_check": "rate.hourly_rate",
    "rates_check": "rate.end_date",
    "time_entries_minutes_check": "time_entry.minutes",
    "expenses_amount_micros_check": "expense.amount",
    "credit_notes_amount_micros_check": "credit_note.amount",
})
register_check_fields({  # risks
    "risks_probability_check": "risk.probability",
    "risks_impact_check": "risk.impact",
    "risks_residual_probability_check": "risk.residual_probability",
    "risks_residual_impact_check": "risk.residual_impact",
    "risks_check": "risk.residual_impact",
    "risks_review_cadence_days_check": "risk.review_cadence_days",
    "issues_severity_check": "issue.severity",
})
register_check_fields({  # governance
    "delegations_check": "delegation.delegate",
    "delegations_check1": "delegation.end_time",
})


def from_database(exc: Exception) -> ApiError | None:
    """The caller's view of an asyncpg error whose SQLSTATE is mapped (None: not mapped, so INTERNAL).

    Never PostgreSQL's message, detail or constraint name: those stay in the log.
    """
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES:
        return ApiError(*DATABASE_UNAVAILABLE)
    mapped = SQLSTATE_TO_ERROR.get(sqlstate)
    if mapped is None:
        return None
    code, reason, message = mapped
    if reason == "CHECK_VIOLATION":
        field_path = CHECK_FIELDS.get(getattr(exc, "constraint_name", None) or "")
        if field_path:
            return invalid_argument([(field_path, message)])
    return ApiError(code, reason, message)
