"""Alembic environment: the schema is SQLModel.metadata; the database comes from settings."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import fgdm.models  # noqa: F401 - registers every table
from fgdm.config import Settings
from fgdm.db import make_engine

config = context.config
settings = config.attributes.get("fgdm_settings") or Settings()
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=settings.database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        render_as_batch=settings.database_url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
