"""Real servers on loopback for the tests: Dovecot, an SMTP sink, PostgreSQL.

Each module starts one kind of server and knows nothing of pytest except `pytest.skip`, so the
fixtures in `tests/conftest.py` stay thin and a test only starts the servers it asks for.
"""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


def free_port() -> int:
    """A loopback port nobody listens on right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_root() -> bool:
    return os.geteuid() == 0


def unprivileged_user(candidates: tuple[str, ...]) -> pwd.struct_passwd:
    """Who runs a server: ourselves, or as root the first candidate that exists."""
    if not is_root():
        return pwd.getpwuid(os.geteuid())
    for name in candidates:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(f"none of the users {candidates} exists to run a test server as")


def apt_install(*packages: str) -> None:
    """Install Debian packages without starting their system services (tests run their own)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _services_stay_down():
        subprocess.run(["apt-get", "update"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", *packages], check=True, env=env)


@contextmanager
def _services_stay_down() -> Iterator[None]:
    # Debian starts a freshly installed daemon on its standard port unless policy-rc.d says 101;
    # a stray system Dovecot or PostgreSQL would outlive the test run.
    if POLICY_RC_D.exists():
        yield
        return
    POLICY_RC_D.write_text("#!/bin/sh\nexit 101\n")
    POLICY_RC_D.chmod(0o755)
    try:
        yield
    finally:
        POLICY_RC_D.unlink(missing_ok=True)
