"""Languages: Babel catalogues, the current request's locale, and gettext for code and
templates. Families in Leicester speak many languages; a page in their own language (and
the right direction for it) is part of being heard."""

from __future__ import annotations

import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
# Locales offered to people, with each language's own name for itself. English is
# complete; the others are drafts waiting for review by native speakers (README.md).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "gu": "ગુજરાતી",
    "ur": "اردو",
    "pl": "Polski",
}
RTL_LOCALES = frozenset({"ar", "ur", "fa", "he", "ps"})
# The language chosen before signing in is kept in this cookie (a language code, nothing
# personal); the __Host- prefix where cookies are Secure, like the app's other cookies.
LANGUAGE_COOKIE = "fgdm_lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60

_current_locale: ContextVar[str] = ContextVar("fgdm_locale", default=DEFAULT_LOCALE)


def catalogue_path(locale: str) -> Path:
    """Where a locale's catalogue (.po file) lives."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_translated(message: Message) -> bool:
    """True when a catalogue entry can be used: every form translated, and not fuzzy (a
    guess by `pybabel update` that a translator has not checked)."""
    forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(message.id) and all(forms) and not message.fuzzy


def read_catalogue(path: Path, locale: str) -> Catalog:
    """A .po file read by Babel, with its plural rule from its own header."""
    with path.open("rb") as po:
        return read_po(po, locale=locale, domain=DOMAIN)


def load_translations(path: Path, locale: str) -> Translations:
    """A Translations object made from a .po file (no compiled .mo file is kept): only
    entries that are wholly translated and not fuzzy are used, so anything else is shown
    in English rather than half-translated."""
    catalogue = read_catalogue(path, locale)
    for message in list(catalogue):
        if message.id and not is_translated(message):
            del catalogue[message.id]
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


@cache
def translations(locale: str) -> NullTranslations:
    """The catalogue for a locale, read once per process (English is the source text)."""
    if locale == DEFAULT_LOCALE or not catalogue_path(locale).is_file():
        return NullTranslations()
    return load_translations(catalogue_path(locale), locale)


def load_catalogues() -> None:
    """Reads every offered language's catalogue now, so a broken file stops the app at
    start instead of failing a family's page later."""
    for locale in LANGUAGES:
        translations(locale)


def set_locale(locale: str) -> None:
    """Sets the locale for the rest of this request (or task)."""
    _current_locale.set(locale if locale in LANGUAGES else DEFAULT_LOCALE)


def current_locale() -> str:
    """The locale of the current request."""
    return _current_locale.get()


def text_direction(locale: str | None = None) -> str:
    """'rtl' for right-to-left languages, else 'ltr'."""
    return "rtl" if (locale or current_locale()).split("_")[0] in RTL_LOCALES else "ltr"


def gettext(message: str) -> str:
    """Translates a message into the current locale."""
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translates a message with a plural form into the current locale."""
    return translations(current_locale()).ngettext(singular, plural, n)


def _weight(part: str) -> float:
    for param in part.split(";")[1:]:
        name, _sep, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(float(value), 1.0))
            except ValueError:
                return 0.0
    return 1.0


def pick_locale(accept_language: str | None) -> str:
    """The best offered locale for a browser's Accept-Language header (by its weights,
    then its order)."""
    if not accept_language:
        return DEFAULT_LOCALE
    parts = [part for part in accept_language.split(",")[:50] if part.strip()]
    ranked = sorted(enumerate(parts), key=lambda item: (-_weight(item[1]), item[0]))
    for _index, part in ranked:
        if _weight(part) <= 0:
            continue
        tag = part.split(";")[0].strip().replace("-", "_")
        for candidate in (tag, tag.split("_")[0].lower()):
            if candidate in LANGUAGES:
                return candidate
    return DEFAULT_LOCALE


def offered(locale: str | None) -> str | None:
    """The locale if it is one the app offers, else None."""
    return locale if locale and locale in LANGUAGES else None


def choose_locale(
    *, account: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> str:
    """The page's language: the signed-in person's choice on their account, else the
    choice kept in this browser's cookie, else the browser's preference, else English."""
    return offered(account) or offered(cookie) or pick_locale(accept_language)


def language_cookie_name(*, secure: bool) -> str:
    """The language cookie's name (with the __Host- prefix where cookies are Secure)."""
    return f"__Host-{LANGUAGE_COOKIE}" if secure else LANGUAGE_COOKIE


_ = gettext
