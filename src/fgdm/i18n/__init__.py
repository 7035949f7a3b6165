"""Languages: Babel catalogues, the current request's locale, and gettext for code and
templates."""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
# Locales offered to people, with each language's own name for itself.
LANGUAGES: dict[str, str] = {"en": "English"}
RTL_LOCALES = frozenset({"ar", "ur", "fa", "he", "ps"})

_current_locale: ContextVar[str] = ContextVar("fgdm_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue for a locale (English falls back to the source text)."""
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


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


def pick_locale(accept_language: str | None) -> str:
    """The best offered locale for a browser's Accept-Language header."""
    if not accept_language:
        return DEFAULT_LOCALE
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        for candidate in (tag, tag.split("_")[0]):
            if candidate in LANGUAGES:
                return candidate
    return DEFAULT_LOCALE


_ = gettext
