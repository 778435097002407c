"""Temporal's part of "one trace per user action": temporalio's OpenTelemetry plugin, plus one rule.

The plugin (`OpenTelemetryPlugin`, temporalio.contrib.opentelemetry) is used rather than the older
`TracingInterceptor` because it runs an update handler in the context the update's sender carried, so
the activities a decision's handler starts belong to the decision's trace; TracingInterceptor parents
every handler under the trace that started the workflow and only links the update. The plugin needs a
replay-safe tracer provider (telemetry.setup(..., workflows=True) makes one): workflow span ids come from the workflow's
deterministic random and nothing is exported again on replay.

The rule added here: what the workflow's own `run` does in reaction to an update (apply an approved
change: baseline and milestones in ProjectsService, an issue resolved in RisksService) continues the
trace of the last update the workflow accepted, not the trace of the request that started it weeks
ago. Before any update, `run`'s activities stay in the start's trace. Activities of a timer that fires
after a decision (a reminder, a breach) join that decision's trace too: the workflow cannot tell a
timer's wake-up from an update's at this level.
"""

from __future__ import annotations

from typing import Any

import opentelemetry.context
import temporalio.worker
from temporalio.contrib.opentelemetry import OpenTelemetryPlugin
from temporalio.contrib.opentelemetry._context import attached_context
from temporalio.contrib.opentelemetry._otel_interceptor import (
    OpenTelemetryInterceptor,
    _TracingWorkflowInboundInterceptor,
    _TracingWorkflowOutboundInterceptor,
)

# Set on the context of an update handler, so an activity it starts keeps the handler's own context.
_IN_HANDLER = opentelemetry.context.create_key("pmaas-in-update-handler")


class _Inbound(_TracingWorkflowInboundInterceptor):
    """One per workflow instance (its state is replayed with the workflow, so the choice is deterministic)."""

    def __init__(self, next: temporalio.worker.WorkflowInboundInterceptor) -> None:
        super().__init__(next)
        self.cause: opentelemetry.context.Context | None = None

    def init(self, outbound: temporalio.worker.WorkflowOutboundInterceptor) -> None:
        temporalio.worker.WorkflowInboundInterceptor.init(
            self, _Outbound(outbound, self._add_temporal_spans, self))

    async def handle_update_handler(self, input: temporalio.worker.HandleUpdateInput) -> Any:
        with self._top_level_workflow_context(input):
            with self._workflow_maybe_span(f"HandleUpdate:{input.update}"):
                self.cause = opentelemetry.context.get_current()
                with attached_context(opentelemetry.context.set_value(_IN_HANDLER, True)):
                    return await self.next.handle_update_handler(input)


class _Outbound(_TracingWorkflowOutboundInterceptor):
    def __init__(self, next: temporalio.worker.WorkflowOutboundInterceptor, add_temporal_spans: bool,
                 inbound: _Inbound) -> None:
        super().__init__(next, add_temporal_spans)
        self.inbound = inbound

    def start_activity(self, input: temporalio.worker.StartActivityInput) -> Any:
        cause = self.inbound.cause
        if cause is None or opentelemetry.context.get_value(_IN_HANDLER):
            return super().start_activity(input)
        with attached_context(cause):
            return super().start_activity(input)

    def start_local_activity(self, input: temporalio.worker.StartLocalActivityInput) -> Any:
        cause = self.inbound.cause
        if cause is None or opentelemetry.context.get_value(_IN_HANDLER):
            return super().start_local_activity(input)
        with attached_context(cause):
            return super().start_local_activity(input)


class _Interceptor(OpenTelemetryInterceptor):
    def workflow_interceptor_class(self, input: temporalio.worker.WorkflowInterceptorClassInput) -> type:
        super().workflow_interceptor_class(input)  # checks the provider is replay-safe
        add_spans = self._add_temporal_spans

        class WithSpans(_Inbound):
            _add_temporal_spans = add_spans

        return WithSpans


def plugin() -> OpenTelemetryPlugin:
    """The plugin for Client.connect (a worker built on that client gets it too), with Temporal's own spans
    (StartWorkflowUpdate, HandleUpdate, StartActivity, RunActivity) and the rule above."""
    made = OpenTelemetryPlugin(add_temporal_spans=True)
    made.interceptors = [_Interceptor(add_temporal_spans=True)]
    return made
