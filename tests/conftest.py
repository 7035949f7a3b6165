"""Test fixtures: an app per test on its own database (SQLite by default, PostgreSQL when
FGDM_TEST_DATABASE_URL is set), a test client, and a database session for factories."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg.errors import InsufficientPrivilege
from sqlmodel import Session, SQLModel

from fgdm import migrations_check
from fgdm.config import Settings
from fgdm.db import make_engine
from fgdm.main import create_app

pytest_plugins = ["tests.log_scan"]

PG_URL = os.environ.get("FGDM_TEST_DATABASE_URL", "")
SECRET = "test-secret-key-that-is-long-enough-for-production-1234567890"


def test_settings(database_url: str, instance_dir: Path, **overrides: object) -> Settings:
    """Settings for a test app. Argon2 is made cheap here; production cost is tested apart."""
    values: dict[str, object] = {
        "env": "test",
        "secret_key": SECRET,
        "database_url": database_url,
        "instance_dir": instance_dir,
        "argon2_memory_kib": 1024,
        "argon2_time_cost": 1,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]


def drop_database(admin: sa.Engine, name: str) -> None:
    """Drops a database made for a test or a bench run, ending whatever is still connected
    to it. PostgreSQL does not let a user who is not a superuser end an autovacuum worker,
    and one may have just started on a database that was filled a moment ago: it is done
    within moments, so the drop is tried again for a while."""
    for attempt in itertools.count(1):
        try:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except sa.exc.ProgrammingError as error:
            if attempt == 100 or not isinstance(error.orig, InsufficientPrivilege):
                raise
            time.sleep(0.1)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextmanager
def _migrated_postgres(folder: Path, suffix: str = "") -> Iterator[str]:
    """A PostgreSQL database of this test process (so parallel runs never share one), at
    the newest migration; dropped afterwards."""
    database = f"fgdm_test_{_worker()}_{os.getpid()}{suffix}"
    admin = make_engine(PG_URL)

    def drop() -> None:
        drop_database(admin, database)

    drop()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + database
    try:
        migrations_check.upgrade(test_settings(url, folder))
        yield url
    finally:
        drop()
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest migration: a SQLite file to copy, or a PostgreSQL database
    (one per test worker) emptied after each test."""
    folder = tmp_path_factory.mktemp("instance")
    if PG_URL:
        with _migrated_postgres(folder) as url:
            yield url
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrations_check.upgrade(test_settings(url, folder))
    yield url


@contextmanager
def database_of_its_own(migrated_template: str, folder: Path, name: str) -> Iterator[str]:
    """A migrated database apart from the one the test process's tests use one after another
    (for fixtures that keep one database for a whole module); removed afterwards."""
    if PG_URL:
        with _migrated_postgres(folder, f"_{name}") as url:
            yield url
        return
    target = folder / f"{name}.db"
    shutil.copyfile(migrated_template.split("///", 1)[1], target)
    yield f"sqlite:///{target}"


# The tables a test wrote to: those with rows, and those whose id sequence has been used
# (a row added and removed again still moved it on).
_WRITTEN_TO = """
SELECT DISTINCT t.relname
FROM pg_sequences ps
JOIN pg_namespace n ON n.nspname = ps.schemaname
JOIN pg_class s ON s.relname = ps.sequencename AND s.relnamespace = n.oid
JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
JOIN pg_class t ON t.oid = d.refobjid
WHERE ps.schemaname = current_schema() AND ps.last_value IS NOT NULL
"""


def _empty_postgres(url: str) -> None:
    """Empties the tables a test wrote to, with their ids starting again from 1 (emptying
    every table each time costs a tenth of a second, most tests touch a few)."""
    engine = make_engine(url)
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    # The table names are the app's own (its models), never anything typed.
    with_rows = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")"  # noqa: S608
        for name in tables
    )
    with engine.begin() as conn:
        written = set(conn.execute(sa.text(with_rows)).scalars())
        written |= set(conn.execute(sa.text(_WRITTEN_TO)).scalars())
        chosen = ", ".join(f'"{name}"' for name in tables if name in written)
        if chosen:
            conn.execute(sa.text(f"TRUNCATE {chosen} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if PG_URL:
        yield migrated_template
        _empty_postgres(migrated_template)
        return
    source = migrated_template.split("///", 1)[1]
    target = tmp_path / "fgdm.db"
    shutil.copyfile(source, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return test_settings(database_url, tmp_path)


# Apps already built in this test process, by their settings (all but the database and
# the instance folder). FastAPI prepares an app's routes at its first request, which takes
# a few tenths of a second; tests whose settings differ only in their database share an
# app instead, with its state (settings, database engine, secret key) set for each test.
_APPS: dict[str, FastAPI] = {}


def app_for(settings: Settings) -> FastAPI:
    """An app for these settings, on their database: built once per kind of settings."""
    key = settings.model_dump_json(exclude={"database_url", "instance_dir"})
    key += settings.resolved_secret_key()
    application = _APPS.get(key)
    if application is None:
        application = _APPS[key] = create_app(settings)
        return application
    application.state.settings = settings
    application.state.engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    application.state.secret_key = settings.resolved_secret_key()
    return application


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = app_for(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    """A database session for building test data; commit what you build."""
    with Session(app.state.engine, expire_on_commit=False) as session:
        yield session


class Browser(TestClient):
    """A test client that behaves like one person's browser: it keeps cookies and finds
    the CSRF token on the last page it loaded."""

    last_token: str = ""

    def request(self, method: str, url: str, *args, **kwargs):  # type: ignore[override]
        response = super().request(method, url, *args, **kwargs)
        found = (
            CSRF_RE.search(response.text)
            if "text/html" in response.headers.get("content-type", "")
            else None
        )
        if found:
            self.last_token = found.group(1)
        return response

    def token(self) -> str:
        """A CSRF token valid for this browser's current session (a half-way session of a
        two-step sign-in is sent to a page that has one too)."""
        response = self.get("/account" if self.cookies.get("fgdm_session") else "/login")
        if response.status_code == 303:
            self.get(response.headers["location"])
        return self.last_token

    def submit(self, url: str, data: dict[str, object] | None = None, **kwargs):
        """Posts a form as the page would, with the CSRF token."""
        form = dict(data or {})
        form.setdefault("csrf_token", self.token())
        return self.post(url, data=form, **kwargs)

    def sign_in(self, login: str, passphrase: str):
        response = self.submit(
            "/login", {"login": login, "passphrase": passphrase}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        return response


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(app: FastAPI) -> Iterator[Browser]:
    with Browser(app, follow_redirects=False) as browser:
        yield browser


@pytest.fixture
def make_client(app: FastAPI) -> Iterator:
    """Makes more browsers for the same app (two people, two phones)."""
    opened: list[Browser] = []

    def factory() -> Browser:
        browser = Browser(app, follow_redirects=False)
        browser.__enter__()
        opened.append(browser)
        return browser

    yield factory
    for browser in opened:
        browser.__exit__(None, None, None)


def walk_routes(app: FastAPI) -> list:
    """Every APIRoute of the app, including those of included routers (newer FastAPI keeps
    included routers as branches in app.routes instead of copying their routes)."""
    from fastapi.routing import APIRoute

    found: list[APIRoute] = []

    def visit(routes: list) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):
                visit(route.original_router.routes)

    visit(app.routes)
    return found
