"""Backups and restores of the whole database: SQLite through its online backup API (a
consistent copy while the app runs), PostgreSQL through pg_dump and pg_restore. A backup
holds children's records, so the file is made readable by its owner only."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from fgdm.config import ConfigError, Settings
from fgdm.db import make_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Something the person running the command can put right; the message says what."""


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int


def _url(settings: Settings) -> URL:
    return make_url(settings.database_url)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file.")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password (it goes in PGPASSWORD, so it never
    shows in the process list), and the environment to run the client with."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) keeps the password, so build the URL again without it.
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        # Debian keeps the client tools per version outside PATH.
        versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if versions:
            return str(versions[-1])
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _private_temp_beside(path: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    os.chmod(name, 0o600)
    return Path(name)


def backup(settings: Settings, target: Path) -> Path:
    """Writes a consistent copy of the database to `target` (which must not exist yet),
    readable by its owner only."""
    target = target.expanduser().resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist.")
    url = _url(settings)
    partial = _private_temp_beside(target)
    try:
        if _is_sqlite(url):
            if not _sqlite_path(url).is_file():
                raise BackupError(f"there is no database at {_sqlite_path(url)}.")
            source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
            copy = sqlite3.connect(partial)
            try:
                with copy:
                    source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            conninfo, env = _libpq(url)
            _run(
                [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"]
                + [f"--dbname={conninfo}"],
                env,
            )
        # Only a finished copy gets the real name, so a half-written backup never looks whole.
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _run(command: list[str], env: dict[str, str]) -> None:
    # A fixed tool and arguments built here (no shell); the URL comes from the settings.
    result = subprocess.run(  # noqa: S603  # nosec B603
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-500:]}")


def kind_of_backup(path: Path) -> str:
    """'sqlite' or 'postgresql', from the file's first bytes (not its name)."""
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a backup made by `fgdm backup`.")


def _has_tables(settings: Settings) -> bool:
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return bool(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def restore(settings: Settings, source: Path, *, replace: bool = False) -> list[TableCount]:
    """Restores a backup into the database DATABASE_URL names, brings it up to the newest
    migration, and counts the rows of every table. Refuses a database that already has
    tables unless `replace` (stop the app first)."""
    source = source.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    kind = kind_of_backup(source)
    url = _url(settings)
    wanted = "sqlite" if _is_sqlite(url) else "postgresql"
    if kind != wanted:
        raise BackupError(f"{source} is a {kind} backup but DATABASE_URL is {wanted}.")
    if not replace and _is_sqlite(url) and _sqlite_path(url).exists() and _has_tables(settings):
        raise BackupError("the database already has tables; add --replace to overwrite it.")
    if not replace and not _is_sqlite(url) and _has_tables(settings):
        raise BackupError("the database already has tables; add --replace to overwrite it.")
    if _is_sqlite(url):
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
    else:
        conninfo, env = _libpq(url)
        command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        if replace:
            command += ["--clean", "--if-exists"]
        _run([*command, f"--dbname={conninfo}", str(source)], env)
    from fgdm import migrations_check

    try:
        migrations_check.upgrade(settings)
    except Exception as exc:  # noqa: BLE001 - say what went wrong in one line
        raise ConfigError(f"restored, but the migrations failed: {exc}") from exc
    return count_rows(settings)


def count_rows(settings: Settings) -> list[TableCount]:
    """How many rows each of the app's tables holds, to compare a restore with its source."""
    from sqlmodel import SQLModel

    import fgdm.models  # noqa: F401 - every table

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            return [
                TableCount(
                    table.name,
                    connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one(),
                )
                for table in SQLModel.metadata.sorted_tables
            ]
    finally:
        engine.dispose()
