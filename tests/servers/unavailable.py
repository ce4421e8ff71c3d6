"""A pytest plugin (`-p tests.servers.unavailable`) under which Dovecot and PostgreSQL fail to
start, to show what a run on a machine without them says."""

from __future__ import annotations

from typing import NoReturn

import pytest

from tests.servers import dovecot, postgres


def _fails() -> NoReturn:
    raise RuntimeError("the port is taken")


def pytest_configure(config: pytest.Config) -> None:
    dovecot.start = _fails  # type: ignore[assignment]  # for this run only: a server that fails
    postgres.start = _fails  # type: ignore[assignment]
