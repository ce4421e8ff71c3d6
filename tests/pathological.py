"""Mails shaped to make a reader slow: each shape grows to any size, so its cost can be plotted.

`SHAPES[name](size)` returns the raw bytes of one message of about `size` bytes, from a stranger.
Each shape repeats one pattern that costs a naive reader more than linear time: deep nesting,
unclosed constructs the HTML tokenizer searches past again and again, runs a backtracking
pattern retries from every position, header and MIME floods. Used by the reader tests (each at
1 MB, read within the time limit) and by `bench/reader_growth.py` (the growth exponent).
"""

from __future__ import annotations

from collections.abc import Callable

STRANGER = "vreemde@elders.nl"


def _mail(body: bytes, content_type: str = "text/plain; charset=utf-8", headers: bytes = b"",
          subject: bytes = b"traag") -> bytes:
    head = (b"From: " + STRANGER.encode() + b"\r\nTo: monitoring@huisverbod.test\r\n"
            b"Subject: " + subject + b"\r\nDate: Mon, 06 Jul 2026 09:00:00 +0000\r\n"
            b"Message-ID: <traag-%d@elders.nl>\r\nMIME-Version: 1.0\r\n" % len(body)
            + headers + b"Content-Type: " + content_type.encode() + b"\r\n\r\n")
    return head + body


def _repeat(unit: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> bytes:
    return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail


def _html(unit: bytes, tail: bytes = b"") -> Callable[[int], bytes]:
    def make(size: int) -> bytes:
        return _mail(_repeat(unit, size, b"<html><body>", tail), "text/html; charset=utf-8")
    return make


def _prefixed_html(head: bytes, unit: bytes) -> Callable[[int], bytes]:
    def make(size: int) -> bytes:
        return _mail(_repeat(unit, size, b"<html><body>" + head), "text/html; charset=utf-8")
    return make


def _text(unit: bytes, head: bytes = b"", tail: bytes = b"") -> Callable[[int], bytes]:
    def make(size: int) -> bytes:
        return _mail(_repeat(unit, size, head, tail))
    return make


def _line(head: bytes, unit: bytes, tail: bytes = b"") -> Callable[[int], bytes]:
    """One line that grows: `head`, `unit` many times, `tail` (then a form line or two)."""
    def make(size: int) -> bytes:
        return _mail(_repeat(unit, size, head, tail + b"\r\n2. Aantal: 3\r\n"))
    return make


def _nested_multiparts(size: int) -> bytes:
    level = b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n'
    depth = max(1, size // len(level % (99999, 99999)))
    opening = b"".join(level % (n, n + 1) for n in range(depth))
    inner = b"--b%d\r\nContent-Type: text/plain\r\n\r\nGemeente: Utrecht\r\n" % depth
    return _mail(opening + inner, 'multipart/mixed; boundary="b0"')


def _flat_multipart(size: int) -> bytes:
    part = b"--p\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n1. Aantal: 1\r\n"
    return _mail(_repeat(part, size, tail=b"--p--\r\n"), 'multipart/mixed; boundary="p"')


def _nested_forwards(size: int) -> bytes:
    level = b'Content-Type: message/rfc822\r\n\r\nSubject: fw\r\nContent-Type: multipart/mixed; '
    unit = level + b'boundary="f"\r\n\r\n--f\r\n'
    return _mail(_repeat(unit, size, b"--f\r\n"), 'multipart/mixed; boundary="f"')


def _eml_attachments(size: int) -> bytes:
    """Many attached .eml files, each a mail of its own to parse, each holding a form line."""
    part = (b'--e\r\nContent-Type: application/octet-stream; name="fw.eml"\r\n'
            b'Content-Disposition: attachment; filename="fw.eml"\r\n\r\n'
            b"Subject: fw\r\nContent-Type: text/plain\r\n\r\n1. Aantal: 1\r\n")
    return _mail(_repeat(part, size, tail=b"--e--\r\n"), 'multipart/mixed; boundary="e"')


def _msg_texts(size: int) -> bytes:
    """Many Outlook .msg items as text, each beginning with header lines."""
    part = (b'--m\r\nContent-Type: text/plain; name="fw.msg"\r\n'
            b'Content-Disposition: attachment; filename="fw.msg"\r\n\r\n'
            b"Van: a@b.nl\r\nAan: c@d.nl\r\n\r\n1. Aantal: 1\r\n")
    return _mail(_repeat(part, size, tail=b"--m--\r\n"), 'multipart/mixed; boundary="m"')


def _many_alternatives(size: int) -> bytes:
    part = (b"--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            b"<blockquote><p>Gemeente: Utrecht</p>\r\n")
    return _mail(_repeat(part, size, tail=b"--a--\r\n"), 'multipart/alternative; boundary="a"')


def _header_flood(size: int) -> bytes:
    return _mail(b"Gemeente: Utrecht\r\n", headers=_repeat(b"X-Vulsel: a\r\n", size))


def _folded_header(size: int) -> bytes:
    return _mail(b"Gemeente: Utrecht\r\n", headers=_repeat(b" a\r\n", size, b"X-Lang: a\r\n"))


def _parameter_flood(size: int) -> bytes:
    params = _repeat(b';\r\n a="b;c"', size).decode()
    return _mail(b"Gemeente: Utrecht\r\n", "text/plain; charset=utf-8" + params)


def _boundary_parameters(size: int) -> bytes:
    params = _repeat(b";\r\n a=b", size).decode()
    body = b"--m\r\nContent-Type: text/plain\r\n\r\nGemeente: Utrecht\r\n--m--\r\n"
    return _mail(body, 'multipart/mixed; boundary="m"' + params)


def _encoded_words(size: int) -> bytes:
    return _mail(b"Gemeente: Utrecht\r\n", subject=_repeat(b"=?utf-8?q?=C3=A9?= ", size))


def _reply_prefixes(size: int) -> bytes:
    return _mail(b"Gemeente: Utrecht\r\n", subject=_repeat(b"re re ", size, tail=b"x"))


def _address_comments(size: int) -> bytes:
    sender = _repeat(b"(", size, b"Jan ") + b" <jan@elders.nl>"
    return _mail(b"Gemeente: Utrecht\r\n").replace(
        b"From: " + STRANGER.encode(), b"From: " + sender, 1)


def _many_addresses(size: int) -> bytes:
    sender = _repeat(b"a@b.nl, ", size, tail=b"c@d.nl")
    return _mail(b"Gemeente: Utrecht\r\n").replace(
        b"From: " + STRANGER.encode(), b"From: " + sender, 1)


def _flowed(size: int) -> bytes:
    body = _repeat(b"woord \r\n", size, tail=b"einde\r\n")
    return _mail(body, "text/plain; charset=utf-8; format=flowed")


def _soft_breaks(size: int) -> bytes:
    body = _repeat(b"a=\r\n", size, b"Wachtwoord: ", b"\r\n")
    return _mail(body, "text/plain; charset=utf-8",
                 headers=b"Content-Transfer-Encoding: quoted-printable\r\n")


def _utf7(size: int) -> bytes:
    return _mail(_repeat(b"+AGEAYgBj-", size), "text/plain; charset=utf-7")


def _bounce_spaces(size: int) -> bytes:
    """A delivery report whose recipient lines are runs of white space."""
    status = _repeat(b"Final-Recipient: rfc822;" + b" " * 200 + b">\r\nAction: failed\r\n\r\n",
                     size)
    body = (b"--r\r\nContent-Type: text/plain\r\n\r\nNiet bezorgd.\r\n--r\r\n"
            b"Content-Type: message/delivery-status\r\n\r\n" + status + b"--r--\r\n")
    return _mail(body, 'multipart/report; report-type=delivery-status; boundary="r"').replace(
        b"From: " + STRANGER.encode(), b"From: MAILER-DAEMON@elders.nl", 1)


def _many_secrets(size: int) -> bytes:
    lines = b"".join(b"Wachtwoord: geheim-%07d\r\n" % n for n in range(size // 28 + 1))
    return _mail(lines)


def _secret_everywhere(size: int) -> bytes:
    """A secret typed once, then again and again split by markup and entities."""
    unit = b"<b>ab</b>&#99;d-<i>ef</i>gh "
    return _mail(_repeat(unit, size, b"<html><body><p>Wachtwoord: abcd-efgh</p>"),
                 "text/html; charset=utf-8")


SHAPES: dict[str, Callable[[int], bytes]] = {
    # HTML: nesting the converter re-renders at every level, constructs the tokenizer rescans.
    "html-nested-quotes": _html(b"<blockquote>regel<br>"),
    "html-nested-quotes-closed": _html(b"<blockquote>a<br>b<br>", b"</blockquote>" * 64),
    "html-comment-openers": _html(b"<!--"),
    "html-unclosed-tags": _html(b"<a"),
    "html-cdata-openers": _html(b"<![CDATA["),
    "html-declarations": _html(b"<!x"),
    "html-processing": _html(b"<?x"),
    "html-end-tags": _html(b"</"),
    "html-unclosed-attribute": _prefixed_html(b'<a href="', b"a"),
    "html-nested-tables": _html(b"<table><tr><td>1"),
    "html-nested-lists": _html(b"<ol><li>1"),
    "html-nested-divs": _html(b"<div><span>a"),
    "html-open-cells": _html(b"<td>1"),
    "html-line-breaks": _html(b"<br>"),
    "html-pre-lines": _prefixed_html(b"<pre>", b"a\n"),
    "html-entities": _html(b"&#x41;&amp;&lt;"),
    "html-hidden-runs": _html(b"<style>"),
    # Plain text: runs that backtracking patterns try from every position.
    "text-spaces-in-line": _line(b"a", b" ", b"b"),
    "text-spaces-before-colon": _line(b"1. Aantal", b" ", b"x"),
    "text-thousand-groups": _line(b"1. Aantal: 1", b".111", b","),
    "text-digit-groups": _line(b"1. Aantal: ", b"1 ", b"x"),
    "text-digits": _line(b"1. Aantal: ", b"1", b"."),
    "text-period-words": _line(b"Periode: ", b"januari ", b"x"),
    "text-period-years": _line(b"Periode: ", b"2026 ", b"x"),
    "text-remark-commas": _line(b"1. Aantal: 12", b" ,", b""),
    "text-remark-words": _line(b"1. Aantal: 12 (alleen ", b"niet + ", b")"),
    # The questions a person names (mailbot.reader.asked): "vraag" with endless blanks, or repeated.
    "text-question-blanks": _line(b"vraag nr.", b" ", b"x"),
    "text-question-words": _text(b"vraag vraag nummer vragen x "),
    # Secrets of the bot's making alone on a line (mailbot.reader.lines): near misses, long and
    # many.
    "text-secret-groups": _line(b"> ", b"kq7m-", b"x"),
    "text-secret-lines": _text(b"> kq7m-x3rt-hc9w-pa4e-\r\n"),
    "text-colons": _line(b"", b"a:", b""),
    "text-tabs": _line(b"1.", b"\t", b"x"),
    "text-bullets": _line(b"", b"- ", b"x"),
    "text-stars": _line(b"", b"*", b"1. Aantal: 3"),
    "text-attribution-lines": _text(b"Op maandag 6 juli 2026 schreef iemand iets en\r\n"),
    "text-attribution-words": _line(b"Op ", b"x ", b"schreef"),
    "text-wrote-words": _line(b"On ", b"x ", b"wrote"),
    "text-header-lines": _text(b"Van: iemand\r\n"),
    "text-header-blocks": _text(b"Van: a\r\nAan: b\r\n\r\n"),
    "text-separators": _text(b"-----Oorspronkelijk bericht-----\r\n"),
    "text-quote-levels": _line(b"", b">", b"x"),
    "text-quote-wraps": _text(b"> " + b"a" * 80 + b"\r\nb\r\n"),
    "text-quote-alternation": _text(b"> a\r\nb\r\n"),
    "text-form-lines": _text(b"1. Aantal opgelegde huisverboden: 3\r\n"),
    "text-numbered-lines": _text(b"11. x: 3\r\n"),
    "text-sub-items": _text(b"a. Uithuisgeplaatste: 3\r\nd) 2\r\n",
                            b"7. Aantal gestarte hulpverleningstrajecten voor:\r\n"),
    "text-headings": _text(b"7.\r\nb. 1\r\n"),
    "text-forward-chain": _text(b"Van: a@b.nl\r\nAan: c@d.nl\r\n\r\n1. Aantal: 3\r\n"),
    "text-signature-markers": _text(b"-- \r\n"),
    "text-blank-lines": _text(b"\r\n"),
    "text-one-long-line": _line(b"Gemeente: ", b"Utrecht "),
    # MIME and headers.
    "mime-nested-multiparts": _nested_multiparts,
    "mime-many-parts": _flat_multipart,
    "mime-nested-forwards": _nested_forwards,
    "mime-eml-attachments": _eml_attachments,
    "mime-msg-texts": _msg_texts,
    "mime-many-alternatives": _many_alternatives,
    "mime-soft-line-breaks": _soft_breaks,
    "mime-flowed-paragraph": _flowed,
    "mime-utf7": _utf7,
    "header-flood": _header_flood,
    "header-folded-long": _folded_header,
    "header-parameter-flood": _parameter_flood,
    "header-boundary-parameters": _boundary_parameters,
    "header-encoded-words": _encoded_words,
    "header-reply-prefixes": _reply_prefixes,
    "header-address-comments": _address_comments,
    "header-many-addresses": _many_addresses,
    "bounce-recipient-spaces": _bounce_spaces,
    # Masking: many secrets to look for, one secret hidden everywhere.
    "mask-many-secret-lines": _many_secrets,
    "mask-secret-everywhere": _secret_everywhere,
}
