"""The reading worker (mailbot.reader.worker): a message is read in a child process that is stopped
after its CPU time or memory runs out, or when it stops answering; the next message gets a
fresh worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from mailbot.config import Settings
from mailbot.reader import worker
from mailbot.reader.reading import Read, Unread
from mailbot.reader.worker import Reader
from tests import brokenmail
from tests.stories import SECRET, reply_from


def settings(**changes: object) -> Settings:
    return Settings(_env_file=None, **changes)  # type: ignore[call-arg]


@pytest.fixture
def reader() -> Iterator[Reader]:
    own = Reader()
    yield own
    own.close()


def test_a_message_is_read_in_the_worker_with_its_secret_masked(reader: Reader) -> None:
    raw = reply_from("huisverbod@utrecht.nl")

    read = reader.read(raw, settings())

    assert isinstance(read, Read)
    assert read.mail.sender == "huisverbod@utrecht.nl" and "Gemeente: Utrecht" in read.mail.fresh
    assert read.masked is not None and SECRET.encode() not in read.masked
    assert reader._process is not None and reader._process.pid != os.getpid()


def test_a_read_past_its_cpu_time_is_stopped_and_the_next_gets_a_fresh_worker(
    reader: Reader,
) -> None:
    slow = reader.read(brokenmail.slow(), settings(**brokenmail.SLOW_READING))

    assert slow == Unread("reading stopped after 1 s of CPU time")
    after = reader.read(reply_from("huisverbod@utrecht.nl"), settings())
    assert isinstance(after, Read) and after.mail.sender == "huisverbod@utrecht.nl"


def test_a_read_past_its_memory_is_stopped_and_the_next_gets_a_fresh_worker(
    reader: Reader,
) -> None:
    assert isinstance(reader.read(reply_from("huisverbod@utrecht.nl"), settings()), Read)
    assert reader._process is not None
    before = reader._process.pid

    starved = reader.read(brokenmail.slow(size=8 * 1024 * 1024), settings(read_memory_mb=64))

    assert isinstance(starved, Unread)
    assert starved.reason.startswith(("reading needed more than 64 MB", "reading worker ended"))
    # C code that met a failed allocation is not trusted with the next mail.
    assert isinstance(reader.read(reply_from("huisverbod@utrecht.nl"), settings()), Read)
    assert reader._process is not None and reader._process.pid != before


def test_a_worker_that_stops_answering_is_ended_by_the_clock(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(reader.read(reply_from("huisverbod@utrecht.nl"), settings()), Read)
    assert reader._process is not None
    os.kill(reader._process.pid, signal.SIGSTOP)  # waits, using no CPU time at all
    monkeypatch.setattr(worker, "WALL_MINIMUM", 1.0)
    monkeypatch.setattr(worker, "WALL_FACTOR", 1)

    stuck = reader.read(reply_from("huisverbod@utrecht.nl"), settings(read_seconds=1))

    assert stuck == Unread("reading stopped after 1 s")
    assert isinstance(reader.read(reply_from("huisverbod@utrecht.nl"), settings()), Read)


def test_a_worker_killed_from_outside_is_replaced(reader: Reader) -> None:
    assert isinstance(reader.read(reply_from("huisverbod@utrecht.nl"), settings()), Read)
    assert reader._process is not None
    reader._process.kill()
    reader._process.wait()

    assert isinstance(reader.read(reply_from("huisverbod@utrecht.nl"), settings()), Read)


def test_closing_ends_the_worker(reader: Reader) -> None:
    reader.read(reply_from("huisverbod@utrecht.nl"), settings())
    process = reader._process
    assert process is not None

    reader.close()

    assert process.poll() is not None and reader._process is None


def test_a_worker_that_answers_garbage_is_ended_and_replaced(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawn = worker._spawn
    chatty = ("import sys, time; sys.stdout.buffer.write(b'Hallo daar, ik ben geen antwoord!');"
              " sys.stdout.flush(); time.sleep(30)")
    monkeypatch.setattr(worker, "_spawn", lambda: subprocess.Popen(
        [sys.executable, "-c", chatty], stdin=subprocess.PIPE, stdout=subprocess.PIPE))

    garbage = reader.read(reply_from("huisverbod@utrecht.nl"), settings())

    assert garbage == Unread("reading worker answered garbage (ProtocolError)")
    monkeypatch.setattr(worker, "_spawn", spawn)
    assert isinstance(reader.read(reply_from("huisverbod@utrecht.nl"), settings()), Read)
