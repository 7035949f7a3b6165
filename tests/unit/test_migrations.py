"""The migrations build exactly the schema the models describe, and can be undone."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import fgdm.models  # noqa: F401 - registers every table
from fgdm import migrations_check
from fgdm.db import make_engine
from tests.conftest import test_settings


def test_migrated_database_matches_the_models(database_url, tmp_path):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == [], "a model changed without a migration"


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    settings = test_settings(f"sqlite:///{tmp_path / 'roundtrip.db'}", tmp_path)
    config = migrations_check.alembic_config(settings)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(settings.database_url)
    assert migrations_check.current_revision(engine) is None
    command.upgrade(config, "head")
    assert migrations_check.current_revision(engine) == migrations_check.head_revision(settings)
    engine.dispose()
