"""The database tables. Times are stored as UTC and come back as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal, Protocol

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlmodel import AutoString, Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Naive UTC in the database (SQLite keeps no zone), aware UTC in Python."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _when(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


# A message: new -> working (claimed by one worker) -> handled (outcome and replies committed)
# -> filed (to be moved out of the inbox: done, or done again by the next pass that still finds
# it there). Quarantined is an outcome: such a message is handled and filed too.
InboundState = Literal["new", "working", "handled", "filed"]
# A reply: pending -> sending (claimed by one sender) -> sent | failed (after its last attempt);
# back to pending when the connection drops before it was tried.
ReplyState = Literal["pending", "sending", "sent", "failed"]
# An ACCOUNT or WACHTWOORD request: open -> approved | rejected.
RequestState = Literal["open", "approved", "rejected"]


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Row) -> int:
    """The id of a row already in the database (SQLModel types every id as optional)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} is not stored yet")
    return row.id


class Organisation(SQLModel, table=True):
    """A municipality (`gemeente`) or police unit (`politie`) that reports figures."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    name: str = Field(unique=True)
    name_key: str = Field(unique=True)
    code: str | None = Field(default=None, unique=True)
    region: str | None = None
    population: int | None = None
    active: bool = True
    created_at: datetime = Field(sa_column=_when())


class Alias(SQLModel, table=True):
    """Another name staff may write for an organisation (Den Bosch for 's-Hertogenbosch)."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str
    name_key: str = Field(unique=True)


class Address(SQLModel, table=True):
    """A registered address allowed to act for an organisation (staff or a partner)."""

    __table_args__ = (UniqueConstraint("organisation_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    email: str = Field(index=True)
    created_at: datetime = Field(sa_column=_when())


class Secret(SQLModel, table=True):
    """An organisation's secret, as an argon2id hash only; the newest unrevoked one counts."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    hash: str
    created_at: datetime = Field(sa_column=_when())
    revoked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class Inbound(SQLModel, table=True):
    """A message as it arrived: raw bytes first, the outcome once handled."""

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True)
    message_id: str | None = Field(default=None, index=True)
    content_hash: str = Field(index=True)
    folder: str
    uidvalidity: int
    uid: int
    size: int
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # True: `raw` is empty and the bytes are in `inbound_chunk` (a large message). An empty
    # `raw` without it is a message too large to download.
    chunked: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # True: the bytes are a copy of the mail with every typed secret masked
    # (mailbot.reader.masking), and so is the copy filed in the mailbox. (content_hash stays that of
    # the mail as it came.)
    redacted: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    sender: str | None = None
    subject: str | None = None
    received_at: datetime = Field(sa_column=_when())
    state: InboundState = Field(default="new", sa_type=AutoString, index=True)
    claimed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    # Claims taken; a message whose worker died this often is quarantined, not tried again.
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    kind: str | None = None
    outcome: str | None = None
    reason: str | None = None
    target_folder: str | None = None
    handled_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    filed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    # A quarantined message an admin has seen (`mailbot quarantine dismiss`); the row stays.
    dismissed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class InboundChunk(SQLModel, table=True):
    """A piece of a large message's raw bytes (`mailbot.inbound.archive.CHUNK` each, in `seq`
    order), so that no single statement carries, and no driver copies, the whole message."""

    __tablename__ = "inbound_chunk"
    inbound_id: int = Field(primary_key=True, foreign_key="inbound.id")
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Submission(SQLModel, table=True):
    """One revision of an organisation's answers for a period; the highest revision is current."""

    __table_args__ = (UniqueConstraint("organisation_id", "period", "form_kind", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    period: str = Field(index=True)
    form_kind: str
    form_version: int
    revision: int
    inbound_id: int | None = Field(default=None, foreign_key="inbound.id", unique=True)
    sender: str
    person_name: str | None = None
    late: bool = False
    created_at: datetime = Field(sa_column=_when())


class Answer(SQLModel, table=True):
    """One answer of a submission revision."""

    __table_args__ = (UniqueConstraint("submission_id", "question"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    question: str
    value: int
    # A remark written after the count that describes part of it ("waarvan 2 na verlenging").
    note: str | None = None


class Reply(SQLModel, table=True):
    """An outgoing mail: a row first, sent later by the outbox job."""

    id: int | None = Field(default=None, primary_key=True)
    inbound_id: int | None = Field(default=None, foreign_key="inbound.id", index=True)
    recipient: str = Field(index=True)
    subject: str
    kind: str
    message_id: str = Field(unique=True)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # A mail that carries a secret: its body is wiped once it has been sent or given up.
    sensitive: bool = False
    state: ReplyState = Field(default="pending", sa_type=AutoString, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=_when())
    last_error: str | None = None
    created_at: datetime = Field(sa_column=_when())
    sent_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    # A failed reply an admin has seen (`mailbot outbox dismiss`); the row stays.
    dismissed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class Request(SQLModel, table=True):
    """An ACCOUNT or WACHTWOORD request waiting for an admin's decision."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # account | wachtwoord
    sender: str = Field(index=True)
    claimed_org: str | None = None
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    person_name: str | None = None
    inbound_id: int | None = Field(default=None, foreign_key="inbound.id")
    state: RequestState = Field(default="open", sa_type=AutoString, index=True)
    reason: str | None = None
    created_at: datetime = Field(sa_column=_when())
    decided_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class AuditEvent(SQLModel, table=True):
    """Something an admin or the bot did that someone may need to account for later."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when())
    actor: str
    action: str = Field(index=True)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    detail: str = ""


class Lockout(SQLModel, table=True):
    """An organisation refusing every login for a while, because its registered addresses sent
    too many wrong secrets; an admin may lift it early (`mailbot org unlock`)."""

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    since: datetime = Field(sa_column=_when())
    until: datetime = Field(sa_column=_when())
    lifted_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    lifted_by: str | None = None


class Refusal(SQLModel, table=True):
    """A refused login answered to an address registered nowhere. Counted per address and per
    domain to throttle strangers (mailbot.login.strangers); never toward a lockout."""

    __table_args__ = (
        Index("ix_refusal_sender_at", "sender", "at"),
        Index("ix_refusal_domain_at", "domain", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when())
    sender: str
    domain: str


class Heartbeat(SQLModel, table=True):
    """When a job last finished successfully (`mailbot status` reads it)."""

    name: str = Field(primary_key=True)
    at: datetime = Field(sa_column=_when())
    detail: str = ""


class Milestone(SQLModel, table=True):
    """Something that must happen once only (a round opened, a report sent), keyed by name.

    Jobs insert their key in the same transaction as their effect, so a restart or a second
    daemon can never do it again.
    """

    key: str = Field(primary_key=True)
    at: datetime = Field(sa_column=_when())
    detail: str = ""


class Round(SQLModel, table=True):
    """A half-year round once opened; its deadline decides which submissions are late."""

    period: str = Field(primary_key=True)
    opened_at: datetime = Field(sa_column=_when())
    deadline: date
    opened_by: str  # "admin" (mailbot round open) or "mailbot" (the daemon)


class RoundMail(SQLModel, table=True):
    """An invitation or reminder of a round: a reply's In-Reply-To or References finds it."""

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(foreign_key="round.period", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str  # invitation | reminder
    step: str = ""  # a reminder's step: days before the deadline, or "manual:2026-08-03"
    recipient: str
    message_id: str = Field(unique=True)  # without angle brackets, as MailView gives them
    reply_id: int | None = Field(default=None, foreign_key="reply.id")
    created_at: datetime = Field(sa_column=_when())
