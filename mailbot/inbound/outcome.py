"""The values a handler returns: what happened to a mail and which replies it causes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlmodel import Session

from mailbot.config import Settings
from mailbot.login.passwords import VerifiedSecrets
from mailbot.outbound.render import Rendered, Renderer
from mailbot.reader.message import MailView
from mailbot.reader.parse import Scans
from mailbot.store.deadlines import Deadlines
from mailbot.store.models import Inbound

Status = Literal["processed", "rejected", "ignored", "quarantined"]


@dataclass(frozen=True)
class Attachment:
    """A file attached to a reply."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Draft:
    """A reply a handler wants sent; the pipeline turns it into an outbox row."""

    to: str
    kind: str
    rendered: Rendered
    attachments: tuple[Attachment, ...] = ()
    sensitive: bool = False  # carries a secret: never capped, wiped from the outbox once sent
    # To a registered sender who gave the right secret (a confirmation, a problems list):
    # never capped, as a loop has no secret (mailbot.outbound.outbox).
    authenticated: bool = False
    html: str | None = None  # an HTML alternative to the text body (reports)
    # Where the recipient's answer goes: the sender of a mail handed on to a person.
    reply_to: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What a handler decided: a status for the folder, a reason for the log, replies."""

    status: Status
    reason: str
    replies: tuple[Draft, ...] = field(default=())


@dataclass(frozen=True)
class Context:
    """What a handler may use: one open transaction, the settings, the time, the templates."""

    session: Session
    settings: Settings
    now: datetime
    renderer: Renderer
    inbound: Inbound
    mail: MailView
    verified_secrets: VerifiedSecrets | None = None
    deadlines: Deadlines | None = None  # the rounds' deadlines read in this batch
    scans: Scans = field(default_factory=Scans)  # the mail's texts read as forms (reading.py)
