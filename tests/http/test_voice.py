"""The three houses over HTTP: only the people the child chose (and practitioners) see the
page, the print and the drawings; others get 404 and no link; forms keep what was typed;
stale versions get the conflict page; uploads are checked by content and cleaned."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlmodel import col, select

from fgdm.accounts.models import StaffRole
from fgdm.audit.models import AuditEvent
from fgdm.network.models import Person
from fgdm.voice.models import HouseDrawing, HouseEntry, ThreeHouses, ThreeHousesViewer
from tests.factories import PASSPHRASE, make_family, make_user
from tests.unit.test_images import GPS_IFD, gps_photo, picture


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


@pytest.fixture
def child(db, family):
    return db.exec(
        select(Person).where(Person.family_group_id == family.id, col(Person.is_child).is_(True))
    ).one()


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def houses_url(family, child):
    return f"/families/{family.id}/three-houses/{child.id}"


@pytest.fixture
def worker(make_client, family, child):
    """The practitioner, signed in, who has opened the child's houses once (making them)."""
    browser = signed_in(make_client, family.practitioner)
    assert browser.get(houses_url(family, child)).status_code == 200
    return browser


def add(browser, family, child, text, house="worries", photo=None, name="drawing.jpg"):
    files = {"photo": (name, photo, "image/jpeg")} if photo is not None else None
    data = {"house": house, "text": text, "csrf_token": browser.token()}
    return browser.post(f"{houses_url(family, child)}/entries", data=data, files=files)


def houses_version(db):
    db.expire_all()
    return db.exec(select(ThreeHouses)).one().version


def choose(browser, db, family, child, *users):
    return browser.submit(
        f"{houses_url(family, child)}/viewers",
        {"version": str(houses_version(db)), "viewer": [str(u.id) for u in users]},
    )


def entries(db):
    db.expire_all()
    return list(db.exec(select(HouseEntry).order_by(col(HouseEntry.id))))


def test_a_practitioner_sees_three_houses_with_their_names(worker, family, child):
    page = soup(worker.get(houses_url(family, child)))
    assert page.select_one("h1").get_text(strip=True) == "Amir's three houses"
    titles = [h.get_text(strip=True) for h in page.select("section.house h2")]
    assert titles == ["House of worries", "House of good things", "House of dreams"]
    assert all(svg["aria-hidden"] == "true" for svg in page.select("section.house svg"))
    assert len(page.select("form.house__add")) == 3
    assert page.select_one("#photo-dreams")["accept"] == "image/jpeg,image/png,image/webp"


def test_words_put_in_a_house_show_in_that_house_with_who_wrote_them(worker, db, family, child):
    added = add(worker, family, child, "I like football", house="good_things")
    assert added.status_code == 303
    assert added.headers["location"] == f"{houses_url(family, child)}#house-good_things"
    page = soup(worker.get(houses_url(family, child)))
    house = page.select_one("#house-good_things")
    assert house.select_one(".house-entry__text").get_text(strip=True) == "I like football"
    by = house.select_one(".house-entry__by").get_text(" ", strip=True)
    assert f"Written with {family.practitioner.display_name} (practitioner)" in by
    assert page.select_one("#house-worries .house-entry") is None


def test_a_parent_not_chosen_gets_not_found_everywhere_and_no_link(
    worker, make_client, db, family, child
):
    add(worker, family, child, "A secret", photo=picture("JPEG"))
    [entry] = entries(db)
    mum = signed_in(make_client, family.parent)
    for url in (
        houses_url(family, child),
        f"{houses_url(family, child)}/print",
        f"/families/{family.id}/three-houses/drawings/{entry.drawing_id}",
    ):
        response = mum.get(url)
        assert response.status_code == 404, url
        assert "A secret" not in response.text
    home = soup(mum.get(f"/families/{family.id}"))
    assert home.select_one(f"a[href='/families/{family.id}/three-houses']") is None
    listed = soup(mum.get(f"/families/{family.id}/three-houses"))
    assert listed.select_one(f"a[href='{houses_url(family, child)}']") is None


def test_after_the_child_chooses_a_parent_they_see_the_houses(
    worker, make_client, db, family, child
):
    add(worker, family, child, "A dream about the sea", house="dreams", photo=picture("PNG"))
    [entry] = entries(db)
    assert choose(worker, db, family, child, family.parent).status_code == 303
    mum = signed_in(make_client, family.parent)
    home = soup(mum.get(f"/families/{family.id}"))
    assert home.select_one(f"a[href='/families/{family.id}/three-houses']")
    listed = soup(mum.get(f"/families/{family.id}/three-houses"))
    assert listed.select_one(f"a[href='{houses_url(family, child)}']")
    page = mum.get(houses_url(family, child))
    assert page.status_code == 200
    shown = soup(page)
    dream = shown.select_one("#house-dreams .house-entry")
    assert dream.select_one(".house-entry__text").get_text(strip=True) == "A dream about the sea"
    assert dream.select_one("img")["alt"] == "A drawing by Amir"
    assert shown.select("form.house__add") == []
    assert mum.get(f"{houses_url(family, child)}/print").status_code == 200
    drawing = mum.get(f"/families/{family.id}/three-houses/drawings/{entry.drawing_id}")
    assert drawing.status_code == 200
    assert drawing.headers["content-type"] == "image/png"


def test_who_can_see_lists_practitioners_and_chosen_people(worker, db, family, child):
    choose(worker, db, family, child, family.parent)
    page = soup(worker.get(houses_url(family, child)))
    names = [li.get_text(strip=True) for li in page.select(".house-viewers li")]
    assert names == [f"{family.practitioner.display_name} (practitioner)", "Parent"]
    assert page.select_one(f"#viewer-{family.parent.id}").has_attr("checked")
    assert not page.select_one(f"#viewer-{family.young_person.id}").has_attr("checked")


def test_a_chosen_viewer_cannot_write(worker, make_client, db, family, child):
    add(worker, family, child, "Mine")
    [entry] = entries(db)
    choose(worker, db, family, child, family.parent)
    mum = signed_in(make_client, family.parent)
    assert add(mum, family, child, "Mum's words").status_code == 403
    edit = mum.submit(
        f"{houses_url(family, child)}/entries/{entry.id}", {"version": "1", "text": "Changed"}
    )
    assert edit.status_code == 403
    remove = mum.submit(f"{houses_url(family, child)}/entries/{entry.id}/remove", {"version": "1"})
    assert remove.status_code == 403
    viewers = mum.submit(
        f"{houses_url(family, child)}/viewers", {"version": str(houses_version(db)), "viewer": []}
    )
    assert viewers.status_code == 403
    assert [e.text for e in entries(db)] == ["Mine"]
    assert db.exec(select(ThreeHousesViewer.user_id)).all() == [family.parent.id]


def test_a_parent_not_chosen_gets_not_found_on_a_write(worker, make_client, db, family, child):
    mum = signed_in(make_client, family.parent)
    assert add(mum, family, child, "Sneaky").status_code == 404
    assert entries(db) == []


def test_the_childs_own_sign_in_writes_and_chooses_a_parent(worker, make_client, db, family, child):
    made = worker.submit(
        f"{houses_url(family, child)}/own-account",
        {"version": str(houses_version(db)), "own_account": str(family.young_person.id)},
    )
    assert made.status_code == 303
    amir = signed_in(make_client, family.young_person)
    assert add(amir, family, child, "My own words", house="dreams").status_code == 303
    assert choose(amir, db, family, child, family.parent).status_code == 303
    page = soup(amir.get(houses_url(family, child)))
    by = page.select_one("#house-dreams .house-entry__by").get_text(" ", strip=True)
    assert "Written by Young person" in by
    # Only a practitioner says whose sign-in it is.
    assert page.select_one("form[action$='/own-account']") is None
    mum = signed_in(make_client, family.parent)
    assert "My own words" in mum.get(houses_url(family, child)).text


def test_a_team_manager_gets_not_found(worker, make_client, db, settings, family, child):
    manager = make_user(db, settings, role=StaffRole.manager, team="Team A")
    boss = signed_in(make_client, manager)
    assert boss.get(f"/families/{family.id}").status_code == 200
    assert boss.get(f"/families/{family.id}/three-houses").status_code == 404
    assert boss.get(houses_url(family, child)).status_code == 404
    assert boss.get(f"{houses_url(family, child)}/print").status_code == 404


def test_another_familys_child_or_drawing_is_not_found(worker, make_client, db, settings, family):
    other = make_family(db, settings, name="Another family", children=("Kim",))
    kim = db.exec(select(Person).where(Person.family_group_id == other.id)).one()
    theirs = signed_in(make_client, other.practitioner)
    assert theirs.get(houses_url(other, kim)).status_code == 200
    add(theirs, other, kim, "Kim's drawing", photo=picture("JPEG"))
    [entry] = entries(db)
    assert worker.get(f"/families/{family.id}/three-houses/{kim.id}").status_code == 404
    drawing = f"/families/{family.id}/three-houses/drawings/{entry.drawing_id}"
    assert worker.get(drawing).status_code == 404
    assert worker.get(houses_url(other, kim)).status_code == 404


def test_nothing_written_is_refused_with_the_message_beside_the_field(worker, db, family, child):
    refused = add(worker, family, child, "   ", house="good_things")
    assert refused.status_code == 422
    page = soup(refused)
    message = page.select_one("#text-good_things-error").get_text()
    assert "Write something or add a photo of a drawing." in message
    assert page.select_one(".error-summary a[href='#text-good_things']")
    assert entries(db) == []


def test_too_many_words_are_refused_and_the_words_are_kept(worker, db, family, child):
    long_words = "I worry " * 200
    refused = add(worker, family, child, long_words)
    assert refused.status_code == 422
    page = soup(refused)
    assert "1000 characters" in page.select_one("#text-worries-error").get_text()
    assert page.select_one("#text-worries").get_text() == long_words
    assert entries(db) == []


def refused_upload(worker, db, family, child, data, name):
    refused = add(worker, family, child, "Words I wrote", house="dreams", photo=data, name=name)
    assert refused.status_code == 422
    page = soup(refused)
    assert page.select_one("#text-dreams").get_text() == "Words I wrote"
    assert entries(db) == []
    assert db.exec(select(HouseDrawing)).all() == []
    return page.select_one("#photo-dreams-error").get_text()


def test_a_renamed_executable_is_refused_beside_the_file_field(worker, db, family, child):
    program = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run"
    assert "not a photo" in refused_upload(worker, db, family, child, program, "drawing.jpg")


def test_an_svg_drawing_is_refused(worker, db, family, child):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert "not a photo" in refused_upload(worker, db, family, child, svg, "drawing.svg")


def test_an_oversized_photo_is_refused(worker, db, family, child):
    big = picture("JPEG", (16, 16)) + b"\x00" * (5 * 1024 * 1024)
    assert "too big" in refused_upload(worker, db, family, child, big, "huge.jpg")


def test_a_photo_with_gps_is_served_without_any_metadata(worker, db, family, child):
    assert add(worker, family, child, "", photo=gps_photo()).status_code == 303
    [entry] = entries(db)
    served = worker.get(f"/families/{family.id}/three-houses/drawings/{entry.drawing_id}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "private, no-store"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == "inline"
    back = Image.open(io.BytesIO(served.content))
    assert back.getexif().get_ifd(GPS_IFD) == {}
    assert dict(back.getexif()) == {}
    for secret in (b"Exif", b"SecretPhoneMaker", b"Secret Road"):
        assert secret not in served.content


def test_changing_the_words_of_an_entry(worker, db, family, child):
    add(worker, family, child, "Old words")
    [entry] = entries(db)
    changed = worker.submit(
        f"{houses_url(family, child)}/entries/{entry.id}", {"version": "1", "text": "New words"}
    )
    assert changed.status_code == 303
    assert [e.text for e in entries(db)] == ["New words"]


def test_emptying_the_words_of_an_entry_without_a_drawing_is_refused(worker, db, family, child):
    add(worker, family, child, "Old words")
    [entry] = entries(db)
    refused = worker.submit(
        f"{houses_url(family, child)}/entries/{entry.id}", {"version": "1", "text": " "}
    )
    assert refused.status_code == 422
    page = soup(refused)
    assert page.select_one(f"#text-entry-{entry.id}-error")
    assert page.select_one(f"#entry-{entry.id} details").has_attr("open")
    assert [e.text for e in entries(db)] == ["Old words"]


def test_a_stale_change_gets_the_conflict_page(worker, db, family, child):
    add(worker, family, child, "Old words")
    [entry] = entries(db)
    url = f"{houses_url(family, child)}/entries/{entry.id}"
    assert worker.submit(url, {"version": "1", "text": "First change"}).status_code == 303
    stale = worker.submit(url, {"version": "1", "text": "Second change"})
    assert stale.status_code == 409
    cells = [td.get_text(strip=True) for td in soup(stale).select("table td")]
    assert cells == ["Second change", "First change"]
    assert worker.submit(f"{url}/remove", {"version": "1"}).status_code == 409
    assert [e.text for e in entries(db)] == ["First change"]


def test_a_stale_choice_of_viewers_gets_the_conflict_page(worker, db, family, child):
    old = houses_version(db)
    assert choose(worker, db, family, child, family.parent).status_code == 303
    stale = worker.submit(
        f"{houses_url(family, child)}/viewers",
        {"version": str(old), "viewer": [str(family.young_person.id)]},
    )
    assert stale.status_code == 409
    assert db.exec(select(ThreeHousesViewer.user_id)).all() == [family.parent.id]


def test_removing_an_entry(worker, db, family, child):
    add(worker, family, child, "Take me out", photo=picture("JPEG"))
    [entry] = entries(db)
    removed = worker.submit(
        f"{houses_url(family, child)}/entries/{entry.id}/remove", {"version": "1"}
    )
    assert removed.status_code == 303
    assert entries(db) == []
    assert db.exec(select(HouseDrawing)).all() == []


def test_the_print_view_shows_the_houses_the_date_and_a_qr_code(worker, family, child):
    add(worker, family, child, "Printed words", house="good_things")
    page = soup(worker.get(f"{houses_url(family, child)}/print"))
    assert [h.get_text(strip=True) for h in page.select("section.house h2")] == [
        "House of worries",
        "House of good things",
        "House of dreams",
    ]
    assert "Printed words" in page.select_one(".house--good_things").get_text()
    assert page.select_one("img.qr")["src"].startswith("data:image/svg+xml")
    assert page.find(string=lambda s: s and s.startswith("Printed on"))
    assert page.select("form.house__add") == []


def test_a_practitioner_always_has_the_link_and_every_child_in_the_list(worker, family, child):
    home = soup(worker.get(f"/families/{family.id}"))
    assert home.select_one(f"a[href='/families/{family.id}/three-houses']")
    listed = soup(worker.get(f"/families/{family.id}/three-houses"))
    assert listed.select_one(f"a[href='{houses_url(family, child)}']")


def test_the_page_the_print_and_each_drawing_are_recorded_in_the_audit_log(
    worker, db, family, child
):
    add(worker, family, child, "", photo=picture("JPEG"))
    [entry] = entries(db)
    worker.get(houses_url(family, child))
    worker.get(f"{houses_url(family, child)}/print")
    worker.get(f"/families/{family.id}/three-houses/drawings/{entry.drawing_id}")
    db.expire_all()
    actions = db.exec(
        select(AuditEvent.action)
        .where(
            AuditEvent.object_type == "three_houses",
            AuditEvent.actor_id == family.practitioner.id,
            AuditEvent.family_group_id == family.id,
        )
        .order_by(col(AuditEvent.id))
    ).all()
    assert actions == [
        "three_houses_create",
        "view",
        "three_houses_entry_add",
        "view",
        "three_houses_print",
        "three_houses_drawing_view",
    ]


def test_only_a_young_person_can_be_named_as_the_childs_own_sign_in(worker, db, family, child):
    refused = worker.submit(
        f"{houses_url(family, child)}/own-account",
        {"version": str(houses_version(db)), "own_account": str(family.parent.id)},
    )
    assert refused.status_code == 422
    message = soup(refused).select_one("#own_account-error").get_text()
    assert "Choose one of the young people listed." in message
    db.expire_all()
    assert db.exec(select(ThreeHouses)).one().own_account_id is None
