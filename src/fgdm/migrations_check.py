"""Refuses to run on a database whose schema is behind the code (Alembic is the only way
the schema changes)."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from fgdm.config import ConfigError, Settings


def alembic_config(settings: Settings) -> Config:
    """Alembic's configuration for this app's migrations and database."""
    config = Config()
    config.set_main_option("script_location", str(settings.migrations_dir))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    config.attributes["fgdm_settings"] = settings
    return config


def head_revision(settings: Settings) -> str | None:
    """The newest migration in the code."""
    return ScriptDirectory.from_config(alembic_config(settings)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_current(engine: Engine, settings: Settings) -> None:
    """Raises ConfigError with one line saying what to do when the database is not at the
    newest migration."""
    head = head_revision(settings)
    current = current_revision(engine)
    if current != head:
        raise ConfigError(
            f"The database is not up to date (at {current or 'nothing'}, needs {head}): "
            "run `fgdm migrate` first."
        )


def upgrade(settings: Settings) -> None:
    """Brings the database up to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(settings), "head")
