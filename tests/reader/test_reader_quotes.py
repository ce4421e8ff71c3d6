"""Quote headers of real clients (public fixtures), read through the MIME their client uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.reader.message import read
from mailbot.reader.quotes import split
from tests.reader.test_reader_mailers import alternative, headers, part

CORPUS = Path(__file__).parent.parent / "fixtures" / "real-mail"
NOTE = "Hierbij de gegevens.\nGroet, Jan"
AENEAN = "Aenean quis diam urna."


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize(("name", "fresh", "quoted"), [
    ("aol.eml", "Hello", "Hi"),                 # -----Original Message----- + From/To/Sent
    ("apple_mail.eml", "Hello", "Hi"),          # On <date>, at <time>, X wrote: + '>'
    ("apple_mail_2.eml", "Hello", "Hi there!"),  # attribution inside the '>' quote
    ("comcast.eml", "Hello", "Hi"),             # Zimbra ----- Original Message -----
    ("gmail.eml", "Hello", "Hi"),               # On ... X <x> wrote: + '>'
    ("hotmail.eml", "Hello", "Hi"),             # '>' quote starting with its own headers
    ("iphone.eml", "Hello", "Hi"),              # Sent from my iPhone; QP-split 'wrote:'
    ("sparrow.eml", "Hello", "Hello"),          # '-- ' signature, nested quote cut off
    ("thunderbird.eml", "Hello", "Hi"),         # bottom-posted under the quote, flowed
    ("yahoo.eml", "Hello", "Hi"),               # ----- Original Message ----- with empty Cc:
])
def test_talon_standard_replies(name: str, fresh: str, quoted: str) -> None:
    mail = read(corpus(f"mailgun-talon/standard_replies/{name}"))
    assert (mail.fresh, mail.quoted) == (fresh, quoted)


def test_outlook_english_block_without_separator_quotes_the_unmarked_original() -> None:
    mail = read(corpus("mailgun-talon/standard_replies/outlook.eml"))
    assert mail.fresh == "Hello"
    assert mail.quoted.startswith("Hi dan.le@example.com<mailto:dan.le@example.com>,\n\n")
    assert mail.quoted.endswith("verify=4a400554148256338956101abdf06406>")


@pytest.mark.parametrize(("name", "mailer", "charset"), [
    ("ms_outlook_2003.html", "X-Mailer: Microsoft Office Outlook 11", "us-ascii"),
    ("ms_outlook_2007.html", "X-Mailer: Microsoft Office Outlook 12.0", "utf-8"),
    ("ms_outlook_2010.html", "X-Mailer: Microsoft Outlook 14.0", "iso-8859-1"),
    ("gmail.html", "X-Mailer: Gmail", "UTF-8"),
    ("thunderbird.html", "User-Agent: Mozilla Thunderbird", "UTF-8"),
])
def test_talon_html_replies_as_html_only_mail(name: str, mailer: str, charset: str) -> None:
    markup = corpus(f"mailgun-talon/html_replies/{name}")
    head = headers("alex@example.com", mailer, f"text/html; charset={charset}")
    mail = read(head.encode() + part("x", markup, "quoted-printable").split(b"\r\n", 1)[1])
    assert mail.fresh.split("\n")[0] == "Hi. I am fine."
    assert mail.fresh.split("\n")[-1] == "Alex"
    assert mail.quoted.startswith("Hello! How are you?")
    assert "From:" not in mail.fresh and "wrote:" not in mail.fresh


def test_outlook_for_mac_olk_src_body_section() -> None:
    markup = corpus("mailgun-talon/OLK_SRC_BODY_SECTION.html")
    head = headers("rob@example.com", "User-Agent: Microsoft-MacOutlook/14.1", "text/html")
    mail = read(head.encode() + b"\r\n" + markup)
    assert (mail.fresh, mail.quoted) == ("Reply", "Hi")


# Body-only fixtures, wrapped in the MIME their client sends; NOTE is typed above them.
BODIES = [
    ("crisp-email-forward-parser/gmail_nl_body.txt", "gmail", AENEAN),
    ("crisp-email-forward-parser/hubspot_nl_body.txt", "plain-qp", AENEAN),
    ("crisp-email-forward-parser/thunderbird_nl_body.txt", "thunderbird", AENEAN),
    ("crisp-email-forward-parser/apple_mail_nl_body.txt", "plain-qp", AENEAN),
    ("crisp-email-forward-parser/new_outlook_2019_nl_body.txt", "outlook", AENEAN),
    ("crisp-email-forward-parser/outlook_2019_nl_body.txt", "outlook", AENEAN),
    ("crisp-email-forward-parser/outlook_live_body.txt", "outlook", AENEAN),
    ("crisp-email-forward-parser/yahoo_nl_body.txt", "plain-qp", AENEAN),
    ("crisp-email-reply-parser/email_12.txt", "outlook", "Etiam non sagittis orci"),
    ("discourse-email_reply_trimmer/email_headers_1.txt", "outlook", "Just some random text"),
    ("discourse-email_reply_trimmer/email_headers_2.txt", "outlook", "Lorem ipsum."),
    ("mail-parser-reply/email_nl_1_2.txt", "outlook", "Beste Google Apps Sync-gebruiker,"),
]


def wrap(body: bytes, client: str) -> bytes:
    """A reply whose body is NOTE plus the fixture, as `client` sends it."""
    text = NOTE.encode() + b"\r\n\r\n" + body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if client == "thunderbird":
        head = headers("jan@example.nl", "User-Agent: Mozilla Thunderbird",
                       "text/plain; charset=UTF-8; format=flowed")
        return head.encode() + b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text
    if client == "plain-qp":
        head = headers("jan@example.nl", "X-Mailer: Apple Mail (2.3445)",
                       "text/plain; charset=utf-8")
        return head.encode() + part("x", text, "quoted-printable").split(b"\r\n", 1)[1]
    rich = b"<div>" + text.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(
        b"\r\n", b"<br>") + b"</div>"
    head = headers("jan@example.nl", f"X-Mailer: {client}", "?")
    return alternative(head, part('text/plain; charset="utf-8"', text, "quoted-printable"),
                       part('text/html; charset="utf-8"', rich, "quoted-printable"))


@pytest.mark.parametrize(("name", "client", "quoted_start"), BODIES)
def test_dutch_and_english_quote_headers_from_public_fixtures(
    name: str, client: str, quoted_start: str
) -> None:
    mail = read(wrap(corpus(name), client))
    assert mail.fresh.startswith(NOTE)  # plus the fixture's own reply text, if it has one
    assert quoted_start not in mail.fresh
    assert mail.quoted.startswith(quoted_start)
    assert not any(word in mail.quoted for word in ("Van:", "Onderwerp:", "Subject:", "From:"))


@pytest.mark.parametrize(("name", "fresh_end", "quoted_start"), [
    # Gmail NL attribution wrapped over two lines: "... schreef X <" / "x@y>:"
    ("crisp-email-reply-parser/email_8.txt", "nec nec nibh.", "Beste Praesent"),
    # Outlook for iOS: "Get Outlook for iOS" footer, underscores, From/Sent/To/Subject
    ("crisp-email-reply-parser/email_ios_outlook.txt", "nec nec nibh.", "[https://d3k81ch9"),
    # iOS Mail NL: "> Op ... heeft X <x> het volgende geschreven:" under the reply
    ("discourse-email_reply_trimmer/embedded_email_dutch_1.txt", "Would be great.",
     "VannillaSky"),
    # Android Gmail NL: "Op ... schreef "X" <x> het" / "volgende geschreven:"
    ("discourse-email_reply_trimmer/embedded_email_dutch_2.txt", "let you know then...",
     "codinghorror <https://meta.discourse.org/users/codinghorror>"),
])
def test_replies_from_public_fixtures(name: str, fresh_end: str, quoted_start: str) -> None:
    head = headers("jan@example.nl", "X-Mailer: test", "text/plain; charset=utf-8")
    mail = read(head.encode() + b"Content-Transfer-Encoding: 8bit\r\n\r\n" + corpus(name))
    assert mail.fresh.endswith(fresh_end)
    assert mail.quoted.startswith(quoted_start)


def test_inline_answers_between_quoted_questions_are_fresh() -> None:
    body = corpus("crisp-email-reply-parser/email_tricky_18_inline_reply.txt").decode()
    parts = split(body)
    assert parts.fresh == ("I think option A is great.\n\nOption B has some drawbacks.\n\n"
                           "Option C is not suitable for our use case.")
    assert parts.quoted.split("\n")[0] == "What's your opinion on option A?"


@pytest.mark.parametrize("header", [
    "Op 1 jul. 2026 08:00 schreef Monitoringsysteem Huisverbod <monitoring@huisverbod.test>:",
    "On Wed, Jul 1, 2026 at 8:00 AM Monitoringsysteem Huisverbod <monitoring@huisverbod.test>"
    " wrote:",
    "Op 1 jul. 2026, om 08:00 heeft Monitoringsysteem Huisverbod <monitoring@huisverbod.test> "
    "het volgende geschreven:",
    "On 1 Jul 2026, at 08:00, Monitoringsysteem Huisverbod wrote:",
    "Op 01-07-2026 om 08:00 schreef Monitoringsysteem Huisverbod:",
    "Monitoringsysteem Huisverbod schreef op 1-7-2026 om 08:00:",
    "Monitoringsysteem Huisverbod wrote:",
])
def test_attribution_lines(header: str) -> None:
    parts = split(f"Gemeente: Utrecht\n\n{header}\n\n> Gemeente:\n> Naam:")
    assert (parts.fresh, parts.quoted) == ("Gemeente: Utrecht", "Gemeente:\nNaam:")


@pytest.mark.parametrize("separator", [
    "-----Oorspronkelijk bericht-----", "-----Original Message-----",
    "---------- Forwarded message ---------", "---------- Doorgestuurd bericht ---------",
    "Begin doorgestuurd bericht:", "________________________________", "",
])
@pytest.mark.parametrize("date_label", ["Verzonden", "Datum", "Date", "Sent"])
def test_outlook_header_blocks(separator: str, date_label: str) -> None:
    block = ("Van: Monitoringsysteem Huisverbod [mailto:monitoring@huisverbod.test]\n"
             f"{date_label}: woensdag 1 juli 2026 08:00\nAan: Jan\nCC: Piet\n"
             "Onderwerp: gegevens 2026-H1")
    parts = split(f"1. Aantal opgelegde huisverboden: 3\n\n{separator}\n{block}\n\nGemeente:\n")
    assert parts.fresh == "1. Aantal opgelegde huisverboden: 3"
    assert parts.quoted == "Gemeente:"


@pytest.mark.parametrize("footer", [
    "Verzonden vanaf mijn iPhone", "Sent from my iPhone", "Verstuurd vanaf mijn Samsung Galaxy",
    "Outlook voor iOS downloaden", "Get Outlook for Android", "-- ",
])
def test_signature_and_mobile_footers_end_the_fresh_text(footer: str) -> None:
    parts = split(f"Naam: Jan\n\n{footer.rstrip()}\nJan de Vries\n06-12345678")
    assert (parts.fresh, parts.quoted) == ("Naam: Jan", "")


def test_nested_quotes_keep_only_the_first_level() -> None:
    parts = split("Akkoord.\n\n> Klopt dit?\n>\n> Op 1 jul. 2026 schreef Jan:\n> > Ja\n")
    assert (parts.fresh, parts.quoted) == ("Akkoord.", "Klopt dit?")
