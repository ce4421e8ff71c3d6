"""Replies built the way each client builds them (MIME shape, charset, transfer encoding).

The builders are shared by the reader tests; the tests in this file check that the builders
really produce the client's shape, so the reader is not tested against an idealised mail.
"""

from __future__ import annotations

import base64
import html
import quopri
from email import message_from_bytes, policy

BOT = "monitoring@huisverbod.test"
BOT_NAME = "Monitoringsysteem Huisverbod"
SUBJECT = "Monitoringsysteem Huisverbod: gegevens 2026-H1"
LABELS = [
    ("1", "Aantal opgelegde huisverboden"), ("2", "Aantal geweigerde huisverboden"),
    ("3", "Aantal keren inschakeling raadsman"), ("4", "Aantal ingetrokken huisverboden"),
    ("5", "Aantal verlengingen huisverbod"), ("6", "Aantal uithuisgeplaatsten in opvang"),
    ("7a", "Aantal gestarte hulpverleningstrajecten voor uithuisgeplaatste"),
    ("7b", "Aantal gestarte hulpverleningstrajecten voor achterblijvende partner"),
    ("7c", "Aantal gestarte hulpverleningstrajecten voor kind(eren)"),
    ("8", "Aantal voorlopige voorzieningen"), ("9", "Uitkomst voorlopige voorzieningen"),
    ("10", "Aantal (hoger) beroepen"),
]
FIGURES = {"1": 12, "2": 0, "3": 4, "4": 1, "5": 5, "6": 2, "7a": 6, "7b": 7, "7c": 9,
           "8": 1, "9": 0, "10": 0}


def form_lines(values: dict[str, int] | None = None, secret: str = "") -> list[str]:
    """The template's fields; with values, as a person fills them in."""
    filled = values is not None
    lines = [f"Gemeente:{' Utrecht' if filled else ''}", f"Naam:{' J. de Vries' if filled else ''}",
             "E-mailadres:", f"Wachtwoord:{' ' + secret if secret else ''}",
             f"Periode:{' 2026-H1' if filled else ''}", ""]
    for key, label in LABELS:
        value = f" {values[key]}" if values and key in values else ""
        lines.append(f"{key}. {label}:{value}")
    return lines


def flow(lines: list[str], delsp: bool, width: int = 60) -> list[str]:
    """RFC 3676 encoding: long lines broken after a space (delsp: an extra space is added)."""
    out = []
    for line in lines:
        prefix = ">" if line.startswith(">") else ""
        text = line[2:] if prefix else line
        while len(text) > width and " " in text[:width]:
            cut = text.rindex(" ", 0, width) + 1
            chunk = text[:cut] + " " if delsp else text[:cut]
            out.append(f"{prefix} {chunk}" if prefix else chunk)
            text = text[cut:]
        out.append(f"{prefix} {text}" if prefix else text)
    return out


FILLED = form_lines(FIGURES, secret="appel-boom-kaas-fiets")
TEMPLATE = ["Geachte heer/mevrouw,", "",
            "Wilt u de gegevens over de uitvoering van de Wet tijdelijk huisverbod over het "
            "eerste halfjaar van 2026 (2026-H1) doorgeven? Beantwoord deze e-mail en schrijf "
            "elk aantal achter de dubbele punt, ook als het 0 is.", "",
            *form_lines(), "", "-- ", BOT_NAME]


def headers(sender: str, mailer: str, content_type: str, extra: str = "") -> str:
    return (f"From: J. de Vries <{sender}>\r\nTo: {BOT_NAME} <{BOT}>\r\n"
            f"Subject: RE: {SUBJECT}\r\nDate: Mon, 6 Jul 2026 09:30:00 +0200\r\n"
            f"Message-ID: <reply-{mailer.split()[0].lower()}@gemeente.test>\r\n"
            f"In-Reply-To: <template-2026-h1@huisverbod.test>\r\n"
            f"References: <template-2026-h1@huisverbod.test>\r\n"
            f"{mailer}\r\n{extra}MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n")


def part(content_type: str, body: bytes, encoding: str) -> bytes:
    """One MIME leaf with its body encoded as the client does (CRLF line ends)."""
    if encoding == "quoted-printable":
        body = quopri.encodestring(body.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    elif encoding == "base64":
        body = base64.encodebytes(body).replace(b"\n", b"\r\n")
    return (f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
            .encode() + body)


def alternative(head: str, plain: bytes, rich: bytes, boundary: str = "_000_alt_") -> bytes:
    content_type = f'multipart/alternative; boundary="{boundary}"'
    head = head.replace("Content-Type: ?", f"Content-Type: {content_type}")
    return (head.encode() + b"\r\n" + f"--{boundary}\r\n".encode() + plain + b"\r\n"
            + f"--{boundary}\r\n".encode() + rich + b"\r\n" + f"--{boundary}--\r\n".encode())


def crlf(lines: list[str]) -> bytes:
    return "\r\n".join(lines).encode("utf-8")


# --- Outlook desktop (Word as editor) ---------------------------------------------------------

_OUTLOOK_HEAD = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
    'office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-'
    'html40"><head><meta http-equiv=Content-Type content="text/html; charset=windows-1252">'
    '<meta name=Generator content="Microsoft Word 15 (filtered medium)"><style><!--\n'
    '@font-face\n\t{font-family:"Cambria Math";}\np.MsoNormal, li.MsoNormal, div.MsoNormal\n'
    '\t{margin:0cm;font-size:11.0pt;font-family:"Calibri",sans-serif;}\n'
    'span.E-mailStijl18\n\t{mso-style-type:personal-reply;color:windowtext;}\n--></style>'
    '<!--[if gte mso 9]><xml>\n<o:shapedefaults v:ext="edit" spidmax="1026" />\n'
    '</xml><![endif]--></head><body lang=NL link="#0563C1" vlink="#954F72" '
    'style=\'word-wrap:break-word\'><div class=WordSection1>'
)
_OUTLOOK_HEADER_BLOCK = (
    "<div><div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
    "<p class=MsoNormal><b>Van:</b> {name} &lt;{bot}&gt; <br><b>Verzonden:</b> woensdag 1 juli "
    "2026 08:00<br><b>Aan:</b> J. de Vries &lt;{to}&gt;<br><b>Onderwerp:</b> {subject}<o:p></o:p>"
    "</p></div></div><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
)


def mso(lines: list[str], colour: str = "") -> str:
    """Word's paragraphs: one <p class=MsoNormal> per line, an empty line is &nbsp;."""
    out = []
    for line in lines:
        text = html.escape(line, quote=False) or "<o:p>&nbsp;</o:p>"
        if colour and line:
            text = f"<span style='color:{colour}'>{text}</span>"
        out.append(f"<p class=MsoNormal>{text}<o:p></o:p></p>\r\n")
    return "".join(out)


def outlook_html(sender: str, fresh: list[str], quoted_html: str) -> bytes:
    """Outlook 2016+ HTML-only reply: windows-1252, quoted-printable, Van:/Verzonden: block."""
    body = (_OUTLOOK_HEAD + mso(fresh) + "<p class=MsoNormal><o:p>&nbsp;</o:p></p>"
            + _OUTLOOK_HEADER_BLOCK.format(name=BOT_NAME, bot=BOT, to=sender, subject=SUBJECT)
            + quoted_html + "</div></body></html>")
    head = headers(sender, "X-Mailer: Microsoft Outlook 16.0", 'text/html; charset="windows-1252"',
                   "Thread-Index: AdZTc2Vb0R9xW3pLQkKmCk2V3Vb1mQ==\r\nContent-Language: nl\r\n")
    return head.encode() + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + (
        quopri.encodestring(body.encode("cp1252")).replace(b"\n", b"\r\n"))


# --- Gmail --------------------------------------------------------------------------------------

def gmail_reply(sender: str, fresh: list[str], quoted: list[str]) -> bytes:
    """Gmail web: multipart/alternative, UTF-8 quoted-printable, gmail_quote blockquote."""
    attribution = f"Op wo 1 jul 2026 om 08:00 schreef {BOT_NAME} <{BOT}>:"
    name_part, address_part = attribution.split("<")  # Gmail wraps after the "<" at 76 columns
    plain = [*fresh, "", f"{name_part}<", address_part, "",
             *[f"> {q}".rstrip() for q in quoted]]
    rich = ('<div dir="ltr">' + "".join(f"<div>{html.escape(x) or '<br>'}</div>" for x in fresh)
            + '</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            + html.escape(attribution) + '<br></div><blockquote class="gmail_quote" style="'
            'margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            + "<br>".join(html.escape(q) for q in quoted) + "</blockquote></div>")
    head = headers(sender, "X-Mailer: Gmail", "?")
    return alternative(head, part('text/plain; charset="UTF-8"', crlf(plain), "quoted-printable"),
                       part('text/html; charset="UTF-8"', rich.encode(), "quoted-printable"),
                       boundary="000000000000a1b2c3d4e5f6")


def test_outlook_builder_is_html_only_cp1252_quoted_printable() -> None:
    raw = outlook_html("a@utrecht.test", ["Met vriendelijke groet, café"], mso(TEMPLATE))
    message = message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "text/html"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert b"caf=E9" in raw  # é as a windows-1252 byte, QP-escaped
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_gmail_builder_wraps_the_attribution_like_gmail() -> None:
    raw = gmail_reply("a@gmail.test", ["Hallo"], ["Geachte heer/mevrouw,"])
    message = message_from_bytes(raw, policy=policy.default)
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    plain = message.get_body(("plain",)).get_content()
    assert "schreef Monitoringsysteem Huisverbod <\r\nmonitoring@huisverbod.test>:" in plain
