"""A reply as it goes on the wire: its headers, its MIME structure and its Message-ID."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr

from mailbot.config import Settings
from mailbot.inbound.outcome import Attachment, Draft
from mailbot.store.models import Inbound


def clean(text: str) -> str:
    """No CR/LF/NUL from anywhere may reach a header: that would inject headers."""
    return " ".join(text.replace("\0", " ").split())


def _domain(settings: Settings) -> str:
    return settings.from_address.rpartition("@")[2] or "localhost"


def reply_message_id(basis: str, kind: str, index: int, settings: Settings) -> str:
    """A Message-ID derived from what caused the reply, so a re-run cannot queue it twice."""
    digest = hashlib.sha256(f"{basis}|{kind}|{index}".encode()).hexdigest()[:24]
    return f"<{kind}.{index}.{digest}@{_domain(settings)}>"


def compose(
    draft: Draft, settings: Settings, now: datetime, message_id: str, inbound: Inbound | None
) -> Message:
    """The complete outgoing message for a draft."""
    headers = _headers(draft, settings, now, message_id, inbound)
    # An address outside ASCII (SMTPUTF8) needs the modern header classes; only Subject is
    # encoded by `_plain`.
    addressed_in_ascii = all(value.isascii() for name, value in headers if name != "Subject")
    if draft.html is None and not draft.attachments and addressed_in_ascii:
        return _plain(draft.rendered.body, headers)
    message = EmailMessage()
    for name, value in headers:
        message[name] = value
    message.set_content(draft.rendered.body, charset="utf-8")
    if draft.html is not None:
        message.add_alternative(draft.html, subtype="html", charset="utf-8")
    for item in draft.attachments:
        if item.content_type == "message/rfc822":
            _attach_mail(message, item)
            continue
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(item.data, maintype=maintype, subtype=subtype,
                               filename=item.filename)
    return message


def _attach_mail(message: EmailMessage, item: Attachment) -> None:
    """A mail attached as it is (RFC 2046 allows no base64 there), not parsed again: its
    bytes are the body of a message/rfc822 part, line ends as the rest of the message."""
    part = EmailMessage()
    part["Content-Type"] = "message/rfc822"
    part["Content-Disposition"] = f'attachment; filename="{clean(item.filename)}"'
    part["Content-Transfer-Encoding"] = "8bit"
    part.set_payload(item.data.replace(b"\r\n", b"\n").decode("ascii", "surrogateescape"))
    message.make_mixed()
    message.attach(part)


def _headers(
    draft: Draft, settings: Settings, now: datetime, message_id: str, inbound: Inbound | None
) -> list[tuple[str, str]]:
    headers = [
        ("From", formataddr((settings.from_name, settings.from_address))),
        ("To", clean(draft.to)),
        ("Subject", clean(draft.rendered.subject)),
        ("Date", format_datetime(now)),
        ("Message-ID", message_id),
        # RFC 3834: a reply to a mail is auto-replied; an invitation or notice is auto-generated.
        ("Auto-Submitted", "auto-replied" if inbound is not None else "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
    ]
    if draft.reply_to is not None:
        headers.append(("Reply-To", clean(draft.reply_to)))
    if inbound is not None and inbound.message_id:
        parent = f"<{clean(inbound.message_id)}>"
        headers += [("In-Reply-To", parent), ("References", parent)]
    return headers


# Plain text replies (nearly all) are built with the compat32 classes: an equivalent message to
# what EmailMessage gives, at a quarter of the cost (no header objects parsed and re-folded).
_UTF8 = Charset("utf-8")
# 8bit, as EmailMessage chooses for short lines; the email package documents None for that,
# its type information allows only the named encodings.
_UTF8.body_encoding = None  # type: ignore[assignment]
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
LONGEST_LINE = 990  # bytes; SMTP allows 998 in a line, so longer text goes quoted-printable


class _Compat32(Compat32):
    """compat32, with the header a short ASCII value needs written without folding machinery.

    Such a value (single spaces only, and the whole line within `max_line_length`) comes out of
    `email.header.Header.encode` unchanged, so the bytes are those compat32 writes; every
    other value goes the usual way.
    """

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        if (isinstance(value, str) and value.isascii() and value
                and len(name) + 2 + len(value) <= (self.max_line_length or 0)
                and " ".join(value.split()) == value):
            return f"{name}: {value}{self.linesep}"
        # compat32's own folding; private, so not in its type information.
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


_POLICY = _Compat32()


def _plain(body: str, headers: list[tuple[str, str]]) -> Message:
    too_long = any(len(line.encode()) > LONGEST_LINE for line in body.splitlines())
    charset = _UTF8_QP if too_long else _UTF8
    # MIMEText takes a Charset as its charset (documented); its type information says str.
    message = MIMEText(body, "plain", charset, policy=_POLICY)  # type: ignore[arg-type]
    del message["MIME-Version"]  # put back after the addressing headers, where clients expect it
    for name, value in headers:
        # A compat32 Message takes a Header as a value (documented); its type information: str.
        message[name] = (value if value.isascii()  # type: ignore[assignment]
                         else Header(value, "utf-8", header_name=name))
    message["MIME-Version"] = "1.0"
    return message
