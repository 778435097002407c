"""BillingService RPC handlers.

Same order as every service: parse names (INVALID_ARGUMENT), check the
caller's role in the organization (PERMISSION_DENIED before any read), validate
the input, then read or write. Writes go through `run_mutation` (one
transaction, idempotent request_id, audit event). Projects and milestones are
checked with ProjectsService as the caller, never read from its tables. The
handlers live in one module per resource family; this class puts them together.
"""

from __future__ import annotations

from pmaas.billing.v1 import billing_service_pb2_grpc
from services.billing.charges import ChargeHandlers
from services.billing.engagements import EngagementHandlers
from services.billing.invoices import InvoiceHandlers
from services.billing.periods import PeriodLockHandlers
from services.billing.reports import ReportHandlers


class BillingServicer(EngagementHandlers, ChargeHandlers, InvoiceHandlers, ReportHandlers, PeriodLockHandlers,
                      billing_service_pb2_grpc.BillingServiceServicer):
    pass
