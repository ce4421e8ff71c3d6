"""Forwarded material is found wherever it is.

A reply forwarded as an attachment (Outlook's "Doorsturen als bijlage": a `message/rfc822`
part, or an attached `.eml` file) is read as the person's own whenever their note holds no
form, however long the note, signature and disclaimer above it. Figures found at any depth of
an inline forward are never stored, and the person is told to put them at the top.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.reader.limits import DEFAULT
from mailbot.reader.quotes import split
from mailbot.reader.reading import read_message
from tests.end_to_end.test_story_reader_clients import (
    FILLED,
    SENDER,
    assert_confirmed,
    register_address,
    stored_answers,
)
from tests.end_to_end.test_story_reader_quotes import NOT_TAKEN
from tests.reader.test_reader_mailers import BOT, BOT_NAME, SUBJECT, TEMPLATE, gmail_reply, part
from tests.stories import FIGURES, SECRET, submissions

FORWARDER = "p.jansen@utrecht.nl"
NOTE = ["Goedemorgen,", "", "Namens mijn collega Jan de Vries (met vakantie) stuur ik zijn "
        "antwoord met de cijfers over het eerste halfjaar door.", "",
        "Met vriendelijke groet,", "", "Peter Jansen", "Beleidsmedewerker Veiligheid",
        "Gemeente Utrecht | Directie Openbare Orde en Veiligheid",
        "Stadsplateau 1 | 3521 AZ Utrecht",
        "Postbus 16200 | 3500 CE Utrecht", "T 030 - 286 00 00 | M 06 - 12 34 56 78",
        "E p.jansen@utrecht.nl | www.utrecht.nl", "Werkdagen: maandag, dinsdag en donderdag", "",
        "Dit bericht is uitsluitend bestemd voor de geadresseerde. Het kan vertrouwelijke "
        "informatie bevatten. Bent u niet de geadresseerde, dan wordt u verzocht de afzender "
        "direct te informeren en het bericht te verwijderen. Aan dit bericht kunnen geen rechten "
        "worden ontleend. De gemeente Utrecht aanvaardt geen aansprakelijkheid voor schade die "
        "voortvloeit uit het gebruik van e-mail.",
        "This e-mail is intended for the addressee only. If you are not the addressee, please "
        "notify the sender and delete this message."]


# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


def outlook_forward_as_attachment(
    note: list[str], forwarded: bytes, *, content_type: str = "message/rfc822",
    filename: str = "RE Monitoringsysteem Huisverbod gegevens 2026-H1.eml",
) -> bytes:
    """Outlook desktop's "Doorsturen als bijlage" as Exchange sends it: multipart/mixed, the
    note as multipart/alternative (plain and Word's HTML), the forwarded mail as an
    attachment part with a name."""
    plain = "\r\n".join(note).encode("cp1252")
    rich = ("<html><body lang=NL><div class=WordSection1>" + "".join(
        f"<p class=MsoNormal>{line or '&nbsp;'}<o:p></o:p></p>" for line in note)
        + "</div></body></html>").encode("cp1252")
    head = (f"From: Jansen, P. (Peter) <{FORWARDER}>\r\nTo: {BOT_NAME} <{BOT}>\r\n"
            f"Subject: FW: RE: {SUBJECT}\r\nDate: Tue, 7 Jul 2026 09:12:44 +0000\r\n"
            "Message-ID: <AM0PR09MB4123@AM0PR09MB4123.eurprd09.prod.outlook.com>\r\n"
            "Thread-Topic: RE: Monitoringsysteem Huisverbod: gegevens 2026-H1\r\n"
            "Thread-Index: AdZUd0V4k2Pp3j1qRQ2vE5bV1r0x2Q==\r\nContent-Language: nl-NL\r\n"
            "X-MS-Has-Attach: yes\r\nX-MS-TNEF-Correlator:\r\nX-Mailer: Microsoft Outlook 16.0\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed;\r\n\tboundary="_004_mixed_"\r\n\r\n')
    alt = (b'--_004_mixed_\r\nContent-Type: multipart/alternative;\r\n\tboundary="_000_alt_"'
           b"\r\n\r\n--_000_alt_\r\n"
           + part('text/plain; charset="windows-1252"', plain, "quoted-printable")
           + b"\r\n\r\n--_000_alt_\r\n"
           + part('text/html; charset="windows-1252"', rich, "quoted-printable")
           + b"\r\n\r\n--_000_alt_--\r\n\r\n")
    attached = (f'--_004_mixed_\r\nContent-Type: {content_type}; name="{filename}"\r\n'
                f'Content-Description: {filename}\r\n'
                f'Content-Disposition: attachment; filename="{filename}"; size={len(forwarded)}\r\n'
                "\r\n").encode() + forwarded + b"\r\n\r\n--_004_mixed_--\r\n"
    return head.encode() + alt + attached


def test_story_a_reply_forwarded_as_attachment_below_a_long_signature_is_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", FORWARDER)
    imap_account.append(outlook_forward_as_attachment(NOTE, gmail_reply(SENDER, FILLED, TEMPLATE)))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    assert_confirmed(smtp_sink, FORWARDER)


@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/plain"])
def test_story_an_attached_eml_file_is_read_as_the_forwarded_reply(
    bot: Bot, imap_account: Any, smtp_sink: Any, content_type: str
) -> None:
    register_address(bot, "Utrecht", FORWARDER)
    raw = outlook_forward_as_attachment(NOTE, gmail_reply(SENDER, FILLED, TEMPLATE),
                                        content_type=content_type, filename="gegevens Jan.eml")

    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"processed": 1}
    assert stored_answers(bot) == FIGURES


def msg_as_text() -> bytes:
    """Jan's reply as a gateway converts an attached Outlook .msg item: its header lines,
    the reply, and the invitation it quoted below an Outlook header block."""
    return "\r\n".join([
        f"Van: J. de Vries <{SENDER}>", "Verzonden: maandag 6 juli 2026 09:30",
        f"Aan: {BOT_NAME} <{BOT}>", f"Onderwerp: RE: {SUBJECT}", "", *FILLED, "",
        f"Van: {BOT_NAME} <{BOT}>", "Verzonden: woensdag 1 juli 2026 08:00",
        f"Aan: J. de Vries <{SENDER}>", f"Onderwerp: {SUBJECT}", "", *TEMPLATE,
    ]).encode("cp1252")


def test_story_an_attached_msg_item_converted_to_text_is_read_as_the_forwarded_reply(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", FORWARDER)
    raw = outlook_forward_as_attachment(
        NOTE, msg_as_text(), content_type='text/plain; charset="windows-1252"',
        filename="RE Monitoringsysteem Huisverbod.msg")

    imap_account.append(raw)

    assert run_pass(bot).outcomes == {"processed": 1}
    assert stored_answers(bot) == FIGURES


def test_a_binary_msg_item_is_left_unread() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    raw = outlook_forward_as_attachment(NOTE, base64.encodebytes(ole).replace(b"\n", b"\r\n"),
                                        content_type="application/vnd.ms-outlook",
                                        filename="RE gegevens.msg")
    raw = raw.replace(b"size=", b"size=1\r\nContent-Transfer-Encoding: base64\r\nX-Size: ")
    read = read_message(raw, DEFAULT)
    assert read.mail.fresh.startswith("Goedemorgen,")
    assert "Aantal" not in read.mail.text


def test_a_note_that_holds_a_form_is_read_without_the_forward() -> None:
    own = [line.replace(" 12", " 13") for line in FILLED]
    read = read_message(outlook_forward_as_attachment(
        [*own, "", *NOTE[4:]], gmail_reply(SENDER, FILLED, TEMPLATE)), DEFAULT)
    assert "1. Aantal opgelegde huisverboden: 13" in read.mail.fresh
    assert ": 12" not in read.mail.fresh


def test_the_forward_is_read_with_its_own_quote_apart() -> None:
    read = read_message(outlook_forward_as_attachment(
        NOTE, gmail_reply(SENDER, FILLED, TEMPLATE)), DEFAULT)
    assert read.mail.fresh.startswith("Goedemorgen,")
    assert "\n".join(FILLED) in read.mail.fresh
    assert read.mail.quoted.startswith("Geachte heer/mevrouw,")
    assert BOT in read.mail.quoted_from


# --- figures at any depth of an inline forward ---------------------------------------------------

INVITATION = ["Geachte heer/mevrouw,", "", "Wilt u de gegevens over het eerste halfjaar van 2026 "
              "(2026-H1) doorgeven?", ""]


def fw_fw_filled_by_a_colleague() -> list[str]:
    """Outlook, FW: FW:: Peter forwards what Karin sent back, the bot's invitation with the
    figures Karin typed into it, two quote levels down."""
    return ["Zie hieronder, de cijfers die Karin heeft ingevuld.", "", "Peter", "",
            "Van: K. de Boer <k.deboer@utrecht.nl>", "Verzonden: maandag 6 juli 2026 16:02",
            f"Aan: P. Jansen <{FORWARDER}>", f"Onderwerp: FW: {SUBJECT}", "",
            "Hoi Peter, ingevuld, zie hieronder. Groet, Karin", "",
            f"Van: P. Jansen <{FORWARDER}>", "Verzonden: donderdag 2 juli 2026 09:00",
            "Aan: K. de Boer <k.deboer@utrecht.nl>", f"Onderwerp: FW: {SUBJECT}", "",
            "Karin, kun jij dit invullen?", "",
            f"Van: {BOT_NAME} <{BOT}>", "Verzonden: woensdag 1 juli 2026 08:00",
            f"Aan: P. Jansen <{FORWARDER}>", f"Onderwerp: {SUBJECT}", "",
            *INVITATION, *FILLED]


def test_the_splitter_keeps_what_lies_beyond_the_first_quoted_message() -> None:
    parts = split("\n".join(fw_fw_filled_by_a_colleague()))
    assert parts.quoted == "Hoi Peter, ingevuld, zie hieronder. Groet, Karin"
    assert "Karin, kun jij dit invullen?" in parts.older
    assert "1. Aantal opgelegde huisverboden: 12" in parts.older


def test_the_splitter_keeps_deeper_angle_quotes_as_older() -> None:
    text = "\n".join(["Zie onder.", "", "Op di 7 jul 2026 schreef Karin <k@utrecht.nl>:",
                      "> Ingevuld:", "> ", "> > 1. Aantal opgelegde huisverboden: 12"])
    parts = split(text)
    assert parts.quoted == "Ingevuld:"
    assert parts.older == "1. Aantal opgelegde huisverboden: 12"


def test_story_figures_in_the_second_quoted_message_get_the_put_them_on_top_answer(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", FORWARDER)
    body = "\r\n".join(fw_fw_filled_by_a_colleague()).encode("cp1252")
    imap_account.append(
        f"From: P. Jansen <{FORWARDER}>\r\nTo: {BOT_NAME} <{BOT}>\r\n"
        f"Subject: FW: FW: {SUBJECT}\r\nDate: Tue, 7 Jul 2026 09:12:44 +0000\r\n"
        "Message-ID: <fwfw@utrecht.nl>\r\nX-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\n"
        .encode() + part('text/plain; charset="iso-8859-1"', body, "quoted-printable"))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    text = sent.message.get_content()
    assert NOT_TAKEN in text
    assert SECRET not in sent.raw.decode()
