"""The event loop a component's process runs on under `pmaas serve` (services/platform/cli.py reads a component
module's `loop_factory`).

uvloop where it installs (a dependency; wheels), asyncio's own loop otherwise. Measured with `make bench`
(alternating A/B on one machine): the ProjectsService spent 7-14% less CPU per CreateProject and served 6-16% more
of them at 32 in flight; the gateway's pass-through GET lost a third of its CPU with uvloop and httptools. The
worker and the GovernanceService (Temporal's client and worker) keep asyncio's loop: not measured on uvloop.
"""

from __future__ import annotations

import asyncio


def uvloop_or_asyncio() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
