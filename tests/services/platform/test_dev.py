"""`pmaas dev` end to end: real PostgreSQL, Temporal and components on free ports."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import psutil
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pmaas.projects.v1 import projects_service_pb2 as api
from pmaas.projects.v1 import projects_service_pb2_grpc
from services.platform import components, embedded
from services.platform.settings import Settings
from tests.e2e.stack import free_ports_in_a_row
from tests.services.platform.test_cli import cli_env, temporary_home
from tests.support import free_port

READY_TIMEOUT_S = 120
STOP_TIMEOUT_S = 60


class DevStack:
    """A running `pmaas dev` whose output is collected line by line."""

    def __init__(self, home: Path, *, demo: bool = False) -> None:
        self.home = home
        self.ports = {**{name: free_port() for name in components.GRPC_COMPONENTS | components.HTTP_COMPONENTS},
                      "temporal": free_port(), "temporal_ui": free_port(),
                      "metrics": free_ports_in_a_row(len(components.COMPONENTS))}  # one per component
        # Without `demo` the first-start seed is off: most tests are about the stack itself, and the seed would
        # run unseen in their background (tests/demo/test_dev_seed.py turns it on).
        env = cli_env(home, demo=str(demo).lower(), **{f"{name}_port": str(port) for name, port in self.ports.items()})
        self.process = subprocess.Popen([sys.executable, "-m", "services.platform.cli", "dev"], env=env, cwd=home,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def wait_for(self, marker: str, timeout_s: float = READY_TIMEOUT_S) -> str:
        """The first line containing `marker`; fails with the output so far if none comes."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            self.output.append(line)
            if marker in line:
                return line
        raise AssertionError(f"no line with {marker!r} after {timeout_s}s:\n{''.join(self.output)}")

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                for child in self.descendants():
                    child.kill()
                self.process.kill()
                self.process.wait()


@pytest.fixture
def stack() -> Iterator[DevStack]:
    with temporary_home() as home:
        running = DevStack(home)
        yield running
        running.stop()
        embedded.stop_postgres(Settings(home=home))  # in case the stack could not


def test_dev_serves_with_the_printed_token_and_stops_everything_on_sigterm(stack):
    token = stack.wait_for("export PMAAS_TOKEN=").split("=", 1)[1].strip()
    stack.wait_for("=" * 20)  # end of the endpoints block
    # The demo's line is the last before the watch loop. A SIGTERM sent earlier, during the demo module's import,
    # once in a few loaded runs ended the stack with -2 instead of 0 (not reproduced alone; an open question).
    stack.wait_for("demo: ")
    projects = f"127.0.0.1:{stack.ports['projects']}"
    children = {child: child.cmdline() for child in stack.descendants()}
    with grpc.insecure_channel(projects) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        listed = projects_service_pb2_grpc.ProjectsServiceStub(channel).ListOrganizations(
            api.ListOrganizationsRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=10)

    gateway = f"http://127.0.0.1:{stack.ports['gateway']}"
    with urllib.request.urlopen(f"{gateway}/readyz", timeout=10) as answer:  # the REST gateway, in front of them
        rest = json.loads(answer.read())

    stack.process.send_signal(signal.SIGTERM)
    code = stack.process.wait(STOP_TIMEOUT_S)

    assert any(f"{gateway}  REST" in line for line in stack.output)
    assert set(rest["services"].values()) == {"SERVING"}
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert list(listed.organizations) == []
    assert sorted(" ".join(cmd[-2:]) if "serve" in cmd else Path(cmd[0]).name for cmd in children.values()) == sorted(
        [*(f"serve {name}" for name in components.COMPONENTS), "temporal"])
    assert code == 0, "".join(stack.output)
    for name in components.COMPONENTS:  # each drained and exited by itself, none was killed
        assert f"stopped {name} (exit code 0)" in stack.wait_for(f"stopped {name} ")
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not embedded.postgres_running(Settings(home=stack.home))


def test_dev_fails_loudly_when_a_component_dies(stack):
    stack.wait_for("export PMAAS_TOKEN=")
    projects = next(c for c in stack.descendants() if c.cmdline()[-2:] == ["serve", "projects"])

    projects.kill()
    line = stack.wait_for("exited unexpectedly")
    code = stack.process.wait(STOP_TIMEOUT_S)

    assert "projects exited unexpectedly (killed by SIGKILL)" in line
    assert code == 1
    assert not embedded.postgres_running(Settings(home=stack.home))
