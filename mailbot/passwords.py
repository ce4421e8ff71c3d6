"""Organisation secrets: generated easy to type, stored as argon2id hashes only."""

from __future__ import annotations

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
