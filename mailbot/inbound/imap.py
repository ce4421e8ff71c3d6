"""The mailbox: fetch in bounded batches, wait with IDLE, file messages away; no municipalities."""

from __future__ import annotations

import imaplib
import logging
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from imapclient import IMAPClient
from imapclient.imapclient import SocketTimeout

from mailbot.config import Settings

# A stalled server must not hang the daemon; reads get longer because a batch can be large.
TIMEOUT = SocketTimeout(connect=30, read=300)
PEEK, BODY, SIZE = "BODY.PEEK[]", b"BODY[]", b"RFC822.SIZE"


@dataclass(frozen=True)
class Fetched:
    """One message as fetched: where it lives and its raw bytes."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes
    size: int  # RFC822.SIZE; raw is b"" when the message was too large to download


@dataclass(frozen=True)
class Copy:
    """A copy to file in place of the message `uid` (mailbot.inbound.filing): its bytes, the header
    line that marks it, when it arrived, and whether an earlier try may have filed it."""

    uid: int
    raw: bytes | bytearray
    marker: str
    arrived: datetime | None  # None: the time of the append
    again: bool = False


class Mailbox:
    """A logged-in connection to the configured folder; use it as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None
        self._known_folders: set[str] = set()

    def __enter__(self) -> Mailbox:
        self._client = _connect(self._settings)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        client, self._client = self._client, None
        if client is not None:
            _close(client)

    @property
    def _imap(self) -> IMAPClient:
        if self._client is None:
            raise RuntimeError("Mailbox used outside its with-block")
        return self._client

    def exists(self) -> bool:
        """Whether the configured folder exists."""
        return bool(self._imap.folder_exists(self._settings.imap_folder))

    def uidvalidity(self) -> int:
        """UIDVALIDITY of the configured folder, freshly selected."""
        response = self._imap.select_folder(self._settings.imap_folder)
        self._uidvalidity = int(response[b"UIDVALIDITY"])
        self._forget_exists()
        return self._uidvalidity

    def pending_uids(self) -> list[int]:
        """Every UID in the configured folder, oldest first."""
        self.uidvalidity()
        uids = sorted(self._imap.search("ALL"))
        self._forget_exists()
        return uids

    def fetch(self, uids: list[int], max_bytes: int | None = None) -> list[Fetched]:
        """The messages that still exist, in the order asked; oversize ones without their body."""
        if not uids:
            return []
        uidvalidity = self._selected()
        limit = self._settings.max_message_bytes if max_bytes is None else max_bytes
        sizes = {uid: int(item[SIZE]) for uid, item in self._imap.fetch(uids, [SIZE]).items()}
        # Sizes first, so a message too large to handle is never downloaded at all.
        raws = {uid: b"" for uid, size in sizes.items() if size > limit}
        wanted = [uid for uid in uids if uid in sizes and uid not in raws]
        if wanted:
            bodies = self._imap.fetch(wanted, [PEEK]).items()
            # BODY[] is NIL for a message another session expunged meanwhile: it is gone, not
            # too large (and b"" would say "too large" to the caller).
            raws |= {uid: bytes(item[BODY]) for uid, item in bodies if item.get(BODY) is not None}
        folder = self._settings.imap_folder
        # A UID missing here was expunged by someone else meanwhile: nothing left to handle.
        return [Fetched(folder, uidvalidity, uid, raws[uid], sizes[uid]) for uid in uids
                if uid in raws]

    def batches(self) -> Iterator[list[Fetched]]:
        """All pending messages, fetched `imap_batch_size` at a time so memory stays bounded."""
        uids = self.pending_uids()
        size = max(1, self._settings.imap_batch_size)
        for start in range(0, len(uids), size):
            batch = self.fetch(uids[start : start + size])
            if batch:
                yield batch

    def move(self, uids: list[int], folder: str) -> None:
        """Move messages out of the configured folder into `folder`, creating it when missing."""
        if not uids:
            return
        self._selected()
        self._ensure_folder(folder)
        try:
            self._move(uids, folder)
        except IMAPClient.Error as exc:
            if "EXPUNGEISSUED" not in str(exc):
                raise
            # Another worker filed some of them a moment ago: move the ones still here.
            left = sorted(self._imap.search(["UID", ",".join(map(str, uids))]))
            if left:
                self._move(left, folder)

    def replace(self, copies: list[Copy], folder: str) -> None:
        """File `copies` in `folder` in place of their originals in the configured folder:
        append the copies, then remove the originals (a crash in between loses nothing)."""
        if not copies:
            return
        self._selected()
        self._ensure_folder(folder)
        self._append([copy for copy in copies if not (copy.again and self._holds(folder, copy))],
                     folder)
        self._remove([copy.uid for copy in copies])

    def _append(self, copies: list[Copy], folder: str) -> None:
        if copies and self._has("MULTIAPPEND"):
            self._imap.multiappend(folder, [{"msg": c.raw, "date": c.arrived} if c.arrived
                                            else c.raw for c in copies])
            return
        for copy in copies:
            self._imap.append(folder, copy.raw, msg_time=copy.arrived)

    def _remove(self, uids: list[int]) -> None:
        self._imap.delete_messages(uids, silent=True)
        self._expunge(uids)

    def _holds(self, folder: str, copy: Copy) -> bool:
        """Whether `folder` holds a copy with this marker (a retry after a crash)."""
        name, _, value = copy.marker.partition(": ")
        self._imap.select_folder(folder, readonly=True)
        try:
            return bool(self._imap.search(["HEADER", name, value]))
        finally:
            self._imap.select_folder(self._settings.imap_folder)
            self._forget_exists()

    def _expunge(self, uids: list[int]) -> None:
        if self._has("UIDPLUS"):
            self._imap.uid_expunge(uids)
        else:
            # Without UIDPLUS this also expunges messages someone else marked \Deleted.
            self._imap.expunge()

    def _move(self, uids: list[int], folder: str) -> None:
        if self._has("MOVE"):
            self._imap.move(uids, folder)
            return
        self._imap.copy(uids, folder)
        self._imap.delete_messages(uids, silent=True)
        self._expunge(uids)

    def can_idle(self) -> bool:
        """True when the server pushes new mail (IDLE); else the caller polls."""
        return self._has("IDLE")

    def idle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for new mail; True when the server announced some."""
        if not self._has("IDLE"):
            time.sleep(timeout)
            return True
        self._selected()
        # Mail that arrived since the last search is reported now, not by IDLE.
        if _announces_mail(self._imap.noop()[1]):
            return True
        self._imap.idle()
        # An EXISTS racing the IDLE command lands in imaplib's untagged store, not idle_check.
        raced = self._imap._imap.untagged_responses.pop("EXISTS", None)
        try:
            arrived = bool(raced) or self._idle_until(time.monotonic() + timeout)
        finally:
            _, late = self._imap.idle_done()
        return arrived or _announces_mail(late)

    def _idle_until(self, deadline: float) -> bool:
        while (left := deadline - time.monotonic()) > 0:
            responses = self._imap.idle_check(timeout=left)
            if not responses:
                # Nothing within the time left (or the connection dropped; idle_done will say).
                return False
            if _announces_mail(responses):
                return True
        return False

    def _forget_exists(self) -> None:
        # imaplib keeps EXISTS counts it saw in passing; only one newer than our search counts.
        self._imap._imap.untagged_responses.pop("EXISTS", None)

    def _selected(self) -> int:
        if self._uidvalidity is None:
            return self.uidvalidity()
        return self._uidvalidity

    def _ensure_folder(self, folder: str) -> None:
        if folder in self._known_folders:
            return
        if not self._imap.folder_exists(folder):
            self._imap.create_folder(folder)
            # Mail clients often show subscribed folders only; staff should see where mail went.
            self._imap.subscribe_folder(folder)
        self._known_folders.add(folder)

    def _has(self, capability: str) -> bool:
        return bool(self._imap.has_capability(capability))


def _connect(settings: Settings) -> IMAPClient:
    client = IMAPClient(
        settings.imap_host,
        port=settings.imap_port,
        ssl=settings.imap_security == "ssl",
        timeout=TIMEOUT,
    )
    _quiet(client)
    try:
        if settings.imap_security == "starttls":
            client.starttls()
        client.login(settings.imap_user, settings.imap_password.get_secret_value())
    except BaseException:
        _close(client)
        raise
    return client


def _quiet(client: IMAPClient) -> None:
    """No protocol trace nobody reads: imapclient sets imaplib's debug level to 5 and hands its
    messages to a logger, so imaplib formats every response with repr() before the logger drops
    it; for a 25 MB message that is two transient texts of 26 MB each (and the CPU to make them).
    Kept when that logger would show it."""
    if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
        client._imap.debug = 0


def _close(client: IMAPClient) -> None:
    # The connection may already be dead (that is often why we are leaving); say goodbye if not.
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error):
        with suppress(OSError, imaplib.IMAP4.error):
            client.shutdown()


def _announces_mail(responses: list[Any]) -> bool:
    return any(len(r) >= 2 and r[1] == b"EXISTS" for r in responses)
