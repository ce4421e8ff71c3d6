"""The raw bytes of every fetched message are stored before anything else happens to it."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from mailbot.mail.imap import Fetched
from mailbot.models import Inbound

# What the sender wrote, as opposed to what each relay adds on the way (Received, Return-Path,
# Delivered-To, Authentication-Results ...): two deliveries of one message differ only there.
_WRITTEN = ("from", "sender", "to", "cc", "subject", "date", "in-reply-to", "references",
            "mime-version", "content-type", "content-transfer-encoding")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


class Identity(NamedTuple):
    """What a message is known by in the archive."""

    key: str
    content_hash: str
    message_id: str | None


def dedupe_key(fetched: Fetched) -> Identity:
    """(key, content hash, message id): the key is the Message-ID when there is one, else a
    hash of what the sender wrote (headers added by relays left out).

    A second delivered copy or a re-fetch after a UIDVALIDITY change keeps its Message-ID and
    its written content, so it maps onto the row that is already there. A message too large to
    download is known only by where it lies.
    """
    raw = fetched.raw
    if not raw:
        place = f"{fetched.folder}:{fetched.uidvalidity}:{fetched.uid}"
        return Identity(f"big:{place}:{fetched.size}", f"size:{fetched.size}", None)
    content_hash = hashlib.sha256(raw).hexdigest()
    blank = _BLANK_LINE.search(raw, 0, 65536)
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:blank.end() if blank else 65536])
    message_id = _message_id(headers.get("Message-ID"))
    if message_id:
        return Identity(f"mid:{message_id}", content_hash, message_id)
    return Identity(f"sha:{_written_hash(raw, headers)}", content_hash, None)


def _written_hash(raw: bytes, headers: Message) -> str:
    written = [f"{name.lower()}:{value}" for name, value in headers.raw_items()
               if name.lower() in _WRITTEN]
    blank = _BLANK_LINE.search(raw)
    body = memoryview(raw)[blank.end():] if blank else raw  # no copy of a large body
    digest = hashlib.sha256("\n".join(written).encode("utf-8", "surrogateescape"))
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def _message_id(value: object) -> str | None:
    """The id without brackets; control characters (NUL!) never reach a database key."""
    if not isinstance(value, str):
        return None
    text = _CONTROLS.sub("", " ".join(value.split())).strip().strip("<>").strip()
    return text[:500] or None


def archived(session: Session, keys: list[str]) -> set[str]:
    """Which of these dedupe keys have an archived row: one query for a whole batch."""
    if not keys:
        return set()
    return set(session.exec(select(Inbound.dedupe_key).where(col(Inbound.dedupe_key).in_(keys))))


def archive(
    session: Session, fetched: Fetched, now: datetime, identity: Identity | None = None, *,
    seen: bool = True,
) -> tuple[Inbound, bool]:
    """The stored row for this message and whether the caller now holds its claim.

    A message not seen before is inserted (and committed) already claimed, state `working`,
    so archiving and claiming cost one commit. `identity` is `dedupe_key(fetched)` when the
    caller has it; `seen` is False when `archived` found no row for it.
    """
    key, content_hash, message_id = identity or dedupe_key(fetched)
    if seen:
        existing = session.exec(select(Inbound).where(Inbound.dedupe_key == key)).first()
        if existing is not None:
            return existing, False
    inbound = Inbound(
        dedupe_key=key, message_id=message_id, content_hash=content_hash, folder=fetched.folder,
        uidvalidity=fetched.uidvalidity, uid=fetched.uid, size=fetched.size, raw=fetched.raw,
        received_at=now, state="working", claimed_at=now, attempts=1,
    )
    session.add(inbound)
    try:
        session.commit()
    except IntegrityError:
        # Another worker archived the same message a moment ago: use its row.
        session.rollback()
        return session.exec(select(Inbound).where(Inbound.dedupe_key == key)).one(), False
    return inbound, True


def redact(inbound: Inbound, secret: str | None) -> None:
    """Mask a typed secret in the archived bytes once it has been read: the archive must keep
    the mail, not the secret. Same length, so quoted-printable lines keep their shape."""
    if not secret or len(secret) < 4:
        return
    raw = inbound.raw
    for form in {secret, secret.strip()}:
        for encoded in {form.encode("utf-8"), form.encode("latin-1", "ignore")}:
            if encoded:
                raw = raw.replace(encoded, b"*" * len(encoded))
    # Not through the ORM's change history, which would keep the unmasked bytes (25 MB for a
    # large mail) alive beside the masked ones; the pipeline writes the row itself (`masked`).
    set_committed_value(inbound, "raw", raw)


def masked(inbound: Inbound) -> bool:
    """Whether the bytes in hand are no longer those archived: a typed secret was masked."""
    return bool(inbound.raw) and hashlib.sha256(inbound.raw).hexdigest() != inbound.content_hash
