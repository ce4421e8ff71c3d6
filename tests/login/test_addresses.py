from __future__ import annotations

import pytest

from mailbot.login.addresses import AddressError, normalise, try_normalise


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (" J.de.Vries@Utrecht.NL ", "j.de.vries@utrecht.nl"),
        ("info@Súdwest-Fryslân.nl", "info@xn--sdwest-frysln-teb26a.nl"),
        ("Huisverbod@S-HERTOGENBOSCH.nl", "huisverbod@s-hertogenbosch.nl"),
    ],
)
def test_addresses_are_normalised_once(given: str, expected: str) -> None:
    assert normalise(given) == expected


@pytest.mark.parametrize(
    "bad", ["", "geen-adres", "a@", "@utrecht.nl", "a b@utrecht.nl", "x@y.nl\r\nBcc: z@q.nl"]
)
def test_bad_addresses_are_refused(bad: str) -> None:
    with pytest.raises(AddressError):
        normalise(bad)
    assert try_normalise(bad) is None
