"""Templates and responses: full pages, or one block of a page for an htmx request."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader
from jinja2.bccache import Bucket
from jinja2_fragments.fastapi import Jinja2Blocks

from fgdm import i18n
from fgdm.security.deps import CSRF_FIELD, CSRF_HEADER, masked_csrf_token

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
HTMX_FILE = "vendor/htmx-2.0.11.min.js"


class CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates kept on disk; a folder that cannot be read or written (cleaned
    away, full) only means compiling afresh."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            return

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            return


def _compiled_templates_folder() -> FileSystemBytecodeCache | None:
    """Where compiled templates are kept (a folder of this user's own under the system's
    temporary folder, checked by Jinja), so a new or replaced worker reads them in a
    fiftieth of a second instead of compiling them for most of one; none if there is no
    such folder to be had (a read-only system)."""
    try:
        return CompiledTemplates()
    except (OSError, RuntimeError):
        return None


templates = Jinja2Blocks(
    env=Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        bytecode_cache=_compiled_templates_folder(),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)


@cache
def _static_hash(path: str) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """A static file's URL with a content hash, so browsers never use a stale copy."""
    return f"/static/{path}?v={_static_hash(path)}"


LONDON = ZoneInfo("Europe/London")


def _babel_locale() -> str:
    # English speakers here are in England: day before month, 24-hour clock.
    locale = i18n.current_locale()
    return "en_GB" if locale == "en" else locale


def _format_date(value: date | datetime | None, style: str = "medium") -> str:
    """A date, or a date and time in UK time, formatted for the page's language."""
    if value is None:
        return ""
    locale = _babel_locale()
    if isinstance(value, datetime):
        local = value.astimezone(LONDON)
        if style not in ("short", "medium", "long", "full"):  # a pattern like "d MMMM, HH:mm"
            return format_datetime(local, style, locale=locale)
        return f"{format_date(local.date(), style, locale=locale)}, " + format_time(
            local.time(), "short", locale=locale
        )
    return format_date(value, style, locale=locale)


def language_url(request: Request) -> str:
    """The Language page's address, bringing the person back to this page afterwards."""
    if request.url.path == "/language" or request.method != "GET":
        return "/language"
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/language?next=" + quote(safe_next(here), safe="/")


def _format_number(value: int | float) -> str:
    """A count or score written the way the page's language writes numbers."""
    return format_decimal(value, locale=_babel_locale())


templates.env.filters["date"] = _format_date
_text = templates.env.get_template("_text.html").module
templates.env.globals.update(bdi=_text.bdi, bdi_list=_text.bdi_list)  # type: ignore[attr-defined]
templates.env.filters["number"] = _format_number
templates.env.globals.update(
    static_url=static_url,
    htmx_file=HTMX_FILE,
    csrf_field_name=CSRF_FIELD,
    csrf_header_name=CSRF_HEADER,
    current_locale=i18n.current_locale,
    text_direction=i18n.text_direction,
    language_url=language_url,
    language_names=i18n.LANGUAGES,
)


class FormValues(dict[str, str]):
    """A submitted form's text fields: the last value of each name, and getlist() for
    names that repeat (checkboxes)."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__(items)
        self._lists: dict[str, list[str]] = {}
        for key, value in items:
            self._lists.setdefault(key, []).append(value)

    def getlist(self, key: str) -> list[str]:
        return list(self._lists.get(key, []))

    def version(self) -> int:
        """The version of the record the form was loaded with (0, always stale, when it is
        missing or not a number)."""
        value = self.get("version", "")
        return int(value) if value.isdigit() and len(value) < 10 else 0


async def form_data(request: Request) -> FormValues:
    """The submitted form's text fields (for forms with a variable set of fields)."""
    form = await request.form()
    return FormValues([(k, v) for k, v in form.multi_items() if isinstance(v, str)])


FormDep = Annotated[FormValues, Depends(form_data)]


def is_htmx(request: Request) -> bool:
    """True when htmx made the request (and it is not a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


# Pages that show a secret once, or carry one in their form's address: never compressed
# (see compression.py).
PAGES_WITH_SECRETS = frozenset(
    {
        "accounts/recovery_codes.html",
        "accounts/two_step_setup.html",
        "api/tokens.html",
        "invites/created.html",
        "invites/join.html",
    }
)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
) -> HTMLResponse:
    """Renders a page, or only `block` of it when htmx asks. Adds what every page needs:
    the signed-in user, the CSRF token and the session time-out."""
    if not hasattr(request.state, "locale"):
        # Pages for unmatched addresses are rendered before any dependency ran.
        secure = request.app.state.settings.secure_cookies
        i18n.set_locale(
            i18n.choose_locale(
                cookie=request.cookies.get(i18n.language_cookie_name(secure=secure)),
                accept_language=request.headers.get("accept-language"),
            )
        )
    data: dict[str, Any] = dict(context or {})
    data.setdefault("user", getattr(request.state, "user", None))
    data["csrf_token"] = masked_csrf_token(request)
    if template in PAGES_WITH_SECRETS:
        request.state.holds_secret = True
    settings = request.app.state.settings
    data["idle_seconds"] = settings.session_idle_minutes * 60
    data["warning_seconds"] = settings.session_warning_seconds
    block_name = block if block and is_htmx(request) else None
    response = templates.TemplateResponse(
        request, template, data, status_code=status_code, block_name=block_name
    )
    response.headers["Vary"] = "HX-Request"
    # What the answer was, for the commit (the offline outbox stores a key only on success).
    request.state.answer = (status_code, "")
    return response


def redirect(request: Request, url: str) -> Response:
    """After a successful form: 303 See Other without JavaScript. With htmx, a boosted form
    gets HX-Location (the next page is fetched and swapped in place, keeping any #anchor);
    other htmx requests get HX-Redirect (a full load, since they asked for a fragment)."""
    request.state.answer = (303, url)
    if is_htmx(request):
        header = "HX-Location" if request.headers.get("HX-Boosted") == "true" else "HX-Redirect"
        return Response(status_code=204, headers={header: url})
    return RedirectResponse(url, status_code=303)


def qr_code(url: str, *, scale: int = 4) -> tuple[str, int]:
    """A QR code for a link, as a data: URI for an <img> (nothing to fetch, nothing
    unescaped), with its width in pixels. Made afresh: for a link holding a secret."""
    qr = segno.make(url, error="m")
    width, _height = qr.symbol_size(scale=scale)
    return qr.svg_data_uri(scale=scale), width


@lru_cache(maxsize=1024)
def page_qr_code(url: str) -> tuple[str, int]:
    """The QR code back to a page for its printed handout, kept per page: every page of a
    family's record carries one, and making it costs more than the rest of the page."""
    return qr_code(url)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths are allowed as a place to go after sign-in."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    # Control characters are never part of a real address, and browsers drop some of them
    # (tab, line breaks) before reading one, which could turn "/\t/x" into "//x".
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    return target
