"""The reading worker: a child process that reads messages under a CPU and a memory limit.

Anyone can mail the bot, so reading a message must never hold the daemon, whatever the
message does to a pattern, a parser or C code. The daemon hands the raw bytes to this process
and gets a `Read` back. Before each message the worker sets its own CPU limit
(`RLIMIT_CPU`, the time used so far plus `MAILBOT_READ_SECONDS`): past it the kernel ends the
process, wherever it is. Its address space is limited too (`MAILBOT_READ_MEMORY_MB`), so a
mail that unpacks into gigabytes fails there with MemoryError. The daemon sees the worker go,
answers `Unread` with the reason, and starts a fresh worker for the next message. A wall-clock
limit, well above the CPU limit, covers a worker that waits instead of computing.

The two ends speak over the worker's stdin and stdout: each message a length (8 bytes, big
endian) and a pickle. Only the daemon's own child is unpickled.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from contextlib import suppress
from pathlib import Path
from typing import IO

from mailbot.reader.limits import Limits, ReadSettings
from mailbot.reader.reading import Read, Unread

log = logging.getLogger(__name__)

_LENGTH = 8
WALL_FACTOR = 10  # the wall-clock limit, as a multiple of the CPU limit (other work shares it)
WALL_MINIMUM = 30.0  # seconds


class Reader:
    """Reads messages in a worker process, one at a time; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None

    def read(self, raw: bytes, settings: ReadSettings) -> Read | Unread:
        """`raw` read by the worker within the limits `settings` give (`MAILBOT_READ_*`)."""
        limits, seconds = Limits.of(settings), settings.read_seconds
        memory_mb = settings.read_memory_mb
        with self._lock:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            wall = max(WALL_MINIMUM, WALL_FACTOR * seconds)
            deadline = time.monotonic() + wall
            try:
                # The mail as bytes of its own, after its limits: pickled, it would be copied.
                _send(process.stdin, pickle.dumps((limits, seconds, memory_mb)))
                _send(process.stdin, raw)
                result = pickle.loads(_receive(process.stdout, deadline))
                if isinstance(result, Read) and result.masked is not None:
                    # The masked copy comes as bytes of its own: unpickled, a 25 MB copy
                    # would be in memory twice.
                    result = dataclasses.replace(
                        result, masked=_receive(process.stdout, deadline))
            except Exception as error:  # gone, too slow, or an answer that is none
                return self._lost(process, seconds, wall, error)
            assert isinstance(result, Read | Unread)
            if isinstance(result, Unread):  # the worker leaves after such a mail (see main)
                self._process = None
                _stop(process)
            return result

    def close(self) -> None:
        """Stop the worker (a later read starts a new one)."""
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            _stop(process)

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = _spawn()
            # A reader dropped without close() takes its worker with it.
            weakref.finalize(self, _stop, self._process)
        return self._process

    def _lost(
        self, process: subprocess.Popen[bytes], seconds: int, wall: float, error: BaseException
    ) -> Unread:
        """The worker died or took too long: stop it, and say why in the message's reason."""
        self._process = None
        timed_out = isinstance(error, TimeoutError)
        code = _stop(process)
        if code == -signal.SIGXCPU:
            reason = f"reading stopped after {seconds} s of CPU time"
        elif timed_out:
            reason = f"reading stopped after {wall:.0f} s"
        elif not isinstance(error, OSError | EOFError):
            reason = f"reading worker answered garbage ({type(error).__name__})"
        else:
            reason = f"reading worker ended ({_describe(code)})"
        log.warning("%s", reason)
        return Unread(reason)


def _spawn() -> subprocess.Popen[bytes]:
    # The worker imports this very package, wherever the daemon found it.
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "mailbot.reader.worker"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, env=env, close_fds=True,
    )


def _stop(process: subprocess.Popen[bytes]) -> int:
    """End the worker (it is past saving, or no longer needed); its exit code."""
    if process.poll() is None:
        if process.stdin is not None:
            with suppress(OSError):
                process.stdin.close()  # a worker waiting for work leaves at end of input
        try:
            return process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            process.kill()
    code = process.wait()
    if process.stdout is not None:
        process.stdout.close()
    return code


def _describe(code: int) -> str:
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _send(stream: IO[bytes], payload: bytes | bytearray) -> None:
    stream.write(len(payload).to_bytes(_LENGTH, "big"))
    stream.write(payload)
    stream.flush()


MAX_FRAME = 1 << 30  # bytes: far above any mail (MAILBOT_MAX_MESSAGE_BYTES) and its reading


class ProtocolError(Exception):
    """The other end sent what is no answer: a length no answer has."""


def _receive(stream: IO[bytes], deadline: float | None = None) -> bytearray:
    """One length-prefixed payload; EOFError when the other end has gone, TimeoutError when
    `deadline` (time.monotonic) passes first."""
    size = int.from_bytes(_exactly(stream, _LENGTH, deadline), "big")
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes")
    return _exactly(stream, size, deadline)


def _exactly(stream: IO[bytes], size: int, deadline: float | None) -> bytearray:
    """`size` bytes, read straight into one buffer: a 25 MB mail is in memory once, not also
    in the pieces it arrived in."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    descriptor = stream.fileno()
    while done < size:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([descriptor], [], [], wait)[0]:
                raise TimeoutError
        got = os.readv(descriptor, [view[done:done + (1 << 20)]])
        if not got:
            raise EOFError
        done += got
    view.release()
    return buffer


# --- the worker's side -------------------------------------------------------------------------


def _limit(seconds: int, memory_mb: int) -> None:
    """This process may use `seconds` more of CPU time, and `memory_mb` of address space."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = math.ceil(spent) + seconds
    resource.setrlimit(resource.RLIMIT_CPU, (_within(soft, hard), hard))
    hard_space = resource.getrlimit(resource.RLIMIT_AS)[1]
    resource.setrlimit(resource.RLIMIT_AS, (_within(memory_mb * 1024 * 1024, hard_space),
                                            hard_space))


def _within(soft: int, hard: int) -> int:
    import resource

    return soft if hard == resource.RLIM_INFINITY else min(soft, hard)


def _read_one(limits: Limits, seconds: int, memory_mb: int, raw: bytes) -> Read | Unread:
    import resource

    from mailbot.reader.reading import read_message

    _limit(seconds, memory_mb)
    try:
        return read_message(raw, limits)
    except MemoryError:
        return Unread(f"reading needed more than {memory_mb} MB")
    except Exception as error:  # a bug the mail found: the daemon quarantines it with this
        first_line = str(error).partition("\n")[0][:200]
        return Unread(f"reading failed: {type(error).__name__}: {first_line}")
    finally:
        # Answering, and taking the next message, are not the mail's to limit.
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


def main() -> None:
    """Read messages from stdin until it closes, answering each on stdout."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker the CPU limit ends leaves none
    # Nothing but answers may reach the daemon's end of the pipe: the answers get a descriptor
    # of their own, and whatever Python or C code prints goes to stderr.
    stdin = sys.stdin.buffer
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    from mailbot.reader import reading  # noqa: F401  (imported before the first limit is set)

    while True:
        try:
            limits, seconds, memory_mb = pickle.loads(_receive(stdin))
            raw = bytes(_receive(stdin))
        except EOFError:
            return
        result = _read_one(limits, seconds, memory_mb, raw)
        del raw
        masked = result.masked if isinstance(result, Read) else None
        if isinstance(result, Read) and masked is not None:  # sent after the rest, on its own
            result = dataclasses.replace(result, masked=b"")
        _send(stdout, pickle.dumps(result))
        if masked is not None:
            _send(stdout, masked)
        if isinstance(result, Unread):
            # Memory that ran out (or an error) may have left C code in a state that a
            # later mail would crash on: the next mail gets a fresh worker.
            return


if __name__ == "__main__":
    main()
