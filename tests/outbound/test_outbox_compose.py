"""How outgoing mail is put together."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from mailbot.config import Settings
from mailbot.inbound.outcome import Attachment, Draft
from mailbot.outbound.compose import compose
from mailbot.outbound.render import Rendered
from mailbot.store.models import Inbound

SETTINGS = Settings(from_address="monitoring@huisverbod.test")
NOW = datetime(2026, 7, 6, 10, tzinfo=UTC)
DRAFT = Draft("huisverbod@utrecht.nl", "x", Rendered("Onderwerp\r\nBcc: boef@elders.nl", "tekst\n"))


def test_a_reply_is_auto_replied_and_threads_to_its_mail() -> None:
    inbound = Inbound(dedupe_key="k", content_hash="h", folder="INBOX", uidvalidity=1, uid=1,
                      size=1, raw=b"", received_at=NOW, message_id="abc@utrecht.nl")
    message = compose(DRAFT, SETTINGS, NOW, "<r@huisverbod.test>", inbound)
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["In-Reply-To"] == "<abc@utrecht.nl>"


def test_an_invitation_or_notice_is_auto_generated() -> None:
    message = compose(DRAFT, SETTINGS, NOW, "<r@huisverbod.test>", None)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] is None


def test_line_breaks_in_a_subject_never_become_headers() -> None:
    message = compose(DRAFT, SETTINGS, NOW, "<r@huisverbod.test>", None)
    assert message["Bcc"] is None
    assert message["Subject"] == "Onderwerp Bcc: boef@elders.nl"


def parsed(draft: Draft) -> EmailMessage:
    raw = compose(draft, SETTINGS, NOW, "<r@huisverbod.test>", None).as_bytes()
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_a_dutch_subject_and_body_arrive_as_written() -> None:
    subject = "Monitoringsysteem Huisverbod: bevestiging Súdwest-Fryslân 2026-H1, ’s-Hertogenbosch"
    message = parsed(Draft("a@b.nl", "x", Rendered(subject, "Geachte heer/mevrouw,\nSúdwest\n")))
    assert message["Subject"] == subject
    assert message.get_content() == "Geachte heer/mevrouw,\nSúdwest\n"
    assert message["Content-Transfer-Encoding"] == "8bit"


def test_a_body_line_longer_than_smtp_allows_goes_quoted_printable() -> None:
    body = "Uw regel: " + "9" * 3000 + "\n"  # an echoed line from a hostile mail
    message = parsed(Draft("a@b.nl", "x", Rendered("Onderwerp", body)))
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_content() == body


def test_a_mail_with_html_and_a_file_keeps_both() -> None:
    draft = Draft("a@b.nl", "report", Rendered("Rapportage", "tekst\n"),
                  (Attachment("cijfers é.csv", "text/csv", b"a;b\n"),), html="<p>tekst</p>")
    message = parsed(draft)
    assert message.get_body(("html",)).get_content() == "<p>tekst</p>\n"  # type: ignore[union-attr]
    [file] = message.iter_attachments()
    assert file.get_filename() == "cijfers é.csv" and file.get_content() == "a;b\n"


def test_a_reply_to_an_address_outside_ascii_keeps_the_address_readable() -> None:
    message = parsed(Draft("jurriën@gemeente.test", "x", Rendered("Onderwerp", "tekst\n")))
    assert message["To"] == "jurriën@gemeente.test"
