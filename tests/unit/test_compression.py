"""Only the app's own files may be sent compressed; pages never are (BREACH)."""

from __future__ import annotations

import pytest

from fgdm.compression import is_compressed


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
def test_the_apps_own_files_may_be_sent_compressed(path):
    assert is_compressed(path)


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/families",
        "/families/1",
        "/families/1/plan",
        "/families/1/network",
        "/api/v1/families/1/network",
        "/staticky/app.css",
        "/families/1/static/app.css",
        "/sw.js/../login",
    ],
)
def test_pages_and_family_data_are_never_sent_compressed(path):
    assert not is_compressed(path)
