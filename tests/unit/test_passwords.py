"""Passphrases: argon2id at the configured cost, re-hashed when the policy changes, and a
policy that follows NCSC and OWASP ASVS (long, no composition rules, no common ones)."""

from __future__ import annotations

import unicodedata

import pytest

from fgdm.config import Settings
from fgdm.security import passwords
from tests.factories import make_user


def _params(stored: str) -> str:
    """The m=,t=,p= part of an argon2 hash."""
    return stored.split("$")[3]


@pytest.fixture
def context(settings):
    return passwords.make_context(
        memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost
    )


def test_stored_hash_is_argon2id_with_the_configured_cost(db, settings):
    user = make_user(db, settings)
    assert user.password_hash.startswith("$argon2id$v=19$")
    assert _params(user.password_hash) == (
        f"m={settings.argon2_memory_kib},t={settings.argon2_time_cost},p=1"
    )
    assert "correct horse" not in user.password_hash


def test_production_cost_defaults_are_the_owasp_minimum(monkeypatch):
    for name in ("FGDM_ARGON2_MEMORY_KIB", "FGDM_ARGON2_TIME_COST"):
        monkeypatch.delenv(name, raising=False)
    defaults = Settings(_env_file=None)
    assert defaults.argon2_memory_kib == 19456
    assert defaults.argon2_time_cost == 2
    context = passwords.make_context(
        memory_kib=defaults.argon2_memory_kib, time_cost=defaults.argon2_time_cost
    )
    stored = passwords.hash_passphrase(context, "a long enough passphrase")
    assert stored.startswith("$argon2id$")
    assert _params(stored) == "m=19456,t=2,p=1"


def test_same_passphrase_gets_a_different_salt_each_time(context):
    assert passwords.hash_passphrase(context, "same words again") != passwords.hash_passphrase(
        context, "same words again"
    )


@pytest.mark.parametrize(
    ("old_memory", "old_time"), [(512, 1), (1024, 1)], ids=["less memory", "fewer passes"]
)
def test_sign_in_rehashes_a_passphrase_stored_under_an_older_policy(
    client, db, settings, old_memory, old_time
):
    user = make_user(db, settings)
    # The new policy asks for more than the old one (time cost 2 in this app).
    settings.argon2_time_cost = 2
    cheaper = passwords.make_context(memory_kib=old_memory, time_cost=old_time)
    user.password_hash = passwords.hash_passphrase(cheaper, "correct horse battery staple")
    db.add(user)
    db.commit()
    old_hash = user.password_hash
    client.sign_in(user.login, "correct horse battery staple")
    db.refresh(user)
    assert user.password_hash != old_hash
    assert _params(user.password_hash) == f"m={settings.argon2_memory_kib},t=2,p=1"
    # And the new hash still works.
    client.submit("/logout")
    client.sign_in(user.login, "correct horse battery staple")


def test_sign_in_keeps_a_hash_made_under_the_current_policy(client, db, settings):
    user = make_user(db, settings)
    old_hash = user.password_hash
    client.sign_in(user.login, "correct horse battery staple")
    db.refresh(user)
    assert user.password_hash == old_hash


@pytest.mark.parametrize("passphrase", ["", "a", "seven77", "abc def"])
def test_passphrases_shorter_than_eight_characters_are_refused(passphrase):
    assert "at least 8 characters" in passwords.policy_problem(passphrase)


@pytest.mark.parametrize(
    "passphrase",
    [
        "correct horse battery staple",
        "all lower case words here",
        "12345 is not my number at all",
        "x" * 7 + "y",
        "w" * 63 + "z",
        "long " * 40,
    ],
    ids=["words", "lower case", "digits and words", "8 chars", "64 chars", "200 chars"],
)
def test_long_passphrases_without_composition_rules_are_accepted(passphrase):
    assert passwords.policy_problem(passphrase) is None


def test_long_passphrases_are_never_truncated(context):
    first = "a" * 72
    stored = passwords.hash_passphrase(context, first + "b" * 28)
    assert passwords.verify_passphrase(context, first + "b" * 28, stored)[0]
    assert not passwords.verify_passphrase(context, first + "c" * 28, stored)[0]
    assert not passwords.verify_passphrase(context, first, stored)[0]
    two_hundred = "river " * 33 + "st"
    assert len(two_hundred) == 200
    stored = passwords.hash_passphrase(context, two_hundred)
    assert passwords.verify_passphrase(context, two_hundred, stored)[0]
    assert not passwords.verify_passphrase(context, two_hundred[:-1] + "x", stored)[0]


def test_extremely_long_input_is_refused_without_hashing_it(context):
    stored = passwords.hash_passphrase(context, "a fine passphrase")
    assert passwords.verify_passphrase(context, "x" * 100_000, stored) == (False, None)
    assert "256 characters or fewer" in passwords.policy_problem("x" * 257)


@pytest.mark.parametrize(
    "passphrase",
    [
        "password123",
        "iloveyou1",
        "PASSWORD123",
        "ILoveYou1",
        "Password123 ",
        "p.a.s.s.w.o.r.d.1.2.3",
    ],
)
def test_common_passwords_are_refused_whatever_the_case(passphrase):
    assert "too common" in passwords.policy_problem(passphrase)


@pytest.mark.parametrize(
    "passphrase", ["fgdm2024!", "FGDM password", "my fgdm login", "Family Network 1"]
)
def test_the_apps_name_is_refused(passphrase):
    assert "name of this app" in passwords.policy_problem(passphrase)


def test_passphrase_same_as_own_name_or_sign_in_is_refused():
    assert passwords.policy_problem("Nadia Begum", name="Nadia Begum")
    assert passwords.policy_problem(
        "nadia.begum@council.example.org", login="nadia.begum@council.example.org"
    )


def test_one_character_repeated_is_refused():
    assert passwords.policy_problem("zzzzzzzzzzzz")


@pytest.mark.parametrize(
    "passphrase",
    [
        "મારું ઘર બહુ સુંદર છે",  # Gujarati
        "میرا گھر بہت خوبصورت ہے",  # Urdu
        "🐶🐱🐭🐹🐰🦊🐻🐼",  # emoji
        "Żółw pije herbatę",  # Polish
    ],
    ids=["gujarati", "urdu", "emoji", "polish"],
)
def test_passphrases_in_any_script_work_from_sign_up_to_sign_in(passphrase, client, db, settings):
    assert passwords.policy_problem(passphrase) is None
    user = make_user(db, settings, passphrase=passphrase)
    client.sign_in(user.login, passphrase)
    assert client.get("/families").status_code == 200


def test_passphrases_are_compared_after_nfkc_normalisation(context):
    composed = "café au lait please"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    stored = passwords.hash_passphrase(context, decomposed)
    assert passwords.verify_passphrase(context, composed, stored)[0]
    fullwidth = "ｃｏｒｒｅｃｔ horse battery staple"
    stored = passwords.hash_passphrase(context, "correct horse battery staple")
    assert passwords.verify_passphrase(context, fullwidth, stored)[0]
    assert not passwords.verify_passphrase(context, "Correct horse battery staple", stored)[0]


def test_a_normalised_passphrase_signs_in_over_http(client, db, settings):
    user = make_user(db, settings, passphrase=unicodedata.normalize("NFD", "crème brûlée dessert"))
    client.sign_in(user.login, unicodedata.normalize("NFC", "crème brûlée dessert"))
    assert client.get("/families").status_code == 200
