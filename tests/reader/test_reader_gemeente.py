"""Municipal staff answer the template from their own client; the reader finds their figures."""

from __future__ import annotations

import html

from mailbot.reader.limits import DEFAULT
from mailbot.reader.message import read
from mailbot.reader.reading import read_message
from tests.reader.test_reader_mailers import (
    BOT,
    BOT_NAME,
    FIGURES,
    FILLED,
    LABELS,
    SUBJECT,
    TEMPLATE,
    alternative,
    crlf,
    flow,
    gmail_reply,
    headers,
    mso,
    outlook_html,
    part,
)

SENDER = "j.devries@utrecht.test"
GREETING = ["Met vriendelijke groet,", "", "Jan de Vries", "Gemeente Utrecht – Veiligheid"]
QUOTED = "\n".join(line.rstrip() for line in TEMPLATE)
OUTLOOK_BLOCK = [f"Van: {BOT_NAME} <{BOT}>", "Verzonden: woensdag 1 juli 2026 08:00",
                 f"Aan: J. de Vries <{SENDER}>", f"Onderwerp: {SUBJECT}"]


def joined(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines)


def test_outlook_html_only_reply_with_template_below_the_van_block() -> None:
    raw = outlook_html(SENDER, [*FILLED, "", *GREETING], mso(TEMPLATE))
    mail = read(raw)
    assert mail.fresh == joined([*FILLED, "", *GREETING])
    assert mail.quoted == QUOTED
    assert mail.sender == SENDER and mail.content_type == "text/html"


def test_outlook_figures_typed_into_the_quoted_template_stay_in_quoted() -> None:
    typed = {f"{key}. {label}:": f" {FIGURES[key]}" for key, label in LABELS}
    typed |= {"Gemeente:": " Utrecht", "Wachtwoord:": " appel-boom-kaas-fiets"}
    paragraphs = []
    for line in TEMPLATE:
        text = html.escape(line) or "<o:p>&nbsp;</o:p>"
        if line in typed:  # Outlook colours what the person types inside the original
            text += f"<span style='color:#1F497D'>{typed[line]}</span>"
        paragraphs.append(f"<p class=MsoNormal>{text}<o:p></o:p></p>\r\n")
    mail = read(outlook_html(SENDER, ["Zie hieronder, ingevuld in uw bericht.", "", "Groet, Jan"],
                             "".join(paragraphs)))
    assert mail.fresh == "Zie hieronder, ingevuld in uw bericht.\n\nGroet, Jan"
    assert "1. Aantal opgelegde huisverboden: 12" in mail.quoted.split("\n")
    assert "7c. Aantal gestarte hulpverleningstrajecten voor kind(eren): 9" in mail.quoted
    assert "Wachtwoord: appel-boom-kaas-fiets" in mail.quoted
    assert "Verzonden:" not in mail.quoted and "Van:" not in mail.fresh


def test_gmail_alternative_reply_reads_the_plain_part() -> None:
    mail = read(gmail_reply(SENDER, FILLED, TEMPLATE))
    assert mail.fresh == joined(FILLED)
    assert mail.quoted == QUOTED
    assert mail.content_type == "multipart/alternative"


def test_gmail_html_part_gives_the_same_reading_when_the_plain_part_is_a_stub() -> None:
    raw = gmail_reply(SENDER, FILLED, TEMPLATE)
    head, _, rest = raw.partition(b"\r\n\r\n--")
    plain_start = rest.index(b"\r\n\r\n") + 4
    plain_end = rest.index(b"\r\n--000000000000a1b2c3d4e5f6")
    stub = head + b"\r\n\r\n--" + rest[:plain_start] + b"  " + rest[plain_end:]
    mail = read(stub)
    assert mail.fresh == joined(FILLED)
    assert mail.quoted == QUOTED


def test_apple_mail_flowed_delsp_reply_with_the_attribution_inside_the_quote() -> None:
    attribution = (f"Op 1 jul. 2026, om 08:00 heeft {BOT_NAME} <{BOT}> het volgende "
                   "geschreven:")
    quote = [f"> {attribution}", ">", *[f"> {line}".rstrip() for line in TEMPLATE]]
    # Apple wraps long lines at 78 with delsp=yes: the space before the break is not text.
    plain = [*FILLED, "", "Met vriendelijke groet,", "Jan", "", *flow(quote, delsp=True)]
    rich = ("<html><body><div>" + "<br>".join(html.escape(x) for x in FILLED)
            + '</div><div><br><blockquote type="cite"><div>' + html.escape(attribution)
            + '</div><br class="Apple-interchange-newline"><div>'
            + "<br>".join(html.escape(x) for x in TEMPLATE) + "</div></blockquote></div>"
            "</body></html>")
    head = headers(SENDER, "X-Mailer: Apple Mail (2.3696.120.41.1.1)", "?")
    raw = alternative(head, part("text/plain; charset=utf-8; format=flowed; delsp=yes",
                                 crlf(plain), "quoted-printable"),
                      part("text/html; charset=utf-8", rich.encode(), "quoted-printable"),
                      boundary="Apple-Mail=_5F0C8B0E-9A1C-4E4A-8F3B-3C9C6B8F8E11")
    mail = read(raw)
    assert mail.fresh == joined([*FILLED, "", "Met vriendelijke groet,", "Jan"])
    assert mail.quoted == QUOTED


def test_iphone_top_posted_figures_end_at_verzonden_vanaf_mijn_iphone() -> None:
    attribution = f"Op 1 jul. 2026 om 08:00 heeft {BOT_NAME} <{BOT}> het volgende geschreven:"
    plain = [*FILLED, "", "Verzonden vanaf mijn iPhone", "", f"> {attribution}", ">",
             *[f"> {line}".rstrip() for line in TEMPLATE]]
    head = headers(SENDER, "X-Mailer: iPhone Mail (21F90)", "text/plain; charset=utf-8")
    mail = read(head.encode() + part("text/plain; charset=utf-8", crlf(plain),
                                     "quoted-printable").split(b"\r\n", 1)[1])
    assert mail.fresh == joined(FILLED)
    assert mail.quoted == QUOTED


def test_thunderbird_flowed_inline_answers_below_the_quoted_form() -> None:
    quote = [f"> {line}".rstrip() for line in TEMPLATE[:4]]
    plain = ["Op 01-07-2026 om 08:00 schreef Monitoringsysteem Huisverbod:",
             *flow(quote, delsp=False), "", *FILLED, "", "-- ", "Jan de Vries",
             "Gemeente Utrecht"]
    head = headers(SENDER, "User-Agent: Mozilla Thunderbird",
                   "text/plain; charset=UTF-8; format=flowed")
    mail = read(head.encode() + b"Content-Transfer-Encoding: 8bit\r\n\r\n" + crlf(plain))
    assert mail.fresh == joined(FILLED)
    assert mail.quoted == joined(TEMPLATE[:3])


def test_outlook_plain_text_mode_iso_8859_1_label_over_windows_1252_quotes() -> None:
    fresh = [*FILLED, "", "Dit zijn de cijfers van ’s-Hertogenbosch-Noord; kosten € 0."]
    body = [*fresh, "", "-----Oorspronkelijk bericht-----", *OUTLOOK_BLOCK, "", *TEMPLATE]
    head = headers(SENDER, "X-Mailer: Microsoft Outlook 16.0", 'text/plain; charset="iso-8859-1"')
    raw = head.encode() + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + part(
        "x", "\r\n".join(body).encode("cp1252"), "quoted-printable").split(b"\r\n\r\n", 1)[1]
    mail = read(raw)
    assert mail.fresh == joined(fresh)
    assert mail.quoted == QUOTED


def test_outlook_web_reply_with_underscore_line_and_hr() -> None:
    plain = [*FILLED, "", "________________________________", *OUTLOOK_BLOCK, "", *TEMPLATE]
    rich = ('<html><head><style type="text/css" style="display:none;"> P {margin-top:0;} '
            '</style></head><body dir="ltr"><div class="elementToProof" style="font-family: '
            'Aptos, sans-serif; font-size: 12pt;">' + "<br>".join(html.escape(x) for x in FILLED)
            + '</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" '
            'tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
            'style="font-size:11pt" color="#000000"><b>Van:</b> '
            + html.escape(OUTLOOK_BLOCK[0][5:])
            + "<br><b>Verzonden:</b> woensdag 1 juli 2026 08:00<br><b>Aan:</b> J. de Vries<br>"
            f"<b>Onderwerp:</b> {SUBJECT}</font><div>&nbsp;</div></div><div>"
            + "<br>".join(html.escape(x) for x in TEMPLATE) + "</div></body></html>")
    head = headers(SENDER, "X-MS-Has-Attach: ", "?")
    for plain_lines in (plain, []):  # the plain part, and the HTML when plain is missing
        raw = alternative(head, part('text/plain; charset="utf-8"', crlf(plain_lines), "base64"),
                          part('text/html; charset="utf-8"', rich.encode(), "quoted-printable"))
        mail = read(raw)
        assert mail.fresh == joined(FILLED)
        assert mail.quoted == QUOTED


def test_samsung_email_base64_with_oorspronkelijk_bericht() -> None:
    plain = [*FILLED, "", "", "Verstuurd vanaf mijn Samsung Galaxy-smartphone.", "", "",
             "-------- Oorspronkelijk bericht --------", f"Van: {BOT_NAME} <{BOT}>",
             "Datum: 01-07-2026 08:00 (GMT+01:00)", f"Aan: {SENDER}", f"Onderwerp: {SUBJECT}",
             "", *TEMPLATE]
    head = headers(SENDER, "X-Mailer: Samsung Mail", "?")
    rich = "<html><body><div dir='auto'>" + "<br>".join(map(html.escape, plain)) + "</div>"
    raw = alternative(head, part("text/plain; charset=utf-8", crlf(plain), "base64"),
                      part("text/html; charset=utf-8", rich.encode(), "base64"))
    mail = read(raw)
    assert mail.fresh == joined(FILLED)
    assert mail.quoted == QUOTED


def test_outlook_for_ios_footer_and_english_header_block() -> None:
    plain = [*FILLED, "", "Outlook voor iOS<https://aka.ms/o0ukef> downloaden",
             "________________________________", f"From: {BOT_NAME} <{BOT}>",
             "Sent: Wednesday, July 1, 2026 8:00:00 AM", f"To: J. de Vries <{SENDER}>",
             f"Subject: {SUBJECT}", "", *TEMPLATE]
    head = headers(SENDER, "X-Mailer: Outlook for iOS", "text/plain; charset=utf-8")
    mail = read(head.encode() + b"Content-Transfer-Encoding: base64\r\n\r\n"
                + part("x", crlf(plain), "base64").split(b"\r\n\r\n", 1)[1])
    assert mail.fresh == joined(FILLED)
    assert mail.quoted == QUOTED


def test_colleague_forwards_the_reply_as_attachment_with_a_short_note() -> None:
    forwarded = gmail_reply(SENDER, FILLED, TEMPLATE)
    boundary = "_004_fwd_"
    raw = (headers("secretariaat@utrecht.test", "X-Mailer: Microsoft Outlook 16.0",
                   f'multipart/mixed; boundary="{boundary}"').encode() + b"\r\n"
           + f"--{boundary}\r\n".encode()
           + part('text/plain; charset="us-ascii"', b"Namens Jan, zie bijlage.", "7bit")
           + f"\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n"
             "Content-Disposition: attachment; filename=\"RE gegevens.eml\"\r\n\r\n".encode()
           + forwarded + f"\r\n--{boundary}--\r\n".encode())
    assert read(raw).fresh == "Namens Jan, zie bijlage."  # the view keeps the forward apart
    mail = read_message(raw, DEFAULT).mail  # the note holds no form: the forward is taken in
    assert mail.fresh.startswith("Namens Jan, zie bijlage.\n\n" + FILLED[0])
    assert joined(FILLED) in mail.fresh
    assert mail.quoted == QUOTED


def test_colleague_forwards_inline_the_figures_are_the_quoted_message() -> None:
    body = ["Hierbij de cijfers van Jan.", "", "---------- Doorgestuurd bericht ---------",
            f"Van: J. de Vries <{SENDER}>", "Date: ma 6 jul 2026 om 09:30",
            f"Subject: RE: {SUBJECT}", f"To: {BOT_NAME} <{BOT}>", "", *FILLED]
    head = headers("secretariaat@utrecht.test", "X-Mailer: Gmail", "text/plain; charset=UTF-8")
    mail = read(head.encode() + b"\r\n" + crlf(body))
    assert mail.fresh == "Hierbij de cijfers van Jan."
    assert mail.quoted == joined(FILLED)




