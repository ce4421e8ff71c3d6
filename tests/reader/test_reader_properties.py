"""Properties of the reader over random mail: MIME trees of any shape and nesting, any charset
and transfer encoding (declared truly or not), any text. Reading never raises, stays within its
limits, and the copy it keeps holds no typed secret."""

from __future__ import annotations

import base64
import quopri
from email import message_from_bytes
from email.policy import compat32

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.reader.limits import Limits
from mailbot.reader.message import read
from mailbot.reader.reading import read_message
from tests.leaks import holds

LIMITS = Limits(part_bytes=4096, line_chars=200, depth=6, parts=12, headers=20, form_lines=50)
CHARSETS = ["utf-8", "windows-1252", "iso-8859-1", "utf-16", "utf-7", "us-ascii", "koi8-r",
            "x-klingon", ""]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", ""]
SECRET = "kq7m-x3rt-hc9w-pa4e"

# Text people write, and what breaks readers: controls, NUL, bidi marks, surrogates, markup.
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300) | \
    st.sampled_from(["Gemeente: Utrecht", "1. Aantal opgelegde huisverboden: 12", "<!--",
                     "<blockquote>", "> > geciteerd", "=?utf-8?q?=C3=A9?=", "\x00\x1b]0;x\x07",
                     "Op 1 jul 2026 schreef Jan:", "Van: a\nAan: b", "1.111.111,", " " * 300])


def _body(text: str, charset: str, encoding: str) -> bytes:
    data = text.encode(charset or "utf-8", "replace") if charset not in ("x-klingon",) else \
        text.encode("utf-8", "replace")
    if encoding == "base64":
        return base64.encodebytes(data)
    if encoding == "quoted-printable":
        return quopri.encodestring(data)
    return data


@st.composite
def leaves(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["text/plain", "text/html", "application/octet-stream"]))
    charset, encoding = draw(st.sampled_from(CHARSETS)), draw(st.sampled_from(ENCODINGS))
    text = "\n".join(draw(st.lists(texts, max_size=6)))
    if draw(st.booleans()):
        text += f"\nWachtwoord: {SECRET}\n"
    if kind == "text/html":
        text = "".join(f"<p>{line}</p>" for line in text.split("\n"))
    disposition = draw(st.sampled_from(["", "Content-Disposition: attachment\r\n"]))
    params = f"; charset={charset}" if charset else ""
    head = (f"Content-Type: {kind}{params}\r\n{disposition}"
            + (f"Content-Transfer-Encoding: {encoding}\r\n" if encoding else ""))
    return head.encode() + b"\r\n" + _body(text, charset, encoding)


def _multipart(children: list[bytes], subtype: str, boundary: str) -> bytes:
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()
    inner = b"".join(b"--" + boundary.encode() + b"\r\n" + child + b"\r\n" for child in children)
    return head + inner + b"--" + boundary.encode() + b"--\r\n"


def trees() -> st.SearchStrategy[bytes]:
    return st.recursive(
        leaves(),
        lambda inner: st.one_of(
            st.builds(_multipart, st.lists(inner, max_size=4),
                      st.sampled_from(["mixed", "alternative", "related", "report"]),
                      st.sampled_from(["b", "b1", "=_x", "b"])),  # nested ones may share one
            inner.map(lambda raw: b"Content-Type: message/rfc822\r\n\r\nSubject: fw\r\n" + raw),
        ),
        max_leaves=10,
    )


@st.composite
def mails(draw: st.DrawFn) -> bytes:
    subject = draw(texts).replace("\r", " ").replace("\n", " ")
    extra = "".join(f"X-{n}: {draw(texts)[:80]}\r\n".replace("\n", " ").replace("\r", " ")
                    + "\r\n" for n in range(draw(st.integers(0, 3))))
    head = (f"From: {draw(st.sampled_from(['Jan <jan@x.nl>', 'Jansen, Piet <p@x.nl>', '', '<>']))}"
            f"\r\nSubject: {subject}\r\nMessage-ID: <{draw(st.integers(0, 10**6))}@x.nl>\r\n"
            f"{extra}MIME-Version: 1.0\r\n")
    return head.encode("utf-8", "surrogateescape") + draw(trees())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mails())
def test_random_mail_is_read_within_the_limits_and_its_secret_kept_nowhere(raw: bytes) -> None:
    read_ = read_message(raw, LIMITS)

    mail = read_.mail
    for text in (mail.text, mail.fresh, mail.quoted):
        assert all(len(line) <= LIMITS.line_chars for line in text.split("\n"))
    assert len(mail.headers) <= LIMITS.headers
    assert len(mail.text) <= LIMITS.parts * (LIMITS.part_bytes * 4 + LIMITS.depth * 4)
    if read_.masked is not None:
        message_from_bytes(read_.masked, policy=compat32)  # a mail still
        assert not holds(read_.masked, SECRET)
        assert SECRET not in read_.subject


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_at_all_are_read_without_raising(raw: bytes) -> None:
    read(raw, LIMITS)
    read_message(raw, LIMITS)
