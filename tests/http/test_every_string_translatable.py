"""Every string on every page goes through gettext, so every page can be translated.

A made-up language wraps each translated string in ⟦ ⟧; after rendering every page a
person can reach, any visible text (or label attribute) outside the brackets, apart
from what people typed and what is marked translate="no" (keys and codes, not language),
is a string someone forgot to wrap."""

from __future__ import annotations

import re

import pytest
from babel.dates import get_month_names
from babel.support import NullTranslations
from bs4 import BeautifulSoup, Comment, Doctype
from sqlmodel import select

from fgdm import i18n
from fgdm.accounts.models import StaffRole
from fgdm.network.ecomap import shorten
from fgdm.network.models import Person
from tests.conftest import walk_routes
from tests.factories import PASSPHRASE, make_family, make_user


class Bracketing(NullTranslations):
    def gettext(self, message: str) -> str:
        return f"⟦{message}⟧"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"⟦{singular if n == 1 else plural}⟧"


@pytest.fixture
def bracketed(monkeypatch):
    monkeypatch.setitem(i18n.LANGUAGES, "eo", "Bracketed")
    original = i18n.translations

    def translations(locale: str):
        return Bracketing() if locale == "eo" else original(locale)

    monkeypatch.setattr(i18n, "translations", translations)


LABEL_ATTRIBUTES = ("aria-label", "alt", "title", "placeholder")
# Not words: separators and punctuation that need no translation.
_MONTHS = [
    *get_month_names("wide", locale="eo").values(),
    *get_month_names("abbreviated", locale="eo").values(),
]
DATE_PARTS = re.compile(
    "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True)) + r"|\d+"
)
NOT_WORDS = re.compile(r"^[\s·,:;()\-–—/|.]*$")


def untranslated(html: str, typed: set[str]) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "title"]):
        hidden.decompose()
    # What people typed is isolated in <bdi> inside a translated sentence: read the
    # sentence as one text again.
    for isolated in soup("bdi"):
        isolated.replace_with(isolated.get_text())
    soup.smooth()
    # translate="no" marks what is not language (a key to type into an app, codes).
    for code in soup.find_all(attrs={"translate": "no"}):
        code.decompose()
    leftovers: list[str] = []
    texts = [t.strip() for t in soup.find_all(string=True) if not isinstance(t, Comment | Doctype)]
    for element in soup.find_all(True):
        texts.extend(element.get(attr, "") for attr in LABEL_ATTRIBUTES if element.get(attr))
    for text in texts:
        remainder = text
        while True:  # innermost brackets first: translated sentences hold translated parts
            shorter = re.sub(r"⟦[^⟦⟧]*⟧", "", remainder, flags=re.S)
            if shorter == remainder:
                break
            remainder = shorter
        for word in sorted(typed, key=len, reverse=True):  # "Person 138" before "8"
            remainder = remainder.replace(word, "")
        remainder = DATE_PARTS.sub("", remainder)  # dates are formatted for the locale
        if not NOT_WORDS.match(remainder):
            leftovers.append(text)
    return leftovers


def test_every_page_a_practitioner_can_open_is_fully_translatable(
    bracketed, client, db, settings, app
):
    setup = make_family(db, settings, name="The Okoro family", children=("Tomi",))
    setup.practitioner.locale = "eo"
    db.add(setup.practitioner)
    db.commit()
    typed = {
        "The Okoro family",
        "Tomi",
        "Parent",
        "Young person",
        setup.practitioner.display_name,
        setup.practitioner.login,
        "testclient",
        "8",
    }
    typed |= {shorten(name) for name in typed}  # the map cuts long names short
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    child_id = db.exec(select(Person.id).where(Person.family_group_id == setup.id)).first()
    checked = 0
    for route in walk_routes(app):
        if "GET" not in route.methods:
            continue
        if route.path.startswith(("/api/", "/docs", "/openapi")):
            continue
        path = route.path.replace("{family_id}", str(setup.id)).replace(
            "{person_id}", str(child_id)
        )
        if "{" in path:
            continue
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
            continue
        checked += 1
        assert untranslated(response.text, typed) == [], path
    assert checked >= 7


def test_sign_in_and_error_pages_are_fully_translatable(bracketed, client, db, settings):
    user = make_user(db, settings, role=StaffRole.admin)
    user.locale = "eo"
    db.add(user)
    db.commit()
    client.headers["Accept-Language"] = "eo"
    page = client.get("/login")
    assert untranslated(page.text, set()) == []
    failed = client.submit("/login", {"login": "nobody", "passphrase": "wrong passphrase"})
    assert failed.status_code == 422
    assert untranslated(failed.text, {"nobody"}) == []
    client.sign_in(user.login, PASSPHRASE)
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert untranslated(missing.text, {user.display_name}) == []
