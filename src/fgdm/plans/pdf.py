"""The family plan handout as a PDF: WeasyPrint draws the printed handout's own page, and
reads nothing but the app's own static files (and data: pictures such as the QR code), so
drawing a plan never reaches out to the network."""

from __future__ import annotations

import logging
import mimetypes
from functools import cache
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import ImageFile

from fgdm.i18n import gettext as _
from fgdm.stories.images import PILLOW_SETTINGS
from fgdm.web import STATIC_DIR

STATIC_PREFIX = "/static/"


class NotOurs(ValueError):
    """An address the PDF will not fetch: not one of the app's own static files."""


@cache
def _weasyprint() -> ModuleType:
    """WeasyPrint, imported when the first PDF is drawn rather than at every worker's start
    (it was half a second of it, keeping a replaced worker from taking requests)."""
    # Importing WeasyPrint tells Pillow, for the whole process, to accept pictures that are
    # cut short. The handout draws only the app's own pictures, so Pillow's safe default is
    # put back at once, and no upload is decoded in between (stories/images.py holds the
    # same lock): an upload that did not arrive in full must still be refused.
    with PILLOW_SETTINGS:
        import weasyprint
        import weasyprint.urls

        ImageFile.LOAD_TRUNCATED_IMAGES = False
    # The app's stylesheets are written for phones and browsers too: WeasyPrint says so for
    # every screen-only rule it skips. Those are not problems with the handout.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint


@cache
def _static_only_fetcher_class() -> type:
    urls = _weasyprint().urls

    class StaticOnlyFetcher(urls.URLFetcher):
        """Serves the app's static files from disk and data: URIs; refuses everything
        else."""

        def __init__(self, base_url: str) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False)
            base = urlsplit(base_url)
            self._origin = (base.scheme, base.netloc)

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            """The static file or data: URI at `url`; NotOurs for anything else."""
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if (parts.scheme, parts.netloc) != self._origin or not parts.path.startswith(
                STATIC_PREFIX
            ):
                raise NotOurs(url)
            root = STATIC_DIR.resolve()
            path = (root / unquote(parts.path[len(STATIC_PREFIX) :])).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise NotOurs(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyFetcher


def static_only_fetcher(base_url: str) -> Any:
    """A WeasyPrint fetcher that reads the app's static files (relative to `base_url`'s
    origin) from disk, and data: URIs, and refuses everything else with NotOurs."""
    return _static_only_fetcher_class()(base_url)


def _css_string(text: str) -> str:
    """`text` as a quoted CSS string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    return f'"{escaped}"'


def page_numbers_css() -> str:
    """An @page rule that puts "Page 1 of 2", in the reader's language, at the foot of each
    page (CSS counters, which WeasyPrint fills in)."""
    marker = "\x00"
    words = _("Page %(page)s of %(pages)s") % {
        "page": f"{marker}page{marker}",
        "pages": f"{marker}pages{marker}",
    }
    parts = []
    for i, piece in enumerate(words.split(marker)):
        if i % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_css_string(piece))
    content = " ".join(parts)
    return f"@page {{ @bottom-center {{ content: {content}; font-size: 9pt; }} }}"


def render_pdf(html: str, *, base_url: str) -> bytes:
    """The page `html` (its links relative to `base_url`) drawn as an A4 PDF with page
    numbers."""
    weasyprint = _weasyprint()
    fetcher = static_only_fetcher(base_url)
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=fetcher, media_type="print"
    )
    numbers = weasyprint.CSS(string=page_numbers_css(), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[numbers])
