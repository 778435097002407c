"""A PostgreSQL and a Temporal dev server of the test's own, each stopped and started again in place (same
address, same data) while services and workers keep running against them: the session's servers are shared with
every other test and must never go down."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from services.platform import components, embedded
from services.platform.settings import Settings
from tests.support import free_port

STOP_TIMEOUT_S = 30.0
PG_CTL_TIMEOUT_S = 60.0
ROOT = Path(__file__).resolve().parents[2]


def own_settings(home: Path, **update) -> Settings:
    """Settings that start embedded servers under `home` (never the configured ones)."""
    return Settings(home=home, database_url="", migration_database_url="", admin_database_url="",
                    temporal_address="", jwt_secret="chaos-" + uuid.uuid4().hex, **update)


class OwnPostgres:
    """The embedded PostgreSQL on a data directory of its own, migrated, with the owner and runtime roles as
    `pmaas dev` sets them up; it listens on a unix socket in its data directory, so a restart keeps its address."""

    def __init__(self) -> None:
        # Outside pytest's 0700 temp root: as root, the server runs as its own system user (as in tests/conftest.py).
        self.folder = Path(tempfile.mkdtemp(prefix="pmaas-chaos-pg-"))
        self.settings = own_settings(self.folder)
        self.restarts = 0

    async def start(self) -> embedded.Database:
        """Start, create the roles and migrate every schema; returns the logins."""
        await asyncio.to_thread(self._pg_ctl, "database")
        self.database = embedded.database(self.settings)
        await components.prepare(self.database)
        return self.database

    @property
    def admin_url(self) -> str:
        return self.database.admin

    @property
    def runtime_url(self) -> str:
        return self.database.runtime

    def stop(self) -> None:
        """Fast shutdown: every open session is ended (57P01), new ones are refused until it starts again."""
        self._pg_ctl("stop_postgres")

    def start_again(self) -> None:
        self._pg_ctl("database")
        self.restarts += 1

    def _pg_ctl(self, function: str) -> None:
        """embedded.<function>(settings) in an interpreter of its own (`database` starts the server unless it
        runs, on the same data and socket: the same address). Never in this process: as root, the wheel runs pg_ctl
        as the server's system user (subprocess user=), so Python fork()s rather than vfork()s, and a fork of a
        process where gRPC's threads run can crash in gRPC's fork handlers (seen: pg_ctl "died with SIGSEGV")."""
        script = ("import sys; from pathlib import Path; from services.platform import embedded; "
                  "from tests.chaos.servers import own_settings; "
                  "getattr(embedded, sys.argv[1])(own_settings(Path(sys.argv[2])))")
        done = subprocess.run([sys.executable, "-c", script, function, str(self.folder)], cwd=ROOT,
                              capture_output=True, text=True, timeout=PG_CTL_TIMEOUT_S)
        assert done.returncode == 0, f"{function} failed:\n{done.stdout}\n{done.stderr}"

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class OwnTemporal:
    """`temporal server start-dev` as `pmaas dev` starts it (embedded.start_temporal), on free ports with its
    sqlite file under `home`, so a restart on the same port finds every workflow where it was."""

    def __init__(self, home: Path) -> None:
        self.settings = own_settings(home, temporal_port=free_port(), temporal_ui_port=free_port())
        self.process = None
        self.restarts = 0

    def start(self) -> str:
        self.process, self.address = embedded.start_temporal(self.settings)
        return self.address

    def stop(self, sig: signal.Signals = signal.SIGKILL) -> None:
        """SIGKILL by default: the server gets no chance to flush or hand anything over."""
        self.process.send_signal(sig)
        embedded.stop_process(self.process, STOP_TIMEOUT_S, signalled=True)

    def start_again(self) -> None:
        self.start()
        self.restarts += 1

    @property
    def database(self) -> Path:
        return self.settings.home_dir / "temporal.db"

    def close(self) -> None:
        if self.process is not None:
            embedded.stop_process(self.process, STOP_TIMEOUT_S)
