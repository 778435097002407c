"""WebhookDeliveryWorkflow: one governance event POSTed to one webhook, retried with backoff until the endpoint
answers 2xx or the retry period ends.

    PENDING → DELIVERED (a 2xx answer)
            → FAILED    (attempts or retry period used up, the endpoint answered 410 Gone, the webhook was
                         deleted, or a redelivery superseded this series)

- Started after the event reached the outbox (the sync_process activity, for every subscribed webhook) and by
  RedeliverEvent, one workflow per (delivery, series): its id derives from both and is never reused, so a
  retried start delivers nothing twice.
- The one `deliver_webhook` activity signs and POSTs the CloudEvent and logs the attempt; Temporal's retry
  policy is the backoff (initial 1 s, doubling, at most 10 min apart, for 24 h by default; tests pass short
  values). A delivery that gives up is marked FAILED by `fail_delivery`.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.approvals import ACTIVITY_RETRY, ACTIVITY_TIMEOUT

KIND = "webhook_delivery"
ID_PREFIX = "webhook-delivery"
DELIVER = "deliver_webhook"
FAIL_DELIVERY = "fail_delivery"
# Raised by deliver_webhook when trying again cannot help: the endpoint is gone (410), the webhook is deleted
# or disabled, or a newer series took over.
UNDELIVERABLE = "Undeliverable"
DELIVERED, FAILED = "DELIVERED", "FAILED"


@dataclass
class DeliveryRetry:
    initial_interval_s: float = 1.0
    backoff_coefficient: float = 2.0
    maximum_interval_s: float = 600.0
    maximum_attempts: int = 0  # 0: until give_up_after_s
    give_up_after_s: float = 24 * 3600.0
    request_timeout_s: float = 10.0  # one POST, connection included


@dataclass
class DeliveryInput:
    org: str
    webhook_id: str
    delivery_id: str
    event_id: str
    series: int = 1  # 1, then one more per RedeliverEvent
    retry: DeliveryRetry = field(default_factory=DeliveryRetry)


@dataclass
class DeliveryAttempt:
    """What deliver_webhook gets: it reads the webhook and the event itself (the secret never enters history)."""

    org: str
    delivery_id: str
    series: int
    request_timeout_s: float


@dataclass
class DeliveryFailure:
    org: str
    delivery_id: str
    series: int
    reason: str


@dataclass
class DeliveryOutcome:
    state: str  # DELIVERED or FAILED
    reason: str = ""


def workflow_id(org: str, delivery_id: str, series: int) -> str:
    return f"{ID_PREFIX}/{org}/{delivery_id}/{series}"


def _reason(err: ActivityError) -> str:
    """The last attempt's error (deliver_webhook's message), or why Temporal stopped retrying (a timeout)."""
    cause = err.cause or err
    return str(cause) or type(cause).__name__


@workflow.defn(name="WebhookDeliveryWorkflow")
class WebhookDeliveryWorkflow:
    @workflow.run
    async def run(self, input: DeliveryInput) -> DeliveryOutcome:
        r = input.retry
        try:
            await workflow.execute_activity(
                DELIVER, DeliveryAttempt(org=input.org, delivery_id=input.delivery_id, series=input.series,
                                         request_timeout_s=r.request_timeout_s),
                start_to_close_timeout=timedelta(seconds=r.request_timeout_s + 10),
                schedule_to_close_timeout=timedelta(seconds=r.give_up_after_s),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=r.initial_interval_s),
                                         backoff_coefficient=r.backoff_coefficient,
                                         maximum_interval=timedelta(seconds=r.maximum_interval_s),
                                         maximum_attempts=r.maximum_attempts,
                                         non_retryable_error_types=[UNDELIVERABLE]))
            return DeliveryOutcome(DELIVERED)
        except ActivityError as err:
            reason = _reason(err)
            await workflow.execute_activity(
                FAIL_DELIVERY, DeliveryFailure(org=input.org, delivery_id=input.delivery_id, series=input.series,
                                               reason=reason),
                start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY)
            return DeliveryOutcome(FAILED, reason)
