"""A component's stop signal (SIGTERM/SIGINT), from the first moment of its process to its event loop.

`pmaas serve` catches the signals before it imports the component (the worker's imports take seconds), so a
stop that arrives meanwhile is kept instead of killing the process; the component's loop then takes them over
and sees that stop at once. Without this a `pmaas dev` stopped soon after it started found its worker
"killed by SIGTERM" before the worker had anything to drain.
"""

from __future__ import annotations

import asyncio
import signal
import threading

SIGNALS = (signal.SIGTERM, signal.SIGINT)
_early = threading.Event()


def catch_early() -> None:
    """Keep a stop signal that arrives before the component's event loop runs."""
    for sig in SIGNALS:
        signal.signal(sig, lambda *_: _early.set())


def stop_event() -> asyncio.Event:
    """Set by SIGTERM/SIGINT from now on on the running loop, and already set if one arrived before."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    if _early.is_set():
        stop.set()
    return stop
