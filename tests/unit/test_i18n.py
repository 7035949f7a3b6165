"""Languages: which language a page is in, the catalogues the translators write, plural
forms, and which way the text runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po
from babel.support import Translations

from fgdm import i18n

TRANSLATED = sorted(set(i18n.LANGUAGES) - {i18n.DEFAULT_LOCALE})
# A placeholder: %(name)s, %(num)d ...
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
ANY_PERCENT = re.compile(r"%%|%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%")


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in PLACEHOLDER.finditer(text))


def stray_percents(text: str) -> int:
    """Per cent signs that are neither a placeholder nor "%%": a crash when formatted."""
    return sum(1 for match in ANY_PERCENT.finditer(text) if match.group(0) == "%")


def catalogue_entries(locale: str) -> list[Message]:
    with i18n.catalogue_path(locale).open("rb") as po:
        catalogue = read_po(po, locale=locale)
    return [message for message in catalogue if message.id and i18n.is_translated(message)]


@pytest.mark.parametrize(
    ("account", "cookie", "accept_language", "expected"),
    [
        ("pl", "ur", "gu", "pl"),  # the account's choice wins on every device
        ("en", "ur", "ur", "en"),  # English chosen on the account stays English
        (None, "ur", "gu", "ur"),  # before sign-in, the choice made in this browser
        (None, None, "gu,en;q=0.5", "gu"),  # no choice yet: the browser's language
        (None, None, "fr-FR, de", "en"),  # nothing offered: English
        (None, None, None, "en"),
        ("xx", "zz", "pl", "pl"),  # codes the app does not offer are passed over
    ],
)
def test_the_page_language_is_the_account_then_the_cookie_then_the_browser_then_english(
    account, cookie, accept_language, expected
):
    chosen = i18n.choose_locale(account=account, cookie=cookie, accept_language=accept_language)

    assert chosen == expected


def test_the_browser_language_with_the_highest_weight_is_picked():
    assert i18n.pick_locale("en;q=0.3, ur-PK;q=0.9, pl;q=0.5") == "ur"
    assert i18n.pick_locale("PL-pl") == "pl"
    assert i18n.pick_locale("ur;q=0, gu") == "gu"
    assert i18n.pick_locale("ur;q=banana, pl") == "pl"


def test_each_language_is_offered_under_its_own_name():
    assert i18n.LANGUAGES == {"en": "English", "gu": "ગુજરાતી", "ur": "اردو", "pl": "Polski"}


@pytest.mark.parametrize(
    ("locale", "direction"),
    [("ur", "rtl"), ("ar", "rtl"), ("en", "ltr"), ("gu", "ltr"), ("pl", "ltr"), ("ur_PK", "rtl")],
)
def test_urdu_and_arabic_run_right_to_left_and_the_others_left_to_right(locale, direction):
    assert i18n.text_direction(locale) == direction


def test_the_current_pages_language_gives_the_direction_when_none_is_named():
    i18n.set_locale("ur")
    try:
        assert i18n.text_direction() == "rtl"
    finally:
        i18n.set_locale("en")


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_translation_keeps_exactly_the_placeholders_of_its_english(locale):
    problems = []
    for message in catalogue_entries(locale):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(ids) == 1:
            expected = [placeholders(ids[0])] * len(forms)
        else:
            # The singular may leave out the number ("one person"); a translation's forms
            # may too, but never use a name the English does not pass in.
            union = sorted(set(placeholders(ids[0])) | set(placeholders(ids[1])))
            expected = [union] * len(forms)
        for form, wanted in zip(forms, expected, strict=True):
            found = placeholders(form)
            plural_ok = len(ids) > 1 and set(found) <= set(wanted)
            if found != wanted and not plural_ok:
                problems.append(f"{ids[0]!r}: {form!r} has {found}, needs {wanted}")
            if stray_percents(form) > stray_percents(ids[0]):
                problems.append(f"{ids[0]!r}: {form!r} has a lone % (write %% for a per cent)")

    assert problems == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_catalogue_has_its_languages_plural_rule(locale):
    with i18n.catalogue_path(locale).open("rb") as po:
        catalogue = read_po(po, locale=locale)

    assert catalogue.locale_identifier == locale
    assert catalogue.num_plurals == (3 if locale == "pl" else 2)


def write_po(path: Path, header_from: str, entries: str) -> Path:
    """A small catalogue with the real header (so the real plural rule) of a language."""
    header = i18n.catalogue_path(header_from).read_text(encoding="utf-8").split("\n\n")[0]
    path.write_text(header + "\n\n" + entries, encoding="utf-8")
    return path


def test_polish_plurals_take_the_form_polish_uses_for_each_number(tmp_path):
    po = write_po(
        tmp_path / "pl.po",
        "pl",
        'msgid "%(num)d person"\n'
        'msgid_plural "%(num)d people"\n'
        'msgstr[0] "%(num)d osoba"\n'
        'msgstr[1] "%(num)d osoby"\n'
        'msgstr[2] "%(num)d osób"\n',
    )
    polish = i18n.load_translations(po, "pl")

    said = {
        n: polish.ngettext("%(num)d person", "%(num)d people", n) % {"num": n}
        for n in (1, 2, 5, 22, 12)
    }

    assert said == {1: "1 osoba", 2: "2 osoby", 5: "5 osób", 22: "22 osoby", 12: "12 osób"}


def test_the_real_polish_catalogue_is_read_with_three_plural_forms():
    polish = i18n.translations("pl")

    assert polish.plural(1) == 0
    assert [polish.plural(n) for n in (2, 3, 4, 22)] == [1, 1, 1, 1]
    assert [polish.plural(n) for n in (5, 11, 12, 25)] == [2, 2, 2, 2]


def test_untranslated_and_fuzzy_entries_are_shown_in_english(tmp_path):
    po = write_po(
        tmp_path / "ur.po",
        "ur",
        'msgid "Families"\nmsgstr "خاندان"\n\n'
        'msgid "Sign out"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "My account"\nmsgstr "غلط اندازہ"\n\n'
        'msgid "%(num)d person"\nmsgid_plural "%(num)d people"\n'
        'msgstr[0] "%(num)d فرد"\nmsgstr[1] ""\n',
    )
    urdu = i18n.load_translations(po, "ur")

    assert urdu.gettext("Families") == "خاندان"
    assert urdu.gettext("Sign out") == "Sign out"
    assert urdu.gettext("My account") == "My account"
    # Half a plural is not used: both numbers read in English rather than a mixture.
    assert urdu.ngettext("%(num)d person", "%(num)d people", 1) == "%(num)d person"
    assert urdu.ngettext("%(num)d person", "%(num)d people", 3) == "%(num)d people"


def test_gettext_follows_the_language_set_for_the_request(tmp_path, monkeypatch):
    po = write_po(tmp_path / "ur.po", "ur", 'msgid "Families"\nmsgstr "خاندان"\n')
    urdu = i18n.load_translations(po, "ur")
    monkeypatch.setattr(i18n, "translations", lambda locale: urdu)
    i18n.set_locale("ur")
    try:
        assert i18n.gettext("Families") == "خاندان"
        assert i18n.current_locale() == "ur"
        i18n.set_locale("xx")
        assert i18n.current_locale() == "en"
    finally:
        i18n.set_locale("en")


def test_every_offered_language_has_a_catalogue_read_from_its_po_file():
    i18n.load_catalogues()

    for locale in TRANSLATED:
        assert i18n.catalogue_path(locale).is_file()
        assert isinstance(i18n.translations(locale), Translations)
    assert not isinstance(i18n.translations("en"), Translations)


STYLESHEETS = Path(__file__).resolve().parents[2] / "src" / "fgdm" / "static" / "css"
PHYSICAL = re.compile(
    r"\b(?:margin|padding|border|inset)-(?:left|right)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
    r"|\b(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
)


@pytest.mark.parametrize("sheet", ["app.css", "print.css"])
def test_the_stylesheets_say_start_and_end_never_left_and_right(sheet):
    css = (STYLESHEETS / sheet).read_text()

    assert PHYSICAL.findall(css) == []


def test_typed_words_are_isolated_and_escaped_inside_a_translated_sentence():
    from fgdm.web import templates

    page = templates.env.from_string('{{ _("Signed in as %(name)s", name=bdi(who)) }}')

    assert page.render(who="نانی جان <b>") == "Signed in as <bdi>نانی جان &lt;b&gt;</bdi>"


@pytest.mark.parametrize(
    ("locale", "written"), [("en", "12,345"), ("pl", "12\xa0345"), ("ur", "12,345")]
)
def test_numbers_are_written_the_way_the_pages_language_writes_them(locale, written):
    from fgdm.web import templates

    i18n.set_locale(locale)
    try:
        assert templates.env.from_string("{{ 12345|number }}").render() == written
    finally:
        i18n.set_locale("en")
