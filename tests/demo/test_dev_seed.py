"""`make run` (`pmaas dev`) seeds the demo on its first start with a home, says how to skip it and where to sign
in, and does not seed again on the next start."""

from __future__ import annotations

import signal

from services.platform import embedded
from services.platform.settings import Settings
from tests.services.platform.test_cli import temporary_home
from tests.services.platform.test_dev import READY_TIMEOUT_S, STOP_TIMEOUT_S, DevStack

SEED_TIMEOUT_S = 180  # the whole demo through a stack starting up on a busy 2-core machine


def _stop(stack: DevStack) -> int:
    stack.process.send_signal(signal.SIGTERM)
    return stack.process.wait(STOP_TIMEOUT_S)


def test_the_first_start_seeds_the_demo_and_the_next_one_does_not():
    with temporary_home() as home:
        first = DevStack(home, demo=True)
        try:
            announced = first.wait_for("seeding the demo", READY_TIMEOUT_S)
            summary = first.wait_for("demo: seeded", SEED_TIMEOUT_S)
            sign_in = first.wait_for("Sign in at ")
            sam = first.wait_for("Samantha Reyes")
            assert _stop(first) == 0, "".join(first.output)
        finally:
            first.stop()
        again = DevStack(home, demo=True)
        try:
            second = again.wait_for("demo: ", READY_TIMEOUT_S)
        finally:
            again.stop()
            embedded.stop_postgres(Settings(home=home))
    assert "pmaas dev --no-demo" in announced and "PMAAS_DEMO=0" in announced
    assert "new resources" in summary
    assert f"http://127.0.0.1:{first.ports['gateway']}/" in sign_in
    assert "sponsor in acme" in sam
    assert "seeded before" in second and f"http://127.0.0.1:{again.ports['gateway']}/" in second
