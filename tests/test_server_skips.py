"""Tests start only the servers they need, and a run on a machine where one cannot start says
so in its last lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from mailbot.bot import Bot
from mailbot.store import orgs

ROOT = Path(__file__).resolve().parent.parent
NEEDS_BOTH = ["tests/inbound/test_imap.py::test_idle_returns_false_when_nothing_arrives",
              "tests/store/test_db.py"]


def run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "tests.servers.unavailable", *NEEDS_BOTH],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
        check=False)


@pytest.mark.parametrize("required", ["", "1"], ids=["skipped", "required"])
def test_the_last_lines_count_the_skipped_tests_and_say_why(required: str) -> None:
    result = run(MAILBOT_TESTS_REQUIRE_SERVERS=required)
    last = result.stdout.strip().splitlines()[-3:]
    assert any(line.startswith("1 test skipped, Dovecot could not be started: the port is "
                               "taken") for line in last), result.stdout
    assert any("PostgreSQL could not be started: the port is taken" in line
               for line in last), result.stdout
    assert result.returncode == (1 if required else 0), result.stdout


def test_a_test_of_the_database_alone_starts_no_mail_server(
    db_bot: Bot, request: pytest.FixtureRequest
) -> None:
    assert {"dovecot", "imap_account", "smtp_sink"}.isdisjoint(request.fixturenames)
    with Session(db_bot.engine) as session:
        assert orgs.find(session, "Utrecht") is not None
