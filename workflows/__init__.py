"""Governance processes as Temporal workflows (see docs/architecture.md, "Governance").

Workflow modules import only temporalio, the standard library and other workflows.* modules.
"""
