"""The selected mailbox of one session: its view of the folder and the commands on it."""

from __future__ import annotations

import re

from mailbot.demo._imap_fetch import FetchItem, parse_items, render_fetch
from mailbot.demo._imap_search import compile_search
from mailbot.demo._imap_store import MailStore, Message, canonical_folder
from mailbot.demo._imap_syntax import (
    CommandBad,
    CommandNo,
    SeqSet,
    Token,
    astring,
    atom,
    decode_mailbox,
)

# Untagged response chunks (each ending in CRLF) and the text of the tagged OK.
Reply = tuple[list[bytes], str]

_STORE_ACTION = re.compile(r"([+-]?)FLAGS(\.SILENT)?")


def mailbox_arg(token: Token) -> str:
    return canonical_folder(decode_mailbox(astring(token)))


def _uid_list(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


class Selection:
    """Sequence numbers are per session: `view` holds the UIDs this client has
    been told about, in order, so other sessions' changes are reported as
    EXISTS/EXPUNGE only when it is allowed to hear them."""

    def __init__(self, store: MailStore, folder: str, readonly: bool) -> None:
        self.store = store
        self.folder = folder
        self.readonly = readonly
        self.view = [m.uid for m in store.snapshot(folder)]

    def sync(self, allow_expunge: bool) -> list[bytes]:
        """Bring the view up to date; returns the EXPUNGE/EXISTS lines to send."""
        try:
            current = [m.uid for m in self.store.snapshot(self.folder)]
        except KeyError:
            current = []
        out: list[bytes] = []
        if allow_expunge:
            alive, kept = set(current), []
            for uid in self.view:
                if uid in alive:
                    kept.append(uid)
                else:
                    # Numbered against the view as shrunk by the lines already sent.
                    out.append(b"* %d EXPUNGE\r\n" % (len(kept) + 1))
            self.view = kept
        newest = self.view[-1] if self.view else 0
        added = [uid for uid in current if uid > newest]
        if added:
            self.view.extend(added)
            out.append(b"* %d EXISTS\r\n" % len(self.view))
        return out

    def _resolve(self, token: Token, by_uid: bool) -> list[tuple[int, int]]:
        """(sequence number, uid) of the addressed messages."""
        text = atom(token)
        if by_uid:
            uids = SeqSet(text, self.view[-1] if self.view else 0)
            return [(seq, uid) for seq, uid in enumerate(self.view, 1) if uid in uids]
        seqs = SeqSet(text, len(self.view))
        return [(seq, uid) for seq, uid in enumerate(self.view, 1) if seq in seqs]

    def _messages(self, pairs: list[tuple[int, int]]) -> list[tuple[int, Message]]:
        by_uid = {m.uid: m for m in self.store.snapshot(self.folder)}
        return [(seq, by_uid[uid]) for seq, uid in pairs if uid in by_uid]

    def _require_writable(self) -> None:
        if self.readonly:
            raise CommandNo("[READ-ONLY] mailbox is read-only")

    def fetch(self, args: list[Token], by_uid: bool) -> Reply:
        if len(args) != 2:
            raise CommandBad("FETCH expects a sequence set and data items")
        items = parse_items(args[1])
        if by_uid and all(item.name != "UID" for item in items):
            items = [FetchItem("UID"), *items]  # RFC 3501 6.4.8: UID FETCH always reports it
        pairs = self._resolve(args[0], by_uid)
        if any(item.marks_seen for item in items) and not self.readonly:
            self.store.change_flags(self.folder, [uid for _, uid in pairs], "+", ["\\Seen"])
            if all(item.name != "FLAGS" for item in items):
                items.append(FetchItem("FLAGS"))
        lines = [render_fetch(seq, message, items) for seq, message in self._messages(pairs)]
        return lines, "FETCH completed"

    def search(self, args: list[Token], by_uid: bool) -> Reply:
        predicate = compile_search(args, len(self.view), self.view[-1] if self.view else 0)
        pairs = self._messages(list(enumerate(self.view, 1)))
        hits = [message.uid if by_uid else seq for seq, message in pairs if predicate(seq, message)]
        return [b"* SEARCH" + b"".join(b" %d" % hit for hit in hits) + b"\r\n"], "SEARCH completed"

    def store_flags(self, args: list[Token], by_uid: bool) -> Reply:
        if len(args) != 3:
            raise CommandBad("STORE expects a sequence set, an action and flags")
        action = _STORE_ACTION.fullmatch(atom(args[1]).upper())
        if action is None:
            raise CommandBad("STORE action must be FLAGS, +FLAGS or -FLAGS")
        self._require_writable()
        flags = [astring(flag) for flag in (args[2] if isinstance(args[2], list) else [args[2]])]
        pairs = self._resolve(args[0], by_uid)
        self.store.change_flags(self.folder, [uid for _, uid in pairs], action[1], flags)
        if action[2]:
            return [], "STORE completed"
        items = [FetchItem("UID"), FetchItem("FLAGS")] if by_uid else [FetchItem("FLAGS")]
        return [render_fetch(seq, m, items) for seq, m in self._messages(pairs)], "STORE completed"

    def _copy_to(self, args: list[Token], by_uid: bool) -> tuple[list[tuple[int, int]], str]:
        if len(args) != 2:
            raise CommandBad("expected a sequence set and a mailbox")
        target = mailbox_arg(args[1])
        if not self.store.exists(target):
            raise CommandNo("[TRYCREATE] no such mailbox")
        uids = [uid for _, uid in self._resolve(args[0], by_uid)]
        pairs = self.store.copy(self.folder, uids, target)
        if not pairs:
            return pairs, ""
        validity = self.store.uidvalidity(target)
        old, new = _uid_list([p[0] for p in pairs]), _uid_list([p[1] for p in pairs])
        return pairs, f"[COPYUID {validity} {old} {new}] "

    def copy(self, args: list[Token], by_uid: bool) -> Reply:
        _, code = self._copy_to(args, by_uid)
        return [], f"{code}COPY completed"

    def move(self, args: list[Token], by_uid: bool) -> Reply:
        """COPYUID goes in an untagged OK before the EXPUNGEs (RFC 6851 4.3) and,
        for clients that only read the tagged line, in the tagged OK too."""
        self._require_writable()
        pairs, code = self._copy_to(args, by_uid)
        self.store.remove(self.folder, [old for old, _ in pairs])
        untagged = [f"* OK {code}moved\r\n".encode()] if pairs else []
        return untagged, f"{code}MOVE completed"

    def expunge(self, args: list[Token], by_uid: bool) -> Reply:
        self._require_writable()
        doomed = self.store.deleted_uids(self.folder)
        if by_uid:
            if len(args) != 1:
                raise CommandBad("UID EXPUNGE expects a sequence set")
            wanted = {uid for _, uid in self._resolve(args[0], by_uid=True)}
            doomed = [uid for uid in doomed if uid in wanted]
        elif args:
            raise CommandBad("EXPUNGE takes no arguments")
        self.store.remove(self.folder, doomed)
        return [], "EXPUNGE completed"

    def close(self) -> None:
        """CLOSE expunges silently: no EXPUNGE lines (RFC 3501 6.4.2)."""
        if not self.readonly:
            self.store.remove(self.folder, self.store.deleted_uids(self.folder))
