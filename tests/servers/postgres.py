"""A throw-away PostgreSQL: `initdb` + `pg_ctl` in a temp dir, trust auth, loopback only."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.servers import apt_install, free_port, is_root, unprivileged_user

SUPERUSER = "postgres"
# initdb refuses to run as root; these own the cluster when the tests run as root.
ROOT_OWNERS = ("postgres", "nobody")


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live: Debian keeps them off PATH, per major version."""
    for candidate in [Path("/usr/lib/postgresql/15/bin"),
                      *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(pg_ctl).resolve().parent
    return None


def ensure_installed() -> Path:
    """The directory with initdb and pg_ctl; installs PostgreSQL as root, else skips the test."""
    found = find_bin_dir()
    if found is None and is_root():
        apt_install("postgresql")
        found = find_bin_dir()
    if found is None:
        pytest.skip("PostgreSQL (initdb, pg_ctl) is not installed; as root the tests install "
                    "it, otherwise run: apt-get install -y postgresql")
    return found


@dataclass
class Postgres:
    """One running cluster; `stop()` ends it and removes its files."""

    host: str
    port: int
    directory: Path
    bin_dir: Path
    owner: pwd.struct_passwd

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    @contextmanager
    def database(self) -> Iterator[str]:
        """A fresh, empty database for one test, dropped afterwards; yields its SQLAlchemy URL."""
        name = f"test_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            # FORCE: a test may leave pooled connections open.
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.data_dir), "-m", "fast", check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _admin(self, sql: str) -> None:
        with psycopg.connect(host=self.host, port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql.encode())

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin_dir / program), *args]
        if is_root():
            command = ["runuser", "-u", self.owner.pw_name, "--", *command]
        subprocess.run(command, check=check, stdout=subprocess.DEVNULL)


def start() -> Postgres:
    bin_dir = ensure_installed()
    directory = Path(tempfile.mkdtemp(prefix="mailbot-postgres-"))
    server = Postgres("127.0.0.1", free_port(), directory, bin_dir, unprivileged_user(ROOT_OWNERS))
    (directory / "socket").mkdir()
    if is_root():
        directory.chmod(0o755)
        for path in (directory, directory / "socket"):
            os.chown(path, server.owner.pw_uid, server.owner.pw_gid)
    try:
        server._run("initdb", "-D", str(server.data_dir), "-U", SUPERUSER, "--auth=trust",
                    "--encoding=UTF8", "--locale=C.UTF-8")
        options = f"-h {server.host} -p {server.port} -k {directory / 'socket'} -F"
        server._run("pg_ctl", "start", "-w", "-D", str(server.data_dir), "-o", options,
                    "-l", str(directory / "postgres.log"))
    except BaseException:
        server.stop()
        raise
    return server

