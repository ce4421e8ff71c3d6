"""A database that cannot be used is one Dutch line and exit code 2, never a traceback; a
normal run prints what mailbot did, not what its libraries did."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app, common
from mailbot.store import db
from tests.daemon.test_story_daemon import daemon_env

runner = CliRunner()
UNREACHABLE = "postgresql+psycopg://mailbot:geheim-wachtwoord@127.0.0.1:1/mailbot"


# What the CLI says about a database does not depend on which one.
pytestmark = pytest.mark.sqlite_only


def mailbot(url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("MAILBOT_DATABASE_URL", url)
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


COMMANDS = [("org", "list"), ("round", "status", "2026-H1"), ("audit",),
            ("request", "list"), ("quarantine", "list"), ("export",)]


@pytest.mark.parametrize("args", COMMANDS)
def test_a_command_before_init_says_so_in_one_line_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    path = tmp_path / "mailbot.db"

    code, out, err = mailbot(f"sqlite:///{path}", monkeypatch, *args)

    assert (code, out) == (2, "")
    assert err == f"Fout: de database {path} bestaat niet; maak hem aan met: mailbot init\n"
    assert not path.exists()


def test_status_without_a_database_tells_the_monitor_with_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mailbot.db"

    assert mailbot(f"sqlite:///{path}", monkeypatch, "status") == (
        2, f"AANDACHT: de database {path} bestaat niet; maak hem aan met: mailbot init\n", "")


def test_an_empty_database_is_not_initialised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mailbot.db"
    path.touch()

    code, out, _ = mailbot(f"sqlite:///{path}", monkeypatch, "status")

    assert (code, out) == (2, "AANDACHT: de database is nog niet ingericht; richt hem in met: "
                              "mailbot init\n")


def test_a_database_of_an_older_release_asks_for_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/mailbot.db"
    engine = db.make_engine(url)
    command.upgrade(db.alembic_config(engine), "0006")
    engine.dispose()

    code, _, err = mailbot(url, monkeypatch, "org", "list")
    assert code == 2 and "oudere versie van mailbot" in err

    assert mailbot(url, monkeypatch, "init")[0] == 0
    assert mailbot(url, monkeypatch, "org", "list")[0] == 0


@pytest.mark.parametrize("args", [("status",), ("org", "list"), ("init",)])
def test_an_unreachable_database_is_one_line_without_its_password(
    monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    code, out, err = mailbot(UNREACHABLE, monkeypatch, *args)

    assert code == 2
    [line] = (out + err).splitlines()
    assert "de database is niet bereikbaar (connection failed:" in line
    assert "geheim-wachtwoord" not in line and "Traceback" not in out + err


def test_init_shows_the_database_without_its_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/mailbot.db"
    assert mailbot(url, monkeypatch, "init") == (0, f"Database bijgewerkt: {url}\n", "")


def test_a_normal_run_prints_no_library_logging(bot: Bot, imap_account: Any) -> None:
    env = {**daemon_env(bot), "MAILBOT_ROUND_AUTO": "true"}
    imap_account.append(b"Subject: hallo\r\nFrom: x@y.nl\r\n\r\nniets\r\n")

    outputs = [subprocess.run([sys.executable, "-m", "mailbot", "run", "--once"], env=env,
                              capture_output=True, text=True, timeout=60, check=True)
               for _ in range(2)]

    first, second = (done.stdout + done.stderr for done in outputs)
    logged = [line.split()[3] for line in (first + second).splitlines() if " INFO " in line]
    assert logged and all(name.startswith("mailbot.") for name in logged), first + second
    # The round job's news, said once: in the first run, not echoed again, not in the second.
    assert first.count("round 2026-H1 not opened") == 1, first
    assert "not opened" not in second


def test_a_warning_that_repeats_is_said_once_until_something_else_is_said() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(common.SaidOnce())
    outbox_log, other = logging.getLogger("test.outbox"), logging.getLogger("test.other")
    for log in (outbox_log, other):
        log.addHandler(handler)
        log.propagate = False
    try:
        for attempt in range(3):
            outbox_log.warning("smtp unavailable, replies wait: %s", f"refused {attempt}")
            other.warning("something else, elsewhere")
        outbox_log.warning("sent %d", 4)
        outbox_log.warning("smtp unavailable, replies wait: %s", "refused again")
    finally:
        for log in (outbox_log, other):
            log.removeHandler(handler)

    assert stream.getvalue().splitlines() == [
        "smtp unavailable, replies wait: refused 0", "something else, elsewhere", "sent 4",
        "smtp unavailable, replies wait: refused again"]
