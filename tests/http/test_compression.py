"""Stylesheets, scripts and pictograms come gzip-compressed to a browser that asks, so a
phone on a slow link downloads less; pages, which carry a CSRF token next to words people
typed, never do (the BREACH attack guesses a secret from the size of compressed pages)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.factories import PASSPHRASE, make_family

GZIP = {"Accept-Encoding": "gzip, deflate"}


def _stylesheet_url(client) -> str:
    soup = BeautifulSoup(client.get("/login").text, "html.parser")
    return soup.select_one('link[rel="stylesheet"]:not([media="print"])')["href"]


def test_a_stylesheet_comes_back_gzip_compressed_when_the_browser_asks(client):
    url = _stylesheet_url(client)
    response = client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["vary"]
    assert int(response.headers["content-length"]) < len(response.content) / 2
    assert "{" in response.text  # decoded, it is still the stylesheet
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_stylesheet_comes_back_plain_to_a_browser_that_does_not_ask(client):
    url = _stylesheet_url(client)
    response = client.get(url, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize(
    "path",
    ["/static/js/app.js", "/static/pictograms/home.svg", "/static/pictograms/index.json"],
)
def test_scripts_and_pictograms_come_back_gzip_compressed(client, path):
    response = client.get(path, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"


def test_the_sign_in_page_with_its_csrf_token_is_never_compressed(client):
    response = client.get("/login", headers=GZIP)
    assert response.status_code == 200
    assert client.last_token  # the page carries a CSRF token
    assert "content-encoding" not in response.headers


def test_a_family_page_with_typed_words_and_a_csrf_token_is_never_compressed(client, db, settings):
    setup = make_family(db, settings, name="The Kowalski-Patel family")
    client.sign_in(setup.parent.login, PASSPHRASE)
    for path in (f"/families/{setup.id}", f"/families/{setup.id}/network", "/families/9999"):
        response = client.get(path, headers=GZIP)
        assert response.status_code in (200, 404), path
        assert "content-encoding" not in response.headers, path
    home = client.get(f"/families/{setup.id}", headers=GZIP)
    assert "The Kowalski-Patel family" in BeautifulSoup(home.text, "html.parser").get_text()
    assert client.last_token


def test_a_compressed_stylesheet_unpacks_to_the_same_file(client):
    url = _stylesheet_url(client)
    plain = client.get(url, headers={"Accept-Encoding": "identity"}).content
    packed = client.get(url, headers=GZIP)  # httpx unpacks what was sent gzip-compressed
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain
