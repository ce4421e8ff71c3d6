"""A message over 1 MiB is archived in pieces (`inbound_chunk`), never as one blob: stored byte
for byte, replaced piece by piece by its masked copy, handled again after a crash, and previewed
in `quarantine list` from its first piece.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest
from sqlmodel import Session, col, select

from mailbot.bot import Bot
from mailbot.inbound import archive
from mailbot.inbound.pipeline import run_pass
from mailbot.reader.large import LARGE
from mailbot.store.models import Inbound, InboundChunk
from tests import brokenmail
from tests.admin.test_quarantine_cli import mailbot
from tests.end_to_end.test_story_reader_clients import (
    CLIENTS,
    FILLED,
    SENDER,
    assert_confirmed,
    stored_answers,
)
from tests.inbound.test_faults_crash import crash_at_step
from tests.inbound.test_large_mail import MB, attach, report
from tests.leaks import assert_masked_copy
from tests.stories import FIGURES, SECRET, submissions


def big_reply() -> bytes:
    """Utrecht's reply with its figures, its secret typed in, and a 3 MB PDF attached."""
    return attach(CLIENTS["outlook-web"](FILLED), report(3 * MB))


def stored(bot: Bot) -> tuple[Inbound, list[bytes]]:
    """The one archived row and its pieces in order."""
    with Session(bot.engine) as session:
        inbound = session.exec(select(Inbound)).one()
        pieces = session.exec(select(InboundChunk.data).where(InboundChunk.inbound_id == inbound.id)
                              .order_by(col(InboundChunk.seq))).all()
    return inbound, list(pieces)


def test_a_large_mail_is_stored_in_pieces_that_join_to_its_exact_bytes(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = brokenmail.oversize(3 * MB)
    assert len(raw) > LARGE
    imap_account.append(raw)

    run_pass(bot)

    inbound, pieces = stored(bot)
    # The row holds no bytes itself, and says so: it is not a mail too large to download.
    assert inbound.raw == b"" and inbound.chunked and inbound.size == len(raw)
    assert len(pieces) == -(-len(raw) // archive.CHUNK)
    assert all(len(piece) == archive.CHUNK for piece in pieces[:-1])
    assert b"".join(pieces) == raw
    assert inbound.content_hash == hashlib.sha256(raw).hexdigest()
    with Session(bot.engine) as session:
        assert archive.full_raw(session, inbound) == raw
    assert inbound.outcome != "quarantined"


def test_a_small_mail_stays_in_its_row(bot: Bot, imap_account: Any, smtp_sink: Any) -> None:
    raw = brokenmail.oversize(LARGE // 2)
    imap_account.append(raw)

    run_pass(bot)

    inbound, pieces = stored(bot)
    assert inbound.raw == raw and not inbound.chunked and pieces == []


def test_a_large_submission_is_stored_and_its_secret_masked_in_the_pieces(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = big_reply()
    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    assert_confirmed(smtp_sink, SENDER)
    inbound, pieces = stored(bot)
    assert inbound.raw == b"" and inbound.chunked
    assert not any(SECRET.encode() in piece for piece in pieces)
    joined = b"".join(pieces)
    # The mail as it came but for the masked secret; the content hash is still the original's.
    assert_masked_copy(raw, joined, SECRET)
    assert inbound.content_hash == hashlib.sha256(raw).hexdigest()
    assert hashlib.sha256(joined).hexdigest() != inbound.content_hash


def test_the_masked_copy_of_a_large_mail_is_written_piece_by_piece(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []
    execute = Session.execute

    def counted(self: Session, statement: Any, params: Any = None, *args: Any, **kw: Any) -> Any:
        if statement is archive._INSERT_CHUNK:
            written.append(len(params["data"]))
        return execute(self, statement, params, *args, **kw)

    monkeypatch.setattr(Session, "execute", counted)
    raw = big_reply()
    imap_account.append(raw)

    run_pass(bot)

    # Archived as it came, then the masked copy in place of it: no statement carries more
    # than one piece.
    assert max(written) == archive.CHUNK and sum(written) > 2 * len(raw) - archive.CHUNK
    inbound, _ = stored(bot)
    assert inbound.redacted and inbound.raw == b""


def test_a_large_mail_whose_worker_died_is_handled_again_from_its_pieces(
    bot: Bot, imap_account: Any, smtp_sink: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = big_reply()
    imap_account.append(raw)
    crash_at_step(monkeypatch, "read", bot)  # archived and claimed, then killed
    inbound, pieces = stored(bot)
    assert inbound.state == "working" and inbound.chunked and b"".join(pieces) == raw

    assert run_pass(bot).handled == 0  # the claim may still be a live worker's
    bot.clock.advance(seconds=bot.settings.claim_seconds + 1)  # type: ignore[attr-defined]
    # Handled like a fresh one: read whole, stored, confirmed, not "too large".
    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES and len(submissions(bot)) == 1
    assert_confirmed(smtp_sink, SENDER)
    inbound, pieces = stored(bot)
    assert (inbound.outcome, inbound.state, inbound.attempts) == ("processed", "filed", 2)
    assert inbound.sender == SENDER and inbound.raw == b""
    assert_masked_copy(raw, b"".join(pieces), SECRET)
    assert imap_account.uids("INBOX") == [] and len(imap_account.uids("Verwerkt")) == 1


def test_quarantine_list_previews_a_large_mail_from_its_first_piece(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    # More than the reader may use to read it, so no sender was read: the list shows the From
    # header as written; an epilogue makes it large.
    epilogue = b"Nog een regel na het einde van het bericht.\r\n" * (LARGE // 40)
    raw = brokenmail.nested_multiparts(sender="groot@elders.nl") + epilogue
    imap_account.append(raw)
    starved = dataclasses.replace(
        live_bot, settings=live_bot.settings.model_copy(update={"read_memory_mb": 1}))

    assert run_pass(starved).outcomes == {"quarantined": 1}

    inbound, _ = stored(live_bot)
    assert inbound.chunked and inbound.raw == b"" and inbound.sender is None
    code, listed = mailbot("quarantine", "list")
    assert code == 0
    [line] = listed.splitlines()
    assert line.split()[0] == str(inbound.id)
    assert "groot@elders.nl  Quarantaine  reading" in line
    with Session(live_bot.engine) as session:
        head = session.exec(select(archive.raw_head(4096)).where(Inbound.id == inbound.id)).one()
    assert bytes(head) == raw[:4096] and b"Subject: genest\r\n" in bytes(head)
