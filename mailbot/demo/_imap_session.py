"""One client connection of the demo IMAP server: reading commands, state, dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import Callable
from typing import Any

from mailbot.demo import _imap_folders as folders
from mailbot.demo._imap_mailbox import Reply, Selection, mailbox_arg
from mailbot.demo._imap_store import SYSTEM_FLAGS, MailStore
from mailbot.demo._imap_syntax import (
    Atom,
    CommandBad,
    CommandNo,
    Token,
    astring,
    atom,
    split_tag,
    tokenize,
)

_log = logging.getLogger(__name__)

CAPABILITIES = "IMAP4rev1 IDLE MOVE UIDPLUS LITERAL+"
GREETING = f"* OK [CAPABILITY {CAPABILITIES}] mailbot demo IMAP server ready\r\n".encode()
_CAPABILITY_LINE = f"* CAPABILITY {CAPABILITIES}\r\n".encode()
MAX_LITERAL = 64 * 1024 * 1024

_LITERAL_AT_END = re.compile(rb"\{(\d+)(\+?)\}\r?\n\Z")
_FLAG_LIST = " ".join(SYSTEM_FLAGS)
_UID_COMMANDS = frozenset({"FETCH", "SEARCH", "STORE", "COPY", "MOVE", "EXPUNGE"})
# RFC 3501 7.4.1: no EXPUNGE responses while a non-UID FETCH/STORE/SEARCH runs.
_NO_EXPUNGE_DURING = frozenset({"FETCH", "STORE", "SEARCH"})

ANY, NOT_AUTHENTICATED, AUTHENTICATED, SELECTED = "any", "nonauth", "auth", "selected"
Handler = Callable[[list[Token]], Reply]
SelectionMethod = Callable[[Selection, list[Token], bool], Reply]


class Session:
    def __init__(
        self, store: MailStore, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._store = store
        self._reader = reader
        self._writer = writer
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._user: str | None = None
        self._selection: Selection | None = None
        self._open = True
        self._commands = self._command_table()

    def _command_table(self) -> dict[str, tuple[str, Handler]]:
        store = self._store

        def on_selection(method: SelectionMethod, by_uid: bool) -> Handler:
            return lambda args: method(self._selected(), args, by_uid)

        table: dict[str, tuple[str, Handler]] = {
            "CAPABILITY": (ANY, lambda _: ([_CAPABILITY_LINE], "CAPABILITY completed")),
            "NOOP": (ANY, lambda _: ([], "NOOP completed")),
            "LOGOUT": (ANY, self._logout),
            "LOGIN": (NOT_AUTHENTICATED, self._login),
            "LIST": (AUTHENTICATED, lambda args: folders.list_folders(store, "LIST", args)),
            "LSUB": (AUTHENTICATED, lambda args: folders.list_folders(store, "LSUB", args)),
            "SUBSCRIBE": (AUTHENTICATED, lambda _: ([], "SUBSCRIBE completed")),
            "UNSUBSCRIBE": (AUTHENTICATED, lambda _: ([], "UNSUBSCRIBE completed")),
            "CREATE": (AUTHENTICATED, lambda args: folders.create_folder(store, args)),
            "SELECT": (AUTHENTICATED, lambda args: self._open_folder(args, readonly=False)),
            "EXAMINE": (AUTHENTICATED, lambda args: self._open_folder(args, readonly=True)),
            "STATUS": (AUTHENTICATED, lambda args: folders.folder_status(store, args)),
            "APPEND": (AUTHENTICATED, lambda args: folders.append_message(store, args)),
            "CLOSE": (SELECTED, self._close),
        }
        methods = {
            "FETCH": Selection.fetch,
            "SEARCH": Selection.search,
            "STORE": Selection.store_flags,
            "COPY": Selection.copy,
            "MOVE": Selection.move,
            "EXPUNGE": Selection.expunge,
        }
        for name, method in methods.items():
            table[name] = (SELECTED, on_selection(method, by_uid=False))
            table["UID " + name] = (SELECTED, on_selection(method, by_uid=True))
        return table

    # --- connection loop -------------------------------------------------

    def _on_change(self) -> None:
        # RuntimeError: the server's loop is gone, so nobody is idling any more.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._changed.set)

    async def run(self) -> None:
        self._store.watch(self._on_change)
        try:
            self._writer.write(GREETING)
            while self._open:
                await self._writer.drain()
                command = await self._read_command()
                if command is None:
                    break
                await self._handle(command)
            await self._writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            _log.debug("demo IMAP client went away: %s", exc)
        finally:
            self._store.unwatch(self._on_change)
            self._writer.close()

    async def _read_command(self) -> bytes | None:
        """One command with its literals inlined; None when the client is gone."""
        data = b""
        while True:
            self._ack_quickly()
            try:
                line = await self._reader.readline()
            except ValueError:  # longer than the stream limit
                self._writer.write(b"* BYE command line too long\r\n")
                return None
            if not line.endswith(b"\n"):
                return None
            match = _LITERAL_AT_END.search(line)
            if match is None:
                return data + line
            size = int(match[1])
            if size > MAX_LITERAL:
                self._writer.write(b"* BYE literal too large\r\n")
                return None
            if not match[2]:  # synchronizing literal: the client waits for us
                self._writer.write(b"+ go ahead\r\n")
                await self._writer.drain()
            data += line[: match.start()] + b"{%d}\r\n" % size
            data += await self._reader.readexactly(size)

    def _ack_quickly(self) -> None:
        """imaplib/imapclient send a command in several small writes (line, literal,
        CRLF); with Nagle on their side and delayed ACKs on ours, each such
        command would stall ~40 ms. Linux drops quick-ACK mode on its own, so
        this is renewed before every read."""
        sock = self._writer.get_extra_info("socket")
        quickack = getattr(socket, "TCP_QUICKACK", None)
        if sock is not None and quickack is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)

    async def _handle(self, command: bytes) -> None:
        tag, rest = split_tag(command)
        if tag is None:
            self._writer.write(b"* BAD missing or invalid tag\r\n")
            return
        try:
            name, args = self._parse(rest)
            if name == "IDLE":
                self._check_state(AUTHENTICATED)
                await self._idle(tag)
                return
            untagged, text = self._execute(name, args)
        except CommandBad as exc:
            self._tagged(tag, "BAD", str(exc))
        except CommandNo as exc:
            self._tagged(tag, "NO", str(exc))
        except (ConnectionError, asyncio.IncompleteReadError):
            raise  # the client is gone (e.g. during IDLE); run() ends the session
        except Exception:
            # A demo server must survive its own bugs; the client gets a BAD.
            _log.exception("demo IMAP server failed on a command")
            self._tagged(tag, "BAD", "internal server error")
        else:
            self._writer.writelines(untagged)
            self._sync(name)
            self._tagged(tag, "OK", text)

    @staticmethod
    def _parse(rest: bytes) -> tuple[str, list[Token]]:
        tokens = tokenize(rest)
        if not tokens or not isinstance(tokens[0], Atom):
            raise CommandBad("missing command")
        name = tokens[0].upper()
        if name != "UID":
            return name, tokens[1:]
        if len(tokens) < 2 or atom(tokens[1]).upper() not in _UID_COMMANDS:
            raise CommandBad("unsupported UID command")
        return f"UID {atom(tokens[1]).upper()}", tokens[2:]

    def _execute(self, name: str, args: list[Token]) -> Reply:
        if name not in self._commands:
            raise CommandBad(f"unknown command {name[:40]}")
        needs, handler = self._commands[name]
        self._check_state(needs)
        if needs == SELECTED:
            # New messages must be announced before the command can address them.
            self._sync(name)
        return handler(args)

    def _check_state(self, needs: str) -> None:
        if needs == NOT_AUTHENTICATED and self._user is not None:
            raise CommandBad("already logged in")
        if needs in (AUTHENTICATED, SELECTED) and self._user is None:
            raise CommandBad("log in first")
        if needs == SELECTED and self._selection is None:
            raise CommandBad("no mailbox selected")

    def _selected(self) -> Selection:
        if self._selection is None:
            raise CommandBad("no mailbox selected")
        return self._selection

    def _sync(self, name: str) -> None:
        if self._selection is not None:
            allow_expunge = name not in _NO_EXPUNGE_DURING
            self._writer.writelines(self._selection.sync(allow_expunge))

    def _tagged(self, tag: str, status: str, text: str) -> None:
        text = " ".join(text.split()) or "done"  # never let a message break the line
        self._writer.write(f"{tag} {status} {text}\r\n".encode())

    # --- IDLE ----------------------------------------------------------

    async def _idle(self, tag: str) -> None:
        self._writer.write(b"+ idling\r\n")
        line = await self._idle_until_line()
        if line is None:
            self._open = False
        elif line.strip().upper() == b"DONE":
            self._tagged(tag, "OK", "IDLE terminated")
        else:
            self._tagged(tag, "BAD", "expected DONE")

    async def _idle_until_line(self) -> bytes | None:
        """Report mailbox changes as they happen until the client sends a line."""
        line_task = asyncio.ensure_future(self._reader.readline())
        waiting: set[asyncio.Future[Any]] = set()
        try:
            while not line_task.done():
                self._changed.clear()  # cleared before syncing so no change is missed
                self._sync("IDLE")
                await self._writer.drain()
                change_task = asyncio.ensure_future(self._changed.wait())
                waiting = {line_task, change_task}
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                change_task.cancel()
        finally:
            for task in (line_task, *waiting):
                task.cancel()  # no-op for the finished ones
        try:
            line = line_task.result()
        except ValueError:
            return None
        return line if line.endswith(b"\n") else None

    # --- commands outside the selected state ----------------------------

    def _logout(self, _args: list[Token]) -> Reply:
        self._open = False
        self._selection = None
        return [b"* BYE logging out\r\n"], "LOGOUT completed"

    def _login(self, args: list[Token]) -> Reply:
        if len(args) != 2:
            raise CommandBad("LOGIN expects a user name and a password")
        self._user = astring(args[0])  # every user/password pair is welcome
        return [], "LOGIN completed"

    def _open_folder(self, args: list[Token], readonly: bool) -> Reply:
        if len(args) != 1:
            raise CommandBad("expected a mailbox name")
        self._selection = None  # a failed SELECT leaves nothing selected (RFC 3501 6.3.1)
        name = mailbox_arg(args[0])
        if not self._store.exists(name):
            raise CommandNo("no such mailbox")
        selection = Selection(self._store, name, readonly)
        recent = self._store.status(name).recent if readonly else self._store.claim_recent(name)
        status = self._store.status(name)
        permanent = "" if readonly else f"{_FLAG_LIST} \\*"
        lines = [
            f"* FLAGS ({_FLAG_LIST})\r\n".encode(),
            b"* %d EXISTS\r\n" % len(selection.view),
            b"* %d RECENT\r\n" % recent,
            f"* OK [PERMANENTFLAGS ({permanent})] flags permitted\r\n".encode(),
            b"* OK [UIDVALIDITY %d] UIDs valid\r\n" % status.uidvalidity,
            b"* OK [UIDNEXT %d] predicted next UID\r\n" % status.uidnext,
        ]
        self._selection = selection
        if readonly:
            return lines, "[READ-ONLY] EXAMINE completed"
        return lines, "[READ-WRITE] SELECT completed"

    def _close(self, _args: list[Token]) -> Reply:
        self._selected().close()
        self._selection = None
        return [], "CLOSE completed"
