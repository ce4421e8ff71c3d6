"""Fixtures for real servers on loopback; each test starts only the servers it names."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine

from mailbot.bot import Bot
from mailbot.dates.clock import SystemClock
from mailbot.login import passwords
from mailbot.reader.worker import Reader
from mailbot.store import db
from tests.servers import dovecot as dovecot_server
from tests.servers import postgres
from tests.servers.dovecot import Dovecot, ImapAccount
from tests.servers.postgres import Postgres
from tests.servers.smtp_sink import SmtpSink
from tests.stories import database_only, make_bot, settings_for

# Skips that say a server is missing start with these words; the end of the run counts them.
SERVER_SKIP = "server not available: "
# CI sets this: there a missing server is a failure, not a skip.
SERVERS_REQUIRED = "MAILBOT_TESTS_REQUIRE_SERVERS"


T = TypeVar("T")


def _started(name: str, start: Callable[[], T]) -> T:
    """Start a server, or skip the tests that need it with the reason it did not start."""
    try:
        return start()
    except pytest.skip.Exception as skipped:
        pytest.skip(f"{SERVER_SKIP}{name}: {skipped.msg}")
    except Exception as error:  # any failure to start means the same to the tests
        pytest.skip(f"{SERVER_SKIP}{name} could not be started: {error}")


def _server_skips(config: pytest.Config) -> Counter[str]:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    reasons: Counter[str] = Counter()
    for report in reporter.stats.get("skipped", []) if reporter else []:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        if SERVER_SKIP in reason:
            reasons[reason.partition(SERVER_SKIP)[2]] += 1
    return reasons


def pytest_sessionfinish(session: pytest.Session) -> None:
    if os.environ.get(SERVERS_REQUIRED) and _server_skips(session.config):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run's last lines: how many tests a missing server skipped, and why."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    skips = _server_skips(config)
    if reporter is None or not skips:
        return
    for reason, count in skips.most_common():
        tests = "test" if count == 1 else "tests"
        reporter.write_line(f"{count} {tests} skipped, {reason}", yellow=True)
    if os.environ.get(SERVERS_REQUIRED):
        reporter.write_line(f"{SERVERS_REQUIRED} is set: the run fails", red=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot per session (it takes a second to stop); tests get their own users."""
    server = _started("Dovecot", dovecot_server.start)
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot: Dovecot) -> ImapAccount:
    return dovecot.account()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    server = _started("PostgreSQL", postgres.start)
    yield server
    server.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test that uses the database runs on SQLite and on PostgreSQL; on SQLite alone when
    it is marked `sqlite_only` (its subject is not the database), and on what it names when it
    parametrizes `database_url` itself."""
    if "database_url" not in metafunc.fixturenames:
        return
    named = (marker.args[0] for marker in metafunc.definition.iter_markers("parametrize"))
    if any("database_url" in names for names in named):
        return
    alone = metafunc.definition.get_closest_marker("sqlite_only") is not None
    metafunc.parametrize("database_url", ["sqlite"] if alone else ["sqlite", "postgresql"],
                         indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database per test, of the kind the test is parametrized with (see
    `pytest_generate_tests`)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/mailbot.db"
        return
    # Looked up lazily so that the SQLite half never starts PostgreSQL.
    server: Postgres = request.getfixturevalue("postgres_server")
    with server.database() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The test's database, initialised (every migration run)."""
    engine = db.make_engine(database_url)
    db.init(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def reader() -> Iterator[Reader]:
    """One reading worker for the session's bots (a test that stops it gets a fresh one)."""
    shared = Reader()
    yield shared
    shared.close()


@pytest.fixture
def bot(
    imap_account: ImapAccount, smtp_sink: SmtpSink, database_url: str, reader: Reader
) -> Iterator[Bot]:
    """A bot wired to Dovecot, the sink and the database, with Utrecht and Zeist registered."""
    yield from make_bot(settings_for(imap_account, smtp_sink, database_url), reader)


@pytest.fixture
def db_bot(database_url: str, reader: Reader) -> Iterator[Bot]:
    """A bot with a database only (Utrecht and Zeist registered), for tests that neither fetch
    nor send: no Dovecot, no SMTP sink."""
    yield from make_bot(database_only(database_url), reader)


@pytest.fixture
def live_bot(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> Bot:
    """The bot on the real clock (the CLI reads it), and the CLI pointed at its database."""
    monkeypatch.setenv("MAILBOT_DATABASE_URL", bot.settings.database_url)
    monkeypatch.setenv("MAILBOT_CONFIG", "/nonexistent/mailbot.toml")
    return dataclasses.replace(bot, clock=SystemClock())


@pytest.fixture
def argon2_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Thread names of the argon2 runs (verifications and burns) that really happened."""
    runs: list[str] = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify",
                        lambda h, s: runs.append(threading.current_thread().name) or real(h, s))
    return runs
