"""The in-memory mail store shared by all connections of one demo IMAP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

INBOX = "INBOX"
DELIMITER = "/"
SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_CANONICAL_FLAGS = {flag.upper(): flag for flag in SYSTEM_FLAGS}


def canonical_flag(flag: str) -> str:
    """System flags are case-insensitive on the wire; store one spelling."""
    return _CANONICAL_FLAGS.get(flag.upper(), flag)


def canonical_folder(name: str) -> str:
    """INBOX is the one case-insensitive mailbox name (RFC 3501 5.1)."""
    name = name.rstrip(DELIMITER) or name
    return INBOX if name.upper() == INBOX else name


@dataclass
class Message:
    uid: int
    raw: bytes
    flags: set[str]
    internaldate: datetime
    recent: bool = True


@dataclass
class Folder:
    uidvalidity: int
    uidnext: int = 1
    messages: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int
    messages: int
    unseen: int
    recent: int


class MailStore:
    """Folders and messages, guarded by one lock because seeding happens from
    the caller's thread while connections run in the server's event loop."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._folders: dict[str, Folder] = {}
        self._watchers: list[Callable[[], None]] = []
        self._next_validity = int(time.time()) & 0x3FFFFFFF or 1
        self.create(INBOX)

    def watch(self, callback: Callable[[], None]) -> None:
        """Register a callback run (from any thread) after every change."""
        with self._lock:
            self._watchers.append(callback)

    def unwatch(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._watchers:
                self._watchers.remove(callback)

    def _notify(self) -> None:
        with self._lock:
            watchers = list(self._watchers)
        for callback in watchers:
            callback()

    def _folder(self, name: str) -> Folder:
        try:
            return self._folders[canonical_folder(name)]
        except KeyError:
            raise KeyError(name) from None

    def create(self, name: str) -> bool:
        """Create a folder and any missing parents; False if it already existed."""
        name = canonical_folder(name)
        with self._lock:
            if name in self._folders:
                return False
            parts = name.split(DELIMITER)
            for depth in range(1, len(parts) + 1):
                path = DELIMITER.join(parts[:depth])
                if path and path not in self._folders:
                    self._folders[path] = Folder(uidvalidity=self._next_validity)
                    self._next_validity += 1
            return True

    def exists(self, name: str) -> bool:
        with self._lock:
            return canonical_folder(name) in self._folders

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._folders, key=lambda name: (name != INBOX, name))

    def uidvalidity(self, name: str) -> int:
        with self._lock:
            return self._folder(name).uidvalidity

    def snapshot(self, name: str) -> list[Message]:
        """The folder's messages in order; the list is a copy, the messages are not."""
        with self._lock:
            return list(self._folder(name).messages)

    def status(self, name: str) -> FolderStatus:
        with self._lock:
            folder = self._folder(name)
            return FolderStatus(
                uidvalidity=folder.uidvalidity,
                uidnext=folder.uidnext,
                messages=len(folder.messages),
                unseen=sum("\\Seen" not in m.flags for m in folder.messages),
                recent=sum(m.recent for m in folder.messages),
            )

    def claim_recent(self, name: str) -> int:
        """Count \\Recent messages and clear the flag: only the first session
        to select the folder gets to see them as recent."""
        with self._lock:
            recent = [m for m in self._folder(name).messages if m.recent]
            for message in recent:
                message.recent = False
            return len(recent)

    def append(
        self,
        name: str,
        raw: bytes,
        flags: Iterable[str] = (),
        internaldate: datetime | None = None,
    ) -> int:
        with self._lock:
            folder = self._folder(name)
            uid = self._add(folder, raw, flags, internaldate)
        self._notify()
        return uid

    @staticmethod
    def _add(
        folder: Folder, raw: bytes, flags: Iterable[str], internaldate: datetime | None
    ) -> int:
        uid = folder.uidnext
        folder.uidnext += 1
        folder.messages.append(
            Message(
                uid=uid,
                raw=raw,
                flags={canonical_flag(f) for f in flags},
                internaldate=internaldate or datetime.now(UTC).replace(microsecond=0),
            )
        )
        return uid

    def copy(self, source: str, uids: Iterable[int], target: str) -> list[tuple[int, int]]:
        """Copy messages (keeping flags and dates); returns (old uid, new uid) pairs."""
        wanted = set(uids)
        with self._lock:
            destination = self._folder(target)
            pairs = [
                (m.uid, self._add(destination, m.raw, m.flags, m.internaldate))
                for m in self._folder(source).messages
                if m.uid in wanted
            ]
        if pairs:
            self._notify()
        return pairs

    def remove(self, name: str, uids: Iterable[int]) -> list[int]:
        wanted = set(uids)
        with self._lock:
            folder = self._folder(name)
            removed = [m.uid for m in folder.messages if m.uid in wanted]
            folder.messages = [m for m in folder.messages if m.uid not in wanted]
        if removed:
            self._notify()
        return removed

    def deleted_uids(self, name: str) -> list[int]:
        with self._lock:
            return [m.uid for m in self._folder(name).messages if "\\Deleted" in m.flags]

    def change_flags(
        self, name: str, uids: Iterable[int], mode: str, flags: Iterable[str]
    ) -> list[Message]:
        """Apply a STORE: mode is "+" (add), "-" (remove) or "" (replace)."""
        wanted = set(uids)
        new_flags = {canonical_flag(f) for f in flags} - {"\\Recent"}
        with self._lock:
            changed = [m for m in self._folder(name).messages if m.uid in wanted]
            for message in changed:
                if mode == "+":
                    message.flags |= new_flags
                elif mode == "-":
                    message.flags -= new_flags
                else:
                    message.flags = set(new_flags)
            return changed
