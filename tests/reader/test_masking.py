"""Masking (mailbot.reader.masking, mailbot.reader.masker): which values count as secrets and where
they are masked."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import compat32

from mailbot.reader.masker import Masker, mask_html
from mailbot.reader.masking import Typed, mask_secret_lines, masked_copy, secrets_in
from tests.leaks import holds

SECRET = "kq7m-x3rt-hc9w-pa4e"


def test_every_value_after_a_secret_label_counts_quoted_or_not() -> None:
    raw = (b"From: a@b.nl\r\nSubject: Wachtwoord: uit-het-onderwerp\r\n\r\n"
           b"Wachtwoord: kq7m-x3rt-hc9w-pa4e\r\n> > Geheim: oud-oud-oud\r\nwachtwoord:\r\n"
           b"Mijn wachtwoord staat hieronder\r\n")
    found = secrets_in(message_from_bytes(raw, policy=compat32)).secrets
    assert found == {"uit-het-onderwerp", SECRET, "oud-oud-oud"}


def test_any_case_and_the_value_without_the_punctuation_around_it() -> None:
    mask = Masker({f"{SECRET}."})
    assert mask.text(f"Zie {SECRET.upper()}, of ({SECRET}).") == (
        f"Zie {'*' * 19}, of ({'*' * 19}).")


def test_a_short_value_is_masked_as_a_whole_word_only() -> None:
    assert Masker({"ab"}).text("ab abc cab ab.") == "** abc cab **."


def test_html_is_masked_in_what_a_reader_sees_across_tags_and_entities() -> None:
    markup = (f'<p title="{SECRET}">Wachtwoord: <b>kq7m</b>&#45;x3rt<i>-hc9w</i>-pa4e</p>'
              "<!-- kq7m -->")
    masked = mask_html(markup, Masker({SECRET}))
    assert masked == (f'<p title="{"*" * 19}">Wachtwoord: <b>****</b>*****<i>*****</i>*****</p>'
                      "<!-- kq7m -->")


def test_headers_are_masked_each_in_its_place() -> None:
    raw = (f"From: a@b.nl\r\nThread-Topic: Wachtwoord {SECRET}\r\nReceived: eerste\r\n"
           f"Received: met {SECRET}\r\nSubject: =?utf-8?q?Wachtwoord=3A_{SECRET}?=\r\n\r\n"
           f"Wachtwoord: {SECRET}\r\n").encode()
    copy = masked_copy(raw, Typed({SECRET}, {}))
    assert not holds(copy, SECRET)
    names = [line.split(b":")[0] for line in copy.split(b"\r\n\r\n")[0].split(b"\r\n")]
    assert names[:5] == [b"From", b"Thread-Topic", b"Received", b"Received", b"Subject"]
    assert b"Received: eerste\r\n" in copy


def test_a_mail_that_could_not_be_read_is_masked_where_a_secret_line_shows() -> None:
    raw = b"Subject: x\r\n\r\nGemeente: Utrecht\r\nWACHTWOORD :  kq7m-x3rt\r\nGeheim=abc\r\n"
    assert mask_secret_lines(raw) == (b"Subject: x\r\n\r\nGemeente: Utrecht\r\n"
                                      b"WACHTWOORD :  *********\r\nGeheim=***\r\n")
    assert mask_secret_lines(b"Subject: x\r\n\r\nniets\r\n") is None


def test_a_secret_written_plainly_is_masked_in_place_and_the_rest_kept_byte_for_byte() -> None:
    raw = (b"From: a@b.nl\r\nSubject: formulier\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\nGemeente: Utrecht =E2=80=93 "
           b"stad\r\nWachtwoord: kq7m-x3rt-hc9w-pa4e\r\n> Wachtwoord: KQ7M-X3RT-HC9W-PA4E\r\n")
    message = message_from_bytes(raw, policy=compat32)

    copy = masked_copy(raw, secrets_in(message), message)

    assert copy == raw.replace(b"kq7m-x3rt-hc9w-pa4e", b"*" * 19).replace(
        b"KQ7M-X3RT-HC9W-PA4E", b"*" * 19)


def test_a_secret_hidden_by_an_encoding_is_masked_in_a_copy_written_anew() -> None:
    raw = (b"From: a@b.nl\r\nSubject: formulier\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: quoted-printable\r\n\r\nWachtwoord: kq7m-x3=\r\n"
           b"rt-hc9w-pa4e\r\n")
    message = message_from_bytes(raw, policy=compat32)

    copy = masked_copy(raw, secrets_in(message), message)

    assert not holds(copy, SECRET) and b"Wachtwoord: ***" in copy.replace(b"=\r\n", b"")
