"""The DMARC policy trusts only the configured border host's Authentication-Results."""

from __future__ import annotations

import pytest

from mailbot.login.dmarc import passes
from mailbot.reader.message import read
from tests.mails import simple_mail

OURS = "mx.huisverbod.test"
FORGED_PASS = f"{OURS}; dmarc=pass header.from=utrecht.nl"


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


@pytest.mark.parametrize(
    "headers",
    [
        # An encoded word is not an authserv-id, whatever it decodes to.
        ("=?utf-8?q?mx=2Ehuisverbod=2Etest?=; dmarc=pass header.from=utrecht.nl",),
        # A pass that does not say for which From domain.
        (f"{OURS}; dmarc=pass",),
        (f"{OURS}; dmarc=pass (p=none) smtp.mailfrom=utrecht.nl",),
        # Our host's fail on top outweighs a pass written below it.
        (f"{OURS}; dmarc=fail header.from=utrecht.nl", FORGED_PASS),
        (f"{OURS}; dkim=fail header.d=utrecht.nl; dmarc=none",
         f"{OURS}; dkim=pass header.d=utrecht.nl"),
        # Below a header of another host: already in the mail when it reached our host.
        (f"{OURS}; spf=pass smtp.mailfrom=elders.nl", "relay.elders.nl; spf=pass", FORGED_PASS),
        # Text the sender chose, quoted or in a comment, cannot start a result of its own.
        (f'{OURS}; spf=pass smtp.mailfrom="x; dmarc=pass header.from=utrecht.nl x"@elders.nl',),
        (f"{OURS}; spf=pass ((helo) x; dmarc=pass header.from=utrecht.nl )",),
        # One of ours that cannot be read is no pass, and hides no fail.
        (f'{OURS}; dmarc=pass header.from=utrecht.nl; spf=pass smtp.mailfrom="x',),
        # Two header.from in one result: each must be the From domain.
        (f"{OURS}; dmarc=pass header.from=elders.nl header.from=utrecht.nl",),
        # A signature by a top-level domain aligns with nothing.
        (f"{OURS}; dkim=pass header.d=nl",),
        (f"{OURS}; dkim=pass",),
    ],
    ids=["encoded-authserv-id", "pass-without-header-from", "pass-for-envelope-only",
         "forged-pass-under-our-fail", "forged-dkim-under-our-dkim-fail", "below-another-host",
         "quoted-smuggle", "comment-smuggle", "unreadable", "second-header-from",
         "tld-signature", "signature-without-domain"],
)
def test_tricks_are_not_believed(headers: tuple[str, ...]) -> None:
    assert not passes(headers, OURS, "utrecht.nl")


@pytest.mark.parametrize(
    "headers",
    [
        # Postfix with milters: one header per check, all with our id, on top.
        (f"{OURS}; dmarc=pass (p=reject dis=none) header.from=Utrecht.NL.",
         f"{OURS};\tdkim=pass (2048-bit key; unprotected) header.d=utrecht.nl header.s=s1",
         f"{OURS}; spf=pass smtp.mailfrom=utrecht.nl"),
        # A header an inner host added above our border host's run is skipped.
        ("dovecot.huisverbod.test; none", FORGED_PASS, "relay.elders.nl; dmarc=fail"),
        # Case of the id, spaces around "=", a quoted property value, a method version.
        ('MX.Huisverbod.Test 1; dmarc/1 = pass header.from = "utrecht.nl"',),
        # A non-aligned signature that failed does not spoil an aligned pass.
        (f"{OURS}; dkim=fail header.d=esp.example; dkim=pass header.d=utrecht.nl; dmarc=pass"
         " header.from=utrecht.nl",),
    ],
)
def test_what_real_border_hosts_write_passes(headers: tuple[str, ...]) -> None:
    assert passes(headers, OURS, "utrecht.nl")


def test_a_look_alike_authserv_id_is_not_ours() -> None:
    # "\u212a" (Kelvin sign) lower-cases to "k"; our host strips only its own id, byte for byte.
    forged = ("mx.\u212apn.nl; dmarc=pass header.from=utrecht.nl",)
    assert not passes(forged, "mx.kpn.nl", "utrecht.nl")
    assert passes(("MX.KPN.NL; dmarc=pass header.from=utrecht.nl",), "mx.kpn.nl", "utrecht.nl")


def test_the_view_keeps_authentication_results_raw_and_in_order() -> None:
    raw = (f"Authentication-Results: {OURS};\r\n\tdmarc=fail header.from=utrecht.nl\r\n"
           "Authentication-Results: =?utf-8?q?mx=2Ehuisverbod=2Etest?=; dmarc=pass\r\n").encode()
    mail = read(raw + simple_mail("huisverbod@utrecht.nl", "Cijfers"))
    assert mail.authentication_results == (
        f"{OURS};\tdmarc=fail header.from=utrecht.nl",
        "=?utf-8?q?mx=2Ehuisverbod=2Etest?=; dmarc=pass",
    )
