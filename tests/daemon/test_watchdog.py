"""The daemon and systemd's watchdog (mailbot.daemon.watchdog, deploy/mailbot.service): ready once
started, alive after every message handled and every wait for mail, stopping on SIGTERM."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.daemon.watchdog import Watchdog
from mailbot.inbound.pipeline import run_pass
from tests.daemon.test_story_daemon import daemon_env
from tests.stories import reply_from


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[socket.socket]:
    """The service manager's end of NOTIFY_SOCKET."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify"))
    sock.settimeout(30)
    yield sock
    sock.close()


def heard(manager: socket.socket, count: int = 1) -> list[str]:
    return [manager.recv(4096).decode() for _ in range(count)]


def test_alive_is_said_at_most_twice_per_interval(manager: socket.socket) -> None:
    now = [100.0]
    watchdog = Watchdog({"NOTIFY_SOCKET": manager.getsockname(), "WATCHDOG_USEC": "4000000"},
                        clock=lambda: now[0])
    watchdog.ready()
    for step in (0.0, 1.0, 1.0, 0.5):  # at 100, 101, 102, 102.5
        now[0] += step
        watchdog.alive()
    watchdog.stopping()

    assert heard(manager, 4) == ["READY=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"]


@pytest.mark.parametrize("environ", [{}, {"WATCHDOG_USEC": "0"}, {"WATCHDOG_PID": "1"}],
                         ids=["no-watchdog", "zero", "another-process"])
def test_no_watchdog_no_alive(manager: socket.socket, environ: dict[str, str]) -> None:
    watchdog = Watchdog({"NOTIFY_SOCKET": manager.getsockname(), "WATCHDOG_USEC": "4000000",
                         **environ} if environ else {"NOTIFY_SOCKET": manager.getsockname()})
    watchdog.alive()
    watchdog.ready()
    assert not watchdog.enabled and heard(manager) == ["READY=1"]


def test_without_a_service_manager_nothing_is_sent() -> None:
    watchdog = Watchdog({"WATCHDOG_USEC": "4000000"})
    watchdog.ready()
    watchdog.alive()  # no socket to write to, and no error
    assert not watchdog.enabled


def test_a_pass_makes_progress_once_per_message_handled(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    ticks: list[int] = []
    counting = dataclasses.replace(bot, progress=lambda: ticks.append(1))
    for figure in (1, 2, 3):
        imap_account.append(reply_from("huisverbod@utrecht.nl", figures={"1": figure}))

    assert run_pass(counting).handled == 3
    assert len(ticks) == 3


# The watchdog, not the database is the subject.
@pytest.mark.sqlite_only
def test_story_the_daemon_is_ready_alive_while_it_works_and_waits_and_says_it_stops(
    bot: Bot, imap_account: Any, smtp_sink: Any, manager: socket.socket
) -> None:
    env = daemon_env(bot) | {"NOTIFY_SOCKET": manager.getsockname(), "WATCHDOG_USEC": "2000000"}
    daemon = subprocess.Popen([sys.executable, "-m", "mailbot", "run"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert heard(manager) == ["READY=1"]
        imap_account.append(reply_from("huisverbod@utrecht.nl"))
        smtp_sink.wait_for(1, timeout=30)
        # Idle in IDLE, it still says it is alive: at least once a second (half of 2 s).
        assert heard(manager, 3) == ["WATCHDOG=1"] * 3
        daemon.send_signal(signal.SIGTERM)
        while (state := heard(manager)[0]) == "WATCHDOG=1":
            pass
        assert state == "STOPPING=1"
        output, _ = daemon.communicate(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, output


def test_the_unit_lets_systemd_restart_a_daemon_that_stops_making_progress() -> None:
    unit = (Path(__file__).parent.parent.parent / "deploy" / "mailbot.service").read_text()
    settings = dict(line.split("=", 1) for line in unit.splitlines()
                    if "=" in line and not line.startswith("#"))
    assert settings["Type"] == "notify" and settings["NotifyAccess"] == "main"
    assert int(settings["WatchdogSec"]) > 300  # longer than an IMAP read may take
    assert settings["MemoryMax"] and settings["Restart"] == "on-failure"
    assert os.path.basename(settings["ExecStart"].split()[0]) == "mailbot"
