"""Governance processes as Temporal workflows (see ../shared/ARCHITECTURE.md, "Governance").

Workflow modules import only temporalio, the standard library and other workflows.* modules.
"""
