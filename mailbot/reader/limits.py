"""How much of a mail the reader reads. Beyond a limit the rest is left unread, and the reading
says which limits it met (`MailView.cut`), so a reply can tell the person why a form was missed.

The defaults are far above what any mail client writes (README: *Security*); each is a setting
(`MAILBOT_READ_*`) for a site that needs another value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ReadSettings(Protocol):
    """The settings reading takes (mailbot.config.Settings has them)."""

    read_seconds: int
    read_memory_mb: int
    read_max_part_bytes: int
    read_max_line_chars: int
    read_max_depth: int
    read_max_parts: int
    read_max_headers: int
    read_max_form_lines: int


@dataclass(frozen=True)
class Limits:
    """The reader's limits; `cut` names are the field names."""

    part_bytes: int = 256 * 1024  # decoded bytes read of one text or HTML part
    line_chars: int = 1000  # characters kept of one line of text
    depth: int = 32  # MIME nesting, and HTML containers (quotes, tables) inside each other
    parts: int = 100  # MIME parts looked at
    headers: int = 500  # header fields read
    form_lines: int = 2000  # lines of one text the form reader reads

    @classmethod
    def of(cls, settings: ReadSettings) -> Limits:
        """The limits a site configured (`MAILBOT_READ_*`)."""
        return cls(
            part_bytes=settings.read_max_part_bytes, line_chars=settings.read_max_line_chars,
            depth=settings.read_max_depth, parts=settings.read_max_parts,
            headers=settings.read_max_headers, form_lines=settings.read_max_form_lines,
        )


DEFAULT = Limits()
