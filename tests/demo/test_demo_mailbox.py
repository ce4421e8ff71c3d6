"""The demo's mailbox (pymap in a child process) serves what the bot asks of a real server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from imapclient import IMAPClient
from pydantic import SecretStr

from mailbot.config import Settings
from mailbot.demo.mailbox import DemoMailbox
from mailbot.inbound.imap import Copy, Mailbox


def mail(n: int) -> bytes:
    return (f"From: gemeente{n}@example.test\r\nTo: bot@example.test\r\nSubject: bericht {n}\r\n"
            f"Message-ID: <{n}@example.test>\r\n\r\nWachtwoord: geheim{n}\r\n").encode()


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoMailbox]:
    with DemoMailbox() as running:
        yield running


@pytest.fixture
def settings(demo: DemoMailbox, request: pytest.FixtureRequest) -> Settings:
    folder = request.node.name.replace("_", "-")  # a folder of its own per test
    with IMAPClient(demo.host, port=demo.port, ssl=False) as client:
        client.login(demo.user, demo.password)
        client.create_folder(folder)
    return Settings(imap_host=demo.host, imap_port=demo.port, imap_user=demo.user,
                    imap_password=SecretStr(demo.password), imap_security="none",
                    imap_folder=folder)


def folder_raws(demo: DemoMailbox, folder: str) -> list[bytes]:
    with IMAPClient(demo.host, port=demo.port, ssl=False) as client:
        client.login(demo.user, demo.password)
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        return [data[b"BODY[]"] for _, data in sorted(client.fetch(uids, ["BODY.PEEK[]"]).items())]


def test_fetch_move_and_replace_as_the_bot_does(demo: DemoMailbox, settings: Settings) -> None:
    for n in range(3):
        demo.append(mail(n), settings.imap_folder)
    with Mailbox(settings) as mailbox:
        assert mailbox.can_idle()
        fetched = [f for batch in mailbox.batches() for f in batch]
        assert [f.raw for f in fetched] == [mail(n) for n in range(3)]
        mailbox.move([fetched[0].uid], "Verwerkt-demo")
        masked = mail(1).replace(b"geheim1", b"*******")
        mailbox.replace([Copy(fetched[1].uid, b"X-Mailbot-Original: k1\r\n" + masked,
                              "X-Mailbot-Original: k1", None)], "Verwerkt-demo")
        assert mailbox.pending_uids() == [fetched[2].uid]
    assert folder_raws(demo, "Verwerkt-demo")[-2:] == [
        mail(0), b"X-Mailbot-Original: k1\r\n" + masked]


def test_idle_wakes_when_mail_arrives(demo: DemoMailbox, settings: Settings) -> None:
    with Mailbox(settings) as mailbox:
        assert mailbox.pending_uids() == []
        later = threading.Timer(0.3, demo.append, (mail(9), settings.imap_folder))
        later.start()
        try:
            assert mailbox.idle(timeout=30) is True
        finally:
            later.join()
        assert len(mailbox.pending_uids()) == 1


def test_stopping_ends_the_server() -> None:
    mailbox = DemoMailbox()
    mailbox.start()
    port = mailbox.port
    mailbox.stop()
    with pytest.raises(OSError):
        IMAPClient("127.0.0.1", port=port, ssl=False, timeout=2)
