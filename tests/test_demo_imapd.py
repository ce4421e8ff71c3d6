"""The demo IMAP server, driven by imapclient exactly as mailbot drives a real server."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import imapclient
import pytest
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from mailbot.demo.imapd import DemoImapServer

ClientFactory = Callable[[], IMAPClient]


def make_message(number: int) -> bytes:
    return (
        b"From: melder%d@example.org\r\n"
        b"To: bot@example.org\r\n"
        b"Subject: Melding %d\r\n"
        b"Message-ID: <m%d@example.org>\r\n"
        b"\r\n"
        b"Regel een van bericht %d.\r\n"
        b"Regel twee.\r\n" % (number, number, number, number)
    )


@pytest.fixture
def server() -> Iterator[DemoImapServer]:
    with DemoImapServer() as running:
        yield running


@pytest.fixture
def connect(server: DemoImapServer) -> Iterator[ClientFactory]:
    clients: list[IMAPClient] = []

    def factory() -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
        client.login("bot@example.org", "geheim")
        clients.append(client)
        return client

    yield factory
    for client in clients:
        try:
            client.logout()
        except (IMAPClientError, OSError):
            client.shutdown()


@pytest.fixture
def client(connect: ClientFactory) -> IMAPClient:
    return connect()


def folder_names(client: IMAPClient) -> list[str]:
    return [name for _flags, _delimiter, name in client.list_folders()]


def test_greeting_login_and_capabilities(server: DemoImapServer) -> None:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
    assert client.welcome.startswith(
        b"* OK [CAPABILITY IMAP4rev1 IDLE MOVE UIDPLUS LITERAL+]"
    )
    client.login("wie-dan-ook", "wat-dan-ook")
    for capability in (b"IDLE", b"MOVE", b"UIDPLUS", b"LITERAL+"):
        assert client.has_capability(capability)
    client.noop()
    client.logout()


def test_list_and_create_folders(client: IMAPClient, server: DemoImapServer) -> None:
    assert folder_names(client) == ["INBOX"]
    client.create_folder("Verwerkt")
    client.create_folder("Archief/2024")
    client.create_folder("Geëxporteerd")  # travels as modified UTF-7
    with pytest.raises(IMAPClientError, match="ALREADYEXISTS"):
        client.create_folder("Verwerkt")
    with pytest.raises(IMAPClientError, match="ALREADYEXISTS"):
        client.create_folder("inbox")

    assert set(folder_names(client)) == {
        "INBOX", "Verwerkt", "Archief", "Archief/2024", "Geëxporteerd",
    }
    assert [name for *_, name in client.list_folders(pattern="Arch%")] == ["Archief"]
    assert [name for *_, name in client.list_folders("Archief/", "%")] == ["Archief/2024"]
    assert client.folder_exists("Verwerkt")
    assert not client.folder_exists("Bestaat-niet")
    flags = {name: flags for flags, _delimiter, name in client.list_folders()}
    assert b"\\HasChildren" in flags["Archief"]
    assert "Geëxporteerd" in server.folders()
    assert server.folders()[0] == "INBOX"


def test_append_30_and_fetch_in_batches_of_10(client: IMAPClient) -> None:
    sent = {}
    for number in range(30):
        response = client.append("INBOX", make_message(number))
        assert response.startswith(b"[APPENDUID ")
        uid = int(response.split(b"]")[0].split()[-1])
        sent[uid] = make_message(number)

    info = client.select_folder("INBOX")
    assert info[b"EXISTS"] == 30
    assert info[b"UIDNEXT"] == max(sent) + 1
    uids = client.search("ALL")
    assert uids == sorted(sent)

    fetched: dict[int, bytes] = {}
    for start in range(0, len(uids), 10):
        batch = uids[start : start + 10]
        response = client.fetch(batch, ["BODY.PEEK[]", "RFC822.SIZE"])
        assert sorted(response) == batch
        for uid, data in response.items():
            assert data[b"RFC822.SIZE"] == len(data[b"BODY[]"])
            fetched[uid] = data[b"BODY[]"]
    assert fetched == sent
    # PEEK must not mark anything as read.
    assert all(flags == () for flags in client.get_flags(uids).values())


def test_fetch_items_flags_and_dates(client: IMAPClient) -> None:
    when = datetime(2024, 3, 5, 14, 30, 0, tzinfo=timezone(timedelta(hours=1)))
    client.append("INBOX", make_message(1), flags=[imapclient.FLAGGED], msg_time=when)
    client.select_folder("INBOX")
    [uid] = client.search()

    data = client.fetch([uid], ["FLAGS", "INTERNALDATE", "UID", "BODY.PEEK[HEADER]"])[uid]
    assert data[b"FLAGS"] == (imapclient.FLAGGED,)
    assert data[b"INTERNALDATE"].replace(tzinfo=None) == when.astimezone().replace(tzinfo=None)
    assert data[b"BODY[HEADER]"].endswith(b"Message-ID: <m1@example.org>\r\n\r\n")

    fields = client.fetch([uid], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])[uid]
    assert fields[b"BODY[HEADER.FIELDS (SUBJECT)]"] == b"Subject: Melding 1\r\n\r\n"

    body = client.fetch([uid], ["BODY[]"])[uid]  # no PEEK: reading marks it seen
    assert body[b"BODY[]"] == make_message(1)
    assert set(client.get_flags([uid])[uid]) == {imapclient.FLAGGED, imapclient.SEEN}
    assert client.fetch([uid], ["RFC822"])[uid][b"RFC822"] == make_message(1)

    client.remove_flags([uid], [imapclient.FLAGGED])
    client.set_flags([uid], [imapclient.ANSWERED], silent=True)
    assert client.get_flags([uid])[uid] == (imapclient.ANSWERED,)


def test_search_criteria(client: IMAPClient, server: DemoImapServer) -> None:
    for number in range(5):
        server.append("INBOX", make_message(number))
    client.select_folder("INBOX")
    client.add_flags([2, 4], [imapclient.SEEN])
    assert client.search(["UNSEEN"]) == [1, 3, 5]
    assert client.search(["SUBJECT", "Melding 3"]) == [4]
    assert client.search(["NOT", "SEEN", "FROM", "melder0"]) == [1]
    assert client.search(["UID", "2:*"]) == [2, 3, 4, 5]


def test_move_empties_inbox_into_target(client: IMAPClient, server: DemoImapServer) -> None:
    for number in range(12):
        client.append("INBOX", make_message(number))
    client.create_folder("Verwerkt")
    client.select_folder("INBOX")
    uids = client.search()

    client.move(uids, "Verwerkt")

    assert client.search() == []
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert server.messages("INBOX") == []
    assert server.messages("Verwerkt") == [make_message(n) for n in range(12)]
    client.select_folder("Verwerkt")
    moved = client.search()
    assert len(moved) == 12
    assert client.fetch(moved[:1], ["BODY.PEEK[]"])[moved[0]][b"BODY[]"] == make_message(0)


def test_move_to_missing_folder_is_refused(client: IMAPClient) -> None:
    client.append("INBOX", make_message(1))
    client.select_folder("INBOX")
    with pytest.raises(IMAPClientError, match="TRYCREATE"):
        client.move(client.search(), "Nergens")
    assert len(client.search()) == 1


def test_copy_delete_and_uid_expunge(client: IMAPClient, server: DemoImapServer) -> None:
    for number in range(6):
        client.append("INBOX", make_message(number))
    client.create_folder("Verwerkt")
    client.select_folder("INBOX")
    uids = client.search()
    chosen, kept = uids[:4], uids[4:]

    client.copy(chosen, "Verwerkt")
    flags = client.add_flags(chosen, [imapclient.DELETED])
    assert all(imapclient.DELETED in f for f in flags.values())
    # A \Deleted message outside the expunged set must survive UID EXPUNGE.
    client.add_flags(kept[:1], [imapclient.DELETED])
    client.uid_expunge(chosen)

    assert client.search() == kept
    assert server.messages("INBOX") == [make_message(4), make_message(5)]
    assert server.messages("Verwerkt") == [make_message(n) for n in range(4)]
    status = client.folder_status("Verwerkt", ["MESSAGES", "UIDNEXT", "UNSEEN"])
    assert status == {b"MESSAGES": 4, b"UIDNEXT": 5, b"UNSEEN": 4}


def test_plain_expunge_reports_and_close_expunges(client: IMAPClient) -> None:
    for number in range(4):
        client.append("INBOX", make_message(number))
    client.select_folder("INBOX")
    client.delete_messages([1, 3])
    _text, responses = client.expunge()
    assert responses == [(1, b"EXPUNGE"), (2, b"EXPUNGE")]  # 3 became 2 after 1 went
    assert client.search() == [2, 4]

    client.delete_messages([2])
    client.close_folder()
    client.select_folder("INBOX", readonly=True)
    assert client.search() == [4]


def test_status_and_select_report_counts(client: IMAPClient, server: DemoImapServer) -> None:
    server.append("INBOX", make_message(1))
    server.append("INBOX", make_message(2))
    status = client.folder_status("INBOX")
    assert status[b"MESSAGES"] == 2
    assert status[b"UNSEEN"] == 2
    assert status[b"UIDNEXT"] == 3
    info = client.select_folder("INBOX")
    assert info[b"UIDVALIDITY"] == status[b"UIDVALIDITY"]
    assert info[b"RECENT"] == 2
    assert imapclient.DELETED in info[b"PERMANENTFLAGS"]
    with pytest.raises(IMAPClientError):
        client.select_folder("Bestaat-niet")


def test_idle_reports_append_from_another_client(connect: ClientFactory) -> None:
    watcher, sender = connect(), connect()
    watcher.select_folder("INBOX")
    watcher.idle()

    sender.append("INBOX", make_message(1))
    responses = watcher.idle_check(timeout=5)
    assert (1, b"EXISTS") in responses

    watcher.idle_done()
    assert watcher.search() == [1]


def test_idle_reports_messages_seeded_through_the_api(
    client: IMAPClient, server: DemoImapServer
) -> None:
    client.select_folder("INBOX")
    client.idle()
    server.append("INBOX", make_message(1))
    assert (1, b"EXISTS") in client.idle_check(timeout=5)
    client.idle_done()


def test_garbage_gets_bad_and_the_connection_survives(client: IMAPClient) -> None:
    with pytest.raises(IMAPClientError, match="BAD"):
        client._raw_command(b"FROBNICATE", [b"(((", b'"open'], uid=False)
    with pytest.raises(IMAPClientError, match="BAD"):
        client._raw_command(b"FETCH", [b"0:x", b"(NONSENSE)"], uid=True)
    client.noop()
    assert folder_names(client) == ["INBOX"]


def test_raw_garbage_lines(server: DemoImapServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        stream = sock.makefile("rb")
        assert stream.readline().startswith(b"* OK")
        sock.sendall(b"\x00\xff no tag at all\r\n")
        assert stream.readline().startswith(b"* BAD")
        sock.sendall(b"t1 SELECT INBOX\r\n")
        assert stream.readline().startswith(b"t1 BAD")  # not logged in yet
        sock.sendall(b't1 LOGIN "u" {1+}\r\np\r\nt2 CAPABILITY\r\n')
        assert stream.readline() == b"t1 OK LOGIN completed\r\n"
        assert stream.readline().startswith(b"* CAPABILITY IMAP4rev1")
        assert stream.readline().startswith(b"t2 OK")
        sock.sendall(b"t3 IDLE\r\n")
        assert stream.readline() == b"+ idling\r\n"
    # Hanging up mid-IDLE must not hurt the server.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        assert sock.makefile("rb").readline().startswith(b"* OK")


def test_seeding_api_and_restart_keep_the_store() -> None:
    server = DemoImapServer()
    with pytest.raises(RuntimeError):
        _ = server.port
    uid = server.append("Te doen", make_message(1))
    assert uid == 1
    assert server.messages("Te doen") == [make_message(1)]
    assert server.messages("Onbekend") == []
    server.start()
    try:
        client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
        client.login("u", "p")
        client.select_folder("Te doen")
        assert client.search() == [1]
        client.logout()
    finally:
        server.stop()
    server.stop()  # a second stop is harmless
    server.start()
    try:
        assert "Te doen" in server.folders()
    finally:
        server.stop()
