"""The family plan as a handout: WeasyPrint draws the PDF with page numbers and reads
nothing but the app's own static files; each reader's handout holds only what they may
see; the children's version is in the children's words."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.plans.handout import read_childrens_version, read_handout
from fgdm.plans.pdf import NotOurs, page_numbers_css, render_pdf, static_only_fetcher
from fgdm.web import qr_code
from tests.factories import actor_for, make_family
from tests.http.test_plan_print import EVERYONE_PHONE, STAFF_PHONE, write_plan

BASE = "http://testserver/families/1/plan/print"


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_pdf_has_the_page_words_and_page_numbers_on_every_page():
    rows = "".join(f"<p>Action number {n}</p>" for n in range(120))
    data = render_pdf(f"<html><body><h1>Our family plan</h1>{rows}</body></html>", base_url=BASE)
    pages = pdf_text(data)
    assert len(pages) >= 2
    assert "Our family plan" in pages[0]
    assert "Action number 119" in pages[-1]
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text


def test_the_app_stylesheets_and_pictures_are_read_from_disk():
    fetcher = static_only_fetcher(BASE)
    response = fetcher.fetch("http://testserver/static/css/print.css?v=123")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    picture = fetcher.fetch("http://testserver/static/pictograms/sun.svg")
    assert picture.read().lstrip().startswith(b"<svg")


def test_the_qr_code_as_a_data_uri_is_read():
    uri, _size = qr_code("http://testserver/families/1/plan")
    response = static_only_fetcher(BASE).fetch(uri)
    assert b"<svg" in response.read()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/static/css/app.css",  # another site
        "https://testserver/static/css/app.css",  # another scheme, so another origin
        "http://testserver/families/1/plan",  # a page of the app, not a static file
        "http://testserver/static/../../../../etc/passwd",
        "http://testserver/static/%2e%2e/%2e%2e/config.py",
        "http://testserver/static/css/nothing-here.css",
        "file:///etc/passwd",
        "ftp://testserver/static/css/app.css",
    ],
)
def test_nothing_else_is_fetched(url):
    with pytest.raises((NotOurs, ValueError)):
        static_only_fetcher(BASE).fetch(url)


def test_a_stylesheet_from_elsewhere_is_left_out_and_the_pdf_still_drawn():
    html = (
        '<html><head><link rel="stylesheet" href="http://example.org/x.css"></head>'
        "<body><p>Still here</p></body></html>"
    )
    assert "Still here" in pdf_text(render_pdf(html, base_url=BASE))[0]


def test_page_numbers_are_quoted_css_with_counters():
    css = page_numbers_css()
    assert 'content: "Page " counter(page) " of " counter(pages)' in css


# --- What a handout holds, by reader ---------------------------------------------------


def _handout(db, settings, setup, user, *, staff_details=False):
    access = families_service.get_access(db, user=user, family_group_id=setup.id)
    return read_handout(
        db, actor=actor_for(settings, user), access=access, staff_details=staff_details
    )


def _phones(handout) -> set[str]:
    return {phone.number for c in handout.contacts for phone in c.phones}


def test_a_family_members_handout_never_holds_practitioner_details_even_when_asked(db, settings):
    setup = make_family(db, settings)
    write_plan(db, settings, setup)
    for user in (setup.parent, setup.young_person):
        handout = _handout(db, settings, setup, user, staff_details=True)
        assert handout.with_staff_details is False
        assert _phones(handout) == {EVERYONE_PHONE}
        assert not any(c.is_worry for c in handout.contacts)


def test_a_practitioners_handout_holds_their_details_only_when_asked(db, settings):
    setup = make_family(db, settings)
    written = write_plan(db, settings, setup)
    plain = _handout(db, settings, setup, setup.practitioner)
    assert _phones(plain) == {EVERYONE_PHONE}
    assert not any(c.is_worry for c in plain.contacts)
    full = _handout(db, settings, setup, setup.practitioner, staff_details=True)
    assert full.with_staff_details is True
    assert _phones(full) == {EVERYONE_PHONE, STAFF_PHONE}
    assert [c.name for c in full.contacts if c.is_worry] == [written.dev.known_as]
    actions = full.actions
    assert [c.name for c in full.contacts_for(actions[0])] == ["Nan Bibi"]


def test_a_number_shared_with_one_family_member_is_in_their_handout_only(db, settings):
    setup = make_family(db, settings)
    written = write_plan(db, settings, setup)
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    network_service.add_detail(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access,
        person_id=written.nan.id,
        field_name="phone",
        value="07700 900555",
        visibility="named",
        named={setup.parent.id},
    )
    db.commit()
    assert "07700 900555" in _phones(_handout(db, settings, setup, setup.parent))
    assert "07700 900555" not in _phones(_handout(db, settings, setup, setup.young_person))


def test_the_childrens_version_uses_their_words_or_the_familys(db, settings):
    setup = make_family(db, settings)
    write_plan(db, settings, setup)
    access = families_service.get_access(db, user=setup.young_person, family_group_id=setup.id)
    version = read_childrens_version(
        db, actor=actor_for(settings, setup.young_person), access=access
    )
    assert version.goals == ["You go to school."]
    first, second = version.cards
    assert (first.words, first.picture.name, first.helpers) == (
        "Nan takes you home on Fridays.",
        "bus",
        ["Nan"],
    )
    assert (second.words, second.picture, second.helpers) == (
        "Dev keeps away after eight",
        None,
        ["Dev"],
    )
