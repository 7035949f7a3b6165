"""Settings that are unsafe refuse to start with one line saying what to do; the command
line refuses an unmigrated database, creates staff accounts and loads the demo once."""

from __future__ import annotations

import io
import sys

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from fgdm import cli, demo, migrations_check
from fgdm.accounts.models import StaffRole, User
from fgdm.config import ConfigError, Settings
from fgdm.db import make_engine
from fgdm.families.models import FamilyGroup
from fgdm.main import create_app
from tests.conftest import SECRET, test_settings


def _one_line(message: str) -> None:
    assert message
    assert "\n" not in message
    assert len(message) < 240


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"secret_key": None}, "FGDM_SECRET_KEY"),
        ({"secret_key": ""}, "FGDM_SECRET_KEY"),
        ({"secret_key": "short-secret"}, "FGDM_SECRET_KEY"),
        ({"secret_key": "x" * 31}, "FGDM_SECRET_KEY"),
        ({"demo": True}, "FGDM_DEMO"),
    ],
    ids=["no secret", "empty secret", "short secret", "31 characters", "demo on"],
)
def test_production_refuses_to_start_with_unsafe_settings(overrides, says, tmp_path):
    settings = test_settings("sqlite:///:memory:", tmp_path, env="production", **overrides)
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    message = str(refused.value)
    _one_line(message)
    assert says in message
    assert any(word in message for word in ("set it", "unset"))


def test_production_starts_with_a_long_secret_and_no_demo(tmp_path):
    settings = test_settings("sqlite:///:memory:", tmp_path, env="production")
    app = create_app(settings)
    assert app.state.secret_key == SECRET


def test_outside_production_a_secret_is_made_once_and_kept_private(tmp_path):
    settings = test_settings("sqlite:///:memory:", tmp_path, env="development", secret_key=None)
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert settings.resolved_secret_key() == first
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0


def test_production_secret_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FGDM_ENV", "production")
    monkeypatch.setenv("FGDM_SECRET_KEY", "s" * 48)
    monkeypatch.setenv("FGDM_INSTANCE_DIR", str(tmp_path))
    settings = Settings()
    settings.check_safe_to_start()
    assert settings.is_production
    assert settings.session_cookie_name == "__Host-fgdm_session"


@pytest.fixture
def empty_database(tmp_path) -> str:
    path = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{path}").connect().close()
    return f"sqlite:///{path}"


def test_an_unmigrated_database_is_refused_with_one_line(empty_database, tmp_path):
    engine = make_engine(empty_database)
    with pytest.raises(ConfigError) as refused:
        migrations_check.require_current(engine, test_settings(empty_database, tmp_path))
    engine.dispose()
    message = str(refused.value)
    _one_line(message)
    assert "fgdm migrate" in message


def test_the_app_refuses_to_start_on_an_unmigrated_database(empty_database, tmp_path):
    from fastapi.testclient import TestClient

    app = create_app(test_settings(empty_database, tmp_path))
    with pytest.raises(ConfigError, match="fgdm migrate"), TestClient(app):
        pass


def test_a_migrated_database_is_accepted(database_url, tmp_path):
    engine = make_engine(database_url)
    migrations_check.require_current(engine, test_settings(database_url, tmp_path))
    engine.dispose()


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """Environment for running the fgdm command against a given database."""

    def use(database_url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("FGDM_INSTANCE_DIR", str(tmp_path / "instance"))
        monkeypatch.setenv("FGDM_ENV", "development")
        monkeypatch.setenv("FGDM_ARGON2_MEMORY_KIB", "1024")
        monkeypatch.setenv("FGDM_ARGON2_TIME_COST", "1")
        monkeypatch.delenv("FGDM_DEMO", raising=False)

    return use


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_create_user_refuses_an_unmigrated_database(cli_env, empty_database, monkeypatch, capsys):
    cli_env(empty_database)
    _stdin(monkeypatch, "correct horse battery staple\n")
    code = cli.main(
        ["create-user", "sam@council.example.org", "--role", "practitioner", "--name", "Sam"]
    )
    assert code == 1
    err = capsys.readouterr().err
    _one_line(err.strip())
    assert "fgdm migrate" in err


def test_create_user_reads_the_passphrase_from_a_pipe(cli_env, database_url, monkeypatch, capsys):
    cli_env(database_url)
    _stdin(monkeypatch, "correct horse battery staple\n")
    code = cli.main(
        [
            "create-user",
            "Sam.Okafor@Council.example.org",
            "--role",
            "practitioner",
            "--name",
            "Sam Okafor",
            "--team",
            "North",
        ]
    )
    assert code == 0
    assert "sam.okafor@council.example.org" in capsys.readouterr().out
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = session.exec(select(User)).one()
    engine.dispose()
    assert user.login == "sam.okafor@council.example.org"
    assert user.staff_role == StaffRole.practitioner
    assert user.password_hash.startswith("$argon2id$")
    assert user.team_id is not None


def test_create_user_refuses_a_weak_passphrase(cli_env, database_url, monkeypatch, capsys):
    cli_env(database_url)
    _stdin(monkeypatch, "password123\n")
    code = cli.main(["create-user", "sam@council.example.org", "--role", "admin", "--name", "Sam"])
    assert code == 1
    err = capsys.readouterr().err
    _one_line(err.strip())
    assert "too common" in err


def _count(database_url: str, table) -> int:
    engine = make_engine(database_url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(table)).one()
    engine.dispose()
    return count


def test_demo_twice_keeps_the_data_and_adds_nothing(cli_env, database_url, capsys):
    cli_env(database_url)
    assert cli.main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "demo data loaded" in first
    users, families = _count(database_url, User), _count(database_url, FamilyGroup)
    assert users == len(demo.STAFF) + len(demo.FAMILY_USERS)
    assert families == 2
    assert cli.main(["demo"]) == 0
    second = capsys.readouterr().out
    assert "already there" in second
    assert _count(database_url, User) == users
    assert _count(database_url, FamilyGroup) == families


def test_demo_is_refused_in_production(cli_env, database_url, monkeypatch, capsys):
    cli_env(database_url)
    monkeypatch.setenv("FGDM_ENV", "production")
    monkeypatch.setenv("FGDM_SECRET_KEY", "s" * 48)
    assert cli.main(["demo"]) == 1
    _one_line(capsys.readouterr().err.strip())
    assert _count(database_url, User) == 0


@pytest.fixture
def no_server(monkeypatch):
    """Makes sure no test ever really starts serving."""
    import uvicorn

    def refuse(*_args, **_kwargs):
        raise AssertionError("the server was started")

    monkeypatch.setattr(uvicorn, "run", refuse)


def test_serve_refuses_an_unmigrated_database(cli_env, empty_database, no_server, capsys):
    cli_env(empty_database)
    assert cli.main(["serve"]) == 1
    err = capsys.readouterr().err
    _one_line(err.strip())
    assert "fgdm migrate" in err


def test_serve_refuses_production_without_a_secret(
    cli_env, database_url, monkeypatch, no_server, capsys
):
    cli_env(database_url)
    monkeypatch.setenv("FGDM_ENV", "production")
    monkeypatch.delenv("FGDM_SECRET_KEY", raising=False)
    assert cli.main(["serve"]) == 1
    err = capsys.readouterr().err
    _one_line(err.strip())
    assert "FGDM_SECRET_KEY" in err


def test_a_worker_never_runs_more_requests_than_its_pool_can_serve_twice(database_url, tmp_path):
    """A request may need a second connection for a moment (a refusal or a sign-in attempt
    recorded on its own); with more requests at once than the pool can serve twice over,
    they all wait for each other's connections (seen under load before this limit)."""
    import anyio.to_thread
    from starlette.testclient import TestClient

    from fgdm.main import create_app

    settings = test_settings(database_url, tmp_path, db_pool_size=3)
    app = create_app(settings)
    with TestClient(app) as client:
        tokens = client.portal.call(
            lambda: anyio.to_thread.current_default_thread_limiter().total_tokens
        )
        assert tokens == 3
    pool = app.state.engine.pool
    assert pool.size() == 3
    assert pool._max_overflow == 3  # noqa: SLF001 - the pool's limit, as configured
