"""The servers of a benchmark run and the backlog in its mailbox.

The backlog is put into the folder `Bron` once (MULTIAPPEND over a few connections, a few
bounces over LMTP); every run then gets the same messages by a server-side COPY into INBOX,
which Dovecot does with hard links in a fraction of a second.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from bench.corpus import Mail, Org
from bench.sink import Sink
from mailbot.login import passwords
from mailbot.store import db, orgs
from tests.servers import dovecot as dovecot_server
from tests.servers import free_port
from tests.servers import postgres as postgres_server
from tests.servers.dovecot import Dovecot, ImapAccount
from tests.servers.postgres import Postgres

SOURCE = "Bron"
CONNECTIONS = 3
CHUNK = 250  # messages per MULTIAPPEND


@dataclass
class Stack:
    """Dovecot, the sink process, PostgreSQL when asked for, and a scratch directory."""

    dovecot: Dovecot
    sink: Sink
    postgres: Postgres | None
    directory: Path
    _exits: ExitStack = field(default_factory=ExitStack)

    def database_url(self, kind: str, name: str) -> str:
        """A fresh, empty database of this kind (sqlite or postgresql)."""
        if kind == "sqlite":
            return f"sqlite:///{self.directory / name}.db"
        if self.postgres is None:
            raise ValueError("PostgreSQL was not started")
        return self._exits.enter_context(self.postgres.database())


@contextmanager
def running(with_postgres: bool) -> Iterator[Stack]:
    """Start everything; stop everything afterwards, also on errors."""
    with ExitStack() as exits:
        server = dovecot_server.start()
        exits.callback(server.stop)
        sink = exits.enter_context(Sink(free_port()))
        postgres = None
        if with_postgres:
            postgres = postgres_server.start()
            exits.callback(postgres.stop)
        scratch = exits.enter_context(tempfile.TemporaryDirectory(prefix="mailbot-bench-"))
        stack = Stack(server, sink, postgres, Path(scratch))
        exits.enter_context(stack._exits)  # databases are dropped before PostgreSQL stops
        yield stack


def fill(account: ImapAccount, mails: list[Mail]) -> int:
    """Put the backlog into `Bron`, keeping each organisation's mail in order; its size."""
    with account.client() as client:
        client.create_folder(SOURCE)
    appended = [m for m in mails if not m.lmtp]
    lanes: list[list[bytes]] = [[] for _ in range(CONNECTIONS)]
    for position, mail in enumerate(appended):
        lanes[(mail.org if mail.org is not None else position) % CONNECTIONS].append(mail.raw)
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        list(pool.map(lambda lane: _append(account, lane), lanes))
    for mail in mails:
        if mail.lmtp:
            account.deliver_lmtp(mail.raw, mail_from="")
    with account.client() as client:
        client.select_folder("INBOX")
        if uids := client.search("ALL"):
            client.move(uids, SOURCE)
        return int(client.folder_status(SOURCE, ["MESSAGES"])[b"MESSAGES"])


def _append(account: ImapAccount, raws: list[bytes]) -> None:
    with account.client() as client:
        for start in range(0, len(raws), CHUNK):
            client.multiappend(SOURCE, raws[start : start + CHUNK])


def load(account: ImapAccount) -> int:
    """A fresh copy of the backlog in an empty INBOX, every other folder gone; its size."""
    with account.client() as client:
        for _, _, name in client.list_folders():
            if name not in ("INBOX", SOURCE):
                client.delete_folder(name)
        client.select_folder("INBOX")
        if uids := client.search("ALL"):
            client.delete_messages(uids)
            client.expunge()
        client.select_folder(SOURCE)
        client.copy(client.search("ALL"), "INBOX")
        return int(client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"])


def left_in_inbox(account: ImapAccount) -> int:
    with account.client() as client:
        return int(client.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"])


def hashes(world: list[Org]) -> dict[str, str]:
    """argon2 hashes of every secret, made once (on every core) for all databases."""
    secrets = [org.secret for org in world]
    with ProcessPoolExecutor() as pool:
        return dict(zip(secrets, pool.map(passwords.hash_secret, secrets, chunksize=8),
                        strict=True))


def register(url: str, world: list[Org], hashed: dict[str, str]) -> None:
    """A migrated database with every organisation, its addresses and its secret."""
    engine = db.make_engine(url)
    db.init(engine)
    now = datetime.now(UTC)
    with mock.patch.object(passwords, "hash_secret", hashed.__getitem__), \
            db.session_scope(engine) as session:
        for org in world:
            orgs.add(session, now, org.name, "gemeente", code=org.code, region=org.region)
            for address in org.addresses:
                orgs.add_address(session, now, org.name, address)
            orgs.set_secret(session, now, org.name, org.secret)
    engine.dispose()
