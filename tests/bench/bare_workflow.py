"""The bare baseline of the governance bench: one activity and one update, nothing else.

Its own module because the workflow sandbox re-imports the module a workflow is defined in
(nothing runs at import time here).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@activity.defn(name="bare_step")
async def bare_step(n: int) -> int:
    return n + 1


@workflow.defn
class BareWorkflow:
    def __init__(self) -> None:
        self.approved = False

    @workflow.run
    async def run(self, n: int) -> int:
        done = await workflow.execute_activity(bare_step, n, start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: self.approved)
        return done

    @workflow.update
    async def approve(self) -> None:
        self.approved = True


async def serve(address: str, task_queue: str) -> None:
    """The bare workflow's worker in a process of its own, like the governance worker; stops on SIGTERM."""
    client = await Client.connect(address)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with Worker(client, task_queue=task_queue, workflows=[BareWorkflow], activities=[bare_step]):
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
