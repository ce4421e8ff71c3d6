"""Organisation secrets: generated easy to type, stored as argon2id hashes only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# No look-alikes (0/o, 1/l/i, 5/s, 2/z, 8/b) so a secret read aloud or retyped survives.
ALPHABET = "acdefghjkmnpqrtuvwxy34679"
GROUPS = 4
GROUP_LENGTH = 4

# OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def generate() -> str:
    """A new secret such as `k7mq-x3rt-hc9w-pa4e` (about 74 bits)."""
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def canonical(secret: str) -> str:
    """What is hashed: case, spaces and hyphens do not matter when typing a secret."""
    return "".join(ch for ch in secret.lower() if ch.isalnum())


def hash_secret(secret: str) -> str:
    """The argon2id hash to store."""
    return _HASHER.hash(canonical(secret))


def verify(stored_hash: str, secret: str) -> bool:
    """Constant-time check of a typed secret against a stored hash."""
    try:
        return _HASHER.verify(stored_hash, canonical(secret))
    except (VerificationError, InvalidHashError):
        return False


# Verified on failure paths too, so an unknown organisation costs as long as a wrong secret.
_DUMMY_HASH = _HASHER.hash("mailbot-dummy-secret")


def burn_time(secret: str) -> None:
    """Spend one verification's time without a real hash."""
    verify(_DUMMY_HASH, secret or "x")


# A burn the mail's own turn did itself: the read-ahead thread, late for that mail, skips it.
_SPENT: Future[bool] = Future()
_SPENT.set_result(False)


class VerifiedSecrets:
    """Secrets this process has checked, as keyed hashes in memory only (never on disk).

    Municipal staff send several mails in a row; the second one need not pay a full argon2
    verification. The key is random per process, so the cache is useless to anyone reading a
    memory dump of another process; a new secret for an organisation drops its entry.

    Safe to share between threads: the pipeline's read-ahead thread (mailbot.inbound.ahead) checks
    the next messages' secrets while the pipeline handles the current one, and a check one thread
    has started is awaited by the other instead of being done twice.
    """

    def __init__(self, remembered: int = 4096, workers: int = 1) -> None:
        """`workers`: threads that run argon2. One keeps the other core busy beside the
        pipeline, and holds one 19 MiB block; each more would hold one of its own."""
        self._key = secrets.token_bytes(32)
        self._worker_count = workers
        self._remembered = remembered
        self._lock = threading.Lock()
        self._seen: dict[int, tuple[int, bytes]] = {}  # organisation id -> (secret id, mac)
        # Checks done or running, newest last: a wrong secret checked ahead is not checked
        # again when its mail's turn comes; a burn done ahead is used up by that mail.
        self._checks: OrderedDict[tuple[object, ...], Future[bool]] = OrderedDict()
        self._workers: ThreadPoolExecutor | None = None

    def _mac(self, *parts: str) -> bytes:
        text = "\0".join((*parts[:-1], canonical(parts[-1])))
        return hmac.new(self._key, text.encode(), hashlib.sha256).digest()

    def first_look(self, sender: str, org_name: str, secret: str) -> bool:
        """True the first time this login (sender, name, secret) is put to the cache: the
        read-ahead thread checks each one once, not at every mail that repeats it."""
        with self._lock:
            return self._start(("look", self._mac(sender, org_name, secret)))[1]

    def verify(
        self, org_id: int, secret_id: int, stored_hash: str, secret: str, *, ahead: bool = False
    ) -> bool:
        """Like `verify`, but a secret checked before against this same stored secret is cheap.

        `ahead` starts the check on a worker thread and returns False at once: the mail's own
        turn gets the answer, waiting for it if it is not there yet.
        """
        mac = self._mac(secret)
        key = ("verify", org_id, secret_id, mac)
        with self._lock:
            known = self._seen.get(org_id)
            if known is not None and known[0] == secret_id and hmac.compare_digest(known[1], mac):
                return True
            if known is not None and known[0] != secret_id:
                del self._seen[org_id]  # the organisation has a new secret
            future, owner = self._start(key)
        if owner:
            self._run(future, key, partial(self._verify, org_id, secret_id, mac, stored_hash,
                                           secret))
        return False if ahead else future.result()

    def _verify(
        self, org_id: int, secret_id: int, mac: bytes, stored_hash: str, secret: str
    ) -> bool:
        if not verify(stored_hash, secret):
            return False
        with self._lock:
            self._seen[org_id] = (secret_id, mac)
        return True

    def burn(self, attempt: str, secret: str, *, ahead: bool = False) -> None:
        """Spend one verification's time for a login that cannot succeed (`burn_time`).

        Done `ahead` (by mailbot.inbound.ahead), the mail's own turn uses that up instead of
        spending the time again, so a refusal costs the pipeline what a wrong secret costs it.
        """
        key = ("burn", self._mac(attempt, secret))
        with self._lock:
            if ahead:
                future, owner = self._start(key)
            else:
                done = self._checks.pop(key, None)
                future, owner = (Future(), True) if done in (None, _SPENT) else (done, False)
                if owner:
                    # The thread got here late: when it does, this mail is paid for already.
                    self._start(key, _SPENT)
        if owner:
            self._run(future, key, lambda: _burned(secret))
        if not ahead:
            future.result()

    def _start(
        self, key: tuple[object, ...], new: Future[bool] | None = None
    ) -> tuple[Future[bool], bool]:
        """The check for this key, and whether the caller must run it; under the lock. `new`
        is what to remember for a key not seen yet (a fresh check by default)."""
        future = self._checks.get(key)
        if future is not None:
            return future, False
        future = self._checks[key] = new or Future()
        while len(self._checks) > self._remembered:
            self._checks.popitem(last=False)
        return future, True

    def _run(
        self, future: Future[bool], key: tuple[object, ...], check: Callable[[], bool]
    ) -> None:
        """Start a check on a worker. Only the workers run argon2, so only their heaps hold
        its 19 MiB (see mailbot.daemon.memory), however many threads ask."""
        with self._lock:
            if self._workers is None:
                self._workers = ThreadPoolExecutor(self._worker_count,
                                                   thread_name_prefix="argon2")
        self._workers.submit(self._finish, future, key, check)

    def _finish(
        self, future: Future[bool], key: tuple[object, ...], check: Callable[[], bool]
    ) -> None:
        try:
            future.set_result(check())
        except BaseException as exc:  # whoever waits for the answer gets the error
            with self._lock:
                self._checks.pop(key, None)
            future.set_exception(exc)


def _burned(secret: str) -> bool:
    """A check that only spends the time of one (it never matches)."""
    burn_time(secret)
    return False
