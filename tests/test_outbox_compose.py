"""How outgoing mail is put together."""

from __future__ import annotations

from datetime import UTC, datetime

from mailbot.config import Settings
from mailbot.models import Inbound
from mailbot.outbox import compose
from mailbot.outcome import Draft
from mailbot.render import Rendered

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
