"""Masking the secrets in mail kept before masking covered every encoding (`mailbot redact`).

Earlier releases masked a typed secret only where it stood in the raw bytes as typed, and
filed the original in the mailbox. This goes over the archive and the mailbox folders once:
every mail is read by the reading worker, as new mail is, and where a secret was typed the
masked copy takes its place: in the archive row (or its pieces), and in the folder (appended
first, the original removed after, so a crash loses nothing; a second run finds the copy by
its `X-Mailbot-Original` header and adds no other). Run it again at any time: a masked copy
has nothing left to mask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.dates.clock import Clock
from mailbot.inbound.archive import COPY_OF, dedupe_key, full_raw, keep_redacted, write_pieces
from mailbot.inbound.imap import Copy, Mailbox
from mailbot.reader.masking import mask_secret_lines
from mailbot.reader.reading import Read
from mailbot.reader.worker import Reader
from mailbot.store import orgs
from mailbot.store.models import Inbound

Progress = Callable[[str], None]


@dataclass
class Redacted:
    """How much one run looked at and masked."""

    looked_at: int = 0
    masked: int = 0
    unread: int = 0  # could not be read within the reader's limits: masked where a line shows


def redact_archive(engine: Engine, settings: Settings, reader: Reader, clock: Clock,
                   dry_run: bool = False) -> Redacted:
    """Mask the typed secrets of every archived mail not masked yet."""
    done = Redacted()
    for row_id in _unredacted(engine):
        with Session(engine, expire_on_commit=False) as session:
            inbound = session.get(Inbound, row_id)
            assert inbound is not None
            raw = full_raw(session, inbound)
            done.looked_at += 1
            masked = _masked(reader, settings, raw, done)
            if masked is None:
                continue
            done.masked += 1
            if dry_run:
                continue
            session.expunge(inbound)
            keep_redacted(inbound, masked)
            if inbound.chunked:
                write_pieces(session, inbound)
            else:
                session.execute(update(Inbound).where(col(Inbound.id) == row_id)
                                .values(raw=inbound.raw))
            session.execute(update(Inbound).where(col(Inbound.id) == row_id)
                            .values(redacted=True))
            session.commit()
    if done.masked and not dry_run:
        with Session(engine) as session:
            orgs.audit(session, clock.now(), "admin", "archive.redact", None,
                       f"{done.masked} of {done.looked_at}")
            session.commit()
    return done


def _unredacted(engine: Engine) -> Iterator[int]:
    with Session(engine) as session:
        ids = list(session.exec(select(Inbound.id).where(
            col(Inbound.redacted).is_(False), col(Inbound.size) > 0).order_by(col(Inbound.id))))
    yield from (row_id for row_id in ids if row_id is not None)


def redact_folder(settings: Settings, folder: str, reader: Reader,
                  dry_run: bool = False) -> Redacted:
    """Replace every mail in `folder` that holds a typed secret by its masked copy."""
    done = Redacted()
    with Mailbox(settings.model_copy(update={"imap_folder": folder})) as mailbox:
        if not mailbox.exists():
            return done
        for batch in mailbox.batches():
            copies: list[Copy] = []
            for fetched in batch:
                done.looked_at += 1
                masked = _masked(reader, settings, fetched.raw, done) if fetched.raw else None
                if masked is None:
                    continue
                done.masked += 1
                marker = f"{COPY_OF}: {dedupe_key(fetched).key}"
                copies.append(Copy(fetched.uid, f"{marker}\r\n".encode() + masked, marker,
                                   None, again=True))
            if copies and not dry_run:
                mailbox.replace(copies, folder)
    return done


def _masked(
    reader: Reader, settings: Settings, raw: bytes, done: Redacted
) -> bytes | bytearray | None:
    read = reader.read(raw, settings)
    if isinstance(read, Read):
        return read.masked
    done.unread += 1
    return mask_secret_lines(raw)
