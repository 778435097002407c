"""The on_breach hook of change requests and phase gates: a late task starts the escalation that chases it.

escalation.py is imported when a task breaches, not when a process's module is: every workflow run imports
its module afresh in the sandbox, and importing escalation.py with change_request.py was about a third of a
change request's sandbox set-up in the worker's profile, for a breach most runs never have.
"""

from __future__ import annotations

from workflows.approvals import ApprovalBook, Task
from workflows.policy import GovernancePolicy


def approval_book(policy: GovernancePolicy) -> ApprovalBook:
    """A process's approval book: a late task starts the escalation that chases it, if the policy says so."""
    return ApprovalBook(on_breach=(lambda task: escalate(task, policy)) if policy.escalate_task_breaches else None)


async def escalate(task: Task, policy: GovernancePolicy) -> str:
    """Start the task's breach escalation (once); its workflow id."""
    from workflows import escalation

    return await escalation.start_for_breach(task, policy)
