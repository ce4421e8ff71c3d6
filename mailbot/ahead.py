"""Reading ahead: while the pipeline handles one message, a second thread reads the next few
and checks their secrets, so that argon2 (which releases the GIL) runs on the other core.

The thread only prepares. It reads messages (reading is pure) and fills the shared
`VerifiedSecrets`; nothing it does is stored, sent or decided. The pipeline still archives,
checks and stores every message in order, taking the read message when the thread got there
first and reading it itself otherwise; a secret the thread checked against a stored secret
that has changed since is simply checked again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

from mailbot.addresses import try_normalise
from mailbot.auth import authenticate
from mailbot.classify import classify
from mailbot.clock import Clock
from mailbot.config import Settings
from mailbot.handlers.submission import credentials
from mailbot.mail.message import MailView, read
from mailbot.passwords import VerifiedSecrets

log = logging.getLogger(__name__)

WINDOW = 32  # messages the thread may run ahead: bounds the read messages held in memory


class ReadAhead:
    """Reads and checks the messages of one batch ahead of the pipeline, on its own thread."""

    def __init__(
        self, engine: Engine, settings: Settings, clock: Clock, verified: VerifiedSecrets,
        raws: Sequence[bytes | None],
    ) -> None:
        """`raws` in the batch's order; None for a message not to read ahead (too large)."""
        # It only reads, one statement at a time: no transaction to begin and roll back.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._settings, self._clock = settings, clock
        self._verified = verified
        self._raws = list(raws)
        self._mails: dict[int, MailView] = {}
        self._taken = 0  # messages the pipeline has taken its turn on
        self._stopped = False
        self._turn = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)

    def start(self) -> None:
        """Start reading, unless started before."""
        if self._thread.ident is None and not self._stopped:
            self._thread.start()

    def stop(self) -> None:
        """Stop reading and wait for the thread (a check it started runs on, on its worker)."""
        with self._turn:
            self._stopped = True
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

    def take(self, index: int) -> MailView | None:
        """The message at `index` as read ahead; None when the thread has not got there (or
        could not read it), and the pipeline reads it itself."""
        with self._turn:
            self._taken = index + 1
            self._raws[index] = None
            mail = self._mails.pop(index, None)
            self._turn.notify_all()
        return mail

    def _run(self) -> None:
        for index in range(len(self._raws)):
            with self._turn:
                while not self._stopped and index >= self._taken + WINDOW:
                    self._turn.wait()
                if self._stopped:
                    return
                raw = self._raws[index] if index >= self._taken else None
            if raw is None:
                continue
            try:
                mail = read(raw)
                with self._turn:
                    if index >= self._taken:
                        self._mails[index] = mail
                self._check(mail)
            except Exception:  # the pipeline meets the same mail in its turn and decides
                log.debug("read-ahead skipped message %d of the batch", index, exc_info=True)

    def _check(self, mail: MailView) -> None:
        """Check the secret a submission carries, as the submission handler will."""
        if classify(mail, self._settings) != "submission":
            return
        sender = try_normalise(mail.sender)
        now = self._clock.now()
        org_name, secret = credentials(mail, now)
        if sender is None or not org_name or not secret:
            return
        if not self._verified.first_look(sender, org_name, secret):
            return
        with Session(self._engine) as session:
            authenticate(session, self._settings, now, sender, org_name, secret,
                         self._verified, ahead=True)
