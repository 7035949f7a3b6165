"""The app's own files are compressed as they are; pages are compressed with padding of a
random length, and their CSRF token is masked afresh each time (BREACH)."""

from __future__ import annotations

import gzip

import pytest

from fgdm.compression import MAX_PADDING, compress_page, is_compressed
from fgdm.security import tokens


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/app.css",
        "/static/js/app.js",
        "/static/vendor/htmx-2.0.11.min.js",
        "/static/pictograms/home.svg",
        "/sw.js",
        "/manifest.webmanifest",
    ],
)
def test_the_apps_own_files_are_compressed_as_they_are(path):
    assert is_compressed(path)


@pytest.mark.parametrize(
    "path",
    ["/login", "/families/1/network", "/staticky/app.css", "/families/1/static/app.css"],
)
def test_pages_are_not_taken_for_the_apps_own_files(path):
    assert not is_compressed(path)


def test_a_compressed_page_unpacks_to_the_same_page():
    page = "<p>Nan takes Amir to school on Mondays. Ffion: 07700 900123 🌟</p>".encode() * 40
    assert gzip.decompress(compress_page(page)) == page


def test_the_same_page_compressed_twice_is_rarely_the_same_size():
    page = b"<p>The plan we agreed.</p>" * 100
    sizes = {len(compress_page(page)) for _ in range(20)}
    assert len(sizes) > 1
    bare = len(gzip.compress(page, compresslevel=6, mtime=0))
    assert all(bare < size <= bare + MAX_PADDING + 1 for size in sizes)


def test_a_masked_token_is_different_each_time_and_unmasks_to_the_token():
    token = tokens.signed("k" * 40, "csrf", "session-1")
    first, second = tokens.masked(token), tokens.masked(token)
    assert first != second
    assert token not in first
    assert tokens.unmasked(first) == tokens.unmasked(second) == token


@pytest.mark.parametrize("value", ["", "x", "not base64 at all!", "YWJj", "=" * 8])
def test_anything_but_a_masked_token_unmasks_to_nothing(value):
    assert tokens.unmasked(value) == ""
