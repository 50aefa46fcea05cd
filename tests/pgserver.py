"""A real PostgreSQL server for the store's tests: Debian's package (`make test` installs `postgresql`), a
throwaway cluster in a temporary folder, on a loopback port, with a fresh database per test.

PostgreSQL refuses to run as root, so as root the cluster belongs to `nobody`."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.conftest import free_port


def _bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


class Server:
    def __init__(self):
        bindir = _bin()
        if bindir is None:
            pytest.skip("PostgreSQL is not installed (Debian package `postgresql`; `make test` installs it)")
        self.bindir, self.port = bindir, free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        self.as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "nobody")
        data = self.dir / "data"
        self._run(str(bindir / "initdb"), "-D", str(data), "-U", "tracker", "-A", "trust", "-E", "UTF8", "--no-locale")
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c full_page_writes=off"
        self._run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-w", "-o", opts, "start")
        self.data = data

    def _run(self, *cmd: str) -> None:
        r = subprocess.run([*self.as_user, *cmd], capture_output=True, text=True, cwd=self.dir)
        if r.returncode:
            raise RuntimeError(f"{cmd[0]} failed: {r.stdout}\n{r.stderr}")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://tracker@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        """A fresh, empty database's URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=tracker dbname=postgres", autocommit=True) as c:
            c.execute(f'create database "{name}"')  # a generated name, not input
        return self.url(name)

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path, monkeypatch):
    """The store on SQLite (a file in tmp) and on the PostgreSQL server (a fresh database): same tests, both."""
    from tracker import store

    url = f"sqlite:///{tmp_path / 'state.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_server").new_database()
    monkeypatch.setenv("TRACKER_STORE_URL", url)
    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_USERS_FILE", str(tmp_path / "users.json"))
    monkeypatch.setenv("TRACKER_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    yield url
    store.reset()
