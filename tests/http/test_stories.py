"""Words-and-pictures stories over HTTP: writing pages, uploads checked by content and
cleaned, pictures only for members, the reader and booklet, and who may do what."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from bs4 import BeautifulSoup
from PIL import Image
from sqlmodel import select

from fgdm.accounts.models import StaffRole
from fgdm.network.models import Person
from fgdm.stories.models import Story, StoryImage, StoryPage
from tests.factories import PASSPHRASE, make_family, make_user
from tests.unit.test_images import GPS_IFD, gps_photo, picture, png_chunk


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def add_child(db, family_id, name="Sam"):
    child = Person(family_group_id=family_id, known_as=name, is_child=True, age_years=7)
    db.add(child)
    db.commit()
    return child


def signed_in(make_client, user):
    browser = make_client()
    browser.sign_in(user.login, PASSPHRASE)
    return browser


def soup(response):
    return BeautifulSoup(response.text, "html.parser")


def start(browser, family_id, child_id, title="Why Gran looks after us"):
    return browser.submit(
        f"/families/{family_id}/stories", {"child_id": str(child_id), "title": title}
    )


def the_story(db):
    db.expire_all()
    return db.exec(select(Story)).one()


def pages(db):
    db.expire_all()
    return list(db.exec(select(StoryPage).order_by(StoryPage.position)))


def add_page(browser, family_id, story_id, text, pictogram="", photo=None, name="drawing.jpg"):
    files = {"photo": (name, photo, "image/jpeg")} if photo is not None else None
    data = {"text": text, "pictogram": pictogram, "csrf_token": browser.token()}
    return browser.post(f"/families/{family_id}/stories/{story_id}/pages", data=data, files=files)


@pytest.fixture
def story(db, make_client, family):
    child = add_child(db, family.id)
    mum = signed_in(make_client, family.parent)
    assert start(mum, family.id, child.id).status_code == 303
    return mum, the_story(db)


def test_a_parent_starts_a_story_for_a_child_and_sees_it_listed(make_client, db, family):
    child = add_child(db, family.id)
    mum = signed_in(make_client, family.parent)
    started = start(mum, family.id, child.id)
    assert started.status_code == 303
    story = the_story(db)
    assert started.headers["location"] == f"/families/{family.id}/stories/{story.id}"
    listed = soup(mum.get(f"/families/{family.id}/stories"))
    assert "Why Gran looks after us" in listed.select_one(".story-list").get_text()
    assert "For Sam" in listed.select_one(".story-list").get_text()


def test_the_family_home_links_to_the_stories(make_client, family):
    mum = signed_in(make_client, family.parent)
    home = soup(mum.get(f"/families/{family.id}"))
    assert home.select_one(f"a[href='/families/{family.id}/stories']")


def test_a_story_without_a_child_or_title_is_refused_with_messages_beside_the_fields(
    make_client, db, family
):
    add_child(db, family.id)
    mum = signed_in(make_client, family.parent)
    refused = mum.submit(f"/families/{family.id}/stories", {"child_id": "", "title": " "})
    assert refused.status_code == 422
    page = soup(refused)
    assert "Choose the child" in page.select_one("#child_id-error").get_text()
    assert "Give the story a name" in page.select_one("#title-error").get_text()
    assert page.select_one(".error-summary")
    assert db.exec(select(Story)).all() == []


def test_a_story_cannot_be_for_a_child_of_another_family(make_client, db, settings, family):
    other = make_family(db, settings, name="Another family")
    their_child = add_child(db, other.id, "Kim")
    mum = signed_in(make_client, family.parent)
    assert start(mum, family.id, their_child.id).status_code == 422
    assert db.exec(select(Story)).all() == []


def test_pages_with_a_pictogram_are_shown_in_order(story, db, family):
    mum, s = story
    assert add_page(mum, family.id, s.id, "Mum and Dad love you.", "heart").status_code == 303
    assert add_page(mum, family.id, s.id, "Gran's house is safe.", "home").status_code == 303
    page = soup(mum.get(f"/families/{family.id}/stories/{s.id}"))
    texts = [t.get_text(strip=True) for t in page.select(".story-page textarea")]
    assert texts == ["Mum and Dad love you.", "Gran's house is safe."]
    pictures = page.select(".story-page img.story-picture")
    assert "pictograms/heart.svg" in pictures[0]["src"]
    assert pictures[0]["alt"]


def test_the_pictogram_choices_are_named_by_their_labels(story, family):
    mum, s = story
    page = soup(mum.get(f"/families/{family.id}/stories/{s.id}"))
    label = page.select_one("label[for='pictogram-home']")
    assert label.get_text(strip=True) == "Home"
    assert label.select_one("img")["alt"] == ""


def test_a_page_without_words_is_refused_and_the_choice_is_kept(story, db, family):
    mum, s = story
    refused = add_page(mum, family.id, s.id, "  ", "home")
    assert refused.status_code == 422
    page = soup(refused)
    assert "Write some words" in page.select_one("#text-error").get_text()
    assert page.select_one("input[name=pictogram][value=home]").has_attr("checked")
    assert pages(db) == []


def test_a_page_without_a_picture_is_refused(story, db, family):
    mum, s = story
    refused = add_page(mum, family.id, s.id, "Words kept")
    assert refused.status_code == 422
    page = soup(refused)
    assert page.select_one("#pictogram-error")
    assert page.select_one("#text").get_text() == "Words kept"
    assert pages(db) == []


def test_a_photo_with_gps_is_stored_and_served_without_any_metadata(story, db, family):
    mum, s = story
    assert add_page(mum, family.id, s.id, "My drawing", photo=gps_photo()).status_code == 303
    [page] = pages(db)
    assert page.image_id is not None and page.pictogram == ""
    served = mum.get(f"/families/{family.id}/stories/images/{page.image_id}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "private, no-store"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-disposition"] == "inline"
    back = Image.open(io.BytesIO(served.content))
    assert back.getexif().get_ifd(GPS_IFD) == {}
    assert dict(back.getexif()) == {}
    for secret in (b"Exif", b"SecretPhoneMaker", b"SecretXmpPlace", b"Secret Road"):
        assert secret not in served.content


def refused_upload(story, db, family, data, name):
    mum, s = story
    refused = add_page(mum, family.id, s.id, "Words I wrote", photo=data, name=name)
    assert refused.status_code == 422
    page = soup(refused)
    assert page.select_one("#text").get_text() == "Words I wrote"
    assert pages(db) == []
    assert db.exec(select(StoryImage)).all() == []
    return page.select_one("#photo-error").get_text()


def test_a_renamed_executable_is_refused_beside_the_file_field(story, db, family):
    program = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run"
    assert "not a photo" in refused_upload(story, db, family, program, "drawing.jpg")


def test_an_svg_is_refused(story, db, family):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert "not a photo" in refused_upload(story, db, family, svg, "drawing.svg")


def test_an_oversized_image_is_refused(story, db, family):
    big = picture("JPEG", (16, 16)) + b"\x00" * (5 * 1024 * 1024)
    assert "too big" in refused_upload(story, db, family, big, "huge.jpg")


def test_a_decompression_bomb_is_refused(story, db, family):
    side = 30000
    row = b"\x00" * (1 + side // 8)
    squash = zlib.compressobj(9)
    body = b"".join(squash.compress(row * 1000) for _ in range(side // 1000)) + squash.flush()
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )
    assert "too large to open safely" in refused_upload(story, db, family, bomb, "bomb.png")


def test_an_image_is_not_found_for_someone_in_another_family(
    story, db, settings, make_client, family
):
    mum, s = story
    add_page(mum, family.id, s.id, "My drawing", photo=picture("PNG"), name="d.png")
    [page] = pages(db)
    other = make_family(db, settings, name="Another family")
    stranger = signed_in(make_client, other.parent)
    assert stranger.get(f"/families/{family.id}/stories/images/{page.image_id}").status_code == 404
    # Their own family's address with our picture's number is no way in either.
    assert stranger.get(f"/families/{other.id}/stories/images/{page.image_id}").status_code == 404
    assert stranger.get(f"/families/{family.id}/stories/{s.id}").status_code == 404
    assert stranger.get(f"/families/{other.id}/stories/{s.id}").status_code == 404
    assert stranger.get(f"/families/{other.id}/stories/{s.id}/read").status_code == 404
    assert stranger.get(f"/families/{other.id}/stories/{s.id}/booklet").status_code == 404


def test_the_young_person_reads_page_by_page(story, db, make_client, family):
    mum, s = story
    add_page(mum, family.id, s.id, "First page words", "heart")
    add_page(mum, family.id, s.id, "Second page words", "home")
    young = signed_in(make_client, family.young_person)
    url = f"/families/{family.id}/stories/{s.id}/read"
    first = soup(young.get(url))
    assert first.select_one(".story-reader__text").get_text() == "First page words"
    assert not first.select_one("a[rel=prev]")
    assert first.select_one("a[rel=next]")["href"] == f"{url}?page=2"
    second = soup(young.get(f"{url}?page=2"))
    assert second.select_one(".story-reader__text").get_text() == "Second page words"
    assert second.select_one("a[rel=prev]")["href"] == f"{url}?page=1"
    assert not second.select_one("a[rel=next]")
    assert second.select_one("#read-aloud").has_attr("hidden")


def test_the_booklet_has_one_sheet_per_page(story, family):
    mum, s = story
    add_page(mum, family.id, s.id, "One", "heart")
    add_page(mum, family.id, s.id, "Two", "home")
    booklet = soup(mum.get(f"/families/{family.id}/stories/{s.id}/booklet"))
    sheets = booklet.select(".story-booklet__sheet:not(.story-booklet__cover)")
    assert [x.select_one(".story-reader__text").get_text() for x in sheets] == ["One", "Two"]


def test_moving_and_removing_pages(story, db, family):
    mum, s = story
    for text in ("A", "B", "C"):
        add_page(mum, family.id, s.id, text, "star")
    a, b, c = pages(db)
    base = f"/families/{family.id}/stories/{s.id}/pages"
    moved = mum.submit(f"{base}/{c.id}/move", {"version": str(c.version), "direction": "up"})
    assert moved.status_code == 303
    assert [p.text for p in pages(db)] == ["A", "C", "B"]
    removed = mum.submit(f"{base}/{a.id}/remove", {"version": str(a.version)})
    assert removed.status_code == 303
    assert [p.text for p in pages(db)] == ["C", "B"]


def test_editing_words_with_an_old_version_shows_the_conflict_page(story, db, family):
    mum, s = story
    add_page(mum, family.id, s.id, "Old words", "star")
    [page] = pages(db)
    url = f"/families/{family.id}/stories/{s.id}/pages/{page.id}"
    assert mum.submit(url, {"version": "1", "text": "New words"}).status_code == 303
    stale = mum.submit(url, {"version": "1", "text": "Older edit"})
    assert stale.status_code == 409
    assert [p.text for p in pages(db)] == ["New words"]


def test_editing_words_to_nothing_shows_the_message_beside_that_page(story, db, family):
    mum, s = story
    add_page(mum, family.id, s.id, "Old words", "star")
    [page] = pages(db)
    url = f"/families/{family.id}/stories/{s.id}/pages/{page.id}"
    refused = mum.submit(url, {"version": "1", "text": ""})
    assert refused.status_code == 422
    assert soup(refused).select_one(f"#text-{page.id}-error")
    assert [p.text for p in pages(db)] == ["Old words"]


def test_a_manager_reads_stories_but_cannot_write(story, db, settings, make_client, family):
    mum, s = story
    add_page(mum, family.id, s.id, "Words", "star")
    [page] = pages(db)
    boss = signed_in(make_client, make_user(db, settings, role=StaffRole.manager))
    view = boss.get(f"/families/{family.id}/stories/{s.id}")
    assert view.status_code == 200
    assert not soup(view).select("form[action*='/pages']")
    assert boss.get(f"/families/{family.id}/stories/{s.id}/read").status_code == 200
    child_id = str(s.child_id)
    base = f"/families/{family.id}/stories"
    assert boss.submit(base, {"child_id": child_id, "title": "Mine"}).status_code == 403
    assert add_page(boss, family.id, s.id, "Manager words", "star").status_code == 403
    assert (
        boss.submit(f"{base}/{s.id}/pages/{page.id}", {"version": "1", "text": "x"}).status_code
        == 403
    )
    assert [p.text for p in pages(db)] == ["Words"]
    assert len(db.exec(select(Story)).all()) == 1


def test_moving_a_page_with_an_old_version_shows_the_conflict_page(story, db, family):
    mum, s = story
    for text in ("A", "B"):
        add_page(mum, family.id, s.id, text, "star")
    a, b = pages(db)
    base = f"/families/{family.id}/stories/{s.id}/pages"
    assert (
        mum.submit(f"{base}/{a.id}/move", {"version": "1", "direction": "down"}).status_code == 303
    )
    stale = mum.submit(f"{base}/{a.id}/move", {"version": "1", "direction": "up"})
    assert stale.status_code == 409
    assert [p.text for p in pages(db)] == ["B", "A"]


def test_someone_from_another_family_cannot_write_to_this_story(
    story, db, settings, make_client, family
):
    mum, s = story
    add_page(mum, family.id, s.id, "Ours", "star")
    [page] = pages(db)
    other = make_family(db, settings, name="Another family")
    stranger = signed_in(make_client, other.parent)
    base = f"/families/{family.id}/stories/{s.id}/pages"
    assert add_page(stranger, family.id, s.id, "Theirs", "star").status_code == 404
    assert add_page(stranger, other.id, s.id, "Theirs", "star").status_code == 404
    assert stranger.submit(f"{base}/{page.id}", {"version": "1", "text": "x"}).status_code == 404
    assert stranger.submit(f"{base}/{page.id}/remove", {"version": "1"}).status_code == 404
    assert [p.text for p in pages(db)] == ["Ours"]
