"""Large mail: a reply with a big attachment is read from its skeleton (mailbot.reader.large),
stored and confirmed, and archived byte for byte.

The skeleton must never change what the reader sees: each test compares the reading of the
skeleton with the reading of the whole message, and the parsed trees part by part.
"""

from __future__ import annotations

import base64
import inspect
import logging
import quopri
import random
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from pathlib import Path
from typing import Any

import imapclient.imapclient
import pytest
from sqlmodel import Session, select

import tests.brokenmail as brokenmail
from mailbot.bot import Bot
from mailbot.inbound.archive import full_raw
from mailbot.inbound.imap import Mailbox
from mailbot.inbound.pipeline import run_pass
from mailbot.reader import large
from mailbot.reader.message import MailView, read
from mailbot.store.models import Inbound
from tests.end_to_end.test_story_reader_clients import (
    CLIENTS,
    FILLED,
    SENDER,
    TEMPLATE,
    assert_confirmed,
    forwarded_as_attachment,
    mso,
    stored_answers,
)
from tests.inbound.test_imap import settings_for
from tests.leaks import assert_masked_copy
from tests.reader.test_reader_mailers import gmail_reply, outlook_html
from tests.servers.dovecot import ImapAccount
from tests.stories import FIGURES, SECRET, submissions

CORPUS = Path(__file__).parent.parent / "fixtures" / "real-mail"
MB = 1024 * 1024


# --- building a client's reply with attachments ------------------------------------------------


def pdf(size: int = 2 * MB, seed: int = 8) -> bytes:
    """A PDF-like payload, base64 in 76-column lines as clients encode it."""
    data = b"%PDF-1.7\n" + random.Random(seed).randbytes(size)
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def leaf(content_type: str, body: bytes, encoding: str = "base64",
         disposition: str = "attachment", extra: str = "") -> bytes:
    head = f"Content-Type: {content_type}\r\n"
    if disposition:
        head += f"Content-Disposition: {disposition}\r\n"
    return (head + extra + f"Content-Transfer-Encoding: {encoding}\r\n\r\n").encode() + body


def attach(raw: bytes, *attachments: bytes, boundary: str = "_004_mixed_",
           preamble: bytes = b"This is a multi-part message in MIME format.\r\n",
           epilogue: bytes = b"") -> bytes:
    """What a client sends when attachments are added to the reply `raw`: multipart/mixed with
    the reply's body (and its content headers) as the first part, then each attachment."""
    head, _, body = raw.partition(b"\r\n\r\n")
    kept: list[bytes] = []
    moved: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] not in (b" ", b"\t"):  # a new header; continuation lines go with theirs
            body_header = line.lower().startswith((b"content-type:", b"content-transfer-"))
        (moved if body_header else kept).append(line)
    delimiter = f"--{boundary}\r\n".encode()
    out = b"\r\n".join(kept) + (
        f'\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n').encode()
    out += preamble + delimiter + b"\r\n".join(moved) + b"\r\n\r\n" + body + b"\r\n"
    for attachment in attachments:
        out += delimiter + attachment + b"\r\n"
    return out + f"--{boundary}--\r\n".encode() + epilogue


def report(pdf_size: int = 2 * MB) -> bytes:
    return leaf('application/pdf; name="registratie-huisverboden.pdf"', pdf(pdf_size),
                disposition='attachment; filename="registratie-huisverboden.pdf"')


# --- the comparison ---------------------------------------------------------------------------


def tree(message: Message) -> list[tuple[Any, ...]]:
    """Each part: its type, its headers, preamble and epilogue, and a leaf's body."""
    return [(part.get_content_type(), part.items(), part.preamble, part.epilogue,
             None if part.is_multipart() else part.get_payload()) for part in message.walk()]


def full_reading(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> MailView:
    with monkeypatch.context() as patch:
        patch.setattr(large, "LARGE", len(raw) + 1)
        return read(raw)


def assert_same_reading(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The skeleton reads exactly as the whole message; the skeleton."""
    skeleton = large.skeleton(raw, compat32)
    assert skeleton is not None
    whole = tree(message_from_bytes(raw, policy=compat32))
    skipped = tree(message_from_bytes(skeleton, policy=compat32))
    assert [p[:4] for p in skipped] == [p[:4] for p in whole]  # same parts, same headers
    parts = message_from_bytes(raw, policy=compat32).walk()
    for part, (_, _, _, _, body), (_, _, _, _, kept) in zip(parts, whole, skipped, strict=True):
        read_by_the_reader = part.get_content_type() in ("text/plain", "text/html") and not (
            part.get_content_disposition() == "attachment" or part.get_filename() is not None)
        assert kept == body if read_by_the_reader else kept in (body, "")
    with monkeypatch.context() as patch:
        patch.setattr(large, "LARGE", 0)
        assert read(raw) == full_reading(raw, monkeypatch)
    return skeleton


# --- the reader ---------------------------------------------------------------------------------


@pytest.mark.parametrize("client", list(CLIENTS))
def test_each_clients_reply_with_a_big_pdf_reads_as_without_it(
    client: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = CLIENTS[client](FILLED)
    raw = attach(plain, report())
    assert len(raw) > large.LARGE

    mail = read(raw)

    assert mail == full_reading(raw, monkeypatch)
    assert mail.text == read(plain).text and "Wachtwoord: " + SECRET in mail.text
    skeleton = assert_same_reading(raw, monkeypatch)
    assert len(skeleton) < len(plain) + 1000  # the PDF's body is all that was left out


def test_attachments_of_every_kind_are_left_out_and_inline_text_kept(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = "\r\n".join(["gemeente;cijfer", "--;--", "-- ", "--_004_mixed_ (niet de grens)",
                      "ook niet: --_004_mixed_", "--_004_mixed_-- nee"] * 9000)
    raw = attach(
        CLIENTS["gmail-alternative"](FILLED),
        leaf('image/jpeg; name="scan.jpg"', pdf(MB, seed=1), disposition="inline",
             extra="Content-ID: <scan@gemeente.test>\r\n"),
        leaf('text/plain; charset=utf-8; name="notities.txt"', b"Niet lezen\r\n" * 80_000,
             encoding="8bit"),
        leaf("text/csv; charset=utf-8", quopri.encodestring(csv.encode()), "quoted-printable"),
        leaf("text/plain; charset=utf-8", b"Met vriendelijke groet,\r\nJan", "8bit", ""),
        leaf("application/octet-stream", b"", "base64"),
        # Inline text of other kinds: should the reader ever read one, the comparison fails.
        leaf("text/calendar; method=REQUEST", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR", "7bit", ""),
        leaf("text/rtf", b"{\\rtf1 Gemeente: Utrecht}", "7bit", ""),
        leaf("text/enriched", b"<bold>12</bold>", "7bit", "inline"),
    )

    skeleton = assert_same_reading(raw, monkeypatch)

    assert len(skeleton) < 20_000
    assert read(raw).text.endswith("Met vriendelijke groet,\nJan")
    assert b"Niet lezen" not in skeleton and b"niet de grens" not in skeleton


def test_forwarded_reply_with_its_own_attachment_is_read_as_the_persons_own(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    forwarded = attach(CLIENTS["outlook-web"](FILLED), report(), boundary="_inner_")
    outer = forwarded_as_attachment(FILLED, "secretariaat@utrecht.nl")
    inner_start = outer.index(b"From: J. de Vries")
    inner_end = outer.index(b"\r\n--", inner_start)
    raw = attach(outer[:inner_start] + forwarded + outer[inner_end:], report(MB))

    assert "Wachtwoord: " + SECRET in read(raw).text
    assert len(assert_same_reading(raw, monkeypatch)) < 40_000


def test_nested_multiparts_with_look_alike_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    # Boundaries that start alike, delimiters with trailing blanks, repeated delimiter lines,
    # a preamble and an epilogue, and an outer delimiter that cuts an inner part short.
    text = "\r\n".join(FILLED).encode()
    related = (b'Content-Type: multipart/related; boundary="b"\r\n\r\n--b \t\r\n'
               + leaf("text/html; charset=utf-8", b"<p>" + text + b"</p>", "8bit", "")
               + b"\r\n--b\r\n" + leaf("image/png", pdf(MB, seed=2), disposition="inline")
               + b"\r\n--b--  \r\nepiloog\r\n")
    alternative = (b'Content-Type: multipart/alternative; boundary="b1"\r\n\r\nvoorwoord\r\n'
                   b"--b1\r\n--b1\r\n" + leaf("text/plain; charset=utf-8", text, "8bit", "")
                   + b"\r\n--b1\r\n" + related + b"\r\n--b1--\r\n")
    head = (b"From: J. de Vries <huisverbod@utrecht.nl>\r\nSubject: cijfers\r\n"
            b"MIME-Version: 1.0\r\n")
    raw = (head + b'Content-Type: multipart/mixed; boundary="b12"\r\n\r\n--b12\r\n' + alternative
           + b"\r\n--b12\r\n" + leaf("application/zip", pdf(MB, seed=3))
           + b"\r\n--b12\r\n" + leaf("application/pdf", pdf(MB, seed=4)[:5000])
           + b"\r\n--b12--\r\n")

    assert len(assert_same_reading(raw, monkeypatch)) < 20_000
    reading = read(raw).text
    assert "Wachtwoord: " + SECRET in reading and "1. Aantal opgelegde huisverboden: 12" in reading


def test_an_inner_multipart_left_open_ends_at_the_outer_delimiter(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    # The inner multipart never closes; its attachment ends where the outer delimiter stands,
    # and the text after that is read. A close delimiter right after an opening one is taken
    # as a repeated delimiter line, as the stdlib parser takes it.
    text = "\r\n".join(FILLED).encode()
    inner = (b'Content-Type: multipart/mixed; boundary="binnen"\r\n\r\n--binnen\r\n'
             + leaf("application/pdf", pdf(MB, seed=5)))
    repeated = (b'Content-Type: multipart/mixed; boundary="nog"\r\n\r\n--nog\r\n--nog--\r\n'
                + leaf("application/pdf", pdf(MB, seed=6)) + b"\r\n--nog--\r\n")
    raw = (b"From: J. de Vries <huisverbod@utrecht.nl>\r\nSubject: cijfers\r\nMIME-Version: 1.0"
           b'\r\nContent-Type: multipart/mixed; boundary="buiten"\r\n\r\n--buiten\r\n' + inner
           + b"\r\n--buiten\r\n" + repeated + b"\r\n--buiten\r\n"
           + leaf("text/plain; charset=utf-8", text, "8bit", "") + b"\r\n--buiten--\r\n")

    assert len(assert_same_reading(raw, monkeypatch)) < 5_000
    assert "Wachtwoord: " + SECRET in read(raw).text


@pytest.mark.parametrize("newline", [b"\n", b"\r"], ids=["lf", "cr"])
def test_other_line_ends(newline: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = attach(CLIENTS["thunderbird-inline"](FILLED), report()).replace(b"\r\n", newline)

    assert len(assert_same_reading(raw, monkeypatch)) < 20_000
    assert "12" in read(raw).fresh


def test_a_reply_cut_off_in_its_attachment_reads_as_before(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = attach(CLIENTS["samsung"](FILLED), report())
    raw = raw[: raw.rindex(b"--_004_mixed_--") - 5000]

    assert_same_reading(raw, monkeypatch)
    assert "Wachtwoord: " + SECRET in read(raw).text


def test_digest_and_delivery_report_parts_keep_their_structure(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = (b'Content-Type: multipart/digest; boundary="d"\r\n\r\n--d\r\n\r\n'
              b"From: a@b.nl\r\nSubject: een\r\n\r\nEerste bericht.\r\n--d\r\n"
              b"Content-Type: message/rfc822\r\n\r\nFrom: c@d.nl\r\nContent-Type: "
              b"application/pdf\r\n\r\n" + pdf(MB) + b"\r\n--d--\r\n")
    status = leaf("message/delivery-status", b"Reporting-MTA: dns; mx.example\r\n\r\n"
                  b"Final-Recipient: rfc822; x@y.nl\r\nAction: failed\r\n", "7bit", "")
    raw = attach(CLIENTS["iphone"](FILLED), digest, status, report())

    assert len(assert_same_reading(raw, monkeypatch)) < 20_000


def test_a_big_message_without_attachments_is_read_whole(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = ["Toelichting bij de cijfers van dit halfjaar, regel voor regel."] * 40_000
    raw = gmail_reply(SENDER, [*FILLED, *lines], TEMPLATE)
    assert len(raw) > large.LARGE

    assert large.skeleton(raw, compat32) == raw
    assert read(raw) == full_reading(raw, monkeypatch)


def test_when_unsure_the_whole_message_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    nested = brokenmail.nested_multiparts(60)
    assert large.skeleton(nested, compat32) is None
    non_ascii = attach(outlook_html(SENDER, FILLED, mso(TEMPLATE)), report(),
                       boundary="grens-\u00e9").replace("\u00e9".encode(), b"\xe9")
    assert large.skeleton(non_ascii, compat32) is None
    assert large.readable(non_ascii) is non_ascii

    def broken(raw: bytes, policy: Any) -> bytes:
        raise AssertionError("a bug in the skeleton")

    monkeypatch.setattr(large, "skeleton", broken)
    raw = attach(CLIENTS["iphone"](FILLED), report())
    assert large.readable(raw) is raw  # never a reason to lose the message
    assert read(raw).text == read(CLIENTS["iphone"](FILLED)).text


def corpus() -> list[tuple[str, bytes]]:
    mails = [(str(p.relative_to(CORPUS)), p.read_bytes()) for p in sorted(CORPUS.rglob("*"))
             if p.is_file() and p.suffix != ".md"]
    generators: list[tuple[str, Callable[[], bytes]]] = [
        (name, f) for name, f in inspect.getmembers(brokenmail, inspect.isfunction)
        if not name.startswith("_") and name not in ("nested_multiparts", "oversize")]
    return mails + [(f"brokenmail.{name}", f()) for name, f in generators]


@pytest.mark.parametrize(("name", "raw"), corpus(), ids=[name for name, _ in corpus()])
def test_real_and_broken_mail_reads_the_same_through_the_skeleton(
    name: str, raw: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_same_reading(raw, monkeypatch)


# --- end to end ---------------------------------------------------------------------------------


def test_story_a_reply_with_a_big_attachment_is_stored_confirmed_and_archived(
    bot: Bot, imap_account: ImapAccount, smtp_sink: Any
) -> None:
    raw = attach(CLIENTS["outlook-web"](FILLED), report(3 * MB))
    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    [stored] = submissions(bot)
    assert stored.sender == SENDER
    assert_confirmed(smtp_sink, SENDER)
    with Session(bot.engine) as session:
        [inbound] = session.exec(select(Inbound))
        archived = full_raw(session, inbound)
    # The archive keeps the mail, attachment and all, the typed secret masked.
    assert_masked_copy(raw, archived, SECRET)
    assert inbound.size == len(raw)
    assert len(imap_account.uids("Verwerkt")) == 1


def test_fetch_brings_a_big_message_byte_for_byte_and_traces_only_when_logged(
    imap_account: ImapAccount, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = attach(CLIENTS["samsung"](FILLED), report())
    imap_account.append(raw)
    traced: list[str] = []
    monkeypatch.setattr(imapclient.imapclient.IMAPlibLoggerAdapter, "debug",
                        lambda adapter, message, *args: traced.append(message))

    with Mailbox(settings_for(imap_account)) as mailbox:
        [fetched] = mailbox.fetch(mailbox.pending_uids())

    assert fetched.raw == raw and fetched.size == len(raw)
    assert traced == []  # imaplib formatted no protocol trace (a repr of the whole message)
    with caplog.at_level(logging.DEBUG, logger="imapclient.imaplib"), \
            Mailbox(settings_for(imap_account)) as mailbox:
        mailbox.pending_uids()
    assert any("SEARCH" in line for line in traced)  # asked for, the trace is there
