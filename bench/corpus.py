"""The benchmark's world and its mail: municipalities with addresses and secrets, and a backlog
of mixed mail as staff, their mail servers and their out-of-office replies write it."""

from __future__ import annotations

import csv
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.quoprimime import body_encode
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path

from mailbot.store.names import fold
from tests.mails import BOT, filled_form, simple_mail, template_text, thunderbird_reply

MUNICIPALITIES = (Path(__file__).parent.parent / "data" / "gemeenten_2025.csv",
                  Path("/work/shared/data/gemeenten_2025.csv"))
PERIODS = ("2023-H1", "2023-H2", "2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1")
LATEST = PERIODS[-1]
WRONG_SECRET = "fout-fout-fout-fout"
BIG_BYTES = 25_000_000  # one message of 25 MB (decimal), just under mailbot's 25 MiB limit

# The mix of the backlog; "first" is the first submission of an (organisation, period).
MIX = {"first": 0.43, "correction": 0.25, "problem": 0.10, "auto_reply": 0.08, "bounce": 0.05,
       "wrong_secret": 0.03, "help": 0.03, "gegevens": 0.03}
SMALL_COUNTS = (0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 7, 12)  # most half-year counts are below 5


@dataclass(frozen=True)
class Org:
    """One registered municipality."""

    name: str
    code: str
    region: str
    addresses: tuple[str, ...]
    secret: str


@dataclass(frozen=True)
class Mail:
    """One message of the backlog: what kind it is meant to be, and who it belongs to."""

    kind: str
    raw: bytes
    org: int | None  # index into the world; mail of one organisation keeps its order
    message_id: str = ""
    lmtp: bool = False  # delivered over LMTP with a null sender instead of APPENDed


def world(count: int) -> list[Org]:
    """`count` municipalities (real names where the reference data is present), 3 addresses
    each (staff, the WTH desk, Veilig Thuis acting for them), each with its own secret."""
    rows = _reference_rows()
    rng = random.Random(8)
    orgs = []
    for index in range(count):
        name, code, region = rows[index] if index < len(rows) else (
            f"Benchdorp {_letters(index)}", f"GM9{index:03d}", "Bench")
        slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-") or f"org{index}"
        addresses = (f"huisverbod@{slug}.nl", f"wth@{slug}.nl", f"{slug}@veiligthuis-regio.nl")
        secret = "-".join("".join(rng.choice("acdefghjkmnpqrtuvwxy34679") for _ in range(4))
                          for _ in range(4))
        orgs.append(Org(name, code, region, addresses, secret))
    return orgs


def _reference_rows() -> list[tuple[str, str, str]]:
    for path in MUNICIPALITIES:
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                return [(r["gemeentenaam"], r["gemeentecode"], r["veiligheidsregio"])
                        for r in csv.DictReader(handle)]
    return []


def _letters(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("a") + rest) + text
    return text.capitalize()


def backlog(orgs: list[Org], n: int, big: bool = True, seed: int = 8) -> list[Mail]:
    """`n` mails in arrival order (one of them 25 MB when `big`); corrections follow the mail
    they correct."""
    rng = random.Random(seed)
    kinds, weights = zip(*MIX.items(), strict=True)
    submitted: dict[int, list[str]] = {}
    mails = []
    for _ in range(n - 1 if big else n):
        mails.append(_one(rng, orgs, rng.choices(kinds, weights)[0], submitted))
    if big:
        mails.insert(len(mails) // 2, _big(orgs, len(orgs) // 2))
    lmtp = 0
    for index, mail in enumerate(mails):  # a few bounces arrive as an MTA delivers them
        if mail.kind == "bounce" and lmtp < 20:
            mails[index] = Mail("bounce", _strip_return_path(mail.raw), None, "", lmtp=True)
            lmtp += 1
    return mails


def _one(rng: random.Random, orgs: list[Org], kind: str, submitted: dict[int, list[str]]) -> Mail:
    index = rng.randrange(len(orgs))
    org = orgs[index]
    sender = rng.choice(org.addresses)
    done = submitted.setdefault(index, [])
    if kind == "correction" and not done:
        kind = "first"
    if kind == "first" and len(done) == len(PERIODS):
        kind = "correction"
    if kind in ("first", "correction", "problem", "wrong_secret"):
        period = _period_for(rng, kind, done)
        figures: dict[str, object] = {q: rng.choice(SMALL_COUNTS) for q in _questions()}
        if kind == "problem":
            figures[rng.choice(_questions())] = rng.choice(("ca. 12", "3 of 4", "-2", "12,5"))
        secret = WRONG_SECRET if kind == "wrong_secret" else org.secret
        raw = reply(sender, filled_form(org.name, secret, figures, period=period), period)
    elif kind == "auto_reply":
        raw = _auto_reply(rng, sender)
    elif kind == "bounce":
        raw = _bounce(sender)
    else:
        raw = simple_mail(sender, kind.upper())
    return Mail(kind, raw, index)


def _period_for(rng: random.Random, kind: str, done: list[str]) -> str:
    if kind == "first":
        period = next(p for p in reversed(PERIODS) if p not in done)
        done.append(period)
        return period
    return rng.choice(done) if done else LATEST


@cache
def _questions() -> tuple[str, ...]:
    from mailbot.forms import load_form

    return tuple(q.key for q in load_form("gemeente").questions)


def reply(sender: str, form_text: str, period: str) -> bytes:
    """What `tests.mails.thunderbird_reply` builds, byte for byte but for the Message-ID, at a
    fraction of its cost: only the typed part is encoded, the quoted template once per period."""
    head, quoted = _reply_parts(period)
    message_id = make_msgid(domain=sender.rpartition("@")[2])
    headers = head.replace("{SENDER}", sender).replace("{MESSAGE_ID}", message_id)
    return (headers + body_encode(form_text, eol="\n") + quoted).encode()


@cache
def _reply_parts(period: str) -> tuple[str, str]:
    """The headers (with placeholders) and the encoded quote of a Thunderbird reply."""
    sample = thunderbird_reply("{SENDER}", "", template_text(period), subject=_subject(period))
    text = sample.decode()
    text = re.sub(r"^Message-ID: .*$", "Message-ID: {MESSAGE_ID}", text, count=1, flags=re.M)
    head, _, body = text.partition("\n\n")
    return head + "\n\n", body


def _subject(period: str) -> str:
    return f"Re: Monitoringsysteem Huisverbod: gegevens {period}"


def submission(org: Org, period: str = LATEST, sender: str | None = None) -> tuple[bytes, str]:
    """A valid Thunderbird reply of this organisation and its Message-ID (without brackets)."""
    figures: dict[str, object] = {q: 1 for q in _questions()}
    raw = reply(sender or org.addresses[0], filled_form(org.name, org.secret, figures,
                                                        period=period), period)
    match = re.search(rb"^Message-ID: <([^>]+)>", raw, re.M | re.I)
    return raw, match.group(1).decode() if match else ""


def _auto_reply(rng: random.Random, sender: str) -> bytes:
    subject = "Automatisch antwoord: Monitoringsysteem Huisverbod: gegevens 2026-H1"
    body = "Ik ben afwezig tot en met 20 juli. Voor spoedzaken: bel het algemene nummer.\n"
    if rng.random() < 0.5:  # Outlook marks it; some servers send only the subject
        return simple_mail(sender, subject, body, Auto_Submitted="auto-generated",
                           X_Auto_Response_Suppress="All")
    return simple_mail(sender, f"Afwezig: {subject[21:]}", body)


def _bounce(failed: str) -> bytes:
    """A Postfix delivery report for one of our replies, with the null sender it arrives with."""
    domain = failed.rpartition("@")[2]
    boundary = make_msgid().strip("<>").replace("@", ".")
    date = format_datetime(datetime(2026, 7, 6, 9, 50, tzinfo=UTC))
    text = f"""Return-Path: <>
From: MAILER-DAEMON@mx.{domain} (Mail Delivery System)
To: {BOT}
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-ID: {make_msgid(domain="mx." + domain)}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.{domain}.
I'm sorry to have to inform you that your message could not be delivered.

<{failed}>: host mx.{domain} said: 550 5.1.1 User unknown

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.{domain}

Final-Recipient: rfc822; {failed}
Original-Recipient: rfc822;{failed}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode()


def _strip_return_path(raw: bytes) -> bytes:
    return raw.replace(b"Return-Path: <>\r\n", b"", 1)


def _big(orgs: list[Org], index: int) -> Mail:
    """A submission with an attachment that makes the message 25 MB."""
    org = orgs[index]
    message = EmailMessage()
    message["From"] = org.addresses[0]
    message["To"] = BOT
    message["Subject"] = _subject(LATEST)
    message["Message-ID"] = make_msgid(domain=org.addresses[0].rpartition("@")[2])
    figures: dict[str, object] = {q: 2 for q in _questions()}
    message.set_content(filled_form(org.name, org.secret, figures, period=LATEST))
    payload = random.Random(25).randbytes(BIG_BYTES * 3 // 4 - 2_000)
    message.add_attachment(payload, maintype="application", subtype="pdf",
                           filename="registratie-huisverboden.pdf")
    return Mail("big", message.as_bytes(), index)


def counts(mails: list[Mail]) -> dict[str, int]:
    """How many mails of each kind."""
    return dict(sorted(Counter(m.kind for m in mails).items()))
