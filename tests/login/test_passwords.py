from __future__ import annotations

import pytest

from mailbot.login import passwords


def test_generated_secrets_avoid_look_alikes_and_differ() -> None:
    made = {passwords.generate() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert len(passwords.canonical(secret)) == 16
        assert not set(passwords.canonical(secret)) & set("01lio5s2z8b")


def test_hash_is_argon2id_at_owasp_minimum_and_never_the_secret() -> None:
    secret = passwords.generate()
    stored = passwords.hash_secret(secret)
    assert stored.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in stored
    assert passwords.canonical(secret) not in stored


def test_verify_forgives_case_spaces_and_hyphens_only() -> None:
    stored = passwords.hash_secret("kq7m-x3rt-hc9w-pa4e")
    assert passwords.verify(stored, "KQ7M X3RT HC9W PA4E")
    assert passwords.verify(stored, "kq7mx3rthc9wpa4e")
    assert not passwords.verify(stored, "kq7m-x3rt-hc9w-pa4f")
    assert not passwords.verify("not a hash", "kq7m-x3rt-hc9w-pa4e")


def test_a_verified_secret_is_remembered_only_for_the_same_stored_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = passwords.VerifiedSecrets()
    stored = passwords.hash_secret("kq7m-x3rt-hc9w-pa4e")
    assert cache.verify(1, 10, stored, "kq7m-x3rt-hc9w-pa4e")
    calls: list[str] = []
    real = passwords.verify
    monkeypatch.setattr(passwords, "verify", lambda h, s: calls.append(s) or real(h, s))
    assert cache.verify(1, 10, stored, "KQ7M X3RT HC9W PA4E")  # cached: no argon2
    assert calls == []
    assert not cache.verify(1, 10, stored, "fout-fout-fout-fout")  # a wrong one pays in full
    assert len(calls) == 1
    newer = passwords.hash_secret("nieuw-geheim-woord-x")
    assert not cache.verify(1, 11, newer, "kq7m-x3rt-hc9w-pa4e")  # the old one is forgotten
    assert len(calls) == 2


def test_the_cache_holds_no_secret_in_clear() -> None:
    cache = passwords.VerifiedSecrets()
    cache.verify(1, 10, passwords.hash_secret("kq7m-x3rt-hc9w-pa4e"), "kq7m-x3rt-hc9w-pa4e")
    assert "kq7m" not in repr(vars(cache)) and b"kq7m" not in b"".join(
        mac for _, mac in cache._seen.values()
    )


def test_a_check_done_ahead_answers_the_mails_own_turn(argon2_runs: list[str]) -> None:
    cache = passwords.VerifiedSecrets()
    stored = passwords.hash_secret("kq7m-x3rt-hc9w-pa4e")

    assert not cache.verify(1, 10, stored, "kq7m-x3rt-hc9w-pa4e", ahead=True)  # not known yet
    assert not cache.verify(1, 10, stored, "fout-fout-fout-fout", ahead=True)
    assert cache.verify(1, 10, stored, "kq7m-x3rt-hc9w-pa4e")  # waits for the worker
    assert not cache.verify(1, 10, stored, "fout-fout-fout-fout")  # a refusal checked ahead

    assert len(argon2_runs) == 2 and all(name.startswith("argon2") for name in argon2_runs)


def test_a_check_done_ahead_against_an_old_secret_is_not_trusted(
    argon2_runs: list[str],
) -> None:
    cache = passwords.VerifiedSecrets()
    old = passwords.hash_secret("kq7m-x3rt-hc9w-pa4e")
    newer = passwords.hash_secret("nieuw-geheim-woord-x")

    cache.verify(1, 10, old, "kq7m-x3rt-hc9w-pa4e", ahead=True)
    # The admin gave Utrecht a new secret before the mail's turn came.
    assert not cache.verify(1, 11, newer, "kq7m-x3rt-hc9w-pa4e")
    assert cache.verify(1, 11, newer, "nieuw-geheim-woord-x")
    assert len(argon2_runs) == 3  # both checked against the new secret, not taken from ahead


def test_a_burn_done_ahead_is_used_up_by_one_turn(argon2_runs: list[str]) -> None:
    cache = passwords.VerifiedSecrets()

    cache.burn("a@b.nl\0Nergenshuizen", "geheim-geheim", ahead=True)
    cache.burn("a@b.nl\0Nergenshuizen", "geheim-geheim")  # the turn: already spent ahead
    cache.burn("a@b.nl\0Nergenshuizen", "geheim-geheim")  # the same mail again pays again

    assert len(argon2_runs) == 2


def test_a_burn_the_turn_did_itself_is_not_done_again_by_the_late_thread(
    argon2_runs: list[str]
) -> None:
    cache = passwords.VerifiedSecrets()

    cache.burn("a@b.nl\0Nergenshuizen", "fout-1")  # the mail's turn came first: it pays
    cache.burn("a@b.nl\0Nergenshuizen", "fout-1", ahead=True)  # the thread, late for it
    cache.burn("a@b.nl\0Nergenshuizen", "fout-2")  # the next mail, behind it on the worker

    assert len(argon2_runs) == 2


def test_only_the_worker_threads_run_argon2(argon2_runs: list[str]) -> None:
    cache = passwords.VerifiedSecrets()
    cache.verify(1, 10, passwords.hash_secret("kq7m-x3rt-hc9w-pa4e"), "kq7m-x3rt-hc9w-pa4e")
    cache.burn("a@b.nl\0Nergenshuizen", "geheim-geheim")
    assert len(argon2_runs) == 2 and all(name.startswith("argon2") for name in argon2_runs)


def test_the_read_ahead_thread_looks_at_each_login_once() -> None:
    cache = passwords.VerifiedSecrets()
    assert cache.first_look("a@utrecht.nl", "Utrecht", "kq7m-x3rt-hc9w-pa4e")
    assert not cache.first_look("a@utrecht.nl", "Utrecht", "KQ7M X3RT HC9W PA4E")
    assert cache.first_look("b@utrecht.nl", "Utrecht", "kq7m-x3rt-hc9w-pa4e")
