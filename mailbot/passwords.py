"""Organisation secrets: generated easy to type, stored as argon2id hashes only."""

from __future__ import annotations

import hashlib
import hmac
import secrets

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


class VerifiedSecrets:
    """Secrets this process has verified, as keyed hashes in memory only (never on disk).

    Municipal staff send several mails in a row; the second one need not pay a full argon2
    verification. The key is random per process, so the cache is useless to anyone reading a
    memory dump of another process; a new secret for an organisation drops its entry.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._seen: dict[int, tuple[int, bytes]] = {}  # organisation id -> (secret id, mac)

    def _mac(self, secret: str) -> bytes:
        return hmac.new(self._key, canonical(secret).encode(), hashlib.sha256).digest()

    def verify(self, org_id: int, secret_id: int, stored_hash: str, secret: str) -> bool:
        """Like `verify`, but a secret verified before for this same stored secret is cheap."""
        mac = self._mac(secret)
        known = self._seen.get(org_id)
        if known is not None and known[0] == secret_id and hmac.compare_digest(known[1], mac):
            return True
        if known is not None and known[0] != secret_id:
            del self._seen[org_id]  # the organisation has a new secret
        if not verify(stored_hash, secret):
            return False
        self._seen[org_id] = (secret_id, mac)
        return True
