"""Which kind of mail is this? An ordered table of small rules; the first answer wins."""

from __future__ import annotations

import re
from collections.abc import Callable

from mailbot.config import Settings
from mailbot.login.addresses import try_normalise
from mailbot.reader.message import MailView

Rule = Callable[[MailView, Settings], str | None]

# Command words (contract): the subject as a whole, or the first word of what the person wrote.
COMMANDS = {
    "gegevens": "gegevens",
    "mijn gegevens opvragen": "gegevens",
    "mijn gegevens uit database opvragen": "gegevens",
    "help": "help",
    "toelichting": "help",
    "account": "account",
    "account aanvragen": "account",
    "account aanmaken": "account",
    "wachtwoord": "wachtwoord",
    "wachtwoord vergeten": "wachtwoord",
}
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|fw|fwd|doorst|tr|wg)\s*(\[\d+\])?\s*:\s*)+", re.I)
_FIELD = re.compile(r":\s*\S")
_OUT_OF_OFFICE = re.compile(
    r"automatisch antwoord|afwezig|out of (the )?office|automatic reply|auto[- ]?reply|"
    r"autoreply|niet aanwezig|vakantie ?melding|abwesenheit",
    re.I,
)


def from_us(mail: MailView, settings: Settings) -> str | None:
    """Our own mail coming back (a loop) is never answered."""
    ours = try_normalise(settings.from_address) or settings.from_address.strip().lower()
    sender = try_normalise(mail.sender) or (mail.sender or "").strip().lower()
    return "ours" if sender == ours else None


def bounce(mail: MailView, settings: Settings) -> str | None:
    """Delivery reports and mail from the mail system itself (null sender)."""
    if mail.content_type == "multipart/report":
        return "bounce"
    if any(v.strip() == "<>" for v in mail.headers.get("return-path", ())):
        return "bounce"
    local = (mail.sender or "").split("@")[0].lower()
    if local in ("mailer-daemon", "postmaster"):
        return "bounce"
    return None


def auto_submitted(mail: MailView, settings: Settings) -> str | None:
    """RFC 3834 and its older cousins: anything a robot sent."""
    values = [v.strip().lower() for v in mail.headers.get("auto-submitted", ())]
    if any(v and not v.startswith("no") for v in values):
        return "auto_reply"
    precedence = " ".join(mail.headers.get("precedence", ())).lower()
    if any(word in precedence for word in ("bulk", "junk", "list", "auto_reply")):
        return "auto_reply"
    robot_headers = ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond",
                     "x-auto-response-suppress-ignored")
    if any(name in mail.headers for name in robot_headers):
        return "auto_reply"
    return None


def out_of_office(mail: MailView, settings: Settings) -> str | None:
    """Out-of-office subjects, even without any robot header."""
    return "auto_reply" if _OUT_OF_OFFICE.search(mail.subject) else None


def no_sender(mail: MailView, settings: Settings) -> str | None:
    """A person's mail without a usable From address (none, or a broken one): no reply can go
    anywhere, and it is no delivery report either. An operator should look (quarantine)."""
    return "no_sender" if try_normalise(mail.sender) is None else None


def command(mail: MailView, settings: Settings) -> str | None:
    """A command word as the whole subject or at the start of what the person wrote."""
    subject = _words(_REPLY_PREFIX.sub("", mail.subject))
    if subject in COMMANDS:
        return COMMANDS[subject]
    first_line = next((line for line in mail.fresh.splitlines() if line.strip()), "")
    if _FIELD.search(first_line):
        return None  # "Wachtwoord: ..." is a form field, not the command
    words = _words(first_line)
    for phrase in sorted(COMMANDS, key=len, reverse=True):
        if words == phrase or words.startswith(phrase + " "):
            return COMMANDS[phrase]
    return None


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


RULES: tuple[Rule, ...] = (
    from_us, bounce, auto_submitted, out_of_office, no_sender, command,
)


def classify(mail: MailView, settings: Settings) -> str:
    """The kind of this mail; anything no rule claims is read as a submission."""
    for rule in RULES:
        kind = rule(mail, settings)
        if kind is not None:
            return kind
    return "submission"
