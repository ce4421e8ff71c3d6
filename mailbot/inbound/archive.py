"""The raw bytes of every fetched message are stored before anything else happens to it.

A message over `mailbot.reader.large.LARGE` is stored in `CHUNK`-sized pieces (`InboundChunk`)
with `Inbound.raw` empty and `Inbound.chunked` set: a driver copies every parameter and every
result value it handles, and a 25 MB blob in one statement costs that much again in memory.
Readers of the archived bytes use `full_raw` (or `raw_head` in SQL), never `Inbound.raw` alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from io import BytesIO
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, case, delete, func, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from mailbot.inbound.imap import Fetched
from mailbot.reader.large import LARGE
from mailbot.store.db import insert_row, insert_rows
from mailbot.store.models import Inbound, InboundChunk

# What the sender wrote, as opposed to what each relay adds on the way (Received, Return-Path,
# Delivered-To, Authentication-Results ...): two deliveries of one message differ only there.
_WRITTEN = ("from", "sender", "to", "cc", "subject", "date", "in-reply-to", "references",
            "mime-version", "content-type", "content-transfer-encoding")
COPY_OF = "X-Mailbot-Original"  # names, in a filed masked copy, the dedupe key of its original
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_HASH_SUFFIX = re.compile(r" [0-9a-f]{64}\Z")


class Identity(NamedTuple):
    """What a message is known by in the archive; `copy_of` is the key of the mail this one is
    the filed, masked copy of (mailbot.inbound.filing), when it says so."""

    key: str
    content_hash: str
    message_id: str | None
    copy_of: str | None = None


def dedupe_key(fetched: Fetched) -> Identity:
    """(key, content hash, message id): the key is a hash of what the sender wrote (headers
    added by relays left out), after the Message-ID when there is one.

    A second delivered copy or a re-fetch after a UIDVALIDITY change keeps its Message-ID and
    its written content, so it maps onto the row that is already there. A mail that reuses
    another's Message-ID with other content is a message of its own: a forger who knows a
    Message-ID cannot have the real mail taken for a copy of theirs. A message too large to
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
    written = _written_hash(raw, headers)
    copy_of = _message_id(headers.get(COPY_OF))
    if message_id:
        return Identity(f"mid:{message_id} {written}", content_hash, message_id, copy_of)
    return Identity(f"sha:{written}", content_hash, None, copy_of)


def _earlier(key: str) -> str | None:
    """The key releases before this one gave the same message: `mid:` and the Message-ID
    alone. A row archived under it still stands for its message (a re-fetch of a mail that
    was archived then must not be handled twice); new rows never get one."""
    written = _HASH_SUFFIX.search(key) if key.startswith("mid:") else None
    return key[:written.start()] if written else None


def _keys(identity: Identity) -> list[str]:
    """The keys a message's row may be under: its own; for a key with a Message-ID, the one
    an earlier release gave; for a filed copy, its original's (a copy dragged back into the
    inbox is that mail, not a new one). New rows are only ever stored under the first."""
    keys = [identity.key]
    if (earlier := _earlier(identity.key)) is not None:
        keys.append(earlier)
    if identity.copy_of is not None:
        keys.append(identity.copy_of)
    return keys


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


def archived(session: Session, identities: list[Identity]) -> set[str]:
    """The keys of these messages that have an archived row (also under another of their
    `_keys`): one query for a whole batch."""
    if not identities:
        return set()
    wanted = {each: identity.key for identity in identities for each in _keys(identity)}
    found = session.exec(select(Inbound.dedupe_key).where(col(Inbound.dedupe_key).in_(wanted)))
    return {wanted[key] for key in found}


def archive(
    session: Session, fetched: Fetched, now: datetime, identity: Identity | None = None, *,
    maybe_archived: bool = True,
) -> tuple[Inbound, bool]:
    """The stored row for this message and whether the caller now holds its claim.

    A message not seen before is inserted (and committed) already claimed, state `working`,
    so archiving and claiming cost one commit. `identity` is `dedupe_key(fetched)` when the
    caller has it; `maybe_archived` is False when `archived` found no row for it (so no
    lookup is needed).
    """
    identity = identity or dedupe_key(fetched)
    key = identity.key
    if maybe_archived:
        # The current key first: a row under another one is only there from before.
        rows = session.exec(select(Inbound).where(col(Inbound.dedupe_key).in_(_keys(identity))))
        existing = min(rows, key=lambda row: row.dedupe_key != key, default=None)
        if existing is not None:
            return existing, False
    inbound = _claimed_row(fetched, identity, now)
    chunked = inbound.chunked
    # The object stays out of the session; the step `record` (mailbot.inbound.steps) writes what
    # handling changes.
    try:
        insert_row(session, inbound)
        for seq, piece in enumerate(pieces(fetched.raw) if chunked else ()):
            session.execute(_INSERT_CHUNK, {"inbound_id": inbound.id, "seq": seq, "data": piece})
        session.commit()
    except IntegrityError:
        # Another worker archived the same message a moment ago: use its row.
        session.rollback()
        return session.exec(select(Inbound).where(Inbound.dedupe_key == key)).one(), False
    if chunked:
        # The handler reads the bytes in hand, as for a small message; nothing writes them.
        set_committed_value(inbound, "raw", fetched.raw)
    return inbound, True


def _claimed_row(fetched: Fetched, identity: Identity, now: datetime) -> Inbound:
    """The row a message not seen before is archived as, claimed by the caller."""
    chunked = len(fetched.raw) > LARGE
    return Inbound(
        dedupe_key=identity.key, message_id=identity.message_id,
        content_hash=identity.content_hash, folder=fetched.folder,
        uidvalidity=fetched.uidvalidity, uid=fetched.uid, size=fetched.size,
        raw=b"" if chunked else fetched.raw, chunked=chunked, received_at=now, state="working",
        claimed_at=now, attempts=1,
    )


GROUP_BYTES = 4 * 1024 * 1024  # raw bytes archived in one statement at most


def groupable(fetched: Fetched) -> bool:
    """Whether a message may be archived in a group: downloaded, and not stored in pieces."""
    return 0 < len(fetched.raw) <= LARGE


def archive_group(
    session: Session, group: list[tuple[Fetched, Identity]], now: datetime
) -> list[Inbound] | None:
    """Archive messages not seen before in one statement and one commit, each claimed by the
    caller as `archive` would (`groupable` ones, none archived yet); the rows in order.

    None when another worker archived one of them meanwhile: nothing was stored, and the
    caller archives them one by one. A group's rows are claimed together, so when the worker
    dies, each row not handled yet counts that death once; the pipeline keeps groups small.
    """
    rows = [_claimed_row(fetched, identity, now) for fetched, identity in group]
    try:
        insert_rows(session, rows, "dedupe_key")
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return rows


CHUNK = 1024 * 1024  # bytes in a piece of a large message
# Prebuilt Core (see mailbot.store.db), given memoryview slices: no piece is copied on the way in.
_INSERT_CHUNK = insert(InboundChunk)
_DROP_CHUNKS = (delete(InboundChunk).where(col(InboundChunk.inbound_id) == bindparam("row"))
                .execution_options(synchronize_session=False))


def pieces(raw: bytes) -> Iterator[memoryview]:
    """`raw` in `CHUNK`-sized slices, without copying it."""
    view = memoryview(raw)
    for start in range(0, len(raw), CHUNK):
        yield view[start:start + CHUNK]


def full_raw(session: Session, inbound: Inbound) -> bytes:
    """The archived bytes of a row: `raw`, or for a chunked row its pieces joined in order.

    The pieces come one by one (a server-side cursor on PostgreSQL), so the whole message is
    in memory once, not also as a result set."""
    if not inbound.chunked:
        return inbound.raw
    joined = BytesIO()  # getvalue() hands over its buffer: no second copy of the message
    query = (select(InboundChunk.data).where(InboundChunk.inbound_id == inbound.id)
             .order_by(col(InboundChunk.seq)).execution_options(yield_per=1))
    for piece in session.exec(query):
        joined.write(piece)
    return joined.getvalue()


def load_full_raw(session: Session, inbound: Inbound) -> None:
    """Put the full archived bytes of a chunked row in `inbound.raw`, before it is handled.

    As committed state: `raw` stays empty in the database, and a flush never writes it."""
    if inbound.chunked and not inbound.raw:
        set_committed_value(inbound, "raw", full_raw(session, inbound))


def write_pieces(session: Session, inbound: Inbound) -> None:
    """Store a chunked row's bytes (`inbound.raw` in hand) in place of its pieces: a copy
    with its secrets masked has another length, so every piece is written again."""
    session.execute(_DROP_CHUNKS, {"row": inbound.id})
    for seq, piece in enumerate(pieces(inbound.raw)):
        session.execute(_INSERT_CHUNK, {"inbound_id": inbound.id, "seq": seq, "data": piece})


def copy_marker(inbound: Inbound) -> str:
    """The header line that names, in a masked copy, the mail it is a copy of."""
    return f"{COPY_OF}: {inbound.dedupe_key}"


def keep_redacted(inbound: Inbound, masked: bytes | bytearray) -> None:
    """Hold the masked copy, marked as a copy of this mail (`copy_marker`: the mailbox gets
    the same bytes), in place of the archived bytes, to be written with the outcome.

    Not through the ORM's change history, which would keep the unmasked bytes (25 MB for a
    large mail) alive beside the masked ones; the pipeline writes the row itself. A
    bytearray (as the reading worker's answer comes) is marked in place, not copied."""
    marker = f"{copy_marker(inbound)}\r\n".encode()
    if isinstance(masked, bytearray):
        masked[0:0] = marker
        marked: bytes | bytearray = masked
    else:
        marked = marker + masked
    set_committed_value(inbound, "raw", marked)
    set_committed_value(inbound, "redacted", True)


def raw_head(length: int) -> ColumnElement[bytes]:
    """SQL for the first `length` bytes of a row's raw mail, selected beside `Inbound`: from
    piece 0 for a chunked row, so the rest of a large message is never read."""
    first = (select(func.substr(InboundChunk.data, 1, length))
             .where(col(InboundChunk.inbound_id) == col(Inbound.id), col(InboundChunk.seq) == 0)
             .scalar_subquery())
    return case((col(Inbound.chunked), first), else_=func.substr(col(Inbound.raw), 1, length))
