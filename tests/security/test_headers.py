"""Security headers on every kind of response, cookie flags, production-only settings, and
error pages that never show how the app works inside."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from bs4 import BeautifulSoup
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fgdm.main import create_app
from tests.conftest import Browser, test_settings
from tests.factories import PASSPHRASE, make_family

SECRET_DETAIL = "internal detail: dsn=postgresql://app:hunter2@db/fgdm"


def _add_failing_route(app: FastAPI) -> None:
    """A route that only exists in this test app, to force a server error."""

    @app.get("/test-only/boom")
    def boom() -> None:
        raise RuntimeError(SECRET_DETAIL)


@pytest.fixture
def failing_app(settings) -> Iterator[FastAPI]:
    # An app of its own: the route added here must not reach the app other tests share.
    application = create_app(settings)
    _add_failing_route(application)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def production_app(database_url, tmp_path) -> Iterator[FastAPI]:
    settings = test_settings(database_url, tmp_path, env="production")
    application = create_app(settings)
    _add_failing_route(application)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def production_client(production_app) -> Iterator[TestClient]:
    with TestClient(
        production_app,
        base_url="https://testserver",
        follow_redirects=False,
        raise_server_exceptions=False,
    ) as browser:
        yield browser


def _csp(response) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _set_cookie(response, name: str) -> list[str]:
    """The attributes of the Set-Cookie header for one cookie, lower-cased, value dropped."""
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(name + "="):
            return [part.strip().lower() for part in header.split(";")[1:]]
    raise AssertionError(f"no Set-Cookie for {name}")


def _sign_in(browser, login: str) -> None:
    page = BeautifulSoup(browser.get("/login").text, "html.parser")
    token = page.select_one("input[name=csrf_token]")["value"]
    response = browser.post(
        "/login", data={"login": login, "passphrase": PASSPHRASE, "csrf_token": token}
    )
    assert response.status_code == 303


def _page(client, setup):
    return client.get("/login")


def _signed_in_page(client, setup):
    _sign_in(client, setup.parent.login)
    return client.get(f"/families/{setup.id}")


def _not_found(client, setup):
    return client.get("/no-such-page")


def _family_not_yours(client, setup):
    _sign_in(client, setup.parent.login)
    return client.get(f"/families/{setup.id + 1000}")


def _static(client, setup):
    return client.get("/static/css/app.css")


def _redirect(client, setup):
    return client.get("/families")


def _csrf_refused(client, setup):
    return client.post("/login", data={"login": "x", "passphrase": "y"})


def _forbidden(client, setup):
    _sign_in(client, setup.parent.login)
    return client.get("/families/new")


def _server_error(client, setup):
    return client.get("/test-only/boom")


def _health(client, setup):
    return client.get("/healthz")


RESPONSES: dict[str, Callable] = {
    "page": _page,
    "signed-in page": _signed_in_page,
    "404": _not_found,
    "404 family": _family_not_yours,
    "static file": _static,
    "redirect": _redirect,
    "403 csrf": _csrf_refused,
    "403 role": _forbidden,
    "500": _server_error,
    "health check": _health,
}


@pytest.fixture
def any_client(failing_app) -> Iterator[Browser]:
    with Browser(failing_app, follow_redirects=False, raise_server_exceptions=False) as browser:
        yield browser


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_response_carries_the_security_headers(kind, any_client, db, settings):
    setup = make_family(db, settings)
    response = RESPONSES[kind](any_client, setup)
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("style-src", ["'unsafe-inline'"])
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("kind", [k for k in RESPONSES if k != "static file"])
def test_pages_are_never_stored_by_the_browser_or_a_proxy(kind, any_client, db, settings):
    setup = make_family(db, settings)
    response = RESPONSES[kind](any_client, setup)
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("kind", RESPONSES)
def test_production_adds_hsts_to_every_response(kind, production_client, db, settings):
    setup = make_family(db, settings)
    response = RESPONSES[kind](production_client, setup)
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 3600
    assert _csp(response)["script-src"] == ["'self'"]


def test_session_cookie_is_httponly_lax_and_not_secure_outside_production(client, db, settings):
    setup = make_family(db, settings)
    response = client.sign_in(setup.parent.login, PASSPHRASE)
    flags = _set_cookie(response, "fgdm_session")
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert "secure" not in flags
    assert not [f for f in flags if f.startswith(("expires", "max-age", "domain"))]


def test_csrf_cookie_is_httponly_and_lax(client):
    flags = _set_cookie(client.get("/login"), "fgdm_csrf")
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags


def test_production_cookies_are_secure_and_host_only(production_client, db, settings):
    setup = make_family(db, settings)
    login_page = production_client.get("/login")
    csrf_flags = _set_cookie(login_page, "__Host-fgdm_csrf")
    assert "secure" in csrf_flags
    assert "path=/" in csrf_flags
    token = BeautifulSoup(login_page.text, "html.parser").select_one("input[name=csrf_token]")
    response = production_client.post(
        "/login",
        data={"login": setup.parent.login, "passphrase": PASSPHRASE, "csrf_token": token["value"]},
    )
    assert response.status_code == 303
    flags = _set_cookie(response, "__Host-fgdm_session")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= set(flags)
    assert not [f for f in flags if f.startswith("domain")]
    assert "fgdm_session" not in response.cookies
    assert production_client.get(f"/families/{setup.id}").status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/redoc"])
def test_api_docs_are_not_served_in_production(path, production_client):
    assert production_client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
def test_api_docs_are_served_outside_production(path, client):
    assert client.get(path).status_code == 200


def _shows_no_internals(response) -> None:
    text = response.text
    for leak in ("Traceback", "hunter2", "RuntimeError", 'File "', "site-packages", ".py"):
        assert leak not in text


@pytest.mark.parametrize("use_production", [False, True], ids=["test", "production"])
def test_server_error_page_is_friendly_and_shows_no_internals(
    use_production, any_client, production_client, db, settings
):
    browser = production_client if use_production else any_client
    response = browser.get("/test-only/boom")
    assert response.status_code == 500
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1.get_text(strip=True) == "Sorry, something went wrong"
    assert response.headers["X-Request-ID"] in page.main.get_text()
    _shows_no_internals(response)


@pytest.mark.parametrize("kind", ["404", "404 family", "403 csrf", "403 role"])
def test_error_pages_are_friendly_and_show_no_internals(kind, any_client, db, settings):
    setup = make_family(db, settings)
    response = RESPONSES[kind](any_client, setup)
    assert response.status_code in (403, 404)
    assert BeautifulSoup(response.text, "html.parser").h1.get_text(strip=True)
    _shows_no_internals(response)


def test_api_errors_answer_json_without_internals(failing_app):
    @failing_app.get("/api/test-only/boom")
    def api_boom() -> None:
        raise RuntimeError(SECRET_DETAIL)

    with TestClient(failing_app, raise_server_exceptions=False) as browser:
        response = browser.get("/api/test-only/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error"}
    _shows_no_internals(response)
