"""Which of our recipients could not be reached, read from a delivery report (RFC 3464)."""

from __future__ import annotations

import email
import re
from email.message import Message
from email.policy import compat32

from mailbot.login.addresses import try_normalise
from mailbot.reader.message import walk

# Possessive: a run of white space is never shared out again between two patterns.
_RECIPIENT = re.compile(
    r"^(?:final|original)-recipient\s*+:\s*+(?:rfc822\s*+;)?\s*+<?([^>\s]++)>?", re.I | re.M)
_ACTION = re.compile(r"^action\s*+:\s*+(\w+)", re.I | re.M)


def failed_recipients(raw: bytes) -> list[str]:
    """Addresses the delivery report in `raw` says failed (see `failures`)."""
    return failures(email.message_from_bytes(raw, policy=compat32))


def failures(message: Message) -> list[str]:
    """Addresses a delivery report says failed (action failed), normalised, without repeats.

    Anything that is not a valid address (a forged report may carry escape sequences) is left
    out: it is recorded and shown to the admin, and could never have been one of ours. Read
    with the rest of the message, in the reading worker (mailbot.reader.reading).
    """
    found: list[str] = []
    for part in walk(message):
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            actions = _ACTION.findall(block)
            if actions and actions[0].lower() != "failed":
                continue
            for written in _RECIPIENT.findall(block):
                address = try_normalise(written)
                if address is not None and address not in found:
                    found.append(address)
    return found


def _status_blocks(part: Message) -> list[str]:
    # The stdlib parses delivery-status into sub-messages; fall back to the raw text.
    payload = part.get_payload()
    if isinstance(payload, list):
        return [item.as_string() for item in payload if isinstance(item, Message)]
    text = payload if isinstance(payload, str) else ""
    return re.split(r"\n\s*\n", text)
