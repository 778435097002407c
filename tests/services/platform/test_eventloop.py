"""`pmaas serve` runs the data services on uvloop, the Temporal processes on asyncio's loop
(services/platform/eventloop.py says why); cli.py takes a component module's `loop_factory`. The gateway's
loop is tested with its HTTP parser (tests/gateway/test_health.py)."""

import pytest
import uvloop

from services.platform import components


@pytest.mark.parametrize("name", ["projects", "risks", "billing"])
def test_data_services_run_on_uvloop(name):
    loop = components.load(name).loop_factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


@pytest.mark.parametrize("name", ["governance", "worker"])
def test_temporal_processes_keep_asyncios_loop(name):
    assert getattr(components.load(name), "loop_factory", None) is None
