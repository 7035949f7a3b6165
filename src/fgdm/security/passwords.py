"""Passphrases: argon2id hashing through passlib (libpass) and the NCSC/ASVS policy."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

from passlib.context import CryptContext

from fgdm.i18n import gettext as _

MIN_LENGTH = 8
MAX_LENGTH = 256  # long enough for any passphrase; stops hashing megabytes
# The app's own names (as typed, without spaces or punctuation): the first words an
# attacker tries against it.
APP_NAMES = ("fgdm", "familynetwork")


def make_context(*, memory_kib: int, time_cost: int) -> CryptContext:
    """A passlib context for argon2id with the given cost; older hashes verify and are
    flagged for re-hashing."""
    return CryptContext(
        schemes=["argon2"],
        argon2__type="ID",
        argon2__memory_cost=memory_kib,
        argon2__rounds=time_cost,
        argon2__parallelism=1,
    )


def normalise(passphrase: str) -> str:
    """NFKC-normalises so the same passphrase typed on another keyboard still matches."""
    return unicodedata.normalize("NFKC", passphrase)


def hash_passphrase(context: CryptContext, passphrase: str) -> str:
    """Hashes a passphrase with argon2id."""
    return context.hash(normalise(passphrase))


def verify_passphrase(
    context: CryptContext, passphrase: str, stored_hash: str
) -> tuple[bool, str | None]:
    """Checks a passphrase; returns (ok, new_hash) where new_hash is set when the stored
    hash was made under an older policy and should be replaced."""
    if len(passphrase) > MAX_LENGTH:
        return False, None
    return context.verify_and_update(normalise(passphrase), stored_hash)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case)."""
    text = resources.files("fgdm.security").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def policy_problem(passphrase: str, *, login: str = "", name: str = "") -> str | None:
    """Says what is wrong with a new passphrase, in plain words, or None if it is fine.
    No composition rules and no truncation; pasting is fine."""
    value = normalise(passphrase)
    if len(value) < MIN_LENGTH:
        return _("Your passphrase must be at least 8 characters long.")
    if len(value) > MAX_LENGTH:
        return _("Your passphrase must be 256 characters or fewer.")
    lowered = value.lower().strip()
    squashed = "".join(ch for ch in lowered if ch.isalnum())
    if lowered in common_passwords() or squashed in common_passwords():
        return _(
            "That passphrase is too common and easy to guess. Try three or four random "
            "words together."
        )
    if any(name in squashed for name in APP_NAMES):
        return _("Your passphrase must not contain the name of this app.")
    for own in (login.lower().strip(), name.lower().strip()):
        if own and lowered == own:
            return _("Your passphrase must not be the same as your name or sign-in name.")
    if len(set(value)) == 1:
        return _("Your passphrase must not be one character repeated.")
    return None
