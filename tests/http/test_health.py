"""Health checks for load balancers."""

import sqlalchemy as sa

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
