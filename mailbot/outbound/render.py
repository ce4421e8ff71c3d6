"""Every mail the bot sends comes from a Jinja2 template in `templates/`: first line subject."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from mailbot.config import Settings


def templates_dir() -> Path:
    """The packaged templates (wheel install) or the repository's `templates/`."""
    package = Path(__file__).parent.parent
    packaged = package / "templates"
    return packaged if packaged.is_dir() else package.parent / "templates"


@dataclass(frozen=True)
class Rendered:
    """A rendered mail text: its subject line and its body."""

    subject: str
    body: str


def dutch_number(value: object) -> str:
    """A count as a Dutch reader writes it, with a point between thousands (2.431), as the
    report does; anything else (a dash, a text) as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return str(value)


@dataclass(frozen=True)
class Contacts:
    """Whom staff may ask about the questions and figures, and about mail, secrets and access
    (`MAILBOT_CONTACT_CONTENT`, `MAILBOT_CONTACT_TECHNICAL`); empty when not set."""

    content: str = ""
    technical: str = ""


class Renderer:
    """The template environment; undefined variables are errors, never silent blanks.

    `contacts` are named at the foot of every mail to staff (`_signature.txt.j2`)."""

    def __init__(self, directory: Path | None = None, *, contacts: Contacts | None = None) -> None:
        self.env = Environment(
            loader=FileSystemLoader(directory or templates_dir()),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            autoescape=False,
        )
        self.env.globals["contacts"] = contacts or Contacts()
        self.env.filters["number"] = dutch_number

    @classmethod
    def for_settings(cls, settings: Settings) -> Renderer:
        """The templates with the contacts the settings name."""
        return cls(contacts=Contacts(settings.contact_content.strip(),
                                     settings.contact_technical.strip()))

    def text(self, name: str, **context: Any) -> str:
        """Render a template to plain text."""
        return self.env.get_template(name).render(**context)

    def mail(self, name: str, **context: Any) -> Rendered:
        """Render a mail template whose first line is the subject and second line empty."""
        subject, _, body = self.text(name, **context).partition("\n")
        return Rendered(subject.strip(), body.lstrip("\n"))
