"""MIME, charsets, transfer encodings and headers: what the reader makes of real and odd mail."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import pytest

from mailbot.reader.message import read
from tests.reader.test_reader_mailers import alternative, headers, part

CORPUS = Path(__file__).parent.parent / "fixtures" / "real-mail"


def plain_mail(body: bytes, content_type: str, encoding: str = "8bit", extra: str = "") -> bytes:
    head = headers("jan@example.nl", "X-Mailer: test", content_type, extra)
    return head.encode() + part("x", body, encoding).split(b"\r\n", 1)[1]


@pytest.mark.parametrize(("charset", "body", "expected"), [
    ("windows-1252", "Café – € 5", "Café – € 5"),
    ("iso-8859-1", "Café", "Café"),
    ("utf-8", "Café – € 5", "Café – € 5"),
])
def test_declared_charsets(charset: str, body: str, expected: str) -> None:
    for encoding in ("quoted-printable", "base64", "8bit"):
        raw = plain_mail(body.encode(charset), f"text/plain; charset={charset}", encoding)
        assert read(raw).text == expected


def test_utf8_label_over_windows_1252_bytes_falls_back() -> None:
    raw = plain_mail("Naam: Jérôme ‘t Hooft".encode("cp1252"), "text/plain; charset=utf-8",
                     "quoted-printable")
    assert read(raw).text == "Naam: Jérôme ‘t Hooft"


def test_iso_8859_1_label_over_windows_1252_euro_and_curly_quotes() -> None:
    raw = plain_mail("“Kosten” € 10".encode("cp1252"), 'text/plain; charset="iso-8859-1"',
                     "quoted-printable")
    assert read(raw).text == "“Kosten” € 10"


@pytest.mark.parametrize("body", ["Gemeente: ’s-Hertogenbosch", "Gemeente: Súdwest-Fryslân"])
def test_unknown_charset_tries_utf8_then_windows_1252(body: str) -> None:
    for data in (body.encode("utf-8"), body.encode("cp1252", errors="replace")):
        raw = plain_mail(data, "text/plain; charset=x-unknown-8bit", "base64")
        assert read(raw).text in (body, body.replace("â", "?"))


def test_django_mailbox_charset_fixtures_do_not_raise() -> None:
    cp1251 = read((CORPUS / "django-mailbox/message_with_single_byte_encoding.eml").read_bytes())
    assert cp1251.text == "Это сообщение имеет неправильную кодировка."
    for name in ("message_with_invalid_content_for_declared_encoding.eml",
                 "bad_character_attachment.eml"):
        mail = read((CORPUS / "django-mailbox" / name).read_bytes())
        assert mail.text and "\x00" not in mail.text
    hungarian = read((CORPUS / "django-mailbox/bad_character_attachment.eml").read_bytes())
    assert hungarian.sender_name == "Reisinger Ádám" and hungarian.text == "test message"


def test_bad_base64_degrades() -> None:
    good = base64.b64encode(b"Naam: Jan\n").decode()
    raw = plain_mail(b"", "text/plain; charset=utf-8", "base64").replace(
        b"\r\n\r\n", f"\r\n\r\n{good[:-2]}!!@@\r\n".encode(), 1)
    assert read(raw).text.startswith("Naam: Jan")


@pytest.mark.parametrize(("delsp", "lines", "expected"), [
    ("", ["Aantal opgelegde ", "huisverboden: 12", " >stuffed"],
     "Aantal opgelegde huisverboden: 12\n>stuffed"),
    ("; delsp=yes", ["Aantal opgelegde hu ", "isverboden: 12"],
     "Aantal opgelegde huisverboden: 12"),
    ("", [">> diep ", ">> gequote", "> half", "-- ", "Jan"], "> > diep gequote\n> half\n--\nJan"),
])
def test_format_flowed(delsp: str, lines: list[str], expected: str) -> None:
    content_type = f"text/plain; charset=utf-8; format=flowed{delsp}"
    raw = plain_mail("\r\n".join(lines).encode(), content_type)
    assert read(raw).text == expected


def test_plain_part_preferred_html_used_when_plain_is_a_stub() -> None:
    head = headers("jan@example.nl", "X-Mailer: test", "?")
    rich = part("text/html; charset=utf-8", b"<p>Gemeente: Utrecht</p><p>Naam: Jan de Vries</p>"
                b"<p>Periode: 2026-H1</p>", "7bit")
    both = alternative(head, part("text/plain; charset=utf-8",
                                  b"Gemeente: Utrecht\r\nNaam: Jan de Vries\r\nPeriode: 2026-H1",
                                  "7bit"), rich)
    assert read(both).text == "Gemeente: Utrecht\nNaam: Jan de Vries\nPeriode: 2026-H1"
    stub = alternative(head, part("text/plain; charset=utf-8", b"Zie HTML", "7bit"), rich)
    assert read(stub).text == "Gemeente: Utrecht\nNaam: Jan de Vries\nPeriode: 2026-H1"


def test_big_pdf_attachment_is_not_decoded_and_reading_stays_fast() -> None:
    pdf = base64.encodebytes(b"%PDF-1.7\n" + bytes(range(256)) * 24_000).replace(b"\n", b"\r\n")
    raw = (headers("jan@example.nl", "X-Mailer: test", 'multipart/mixed; boundary="b"').encode()
           + b"\r\n--b\r\n" + part("text/plain; charset=utf-8", b"Zie bijlage.", "7bit")
           + b"\r\n--b\r\nContent-Type: application/pdf; name=\"cijfers.pdf\"\r\n"
             b"Content-Disposition: attachment; filename=\"cijfers.pdf\"\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\n" + pdf
           + b"\r\n--b\r\n" + part("text/plain; charset=utf-8; name=\"notes.txt\"", b"bijlage",
                                    "7bit").replace(b"\r\n\r\n", b"\r\nContent-Disposition: "
                                                    b"attachment\r\n\r\n", 1)
           + b"\r\n--b--\r\n")
    assert len(raw) > 8_000_000
    started = time.perf_counter()
    mail = read(raw)
    assert time.perf_counter() - started < 2.0
    assert mail.text == "Zie bijlage."


def test_control_characters_crlf_nbsp_and_trailing_spaces() -> None:
    body = b"Naam:\xc2\xa0Jan  \r\nPeriode: 2026\x00-H1\x07\r\n\xef\xbb\xbfGemeente:\tUtrecht\r\n"
    raw = plain_mail(body, "text/plain; charset=utf-8", "base64")
    assert read(raw).text == "Naam: Jan\nPeriode: 2026-H1\nGemeente:\tUtrecht"


def test_headers_decoded_and_ids_without_brackets() -> None:
    extra = ("Auto-Submitted: no\r\nReceived: from a\r\nReceived: from b\r\n"
             "X-Long: eerste\r\n deel\r\n")
    raw = plain_mail(b"x", "text/plain", extra=extra).replace(
        b"Subject: RE: Monitoringsysteem Huisverbod: gegevens 2026-H1",
        b"Subject: =?utf-8?q?Re=3A_gegevens_=E2=82=AC?=\r\n =?utf-8?b?IOKAkyBVdHJlY2h0?="
        b"\r\n\tdeel 2")
    mail = read(raw)
    assert mail.subject == "Re: gegevens € – Utrecht deel 2"
    assert mail.message_id == "reply-x-mailer:@gemeente.test"
    assert mail.in_reply_to == "template-2026-h1@huisverbod.test"
    assert mail.references == ("template-2026-h1@huisverbod.test",)
    assert mail.headers["received"] == ("from a", "from b")
    assert mail.headers["x-long"] == ("eerste deel",)
    assert mail.headers["auto-submitted"] == ("no",)
    assert (mail.sender, mail.sender_name) == ("jan@example.nl", "J. de Vries")


@pytest.mark.parametrize(("from_header", "sender", "name"), [
    ("=?iso-8859-1?q?J=E9r=F4me_de_Vries=2C_J=2E?= <jerome@example.nl>", "jerome@example.nl",
     "Jérôme de Vries, J."),
    ('"Vries, J. de" <J.deVries@Example.NL>', "J.deVries@Example.NL", "Vries, J. de"),
    ("undisclosed-recipients:;", None, ""),
    ("Jan de Vries", None, ""),
])
def test_sender_parsing(from_header: str, sender: str | None, name: str) -> None:
    raw = plain_mail(b"x", "text/plain").replace(
        b"From: J. de Vries <jan@example.nl>", f"From: {from_header}".encode())
    mail = read(raw)
    assert (mail.sender, mail.sender_name) == (sender, name)


def test_missing_headers() -> None:
    mail = read(b"\r\nalleen tekst\r\n")
    assert (mail.message_id, mail.sender, mail.subject, mail.in_reply_to) == (None, None, "", None)
    assert mail.references == () and mail.text == "alleen tekst"
    assert mail.content_type == "text/plain"


def test_bounce_report_keeps_its_content_type() -> None:
    for name in ("mailgun-flanker/bounce/office365.eml",
                 "sisimai-set-of-emails/lhost-postfix-01.eml"):
        mail = read((CORPUS / name).read_bytes())
        assert mail.content_type == "multipart/report"
    auto = read((CORPUS / "sisimai-set-of-emails/rfc3834-04.eml").read_bytes())
    assert auto.subject == "Automatic reply: Nyaan" and "traveling for work" in auto.text


def test_koi8_office365_message_with_tnef_attachment() -> None:
    mail = read((CORPUS / "mimekit/tnef/ukr.eml").read_bytes())
    assert mail.text.startswith("шостий")


def test_html_only_thunderbird_latin1_long_links() -> None:
    mail = read((CORPUS / "mailgun-flanker/long-links.eml").read_bytes())
    assert mail.content_type == "text/html" and mail.text.startswith("http://www.longurlmaker")


def nested(depth: int) -> bytes:
    opening = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'
                      for i in range(depth))
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    return f"From: a@b.nl\n{opening}Content-Type: text/plain\n\ndiep\n{closing}".encode()


def test_absurd_nesting_is_read_as_headers_only_and_says_so() -> None:
    mail = read(nested(10_000))
    assert (mail.sender, mail.text, mail.cut) == ("a@b.nl", "", frozenset({"depth"}))


def test_moderate_nesting_is_read_and_deep_parts_are_skipped() -> None:
    assert read(nested(5)).text == "diep"
    assert read(nested(5)).cut == frozenset()
    assert (read(nested(60)).text, read(nested(60)).cut) == ("", frozenset({"depth"}))
