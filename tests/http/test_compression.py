"""Stylesheets, scripts, pictograms and pages come gzip-compressed to a browser that asks,
so a phone on a slow link downloads less. Against the BREACH attack (guessing a secret
from the size of compressed pages) each page's CSRF token is masked afresh and its size
padded at random, and a page that shows a secret once is never compressed."""

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


def test_a_family_page_comes_back_compressed_and_unpacks_to_the_page(client, db, settings):
    setup = make_family(db, settings, name="The Kowalski-Patel family")
    client.sign_in(setup.parent.login, PASSPHRASE)
    for path in (f"/families/{setup.id}", f"/families/{setup.id}/network", "/login"):
        response = client.get(path, headers=GZIP, follow_redirects=True)
        assert response.headers["content-encoding"] == "gzip", path
        assert "Accept-Encoding" in response.headers["vary"], path
        assert int(response.headers["content-length"]) < len(response.content) / 2, path
    home = client.get(f"/families/{setup.id}", headers=GZIP)
    assert "The Kowalski-Patel family" in BeautifulSoup(home.text, "html.parser").get_text()
    plain = client.get(f"/families/{setup.id}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain.content)


def test_each_page_carries_a_different_csrf_token_and_each_of_them_works(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    tokens = []
    for _ in range(3):
        client.get(f"/families/{setup.id}/invites", headers=GZIP)
        tokens.append(client.last_token)
    assert len(set(tokens)) == 3
    for n, token in enumerate(tokens):
        response = client.post(
            f"/families/{setup.id}/invites",
            data={"invited_name": f"Aunt {n}", "role": "family_member", "csrf_token": token},
        )
        assert response.status_code == 200, n


def test_the_same_page_is_sent_at_different_sizes(client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.parent.login, PASSPHRASE)
    sizes = {
        client.get(f"/families/{setup.id}", headers=GZIP).headers["content-length"]
        for _ in range(8)
    }
    assert len(sizes) > 1


def test_a_page_showing_a_secret_once_is_never_compressed(client, make_client, db, settings):
    setup = make_family(db, settings)
    client.sign_in(setup.practitioner.login, PASSPHRASE)
    created = client.submit(
        f"/families/{setup.id}/invites",
        {"invited_name": "Gran Rose", "role": "family_member"},
        headers=GZIP,
    )
    assert created.status_code == 200
    link = BeautifulSoup(created.text, "html.parser").select_one(".invite-link").get_text()
    assert "/join/" in link
    assert "content-encoding" not in created.headers
    gran = make_client()  # Gran's own phone opens the link
    join = gran.get(link.strip().removeprefix("http://testserver"), headers=GZIP)
    assert join.status_code == 200
    assert "content-encoding" not in join.headers


def test_a_compressed_stylesheet_unpacks_to_the_same_file(client):
    url = _stylesheet_url(client)
    plain = client.get(url, headers={"Accept-Encoding": "identity"}).content
    packed = client.get(url, headers=GZIP)  # httpx unpacks what was sent gzip-compressed
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain
