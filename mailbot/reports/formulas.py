"""Text that a spreadsheet would run as a formula, made inert in CSV and XLSX files.

A name or an address in an export may come from outside (an import file, a request). Excel
and LibreOffice read a cell that starts with `=`, `+`, `-` or `@` as a formula, and some skip
a leading tab or carriage return first (OWASP, "CSV injection"). Numbers are never touched:
a negative count is a number, not text.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def risky(value: object) -> bool:
    """True for text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(TRIGGERS)


def defuse(value: object) -> object:
    """A CSV cell: such text gets a leading `'`, which spreadsheets read as "this is text";
    anything else stays as it is."""
    return f"'{value}" if risky(value) else value
