"""The floors mailbot is compared with, each run in a process of its own.

- `raw`: imapclient alone, fetching `BODY.PEEK[]` in batches and moving each batch: the limit
  Dovecot sets.
- `bare`: the unavoidable work of any mail bot on the same servers: batched fetch, a stdlib parse
  (`policy.default`, sender, subject and text body), one committed database insert, one fixed
  reply over one reused aiosmtplib connection, and a batched MOVE, per message.

`python -m bench.bare SPEC.json OUT.json`; the spec names the mode and the servers.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import aiosmtplib
import psycopg
from imapclient import IMAPClient
from sqlalchemy.engine import make_url

BATCH = 200
DONE = "Klaar"
REPLY = (
    "From: Monitoringsysteem Huisverbod <monitoring@huisverbod.test>\r\n"
    "Subject: Bevestiging\r\nAuto-Submitted: auto-replied\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    + "Wij hebben uw gegevens ontvangen. Dank u wel.\r\n" * 30
).encode()


def cpu_seconds() -> float:
    """User plus system CPU time of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """VmHWM of this process: the most resident memory it ever had, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Timer:
    """Seconds per step of a loop; cheap enough not to matter at a few thousand messages/s."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started


def run(spec: dict[str, Any]) -> dict[str, Any]:
    client = IMAPClient(spec["imap_host"], port=spec["imap_port"], ssl=False, timeout=300)
    client.login(spec["imap_user"], spec["imap_password"])
    timer = Timer()
    started, cpu = time.perf_counter(), cpu_seconds()
    with timer.step("fetch"):
        client.select_folder("INBOX")
        uids = sorted(client.search("ALL"))
        if not client.folder_exists(DONE):
            client.create_folder(DONE)
    handle = _bare(spec, timer) if spec["mode"] == "bare" else None
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        with timer.step("fetch"):
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
        if handle is not None:
            for uid in batch:
                handle(bytes(fetched[uid][b"BODY[]"]))
        with timer.step("move"):
            client.move(batch, DONE)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    client.logout()
    if handle is not None:
        handle(None)
    return {"mode": spec["mode"], "messages": len(uids), "seconds": seconds,
            "per_second": len(uids) / seconds if seconds else 0.0,
            "cpu_seconds": cpu, "stages": dict(timer.seconds), "peak_rss_mb": peak_rss_mb()}


def _bare(spec: dict[str, Any], timer: Timer) -> Callable[[bytes | None], None]:
    """Per message: parse, insert and commit, send the fixed reply; None closes everything."""
    database = _Database(spec["database_url"])
    loop = asyncio.new_event_loop()
    smtp = aiosmtplib.SMTP(hostname=spec["smtp_host"], port=spec["smtp_port"], timeout=30)
    loop.run_until_complete(smtp.connect())

    def handle(raw: bytes | None) -> None:
        if raw is None:
            loop.run_until_complete(smtp.quit())
            loop.close()
            database.close()
            return
        with timer.step("parse"):
            message = message_from_bytes(raw, policy=policy.default)
            assert isinstance(message, EmailMessage)
            sender = parseaddr(str(message.get("From", "")))[1] or "onbekend@huisverbod.test"
            subject = str(message.get("Subject", ""))
            body = message.get_body(("plain", "html"))
            text = body.get_content() if body is not None else ""
        with timer.step("database"):
            database.insert(str(message.get("Message-ID", "")), sender, subject, len(text), raw)
        with timer.step("send"):
            loop.run_until_complete(smtp.sendmail("monitoring@huisverbod.test", [sender], REPLY))

    return handle


class _Database:
    """One table, one committed insert per message, as plain DB-API as it gets."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        if self.sqlite:
            self.connection: Any = sqlite3.connect(parsed.database or ":memory:")
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA synchronous=NORMAL")
            key = "INTEGER PRIMARY KEY"
        else:
            self.connection = psycopg.connect(
                host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database)
            key = "BIGSERIAL PRIMARY KEY"
        blob = "BLOB" if self.sqlite else "BYTEA"
        self.connection.execute(
            f"CREATE TABLE IF NOT EXISTS bare_inbound (id {key}, message_id TEXT, sender TEXT,"
            f" subject TEXT, text_length INTEGER, raw {blob})")
        self.connection.commit()
        self.sql = ("INSERT INTO bare_inbound (message_id, sender, subject, text_length, raw) "
                    + ("VALUES (?, ?, ?, ?, ?)" if self.sqlite else "VALUES (%s, %s, %s, %s, %s)"))

    def insert(self, message_id: str, sender: str, subject: str, length: int, raw: bytes) -> None:
        self.connection.execute(self.sql, (message_id, sender, subject, length, raw))
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


if __name__ == "__main__":
    result = run(json.loads(Path(sys.argv[1]).read_text()))
    Path(sys.argv[2]).write_text(json.dumps(result))
