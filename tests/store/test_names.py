"""Organisation names match however they are typed; question labels match by their words."""

from __future__ import annotations

import pytest

from mailbot.store.names import Qualified, fits_any, label_owner, name_key, qualified, spellings

SAME_NAME = [
    ("'s-Hertogenbosch", "s Hertogenbosch"),
    ("'s-Hertogenbosch", "'S-HERTOGENBOSCH"),
    ("’s-Hertogenbosch", "`s-hertogenbosch"),
    ("'s-Gravenhage", "s-gravenhage"),
    ("Súdwest-Fryslân", "sudwest fryslan"),
    ("Súdwest-Fryslân", "SUDWEST-FRYSLAN"),
    ("gemeente Den Haag", "Den Haag"),
    ("Gemeente Den Haag", "den haag"),
    ("GEMEENTE Utrecht", "Utrecht"),
    ("Bergen (NH.)", "bergen nh"),
    ("Bergen (L.)", "Bergen L"),
    ("Alphen aan den Rijn", "alphen-aan-den-rijn"),
    ("Nuenen, Gerwen en Nederwetten", "Nuenen Gerwen en Nederwetten"),
    ("  Utrecht  ", "utrecht"),
    ("Midden-Nederland", "Midden Nederland"),
]


@pytest.mark.parametrize(("written", "registered"), SAME_NAME)
def test_names_written_differently_share_a_key(written: str, registered: str) -> None:
    assert name_key(written) == name_key(registered)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Bergen (NH.)", "Bergen (L.)"),
        ("Bergen (NH.)", "Bergen"),
        ("Utrecht", "Utrechtse Heuvelrug"),
        ("Den Haag", "Den Helder"),
        ("Hengelo", "Hengelo (Gld.)"),
    ],
)
def test_different_names_keep_different_keys(one: str, other: str) -> None:
    assert name_key(one) != name_key(other)


def test_only_a_leading_gemeente_is_dropped() -> None:
    assert name_key("Politie-eenheid Oost-Brabant") == "politieeenheidoostbrabant"
    assert name_key("Gemeentehuis") == "gemeentehuis"
    assert name_key("Utrecht gemeente") == "utrechtgemeente"


@pytest.mark.parametrize(
    ("written", "rest", "kind"),
    [
        ("Gemeente Utrecht", "utrecht", "gemeente"),
        ("Utrecht (gemeente)", "utrecht", "gemeente"),
        ("gem. Utrecht", "utrecht", "gemeente"),
        ("Gem Utrecht", "utrecht", "gemeente"),
        ("GEMEENTE Utrecht (gemeente)", "utrecht", "gemeente"),
        ("Utrecht gemeente", "utrecht", "gemeente"),
        ("Gemeente 's-Hertogenbosch", "shertogenbosch", "gemeente"),
        ("Politie-eenheid Oost-Brabant", "oostbrabant", "politie"),
        ("Politie Eenheid Oost-Brabant", "oostbrabant", "politie"),
        ("Eenheid Midden-Nederland", "middennederland", "politie"),
        ("Regionale Eenheid Limburg", "limburg", "politie"),
        ("Politie Regionale Eenheid Limburg", "limburg", "politie"),
        ("Politie Amsterdam", "amsterdam", "politie"),
        ("Amsterdam (politie)", "amsterdam", "politie"),
        ("Bergen (NH.)", "bergennh", None),
        ("Bergen (L.)", "bergenl", None),
        ("Gemeente Bergen (NH.)", "bergennh", "gemeente"),
        ("Gemert-Bakel", "gemertbakel", None),
        ("Gemeentehuis", "gemeentehuis", None),
        ("Gemeente", "gemeente", None),  # nothing but a qualifier: no name left to strip it from
        ("Politie Utrecht (gemeente)", "utrechtgemeente", "politie"),  # two kinds: one counts
    ],
)
def test_a_qualifier_says_the_kind_and_is_no_part_of_the_name(
    written: str, rest: str, kind: str | None
) -> None:
    assert qualified(written) == Qualified(rest, kind)


def test_bergen_nh_and_bergen_l_stay_apart_whatever_the_qualifier() -> None:
    assert qualified("Gemeente Bergen (NH.)").key != qualified("Gemeente Bergen (L.)").key
    assert "bergen" not in dict(spellings("Gemeente Bergen (NH.)"))


def test_a_police_unit_is_never_spelled_as_a_municipality() -> None:
    spelled = dict(spellings("Eenheid Amsterdam"))
    assert spelled["amsterdam"] == "politie"  # a bare "Amsterdam" fits a police unit only
    assert spelled["politieamsterdam"] == "politie"
    assert all(kind == "politie" for kind in spelled.values())
    assert dict(spellings("Gemeente Utrecht"))["utrecht"] == "gemeente"


@pytest.mark.parametrize("empty", ["", "   ", "'-.", "gemeente", "Gemeente "])
def test_a_name_without_letters_has_an_empty_key(empty: str) -> None:
    assert name_key(empty) == ""


LABELS = {
    "1": "Aantal opgelegde huisverboden",
    "2": "Aantal geweigerde huisverboden",
    "5": "Aantal verlengingen huisverbod",
    "6": "Aantal uithuisgeplaatsten in opvang",
    "7a": "Aantal gestarte hulpverleningstrajecten voor uithuisgeplaatste",
    "7c": "Aantal gestarte hulpverleningstrajecten voor kind(eren)",
    "8": "Aantal voorlopige voorzieningen",
    "9": "Uitkomst voorlopige voorzieningen",
}


@pytest.mark.parametrize(
    ("label", "key", "owner"),
    [
        ("Aantal opgelegde huisverboden", "1", None),
        ("Opgelegde huisverboden", "1", None),
        ("Aantal opgelegd", "1", None),
        ("opgelegd", "1", None),
        ("Huisverboden", "1", None),
        ("Aantal", "1", None),
        ("HV", "1", None),
        ("", "1", None),
        ("Verlengingen", "5", None),
        ("Voorlopige voorzieningen", "9", None),
        ("Uithuisgeplaatste", "7a", None),
        ("Kinderen", "7c", None),
        ("Aantal opgelegde huisverboden", "2", "1"),
        ("Opgelegd", "2", "1"),
        ("Uitkomst voorlopige voorzieningen", "8", "9"),
        ("Hulpverlening kinderen", "7a", "7c"),
        ("januari", "1", ""),
    ],
)
def test_label_owner(label: str, key: str, owner: str | None) -> None:
    assert label_owner(label, key, LABELS) == owner


def test_fits_any_label() -> None:
    assert fits_any("foo", [])  # too short to mean anything
    assert fits_any("Aantal gestarte hulpverleningstrajecten voor", LABELS.values())
    assert not fits_any("januari vergadering", LABELS.values())
