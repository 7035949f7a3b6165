"""Health checks for load balancers."""

import gc
import subprocess
import sys

import sqlalchemy as sa
from bs4 import BeautifulSoup

from fgdm.main import create_app
from tests.conftest import Browser, test_settings


def test_healthz_and_readyz_answer_ok_on_a_migrated_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok"}


def test_readyz_reports_pending_migrations(tmp_path):
    empty = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{empty}").connect().close()
    app = create_app(test_settings(f"sqlite:///{empty}", tmp_path))
    # No lifespan here: the app would refuse to start on this database.
    browser = Browser(app)
    response = browser.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "migrations pending"}
    assert browser.get("/healthz").status_code == 200


def test_with_the_database_gone_a_page_says_so_kindly_and_nothing_half_done(
    client, db, settings, monkeypatch
):
    from sqlmodel import select

    from fgdm.audit import service as audit_service
    from fgdm.db import make_engine
    from fgdm.network.models import Person
    from tests.factories import PASSPHRASE, make_family

    family = make_family(db, settings)
    client.sign_in(family.parent.login, PASSPHRASE)
    token = client.token()

    # The database fails in the middle of a change: the person is added, then the audit
    # row cannot be written. The page says so, and the person is not half-saved.
    def database_fails(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT INTO audit_event", {}, Exception("gone"))

    monkeypatch.setattr(audit_service, "record", database_fails)
    response = client.post(
        f"/families/{family.id}/network/people",
        data={
            "known_as": "Half saved",
            "kind": "family",
            "closeness": "close",
            "csrf_token": token,
        },
    )
    assert response.status_code == 503
    page = BeautifulSoup(response.text, "html.parser")
    assert page.h1.get_text(strip=True) == "The service is not available right now"
    assert "Nothing was changed" in page.get_text()
    assert "OperationalError" not in response.text and "INSERT" not in response.text
    monkeypatch.undo()
    db.expire_all()
    assert db.exec(select(Person).where(Person.known_as == "Half saved")).first() is None

    # The database cannot be reached at all: the same page, and /readyz says why.
    working = client.app.state.engine
    client.app.state.engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        response = client.get(f"/families/{family.id}")
        assert response.status_code == 503
        assert "The service is not available right now" in response.text
        assert client.get("/readyz").json() == {"status": "database unreachable"}
    finally:
        client.app.state.engine.dispose()
        client.app.state.engine = working


def test_a_new_worker_is_ready_for_its_first_request_before_taking_it(settings, monkeypatch):
    """FastAPI prepares a router's routes the first time one of them is matched (a quarter
    of a second for all of them), Jinja compiles a template the first time it is drawn
    (most of a second for all), Babel reads a language's dates and numbers the first time
    they are shown: a worker started or replaced under load must not make its first people
    wait for any of that. Until it is ready, the other workers take the requests."""
    import babel.localedata
    import fastapi.routing

    from fgdm.web import templates

    prepared: list[str] = []
    prepare = fastapi.routing._populate_api_route_state

    def counting(route, path, *args, **kwargs):  # noqa: ANN001, ANN202 - wraps FastAPI's own
        prepared.append(path)
        return prepare(route, path, *args, **kwargs)

    languages_read: list[str] = []
    read = babel.localedata.load

    def reading(name, *args, **kwargs):  # noqa: ANN001, ANN202 - wraps Babel's own
        languages_read.append(name)
        return read(name, *args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "_populate_api_route_state", counting)
    monkeypatch.setattr(babel.localedata, "load", reading)
    templates.env.cache.clear()
    app = create_app(settings)
    with Browser(app, follow_redirects=False) as browser:
        assert "/families/{family_id}/network" in prepared
        assert {"en", "gu", "ur", "pl"} <= set(languages_read)
        compiled = {name for _loader, name in templates.env.cache}
        assert {"network/network.html", "families/home.html", "base.html"} <= compiled
        prepared.clear()
        assert browser.get("/login").status_code == 200
        assert browser.get("/families/1/network").status_code == 303  # to sign in
        assert browser.get("/api/v1/families/1/network").status_code == 401

    assert prepared == []
    app.state.engine.dispose()


def test_a_worker_leaves_what_it_made_at_start_out_of_garbage_collection(settings):
    """A full garbage collection over everything a worker made at start (about 300,000
    objects) stops it for 150-200 ms, every 15 s or so under load: start-up's objects are
    frozen, so a collection walks only what came later."""
    gc.unfreeze()
    app = create_app(settings)
    with Browser(app, follow_redirects=False) as browser:
        assert browser.get("/login").status_code == 200
        assert gc.get_freeze_count() > 50_000
    app.state.engine.dispose()


def test_a_worker_starts_without_loading_what_only_a_few_pages_need():
    """WeasyPrint (the PDF handout) and vobject (reading phone contacts) were half a second
    of every worker's start, and a replaced worker takes no requests until it is ready:
    they are loaded when first used."""
    code = "import sys, fgdm.main; print(sorted({'weasyprint', 'vobject'} & set(sys.modules)))"
    started = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert started.stdout.strip() == "[]"
