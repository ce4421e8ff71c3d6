"""The mailbox against a real Dovecot: batches, moving, oversize messages, IDLE."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from imapclient import IMAPClient
from pydantic import SecretStr

from mailbot.config import Settings
from mailbot.inbound.imap import Mailbox
from tests.servers.dovecot import ImapAccount


def mail(n: int, body: str = "Hallo.") -> bytes:
    return (f"From: gemeente{n}@example.test\r\nTo: bot@example.test\r\nSubject: bericht {n}\r\n"
            f"Message-ID: <{n}@example.test>\r\n\r\n{body}\r\n").encode()


def settings_for(account: ImapAccount, **overrides: Any) -> Settings:
    return Settings(imap_host=account.host, imap_port=account.port, imap_user=account.user,
                    imap_password=SecretStr(account.password), imap_security="none",
                    **overrides)


def without(*hidden: str) -> Callable[[IMAPClient, str], bool]:
    """A capability check that pretends the server lacks `hidden`."""
    original = IMAPClient.has_capability

    def has_capability(client: IMAPClient, capability: str) -> bool:
        return capability.upper() not in hidden and bool(original(client, capability))

    return has_capability


def test_batches_bring_every_message_in_bounded_chunks(imap_account: ImapAccount) -> None:
    raws = [mail(n) for n in range(25)]
    for raw in raws:
        imap_account.append(raw)
    with Mailbox(settings_for(imap_account, imap_batch_size=10)) as mailbox:
        batches = list(mailbox.batches())
        uidvalidity = mailbox.uidvalidity()
    assert [len(batch) for batch in batches] == [10, 10, 5]
    fetched = [f for batch in batches for f in batch]
    assert [f.raw for f in fetched] == raws
    assert [f.uid for f in fetched] == imap_account.uids()
    assert {(f.folder, f.uidvalidity) for f in fetched} == {("INBOX", uidvalidity)}
    assert all(f.size == len(f.raw) for f in fetched)


def test_empty_mailbox_has_no_batches(imap_account: ImapAccount) -> None:
    with Mailbox(settings_for(imap_account)) as mailbox:
        assert list(mailbox.batches()) == []
        assert mailbox.fetch([]) == []


def test_oversize_message_comes_back_without_body(imap_account: ImapAccount) -> None:
    imap_account.append(mail(1))
    imap_account.append(mail(2, body="x" * 5000))
    with Mailbox(settings_for(imap_account, max_message_bytes=2000)) as mailbox:
        small, big = mailbox.fetch(mailbox.pending_uids())
        assert mailbox.fetch([big.uid], max_bytes=10_000)[0].raw == mail(2, body="x" * 5000)
    assert small.raw == mail(1)
    assert big.raw == b""
    assert big.size == len(mail(2, body="x" * 5000))


def test_move_creates_the_missing_folder(imap_account: ImapAccount) -> None:
    for n in range(3):
        imap_account.append(mail(n))
    with Mailbox(settings_for(imap_account)) as mailbox:
        first, _, third = mailbox.pending_uids()
        mailbox.move([first, third], "Verwerkt")
        assert mailbox.pending_uids() == [2]
    assert "Verwerkt" in imap_account.folders()
    assert imap_account.fetch_all("Verwerkt") == [mail(0), mail(2)]


@pytest.mark.parametrize("hidden", [("MOVE",), ("MOVE", "UIDPLUS")],
                         ids=["copy-uid-expunge", "copy-expunge"])
def test_move_without_move_capability_copies_and_expunges(
    imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch, hidden: tuple[str, ...]
) -> None:
    for n in range(3):
        imap_account.append(mail(n))
    monkeypatch.setattr(IMAPClient, "has_capability", without(*hidden))

    def no_move(*args: object) -> None:
        raise AssertionError("MOVE used although the server lacks it")

    monkeypatch.setattr(IMAPClient, "move", no_move)
    with Mailbox(settings_for(imap_account)) as mailbox:
        mailbox.move([1, 3], "Geweigerd")
        assert mailbox.pending_uids() == [2]
    assert imap_account.fetch_all("Geweigerd") == [mail(0), mail(2)]
    assert imap_account.fetch_all("INBOX") == [mail(1)]


def test_idle_wakes_up_when_mail_arrives(imap_account: ImapAccount) -> None:
    with Mailbox(settings_for(imap_account)) as mailbox:
        assert mailbox.pending_uids() == []
        later = threading.Timer(0.3, imap_account.append, args=(mail(1),))
        later.start()
        try:
            assert mailbox.idle(timeout=60) is True
        finally:
            later.join()
        assert mailbox.pending_uids() == [1]


def test_idle_returns_false_when_nothing_arrives(imap_account: ImapAccount) -> None:
    with Mailbox(settings_for(imap_account)) as mailbox:
        assert mailbox.idle(timeout=0.5) is False
        assert mailbox.pending_uids() == []


def test_idle_without_server_support_just_waits(
    imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(IMAPClient, "has_capability", without("IDLE"))
    with Mailbox(settings_for(imap_account)) as mailbox:
        assert mailbox.idle(timeout=0.1) is True


def test_leaving_tolerates_a_dead_connection(imap_account: ImapAccount) -> None:
    with Mailbox(settings_for(imap_account)) as mailbox:
        mailbox.pending_uids()
        mailbox._imap.shutdown()


def test_wrong_password_is_an_error(imap_account: ImapAccount) -> None:
    settings = settings_for(imap_account).model_copy(update={"imap_password": SecretStr("fout")})
    with pytest.raises(IMAPClient.Error), Mailbox(settings):
        pass
