"""Reading one message: what a person sees in it, its texts read as a form, and the copy of
it that may be kept, every typed secret masked.

Everything here is pure and costs time linear in the mail, within the reader's limits
(mailbot.reader.limits). It runs in the reading worker (mailbot.reader.worker), where a hang in a
pattern or in C code is stopped; the daemon only gets the result.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from mailbot.forms import load_form
from mailbot.reader.asked import questions_asked
from mailbot.reader.bounces import failures
from mailbot.reader.large import LARGE
from mailbot.reader.limits import Limits
from mailbot.reader.masker import Masker
from mailbot.reader.masking import masked_copy, secrets_in
from mailbot.reader.message import MailView, read_parsed, with_forwarded
from mailbot.reader.parse import Scan, Scans


@dataclass(frozen=True)
class Read:
    """A message read: its view, its texts read as the municipal form, and what may be
    kept of it: the raw message and its subject with every typed secret masked (`masked`
    None when no secret was typed, `subject` as the view has it then)."""

    mail: MailView
    scans: Scans
    masked: bytes | bytearray | None = None  # a bytearray as received from the worker
    subject: str = ""


@dataclass(frozen=True)
class Unread:
    """A message the worker could not read within its limits; `reason` says which."""

    reason: str


def read_message(raw: bytes, limits: Limits) -> Read:
    """Read `raw`, and each text a handler may read as a form as the municipal form.

    Every mail is read as that form first (the police form only once a police unit has
    logged in with its secret, which no stranger can make happen)."""
    mail, message = read_parsed(raw, limits)
    if failed := failures(message):
        mail = dataclasses.replace(mail, failed_recipients=tuple(failed))
    if asked := questions_asked(f"{mail.subject}\n{mail.fresh}"):
        mail = dataclasses.replace(mail, questions_asked=asked)
    typed = secrets_in(message)
    # A large one was read without its attachments' bodies (mailbot.reader.large).
    whole, skeleton = (message, None) if len(raw) <= LARGE else (None, message)
    del message
    scans = Scans(limits.form_lines)
    form = load_form("gemeente")
    fresh = scans.of(mail.fresh, form)
    if mail.forwarded and not _answered(fresh):
        # A mail forwarded as an attachment is read as the person's own when their note
        # holds no form, however long the note and its signature.
        mail = with_forwarded(mail)
        fresh = scans.of(mail.fresh, form)
    # A form filled in above the quote with its secret and period is all a handler reads;
    # else it may read the quoted message, or both together (mailbot.handlers.submission).
    complete = fresh.answers and {"secret", "period"} <= _filled(fresh)
    if not complete:
        for text in form_texts(mail):
            scans.of(text, form)
    if not typed.secrets:
        return Read(mail, scans, None, mail.subject)
    masked = masked_copy(raw, typed, whole, skeleton)
    return Read(mail, scans, masked, Masker(typed.secrets).text(mail.subject))


def _answered(found: Scan) -> bool:
    """A question answered in the text, well or not."""
    return bool(found.answers) or any(
        p.question is not None and p.code != "missing" for p in found.question_problems)


def _filled(found: Scan) -> set[str]:
    return {name for name, field in found.fields.items() if field.value}


def form_texts(mail: MailView) -> tuple[str, ...]:
    """The texts a handler reads as a form: the person's own, the quoted message, both, and
    what that message quoted in turn (to tell the person where figures were found)."""
    if not mail.quoted:
        return (mail.fresh,)
    return (mail.fresh, mail.quoted, both(mail), *((mail.older,) if mail.older else ()))


def both(mail: MailView) -> str:
    """The person's own text and the quoted message as one text (typed into the quote)."""
    return f"{mail.fresh}\n{mail.quoted}"
