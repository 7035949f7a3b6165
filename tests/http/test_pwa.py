"""Installable and offline, over HTTP: the manifest and its icons, the service worker at the
root, the offline page, which pages a phone may keep (and for whom), and a browser told to
empty what it kept when someone signs out or a different person signs in."""

from __future__ import annotations

import io

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from fgdm.accounts.models import StaffRole
from fgdm.pwa.offline import OFFLINE_HEADER, partition_for
from tests.factories import PASSPHRASE, make_family, make_user
from tests.http.test_invites import join_form, make_invite
from tests.http.test_stories import add_child, signed_in, start, the_story

CLEAR = '"cache", "storage"'


@pytest.fixture
def family(db, settings):
    return make_family(db, settings)


def readable_pages(db, make_client, family) -> list[str]:
    """The addresses of every page a family keeps to read offline, with a story to read."""
    child = add_child(db, family.id)
    mum = signed_in(make_client, family.parent)
    assert start(mum, family.id, child.id).status_code == 303
    story = the_story(db)
    base = f"/families/{family.id}"
    return [
        "/families",
        base,
        f"{base}/network",
        f"{base}/safety-plan",
        f"{base}/safety-plan/children",
        f"{base}/stories",
        f"{base}/stories/{story.id}/read",
        f"{base}/plan",
        f"{base}/plan/children",
    ]


def test_the_manifest_names_the_app_and_opens_the_families_page_standalone(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Family Network"
    assert manifest["short_name"] == "Family"
    assert (manifest["lang"], manifest["dir"]) == ("en", "ltr")
    assert manifest["start_url"] == "/families"
    assert manifest["scope"] == "/"
    assert manifest["id"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d4e89"
    assert manifest["background_color"] == "#ffffff"


def test_every_icon_in_the_manifest_answers_at_the_size_it_claims(client):
    icons = client.get("/manifest.webmanifest").json()["icons"]
    kinds = set()
    for icon in icons:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response.headers["content-type"].startswith(icon["type"])
        if icon["type"] == "image/png":
            picture = Image.open(io.BytesIO(response.content))
            assert f"{picture.width}x{picture.height}" == icon["sizes"]
            assert len(response.content) < 20_000
        kinds.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= kinds
    assert ("any", "any") in kinds  # the SVG


def test_the_maskable_icon_fills_its_square_and_keeps_the_drawing_in_the_safe_zone(client):
    icons = client.get("/manifest.webmanifest").json()["icons"]
    src = next(icon["src"] for icon in icons if icon["purpose"] == "maskable")
    picture = Image.open(io.BytesIO(client.get(src).content)).convert("RGB")
    brand = picture.getpixel((0, 0))
    assert brand == picture.getpixel((511, 511)) == picture.getpixel((0, 511))
    # Outside the middle 80% circle there is only background.
    for x, y in [(60, 256), (452, 256), (256, 60), (256, 452), (120, 120), (392, 392)]:
        assert picture.getpixel((x, y)) == brand, (x, y)


def test_every_page_links_the_manifest_theme_colour_and_home_screen_icon(client):
    page = BeautifulSoup(client.get("/login").text, "html.parser")
    assert page.select_one('link[rel="manifest"]')["href"] == "/manifest.webmanifest"
    assert page.select_one('meta[name="theme-color"]')["content"] == "#1d4e89"
    touch = page.select_one('link[rel="apple-touch-icon"]')["href"]
    picture = Image.open(io.BytesIO(client.get(touch).content))
    assert picture.size == (180, 180)


def test_the_service_worker_is_served_from_the_root_for_the_whole_app(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    csp = response.headers["content-security-policy"]
    assert "worker-src 'self'" in csp
    assert "manifest-src 'self'" in csp
    assert "importScripts(" in response.text
    assert '"fgdm-outbox"' in response.text


def test_the_service_worker_keeps_the_app_shell_under_a_version_of_its_content(client):
    first_line = client.get("/sw.js").text.splitlines()[0]
    assert first_line.startswith("self.FGDM_SW = ")
    import json

    settings = json.loads(first_line.removeprefix("self.FGDM_SW = ").rstrip(";"))
    assert len(settings["version"]) == 16
    shell = settings["shell"]
    for name in (
        "css/app.css",
        "css/print.css",
        "js/app.js",
        "js/outbox.js",
        "js/offline.js",
        "vendor/htmx-2.0.11.min.js",
        "pictograms/safe.svg",
        "icons/icon-192.png",
    ):
        assert any(url.startswith(f"/static/{name}?v=") for url in shell), name
    assert settings["offlineUrl"] == "/offline"
    for url in shell:
        assert client.get(url).status_code == 200, url


def test_the_offline_page_says_so_in_plain_words_and_offers_a_way_back(client):
    response = client.get("/offline")
    assert response.status_code == 200
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1.get_text(strip=True) == "You are offline"
    words = page.main.get_text(" ", strip=True)
    assert "This page has not been saved on this phone yet." in words
    assert page.find("a", string="Go back")
    assert OFFLINE_HEADER not in response.headers


def test_the_offline_page_never_names_the_person_signed_in(make_client, family):
    mum = signed_in(make_client, family.parent)
    response = mum.get("/offline")
    assert response.status_code == 200
    assert "Parent" not in BeautifulSoup(response.text, "html.parser").get_text()
    assert OFFLINE_HEADER not in response.headers


def test_a_family_members_family_pages_are_marked_readable_offline_for_them(
    db, make_client, family, app
):
    pages = readable_pages(db, make_client, family)
    mum = signed_in(make_client, family.parent)
    expected = partition_for(secret_key=app.state.secret_key, user_id=family.parent.id)
    for url in pages:
        response = mum.get(url)
        assert response.status_code == 200, url
        assert response.headers.get(OFFLINE_HEADER) == expected, url
    young = signed_in(make_client, family.young_person)
    theirs = young.get(f"/families/{family.id}/plan/children").headers[OFFLINE_HEADER]
    assert theirs != expected


def test_htmx_fragments_prints_and_other_pages_are_never_marked(db, make_client, family):
    mum = signed_in(make_client, family.parent)
    base = f"/families/{family.id}"
    assert OFFLINE_HEADER not in mum.get(f"{base}/plan", headers={"HX-Request": "true"}).headers
    assert OFFLINE_HEADER not in mum.get(base, headers={"HX-Request": "true"}).headers
    for url in (
        f"{base}/plan/print",
        f"{base}/safety-plan/print",
        f"{base}/plan/history",
        f"{base}/network/what-if",
        "/account",
        "/offline",
        "/manifest.webmanifest",
    ):
        response = mum.get(url)
        assert response.status_code == 200, url
        assert OFFLINE_HEADER not in response.headers, url


def test_staff_pages_and_pages_signed_out_or_refused_are_never_marked(
    db, make_client, family, settings
):
    pages = readable_pages(db, make_client, family)
    practitioner = signed_in(make_client, family.practitioner)
    for url in pages:
        response = practitioner.get(url)
        assert response.status_code == 200, url
        assert OFFLINE_HEADER not in response.headers, url
    assert OFFLINE_HEADER not in practitioner.get(f"/families/{family.id}/members").headers
    stranger = signed_in(make_client, make_family(db, settings, name="Others").parent)
    refused = stranger.get(f"/families/{family.id}/plan")
    assert refused.status_code == 404
    assert OFFLINE_HEADER not in refused.headers
    nobody = make_client()
    for response in (nobody.get(f"/families/{family.id}/plan"), nobody.get("/login")):
        assert OFFLINE_HEADER not in response.headers


def test_signing_out_tells_the_browser_to_empty_its_caches_and_storage(make_client, family):
    mum = signed_in(make_client, family.parent)
    response = mum.submit("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == CLEAR


def test_a_different_person_signing_in_on_the_same_browser_empties_what_it_kept(client, family):
    first = client.sign_in(family.parent.login, PASSPHRASE)
    cookie = client.cookies.get("fgdm_last_person")
    assert cookie and str(family.parent.id) != cookie
    client.submit("/logout")
    second = client.sign_in(family.young_person.login, PASSPHRASE)
    assert second.headers["clear-site-data"] == CLEAR
    assert client.cookies.get("fgdm_last_person") not in (None, cookie)
    # The first sign-in on a browser that remembers nobody empties it too.
    assert first.headers["clear-site-data"] == CLEAR


def test_the_same_person_signing_in_again_keeps_their_saved_pages(client, family):
    client.sign_in(family.parent.login, PASSPHRASE)
    client.cookies.delete("fgdm_session")
    again = client.sign_in(family.parent.login, PASSPHRASE)
    assert "clear-site-data" not in again.headers


def test_the_last_person_cookie_is_http_only_lax_and_lasts(client, family):
    response = client.sign_in(family.parent.login, PASSPHRASE)
    cookie = next(
        line for line in response.headers.get_list("set-cookie") if "fgdm_last_person=" in line
    )
    flags = cookie.lower()
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "max-age=" in flags
    assert "path=/" in flags


def test_a_staff_member_signing_in_after_a_parent_empties_the_browser_too(client, db, settings):
    family = make_family(db, settings)
    client.sign_in(family.parent.login, PASSPHRASE)
    manager = make_user(db, settings, role=StaffRole.manager)
    assert client.sign_in(manager.login, PASSPHRASE).headers["clear-site-data"] == CLEAR


def test_the_manifest_follows_the_browsers_language_and_its_direction(client):
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "ur"}).json()
    assert (manifest["lang"], manifest["dir"]) == ("ur", "rtl")
    assert manifest["name"]


def test_joining_by_invite_on_a_phone_someone_used_empties_what_it_kept(
    client, db, settings, family
):
    client.sign_in(family.parent.login, PASSPHRASE)
    made = make_invite(db, settings, family, name="Gran Rose")
    client.get(f"/join/{made.token}")
    joined = client.submit(f"/join/{made.token}", join_form(), follow_redirects=False)
    assert joined.status_code == 303
    assert joined.headers["clear-site-data"] == CLEAR
