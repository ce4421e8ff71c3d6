"""Hostile and broken mail, generated: what a mail server may hand the bot on a bad day.

Each generator returns the raw bytes of one message. They come from a sender that is not
registered (`stranger@elders.nl`) unless a test says otherwise, so nothing here can log in.
"""

from __future__ import annotations

from collections.abc import Callable

STRANGER = "stranger@elders.nl"


def _headers(sender: str, subject: str, extra: str = "", message_id: str = "") -> bytes:
    mid = message_id or f"<{subject.replace(' ', '-')}@elders.nl>"
    return (f"From: {sender}\r\nTo: monitoring@huisverbod.test\r\nSubject: {subject}\r\n"
            f"Date: Mon, 06 Jul 2026 09:00:00 +0000\r\nMessage-ID: {mid}\r\n"
            f"MIME-Version: 1.0\r\n{extra}").encode()


def truncated_mime(sender: str = STRANGER) -> bytes:
    """A multipart cut off in the middle of a base64 part, no closing boundary."""
    head = _headers(sender, "afgekapt", 'Content-Type: multipart/mixed; boundary="b1"\r\n')
    return head + (b"\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nZie bijlage.\r\n"
                   b"--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64"
                   b"\r\n\r\nJVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5n")


def endless_boundary(sender: str = STRANGER) -> bytes:
    """A boundary is declared, opened, and never closed; the body goes on as one long part."""
    head = _headers(sender, "geen einde", 'Content-Type: multipart/mixed; boundary="nooit"\r\n')
    lines = b"".join(b"--nooi\r\nnog een regel tekst zonder einde\r\n" for _ in range(2000))
    return head + b"\r\n--nooit\r\nContent-Type: text/plain\r\n\r\n" + lines


def nested_multiparts(depth: int = 10_000, sender: str = STRANGER) -> bytes:
    """`depth` multiparts, each the only part of the one around it."""
    head = _headers(sender, "genest", 'Content-Type: multipart/mixed; boundary="n0"\r\n') + b"\r\n"
    opening = b"".join(
        b'--n%d\r\nContent-Type: multipart/mixed; boundary="n%d"\r\n\r\n' % (level, level + 1)
        for level in range(depth)
    )
    inner = b"--n%d\r\nContent-Type: text/plain\r\n\r\ndiep\r\n" % depth
    closing = b"".join(b"--n%d--\r\n" % level for level in range(depth, -1, -1))
    return head + opening + inner + closing


def undecodable_charsets(sender: str = STRANGER) -> bytes:
    """Charset labels no codec knows, over bytes that are valid in none."""
    head = _headers(sender, "=?x-klingon-9?B?//79/A==?=",
                    'Content-Type: multipart/alternative; boundary="cs"\r\n')
    garbage = bytes(range(0x80, 0x100)) * 4
    return head + (b"\r\n--cs\r\nContent-Type: text/plain; charset=x-klingon-9\r\n"
                   b"Content-Transfer-Encoding: 8bit\r\n\r\n" + garbage + b"\r\n"
                   b"--cs\r\nContent-Type: text/html; charset=\"utf-7\"\r\n\r\n+AGEAYgBj-"
                   + garbage + b"+ZZZZZ\r\n--cs--\r\n")


def long_body(lines: int = 50_000, sender: str = STRANGER) -> bytes:
    """A plain-text body of `lines` lines, each looking a bit like a form line."""
    head = _headers(sender, "heel lang", "Content-Type: text/plain; charset=utf-8\r\n")
    body = b"".join(b"%d. regel nummer %d: %d\r\n" % (n % 10 + 1, n, n) for n in range(lines))
    return head + b"\r\n" + body


def nul_bytes(sender: str = STRANGER) -> bytes:
    """NUL bytes in the headers (Message-ID, Subject, From) and in the body."""
    head = (f"From: Jan\0 <{sender}>\r\nTo: monitoring@huisverbod.test\r\n"
            "Subject: nul\0bytes\r\nMessage-ID: <nul\0id@elders.nl>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n").encode()
    return head + b"\r\nGemeente: \0Utrecht\0\r\n1. Aantal\0: 3\0\r\n" + b"\0" * 1000 + b"\r\n"


def oversize(size: int, sender: str = STRANGER) -> bytes:
    """A message of about `size` bytes: a short note and a large base64 attachment."""
    head = _headers(sender, "grote bijlage", 'Content-Type: multipart/mixed; boundary="big"\r\n')
    line = b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"
    attachment = line * (size // len(line) + 1)
    return head + (b"\r\n--big\r\nContent-Type: text/plain\r\n\r\nZie bijlage.\r\n--big\r\n"
                   b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64"
                   b"\r\n\r\n" + attachment + b"--big--\r\n")


def headerless_blob(size: int = 4096) -> bytes:
    """Binary noise with no headers at all (a misconfigured scanner, a broken relay)."""
    state, out = 0x2545F491, bytearray()
    while len(out) < size:  # xorshift: the same noise every run
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        out += state.to_bytes(4, "little")
    return bytes(out[:size])


# Reading limits no real site would set: with them, `slow` costs seconds of CPU time to read
# (plain and linear, only long), more than MAILBOT_READ_SECONDS=1 allows.
SLOW_READING = {"read_seconds": 1, "read_max_part_bytes": 10**9, "read_max_form_lines": 10**8,
                "read_max_line_chars": 10**6}


def slow(sender: str = STRANGER, size: int = 3 * 1024 * 1024) -> bytes:
    """Megabytes of form lines: seconds to read without limits, so it is stopped."""
    head = _headers(sender, f"traag {sender}", "Content-Type: text/plain; charset=utf-8\r\n")
    lines, length, n = [], 0, 0
    while length < size:  # each line its own (no two readings of one line)
        lines.append(b"%d. Aantal opgelegde huisverboden: %d\r\n" % (n % 10 + 1, n))
        length, n = length + len(lines[-1]), n + 1
    return head + b"\r\nWachtwoord: geheim-geheim\r\n" + b"".join(lines)


HOSTILE: dict[str, Callable[[], bytes]] = {
    "truncated-mime": truncated_mime,
    "endless-boundary": endless_boundary,
    "nested-10000": nested_multiparts,
    "undecodable-charsets": undecodable_charsets,
    "long-body-50000": long_body,
    "nul-bytes": nul_bytes,
    "headerless-blob": headerless_blob,
}
