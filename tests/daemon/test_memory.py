"""Large blocks go back to the system once freed (mailbot.daemon.memory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.cli import mailbox as daemon_commands
from tests.daemon.test_story_daemon import daemon_env

ROOT = Path(__file__).parent.parent.parent

# Three threads each take and free 24 MiB three times (a large mail read); then the RSS
# the process still holds for them is printed, in MB.
_PROBE = """
import sys, threading
{setup}
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
def work():
    for _ in range(3):
        block = bytearray(24 << 20)
        block[::4096] = b"x" * len(block[::4096])
        del block
before = rss()
for _ in range(3):
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
print(rss() - before)
"""


def _held_mb(setup: str) -> float:
    done = subprocess.run([sys.executable, "-c", _PROBE.format(setup=setup)], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=60)
    return float(done.stdout)


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc")
def test_freed_large_blocks_are_handed_back() -> None:
    held_by_default = _held_mb("")
    held = _held_mb("from mailbot.daemon.memory import return_large_blocks; return_large_blocks()")
    assert held < 5
    if held_by_default < 20:
        pytest.skip(f"this libc hands large blocks back by itself ({held_by_default:.0f} MB)")


def test_the_daemon_hands_large_blocks_back_from_its_start(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    monkeypatch.setattr(daemon_commands, "return_large_blocks", lambda: calls.append(True))
    for name, value in daemon_env(bot).items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["run", "--once"])
    assert result.exit_code == 0, result.output
    assert calls == [True]
