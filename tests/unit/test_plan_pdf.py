"""The family plan as a PDF: WeasyPrint draws the handout with page numbers and reads
nothing but the app's own static files."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from fgdm.plans.pdf import NotOurs, StaticOnlyFetcher, page_numbers_css, render_pdf
from fgdm.web import qr_code

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
    fetcher = StaticOnlyFetcher(BASE)
    response = fetcher.fetch("http://testserver/static/css/print.css?v=123")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"
    picture = fetcher.fetch("http://testserver/static/pictograms/sun.svg")
    assert picture.read().lstrip().startswith(b"<svg")


def test_the_qr_code_as_a_data_uri_is_read():
    uri, _size = qr_code("http://testserver/families/1/plan")
    response = StaticOnlyFetcher(BASE).fetch(uri)
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
        StaticOnlyFetcher(BASE).fetch(url)


def test_a_stylesheet_from_elsewhere_is_left_out_and_the_pdf_still_drawn():
    html = (
        '<html><head><link rel="stylesheet" href="http://example.org/x.css"></head>'
        "<body><p>Still here</p></body></html>"
    )
    assert "Still here" in pdf_text(render_pdf(html, base_url=BASE))[0]


def test_page_numbers_are_quoted_css_with_counters():
    css = page_numbers_css()
    assert 'content: "Page " counter(page) " of " counter(pages)' in css
