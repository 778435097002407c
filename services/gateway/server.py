"""The gateway process: `pmaas serve gateway` (uvicorn on settings.host:settings.gateway_port).

Uvicorn stops on SIGTERM/SIGINT: it stops accepting, lets requests in flight finish within the grace period, then
runs the app's shutdown, which closes the channels. FastAPI is imported here only, so other commands never load it.
"""

from __future__ import annotations

import importlib.util

from services.platform import eventloop, metrics, telemetry
from services.platform.settings import Settings

# uvloop and httptools (dependencies; wheels) where they install: the HTTP parsing and the event loop are a third
# of a pass-through GET's CPU on asyncio's loop and h11, pure Python both.
HTTP = "httptools" if importlib.util.find_spec("httptools") else "h11"


# The event loop `pmaas serve gateway` runs on (services/platform/cli.py).
loop_factory = eventloop.uvloop_or_asyncio


async def run(settings: Settings) -> None:
    import uvicorn

    from services.gateway.app import create_app

    telemetry.setup("gateway", log_level=settings.log_level)
    metrics.setup("gateway", settings)  # before the app: the FastAPI instrumentation's meters come from it
    config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.gateway_port,
                            timeout_graceful_shutdown=settings.grace_period_s,  # type: ignore[arg-type]  (a float works)
                            log_config=None, access_log=False, lifespan="on", http=HTTP)
    await uvicorn.Server(config).serve()
