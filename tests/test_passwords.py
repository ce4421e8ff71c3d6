from __future__ import annotations

from mailbot import passwords


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
