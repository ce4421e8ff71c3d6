"""E-mail addresses are validated and normalised once, wherever they enter."""

from __future__ import annotations

from functools import lru_cache

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """An address that is not a usable e-mail address; the message says why."""


@lru_cache(maxsize=4096)  # every mail's sender is normalised, and senders repeat
def normalise(address: str) -> str:
    """The canonical, lower-cased form used for storage and matching (no DNS check)."""
    text = address.strip()
    if not text or any(c in text for c in "\r\n\0"):
        raise AddressError(f"geen geldig e-mailadres: {address!r}")
    try:
        # test_environment admits the reserved `.test` domain (RFC 2606): tests and demos use it.
        valid = validate_email(
            text, check_deliverability=False, allow_smtputf8=True, test_environment=True
        )
    except EmailNotValidError as exc:
        raise AddressError(f"geen geldig e-mailadres: {address!r} ({exc})") from exc
    local, _, domain = valid.normalized.rpartition("@")
    return f"{local.lower()}@{valid.ascii_domain or domain.lower()}"


def try_normalise(address: str | None) -> str | None:
    """Like normalise, but None for anything unusable (for sender matching)."""
    if not address:
        return None
    try:
        return normalise(address)
    except AddressError:
        return None
