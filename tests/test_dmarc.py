"""The DMARC policy trusts only the configured border host's Authentication-Results."""

from __future__ import annotations

import pytest

from mailbot.dmarc import passes

OURS = "mx.huisverbod.test"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ((f"{OURS}; dmarc=pass (p=reject) header.from=utrecht.nl",), True),
        ((f"{OURS} 1; dkim=pass header.d=utrecht.nl header.s=s1; dmarc=none",), True),
        ((f"{OURS}; dkim=pass header.d=mail.utrecht.nl",), False),  # not aligned upward
        ((f"{OURS}; dkim=pass header.d=evil.example; dmarc=fail header.from=utrecht.nl",),
         False),
        (("evil.example; dmarc=pass header.from=utrecht.nl",), False),  # untrusted authserv-id
        ((f"{OURS}; dmarc=fail (dmarc=pass header.from=utrecht.nl) header.from=utrecht.nl",),
         False),  # a pass inside a comment counts for nothing
        ((f"{OURS}; dmarc=pass header.from=elders.nl",), False),
        ((), False),
    ],
)
def test_only_our_hosts_verdict_counts(headers: tuple[str, ...], expected: bool) -> None:
    assert passes(headers, OURS, "utrecht.nl") is expected


def test_aligned_parent_domain_signature_passes() -> None:
    assert passes((f"{OURS}; dkim=pass header.d=utrecht.nl",), OURS, "mail.utrecht.nl")
