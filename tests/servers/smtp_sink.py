"""An aiosmtpd sink that keeps what it receives and can be told to refuse, or to go away."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.servers import free_port

Stage = Literal["RCPT", "DATA"]


@dataclass(frozen=True)
class SinkMessage:
    """One message as the sink received it."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    connection: str = ""  # the client's host and port: one per SMTP connection

    def describe(self) -> str:
        return f"{self.message['Subject']!r} from {self.mail_from} to {', '.join(self.rcpt_tos)}"


@dataclass
class _Failure:
    code: int
    stage: Stage
    remaining: int | None  # None: until recover()


class SmtpSink:
    """Start it, send mail to `host:port`, look at `messages`; `stop()`/`start()` for an outage."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port()
        self.messages: list[SinkMessage] = []
        self._arrived = threading.Condition()
        self._failure: _Failure | None = None
        self._hang_ups = 0
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen (again) on the same port."""
        if self._controller is None:
            # A stopped Controller has closed its event loop, so an outage ends with a new one.
            self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def fail_next(self, code: int, count: int = 1, at: Stage = "DATA") -> None:
        """Answer `code` to the next `count` RCPT or DATA commands, then accept again."""
        self._failure = _Failure(code, at, count)

    def fail_always(self, code: int, at: Stage = "DATA") -> None:
        self._failure = _Failure(code, at, None)

    def hang_up_next(self, count: int = 1) -> None:
        """Drop the connection, unanswered, on each of the next `count` messages' DATA."""
        self._hang_ups = count

    def recover(self) -> None:
        self._failure = None

    def wait_for(self, n: int, timeout: float = 10) -> list[SinkMessage]:
        """All messages once at least `n` arrived; on timeout, fail showing what did arrive."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    got = "\n".join(f"  {m.describe()}" for m in self.messages) or "  nothing"
                    raise AssertionError(
                        f"expected at least {n} message(s) within {timeout} s, got "
                        f"{len(self.messages)}:\n{got}")
                self._arrived.wait(left)
            return list(self.messages)

    def _refusal(self, stage: Stage) -> str | None:
        failure = self._failure
        if failure is None or failure.stage != stage:
            return None
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failure = None
        kind = "4.3.0 try again later" if failure.code < 500 else "5.7.1 refused"
        return f"{failure.code} {kind} (test sink)"

    def _keep(self, envelope: Envelope, peer: Any = None) -> None:
        raw = envelope.original_content or b""
        # SMTP lines end in CRLF; tests compare text with "\n", as a mail client would show it.
        message = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(message, EmailMessage)
        kept = SinkMessage(envelope.mail_from or "", list(envelope.rcpt_tos), raw, message,
                           str(peer or ""))
        with self._arrived:
            self.messages.append(kept)
            self._arrived.notify_all()


class _Handler:
    """aiosmtpd hooks; they run on the Controller's thread."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[Any]) -> str:
        refusal = self._sink._refusal("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self._sink._hang_ups > 0:
            self._sink._hang_ups -= 1
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.0 gone (test sink)"  # never reaches the client
        refusal = self._sink._refusal("DATA")
        if refusal:
            return refusal
        self._sink._keep(envelope, session.peer)
        return "250 Message accepted for delivery"
