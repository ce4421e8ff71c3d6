"""Each mail client's reply, built as that client builds it, is stored and confirmed.

The mail goes the whole way: APPEND to Dovecot, one pass, the figures in the database and the
confirmation at the SMTP sink. The MIME shapes are those of tests/reader/test_reader_gemeente.py
(the reader's unit tests), here with a registered sender and the real secret.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.store import db, orgs
from mailbot.store.models import Answer, Submission
from tests.reader.test_reader_mailers import (
    BOT,
    BOT_NAME,
    FIGURES,
    LABELS,
    SUBJECT,
    TEMPLATE,
    alternative,
    crlf,
    flow,
    form_lines,
    gmail_reply,
    headers,
    mso,
    outlook_html,
    part,
)
from tests.stories import SECRET, submissions

SENDER = "huisverbod@utrecht.nl"
FILLED = form_lines(FIGURES, secret=SECRET)
GREETING = ["Met vriendelijke groet,", "", "Jan de Vries", "Gemeente Utrecht – Veiligheid"]
OUTLOOK_BLOCK = [f"Van: {BOT_NAME} <{BOT}>", "Verzonden: woensdag 1 juli 2026 08:00",
                 f"Aan: J. de Vries <{SENDER}>", f"Onderwerp: {SUBJECT}"]
CORPUS = Path(__file__).parent.parent / "fixtures" / "real-mail"


# Reading does not depend on the database: SQLite alone keeps these stories fast.
pytestmark = pytest.mark.sqlite_only


# --- the clients --------------------------------------------------------------------------------


def outlook_html_only(fresh: list[str], sender: str = SENDER) -> bytes:
    """Outlook desktop: HTML only, windows-1252, MsoNormal paragraphs, Van:/Verzonden: block."""
    return outlook_html(sender, [*fresh, "", *GREETING], mso(TEMPLATE))


def outlook_typed_into_template(values: dict[str, int], secret: str = SECRET,
                                fresh: tuple[str, ...] = ("Zie hieronder.",),
                                sender: str = SENDER) -> bytes:
    """Outlook desktop, figures typed after the colons of the quoted template (coloured spans)."""
    typed = {f"{key}. {label}:": f" {values[key]}" for key, label in LABELS if key in values}
    typed |= {"Gemeente:": " Utrecht", "Wachtwoord:": f" {secret}", "Naam:": " Jan de Vries"}
    paragraphs = []
    for line in TEMPLATE:
        text = html.escape(line) or "<o:p>&nbsp;</o:p>"
        if line in typed:
            text += f"<span style='color:#1F497D'>{html.escape(typed[line])}</span>"
        paragraphs.append(f"<p class=MsoNormal>{text}<o:p></o:p></p>\r\n")
    return outlook_html(sender, [*fresh, "", "Groet, Jan"], "".join(paragraphs))


def outlook_plain_latin1(fresh: list[str]) -> bytes:
    """Outlook in plain-text mode: labelled iso-8859-1, windows-1252 bytes (’ and €), QP."""
    body = [*fresh, "", "Dit zijn de cijfers van ’s-Hertogenbosch-Noord; kosten € 0.", "",
            "-----Oorspronkelijk bericht-----", *OUTLOOK_BLOCK, "", *TEMPLATE]
    head = headers(SENDER, "X-Mailer: Microsoft Outlook 16.0", 'text/plain; charset="iso-8859-1"')
    encoded = part("x", "\r\n".join(body).encode("cp1252"), "quoted-printable")
    return (head.encode() + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            + encoded.split(b"\r\n\r\n", 1)[1])


def outlook_web(fresh: list[str], with_plain: bool = True) -> bytes:
    """Outlook on the web: alternative, base64 plain part, underscore rule, divRplyFwdMsg."""
    plain = [*fresh, "", "________________________________", *OUTLOOK_BLOCK, "", *TEMPLATE]
    rich = ('<html><head><style type="text/css" style="display:none;"> P {margin-top:0;} '
            '</style></head><body dir="ltr"><div class="elementToProof" style="font-family: '
            'Aptos, sans-serif; font-size: 12pt;">' + "<br>".join(map(html.escape, fresh))
            + '</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" '
            'tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
            'style="font-size:11pt" color="#000000"><b>Van:</b> '
            + html.escape(OUTLOOK_BLOCK[0][5:])
            + "<br><b>Verzonden:</b> woensdag 1 juli 2026 08:00<br><b>Aan:</b> J. de Vries<br>"
            f"<b>Onderwerp:</b> {SUBJECT}</font><div>&nbsp;</div></div><div>"
            + "<br>".join(map(html.escape, TEMPLATE)) + "</div></body></html>")
    head = headers(SENDER, "X-MS-Has-Attach: ", "?")
    return alternative(head, part('text/plain; charset="utf-8"',
                                  crlf(plain if with_plain else []), "base64"),
                       part('text/html; charset="utf-8"', rich.encode(), "quoted-printable"))


def gmail_html_blockquote(fresh: list[str]) -> bytes:
    """Gmail with a plain part that is only a stub: the HTML blockquote is what is read."""
    raw = gmail_reply(SENDER, fresh, TEMPLATE)
    head, _, rest = raw.partition(b"\r\n\r\n--")
    plain_start = rest.index(b"\r\n\r\n") + 4
    plain_end = rest.index(b"\r\n--000000000000a1b2c3d4e5f6")
    return head + b"\r\n\r\n--" + rest[:plain_start] + b"  " + rest[plain_end:]


def apple_mail_flowed(fresh: list[str]) -> bytes:
    """Apple Mail: format=flowed delsp=yes, the attribution inside the quote, HTML cite."""
    attribution = f"Op 1 jul. 2026, om 08:00 heeft {BOT_NAME} <{BOT}> het volgende geschreven:"
    quote = [f"> {attribution}", ">", *[f"> {line}".rstrip() for line in TEMPLATE]]
    plain = [*fresh, "", "Met vriendelijke groet,", "Jan", "", *flow(quote, delsp=True)]
    rich = ("<html><body><div>" + "<br>".join(map(html.escape, fresh))
            + '</div><div><br><blockquote type="cite"><div>' + html.escape(attribution)
            + '</div><br class="Apple-interchange-newline"><div>'
            + "<br>".join(map(html.escape, TEMPLATE)) + "</div></blockquote></div></body></html>")
    head = headers(SENDER, "X-Mailer: Apple Mail (2.3696.120.41.1.1)", "?")
    return alternative(head, part("text/plain; charset=utf-8; format=flowed; delsp=yes",
                                  crlf(plain), "quoted-printable"),
                       part("text/html; charset=utf-8", rich.encode(), "quoted-printable"),
                       boundary="Apple-Mail=_5F0C8B0E-9A1C-4E4A-8F3B-3C9C6B8F8E11")


def iphone(fresh: list[str]) -> bytes:
    """iOS Mail: plain text, QP, "Verzonden vanaf mijn iPhone", attribution then '>' quote."""
    attribution = f"Op 1 jul. 2026 om 08:00 heeft {BOT_NAME} <{BOT}> het volgende geschreven:"
    plain = [*fresh, "", "Verzonden vanaf mijn iPhone", "", f"> {attribution}", ">",
             *[f"> {line}".rstrip() for line in TEMPLATE]]
    head = headers(SENDER, "X-Mailer: iPhone Mail (21F90)", "text/plain; charset=utf-8")
    return head.encode() + part("text/plain; charset=utf-8", crlf(plain),
                                "quoted-printable").split(b"\r\n", 1)[1]


def thunderbird_inline(fresh: list[str]) -> bytes:
    """Thunderbird, bottom-posted: the opening of the template quoted, the answers below it."""
    quote = [f"> {line}".rstrip() for line in TEMPLATE[:4]]
    plain = [f"Op 01-07-2026 om 08:00 schreef {BOT_NAME}:", *flow(quote, delsp=False), "",
             *fresh, "", "-- ", "Jan de Vries", "Gemeente Utrecht"]
    head = headers(SENDER, "User-Agent: Mozilla Thunderbird",
                   "text/plain; charset=UTF-8; format=flowed")
    return head.encode() + b"Content-Transfer-Encoding: 8bit\r\n\r\n" + crlf(plain)


def samsung(fresh: list[str]) -> bytes:
    """Samsung Email: alternative, both parts base64, "-------- Oorspronkelijk bericht --------"."""
    plain = [*fresh, "", "", "Verstuurd vanaf mijn Samsung Galaxy-smartphone.", "", "",
             "-------- Oorspronkelijk bericht --------", f"Van: {BOT_NAME} <{BOT}>",
             "Datum: 01-07-2026 08:00 (GMT+01:00)", f"Aan: {SENDER}", f"Onderwerp: {SUBJECT}",
             "", *TEMPLATE]
    head = headers(SENDER, "X-Mailer: Samsung Mail", "?")
    rich = "<html><body><div dir='auto'>" + "<br>".join(map(html.escape, plain)) + "</div>"
    return alternative(head, part("text/plain; charset=utf-8", crlf(plain), "base64"),
                       part("text/html; charset=utf-8", rich.encode(), "base64"))


def outlook_ios(fresh: list[str]) -> bytes:
    """Outlook for iOS: plain base64, the download footer, an English From/Sent block."""
    plain = [*fresh, "", "Outlook voor iOS<https://aka.ms/o0ukef> downloaden",
             "________________________________", f"From: {BOT_NAME} <{BOT}>",
             "Sent: Wednesday, July 1, 2026 8:00:00 AM", f"To: J. de Vries <{SENDER}>",
             f"Subject: {SUBJECT}", "", *TEMPLATE]
    head = headers(SENDER, "X-Mailer: Outlook for iOS", "text/plain; charset=utf-8")
    return (head.encode() + b"Content-Transfer-Encoding: base64\r\n\r\n"
            + part("x", crlf(plain), "base64").split(b"\r\n\r\n", 1)[1])


def forwarded_as_attachment(fresh: list[str], forwarder: str) -> bytes:
    """A colleague forwards Jan's Gmail reply as an attachment (message/rfc822), a short note."""
    forwarded = gmail_reply(SENDER, fresh, TEMPLATE)
    boundary = "_004_fwd_"
    return (headers(forwarder, "X-Mailer: Microsoft Outlook 16.0",
                    f'multipart/mixed; boundary="{boundary}"').encode() + b"\r\n"
            + f"--{boundary}\r\n".encode()
            + part('text/plain; charset="us-ascii"', b"Namens Jan, zie bijlage.", "7bit")
            + f"\r\n--{boundary}\r\nContent-Type: message/rfc822\r\n"
              "Content-Disposition: attachment; filename=\"RE gegevens.eml\"\r\n\r\n".encode()
            + forwarded + f"\r\n--{boundary}--\r\n".encode())


def outlook_2010_real(fresh: list[str]) -> bytes:
    """The real Outlook 2010 reply from mailgun/talon, its text replaced by ours: Word's own
    markup, `From: X [mailto:x]` / `On Behalf Of`, an iso-2022-jp meta over ASCII-only text."""
    markup = (CORPUS / "mailgun-talon/html_replies/ms_outlook_2010.html").read_text()
    style = ('<p class="MsoNormal"><span style="font-size:11.0pt;font-family:&quot;Calibri&quot;,'
             '&quot;sans-serif&quot;;color:#1F497D">{}<o:p></o:p></span></p>')
    ours = "\n".join(style.format(html.escape(line) or "<o:p>&nbsp;</o:p>") for line in fresh)
    start = markup.index('<p class="MsoNormal"><span')
    end = markup.index('<p class="MsoNormal"><b>')
    markup = markup[:start] + ours + "\n" + markup[end:]
    markup = markup.replace("Foo [mailto:foo@bar.com]", f"{BOT_NAME} [mailto:{BOT}]")
    markup = markup.replace("<p>Hello! How are you?<o:p></o:p></p>",
                            "".join(f"<p>{html.escape(line)}<o:p></o:p></p>" for line in TEMPLATE))
    head = headers(SENDER, "X-Mailer: Microsoft Outlook 14.0", "text/html; charset=us-ascii")
    return head.encode() + b"Content-Transfer-Encoding: 7bit\r\n\r\n" + markup.encode("ascii")


CLIENTS: dict[str, Callable[[list[str]], bytes]] = {
    "outlook-html-only": outlook_html_only,
    "outlook-plain-iso-8859-1": outlook_plain_latin1,
    "outlook-web": outlook_web,
    "outlook-web-html-only": lambda fresh: outlook_web(fresh, with_plain=False),
    "outlook-2010-real": outlook_2010_real,
    "outlook-ios": outlook_ios,
    "gmail-alternative": lambda fresh: gmail_reply(SENDER, fresh, TEMPLATE),
    "gmail-html-blockquote": gmail_html_blockquote,
    "apple-mail-flowed": apple_mail_flowed,
    "iphone": iphone,
    "thunderbird-inline": thunderbird_inline,
    "samsung": samsung,
}


# --- the stories --------------------------------------------------------------------------------


@pytest.mark.parametrize("client", list(CLIENTS))
def test_story_each_client_reply_is_stored_and_confirmed(
    bot: Bot, imap_account: Any, smtp_sink: Any, client: str
) -> None:
    imap_account.append(CLIENTS[client](FILLED))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    assert_confirmed(smtp_sink, SENDER)


def test_story_outlook_figures_typed_into_the_quoted_template_are_stored(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(outlook_typed_into_template(FIGURES))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    body = assert_confirmed(smtp_sink, SENDER)
    assert "Geachte Jan de Vries" in body


def test_story_a_colleague_forwards_the_reply_as_attachment_from_a_registered_address(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    register_address(bot, "Utrecht", "secretariaat@utrecht.nl")
    imap_account.append(forwarded_as_attachment(FILLED, "secretariaat@utrecht.nl"))

    assert run_pass(bot).outcomes == {"processed": 1}

    assert stored_answers(bot) == FIGURES
    assert_confirmed(smtp_sink, "secretariaat@utrecht.nl")
    [stored] = submissions(bot)
    assert stored.sender == "secretariaat@utrecht.nl"


def test_story_a_forward_from_an_unregistered_colleague_gets_the_seed_answer(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(forwarded_as_attachment(FILLED, "secretariaat@utrecht.nl"))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert "het wachtwoord is onjuist. Probeer het opnieuw." in sent.message.get_content()


# --- helpers ------------------------------------------------------------------------------------


def stored_answers(bot: Bot) -> dict[str, int]:
    """The answers of the newest revision."""
    with Session(bot.engine) as session:
        newest = session.exec(select(Submission).order_by(col(Submission.id).desc())).first()
        assert newest is not None, "nothing was stored"
        rows = session.exec(select(Answer).where(Answer.submission_id == newest.id))
        return {row.question: row.value for row in rows}


def assert_confirmed(smtp_sink: Any, to: str) -> str:
    """The one mail at the sink is a confirmation to `to` showing the figures; its body."""
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == [to]
    assert "bevestiging Utrecht 2026-H1" in sent.message["Subject"]
    body: str = sent.message.get_content()
    assert "vraag 1       12   Aantal opgelegde huisverboden" in body
    assert "vraag 7c       9   Aantal gestarte hulpverleningstrajecten voor kind(eren)" in body
    assert SECRET not in sent.raw.decode()
    return body


def register_address(bot: Bot, org: str, address: str) -> None:
    with db.session_scope(bot.engine) as session:
        orgs.add_address(session, bot.clock.now(), org, address)

