"""How activities reach the data services: one long-lived channel per service, the worker's own
credential, and the person each call is made for.

The worker calls as the `governance` service principal and names the person in
`pmaas-on-behalf-of` metadata, so the audit log of the service reads "alice, via
governance". The GovernanceService uses the same class with the caller's own token
and no on-behalf-of (for `validate_only` what-ifs), so both run the same code.

A gRPC failure becomes an ApplicationError whose `type` is the service's ErrorInfo
reason (or the status code name): non-retryable for what a retry cannot fix
(INVALID_ARGUMENT, FAILED_PRECONDITION, PERMISSION_DENIED, NOT_FOUND, ALREADY_EXISTS),
retryable otherwise; every mutating call carries a request id from workflows/ids.py,
so a retried activity changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from temporalio.exceptions import ApplicationError

from pmaas.billing.v1 import billing_service_pb2_grpc
from pmaas.projects.v1 import projects_service_pb2_grpc
from pmaas.risks.v1 import risks_service_pb2_grpc
from services.platform import auth, clients
from services.platform.settings import Settings

NON_RETRYABLE = frozenset({grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
                           grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND,
                           grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.UNAUTHENTICATED})


@dataclass
class ServiceCalls:
    projects: projects_service_pb2_grpc.ProjectsServiceStub
    risks: risks_service_pb2_grpc.RisksServiceStub
    billing: billing_service_pb2_grpc.BillingServiceStub
    token: str
    timeout_s: float
    channels: tuple[grpc.aio.Channel, ...] = ()

    @classmethod
    def connect(cls, settings: Settings, token: str) -> ServiceCalls:
        projects = clients.channel(settings.target_of("projects"))
        risks = clients.channel(settings.target_of("risks"))
        billing = clients.channel(settings.target_of("billing"))
        return cls(projects=projects_service_pb2_grpc.ProjectsServiceStub(projects),
                   risks=risks_service_pb2_grpc.RisksServiceStub(risks),
                   billing=billing_service_pb2_grpc.BillingServiceStub(billing),
                   token=token, timeout_s=settings.call_timeout_s, channels=(projects, risks, billing))

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()

    async def call(self, method, request, on_behalf_of: str = ""):
        """`await method(request)` as the worker for `on_behalf_of` (or as the token's own subject)."""
        metadata = [("authorization", f"Bearer {self.token}")]
        if on_behalf_of:
            metadata.append((auth.ON_BEHALF_OF, on_behalf_of))
        try:
            return await method(request, metadata=clients.outgoing(*metadata), timeout=self.timeout_s)
        except grpc.aio.AioRpcError as exc:
            raise application_error(exc) from None


def application_error(exc: grpc.aio.AioRpcError) -> ApplicationError:
    code = exc.code()
    return ApplicationError(f"{code.name}: {exc.details()}", code.name,
                            type=clients.dependency_reason(exc) or code.name, non_retryable=code in NON_RETRYABLE)
