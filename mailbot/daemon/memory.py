"""Memory the process hands back: large blocks get their own mapping, freed as a whole.

glibc raises its mmap threshold to the size of the first large block freed, so every later
large block (a 25 MB mail and its copies) is carved from a heap instead, and a heap keeps
what it was given. A fixed threshold stops that. It lies just above argon2's 19 MiB: the
thread that checks secrets (mailbot.login.passwords) keeps that block in its heap and reuses it,
where mapping it afresh for every check would cost half as much time again in page faults.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
MAPPED_FROM = 20 * 1024 * 1024  # bytes: blocks from this size on are mapped on their own


def return_large_blocks() -> None:
    """Have malloc map large blocks on their own, so freeing one returns it to the system.

    Only glibc has `mallopt`; elsewhere (musl, macOS) this does nothing.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    if not mallopt(_M_MMAP_THRESHOLD, MAPPED_FROM):
        log.debug("mallopt refused a fixed mmap threshold")
