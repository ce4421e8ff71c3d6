"""The raw bytes of every fetched message are stored before anything else happens to it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from mailbot.mail.imap import Fetched
from mailbot.models import Inbound


def dedupe_key(raw: bytes, size: int) -> tuple[str, str, str | None]:
    """(key, content hash, message id): the Message-ID when there is one, else the bytes' hash.

    A second delivered copy or a re-fetch after a UIDVALIDITY change keeps its Message-ID,
    so it maps onto the row that is already there.
    """
    content_hash = hashlib.sha256(raw).hexdigest() if raw else f"size:{size}"
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:65536]) if raw else None
    message_id = _message_id(headers.get("Message-ID") if headers else None)
    if message_id:
        return f"mid:{message_id}", content_hash, message_id
    return f"sha:{content_hash}", content_hash, None


def _message_id(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split()).strip().strip("<>").strip()
    return text[:500] or None


def archive(session: Session, fetched: Fetched, now: datetime) -> Inbound:
    """The stored row for this message, inserted (and committed) when it is new."""
    key, content_hash, message_id = dedupe_key(fetched.raw, fetched.size)
    existing = session.exec(select(Inbound).where(Inbound.dedupe_key == key)).first()
    if existing is not None:
        return existing
    inbound = Inbound(
        dedupe_key=key, message_id=message_id, content_hash=content_hash, folder=fetched.folder,
        uidvalidity=fetched.uidvalidity, uid=fetched.uid, size=fetched.size, raw=fetched.raw,
        received_at=now,
    )
    session.add(inbound)
    try:
        session.commit()
    except IntegrityError:
        # Another worker archived the same message a moment ago: use its row.
        session.rollback()
        return session.exec(select(Inbound).where(Inbound.dedupe_key == key)).one()
    return inbound


def redact(inbound: Inbound, secret: str | None) -> None:
    """Mask a typed secret in the archived bytes once it has been read: the archive must keep
    the mail, not the secret. Same length, so quoted-printable lines keep their shape."""
    if not secret or len(secret) < 4:
        return
    for form in {secret, secret.strip()}:
        for encoded in {form.encode("utf-8"), form.encode("latin-1", "ignore")}:
            if encoded:
                inbound.raw = inbound.raw.replace(encoded, b"*" * len(encoded))
