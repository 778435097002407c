"""Resource-name patterns (AIP-122), each defined once here, with their parse and format helpers.

    parts = PROJECT_PATTERN.parse(request.parent, "parent")    # INVALID_ARGUMENT naming the field if malformed
    name = RISK_PATTERN.format(organization=org, project=project, risk=risk_id)

Services and their `Table`s take their patterns from here, and activities may (docs/architecture.md): a name
is parsed and formatted by its pattern, not split or assembled by hand.
A `Pattern` checks every part against the id rule (services.platform.resources.ID_RE); a `DerivedPattern`
accepts, for its last part, the ids the workflows derive (hex digests, which may start with a digit).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from services.platform import errors
from services.platform.errors import Violations
from services.platform.resources import ID_RE, ID_RULE, Pattern

# Ids the workflows derive (workflows/ids.py: hex digests) may start with a digit, unlike client-chosen ids.
DERIVED_ID_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\Z")


@dataclass(frozen=True)
class DerivedPattern(Pattern):
    """A resource name whose last segment is a derived id (task, change request, phase gate, escalation), or
    whose last `derived` segments are (a corrective action of a quality audit)."""

    derived: int = 1

    def parse(self, name: str, field: str = "name") -> dict[str, str]:
        match = self.regex.match(name or "")
        if not match:
            raise errors.bad_field(field, f"must be a resource name like {self.template}" if name
                                   else f"is required ({self.template})")
        values = list(match.groupdict().values())
        for part in values[:-self.derived]:
            if not ID_RE.match(part):
                raise errors.bad_field(field, f"{part!r} in {name!r} {ID_RULE}")
        for part in values[-self.derived:]:
            if not DERIVED_ID_RE.match(part):
                raise errors.bad_field(field, f"{part!r} in {name!r} is not an id this service gave out")
        return match.groupdict()


def parse_into(pattern: Pattern, name: str, field: str, violations: Violations) -> dict[str, str] | None:
    """`pattern.parse(name, field)`, or None with the problem added to `violations` (every problem at once)."""
    try:
        return pattern.parse(name, field)
    except errors.ApiError as exc:
        violations.items.extend(exc.violations)
        return None


# --- projects ---------------------------------------------------------------------------------------
ORG_PATTERN = Pattern("organizations/{organization}")
PORTFOLIO_PATTERN = Pattern("organizations/{organization}/portfolios/{portfolio}")
PROJECT_PATTERN = Pattern("organizations/{organization}/projects/{project}")
BASELINE_PATTERN = Pattern("organizations/{organization}/projects/{project}/baselines/{revision}")
MILESTONE_PATTERN = Pattern("organizations/{organization}/projects/{project}/milestones/{milestone}")
ASSIGNMENT_PATTERN = Pattern("organizations/{organization}/projects/{project}/assignments/{assignment}")
STATUS_REPORT_PATTERN = Pattern("organizations/{organization}/projects/{project}/statusReports/{status_report}")
LESSON_LEARNED_PATTERN = Pattern("organizations/{organization}/projects/{project}/lessonsLearned/{lesson}")
POST_PROJECT_REVIEW_PATTERN = Pattern("organizations/{organization}/projects/{project}/postProjectReview")

# --- risks ------------------------------------------------------------------------------------------
RISK_MATRIX_PATTERN = Pattern("organizations/{organization}/riskMatrix")
RISK_PATTERN = Pattern("organizations/{organization}/projects/{project}/risks/{risk}")
ISSUE_PATTERN = Pattern("organizations/{organization}/projects/{project}/issues/{issue}")

# --- billing ----------------------------------------------------------------------------------------
ENGAGEMENT_PATTERN = Pattern("organizations/{organization}/engagements/{engagement}")
RATE_PATTERN = Pattern("organizations/{organization}/rates/{rate}")
TIME_ENTRY_PATTERN = Pattern("organizations/{organization}/engagements/{engagement}/timeEntries/{time_entry}")
EXPENSE_PATTERN = Pattern("organizations/{organization}/engagements/{engagement}/expenses/{expense}")
INVOICE_PATTERN = Pattern("organizations/{organization}/engagements/{engagement}/invoices/{invoice}")
CREDIT_NOTE_PATTERN = Pattern(
    "organizations/{organization}/engagements/{engagement}/invoices/{invoice}/creditNotes/{credit_note}")
PROJECT_FINANCIAL_REPORT_PATTERN = Pattern("organizations/{organization}/projects/{project}/financialReport")
ENGAGEMENT_FINANCIAL_REPORT_PATTERN = Pattern("organizations/{organization}/engagements/{engagement}/financialReport")
BILLING_PERIOD_LOCK_PATTERN = Pattern("organizations/{organization}/billingPeriodLocks/{billing_period_lock}")

# --- governance -------------------------------------------------------------------------------------
GOVERNANCE_POLICY_PATTERN = Pattern("organizations/{organization}/governancePolicy")
DELEGATION_PATTERN = Pattern("organizations/{organization}/delegations/{delegation}")
WEBHOOK_PATTERN = Pattern("organizations/{organization}/webhooks/{webhook}")
DELIVERY_PATTERN = DerivedPattern("organizations/{organization}/webhooks/{webhook}/deliveries/{delivery}")
TASK_PATTERN = DerivedPattern("organizations/{organization}/tasks/{task}")
CHANGE_REQUEST_PATTERN = DerivedPattern("organizations/{organization}/changeRequests/{change_request}")
PHASE_GATE_PATTERN = DerivedPattern("organizations/{organization}/projects/{project}/phaseGates/{phase_gate}")
ESCALATION_PATTERN = DerivedPattern("organizations/{organization}/projects/{project}/escalations/{escalation}")
QUALITY_AUDIT_PATTERN = DerivedPattern("organizations/{organization}/projects/{project}/qualityAudits/{quality_audit}")
CORRECTIVE_ACTION_PATTERN = DerivedPattern("organizations/{organization}/projects/{project}/qualityAudits/"
                                           "{quality_audit}/correctiveActions/{corrective_action}", derived=2)
AUDIT_SCHEDULE_PATTERN = Pattern("organizations/{organization}/projects/{project}/auditSchedule")
BILLING_CYCLE_PATTERN = Pattern("organizations/{organization}/billingCycles/{billing_cycle}")
