"""Reading ahead: while the pipeline handles one message, a second thread has the next ones
read (by the reading worker, mailbot.reader.worker) and checks their secrets, so that reading and
argon2 run beside the pipeline, on the other core.

The thread reads only messages this worker holds the claim of (the pipeline archives and
claims them a group at a time, and then hands them over with `allow`): a message another
daemon holds is never read twice at once. The thread only prepares. Nothing it does is stored,
sent or decided; the pipeline still handles every message in order, taking the read message
from here; a secret the thread checked against a stored secret that has changed since is
simply checked again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

from mailbot.config import Settings
from mailbot.dates.clock import Clock
from mailbot.handlers.submission import credentials
from mailbot.inbound.classify import classify
from mailbot.login.addresses import try_normalise
from mailbot.login.auth import authenticate
from mailbot.login.passwords import VerifiedSecrets
from mailbot.reader.reading import Read, Unread
from mailbot.reader.worker import Reader

log = logging.getLogger(__name__)


class ReadAhead:
    """Reads and checks the messages a batch holds, ahead of the pipeline, on its own thread."""

    def __init__(
        self, engine: Engine, settings: Settings, clock: Clock, verified: VerifiedSecrets,
        reader: Reader,
    ) -> None:
        # It only reads, one statement at a time: no transaction to begin and roll back.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._settings, self._clock = settings, clock
        self._verified, self._reader = verified, reader
        self._waiting: deque[tuple[int, bytes]] = deque()  # allowed, not read yet, in order
        self._reads: dict[int, Read | Unread] = {}  # read, not taken yet
        self._busy: int | None = None  # the message being read now
        self._stopped = False
        self._turn = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)

    def allow(self, index: int, raw: bytes) -> None:
        """Read the batch's message at `index` (claimed by this worker) when its turn comes."""
        with self._turn:
            self._waiting.append((index, raw))
            self._turn.notify_all()

    def start(self) -> None:
        """Start reading, unless started before."""
        if self._thread.ident is None and not self._stopped:
            self._thread.start()

    def stop(self) -> None:
        """Stop reading and wait for the thread (a check it started runs on, on its worker)."""
        with self._turn:
            self._stopped = True
            self._waiting.clear()
            self._turn.notify_all()
        if self._thread.ident is not None:
            self._thread.join()

    def __enter__(self) -> ReadAhead:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def take(self, index: int) -> Read | Unread | None:
        """The message at `index` as read ahead, waiting for it when it is allowed and not
        read yet; None when it was not allowed (the pipeline reads it itself)."""
        with self._turn:
            while not self._stopped and index not in self._reads and self._pending(index):
                self._turn.wait()
            return self._reads.pop(index, None)

    def _pending(self, index: int) -> bool:
        return self._busy == index or any(waiting == index for waiting, _ in self._waiting)

    def _run(self) -> None:
        while True:
            with self._turn:
                while not self._stopped and not self._waiting:
                    self._turn.wait()
                if self._stopped:
                    return
                index, raw = self._waiting.popleft()
                self._busy = index
            try:
                result = self._reader.read(raw, self._settings)
            except Exception as error:  # a bug: the pipeline quarantines the mail with it
                log.exception("read-ahead could not read message %d", index)
                result = Unread(f"reading failed: {type(error).__name__}")
            del raw
            with self._turn:
                self._reads[index] = result
                self._busy = None
                self._turn.notify_all()
            if isinstance(result, Read):
                try:
                    self._check(result)
                except Exception:  # the pipeline meets the same mail in its turn and decides
                    log.debug("read-ahead did not check message %d", index, exc_info=True)

    def _check(self, read: Read) -> None:
        """Check the secret a submission carries, as the submission handler will."""
        mail = read.mail
        if classify(mail, self._settings) != "submission":
            return
        sender = try_normalise(mail.sender)
        now = self._clock.now()
        org_name, secret = credentials(mail, read.scans, now)
        if sender is None or not org_name or not secret:
            return
        if not self._verified.first_look(sender, org_name, secret):
            return
        with Session(self._engine) as session:
            authenticate(session, self._settings, now, sender, org_name, secret,
                         self._verified, ahead=True)
