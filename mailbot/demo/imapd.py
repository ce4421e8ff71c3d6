"""A small in-memory IMAP4rev1 server for demos and tests.

`mailbot demo` has to run on a fresh machine without root and without
Dovecot, so this server needs nothing beyond the standard library. It speaks
plain-text IMAP on 127.0.0.1, accepts any LOGIN, and supports what
`imapclient` sends for listing, creating, selecting, appending, searching,
fetching, flagging, copying, moving, expunging and IDLE.

    server = DemoImapServer()
    server.start()
    server.append("INBOX", raw_message)
    ...  # IMAPClient("127.0.0.1", port=server.port, ssl=False)
    server.stop()
"""

from __future__ import annotations

import asyncio
import logging
import threading
from types import TracebackType

from mailbot.demo._imap_session import Session
from mailbot.demo._imap_store import MailStore

__all__ = ["DemoImapServer"]

_log = logging.getLogger(__name__)

# Commands carry their literals separately, so a line this long is abuse.
_LINE_LIMIT = 1024 * 1024
_STOP_TIMEOUT = 10.0


class DemoImapServer:
    """An IMAP server in a background thread with one shared in-memory store.

    The store outlives stop()/start(), so a restarted server keeps its mail.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._store = MailStore()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._startup_error: BaseException | None = None

    # --- lifecycle ----------------------------------------------------

    def start(self) -> None:
        """Start listening; returns once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("DemoImapServer is already running")
        ready = threading.Event()
        self._startup_error = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="demo-imapd", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            self._thread = None
            raise self._startup_error

    def stop(self) -> None:
        """Close the listener and every connection; safe to call twice."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_STOP_TIMEOUT)
        self._thread = None
        self._port = None

    def __enter__(self) -> DemoImapServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("DemoImapServer is not running")
        return self._port

    @property
    def host(self) -> str:
        return self._host

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(
                    self._serve, self._host, self._requested_port, limit=_LINE_LIMIT
                )
            )
            self._port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # handed to start() in the caller's thread
            self._startup_error = exc
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        # Helper tasks (e.g. an IDLE's pending read) must finish before the loop closes.
        leftovers = asyncio.all_tasks() - {asyncio.current_task()}
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await Session(self._store, reader, writer).run()
        except asyncio.CancelledError:
            # stop() cancels sessions; ending normally keeps asyncio 3.11's stream
            # callback from logging the cancellation as an error.
            pass
        except Exception:
            _log.exception("demo IMAP connection crashed")
        finally:
            self._connections.discard(task)

    # --- direct access to the store (any thread) --------------------------

    def append(self, folder: str, raw: bytes) -> int:
        """Add a message (creating the folder if needed); returns its UID.

        Clients idling on the folder are told at once, as with an IMAP APPEND.
        """
        self._store.create(folder)
        return self._store.append(folder, raw)

    def create_folder(self, folder: str) -> bool:
        """Create a folder; False if it already existed."""
        return self._store.create(folder)

    def messages(self, folder: str) -> list[bytes]:
        """The raw messages in a folder, oldest first; [] for an unknown folder."""
        if not self._store.exists(folder):
            return []
        return [message.raw for message in self._store.snapshot(folder)]

    def folders(self) -> list[str]:
        """All folder names, INBOX first, as clients see them (decoded)."""
        return self._store.names()
