"""fgdm backup and fgdm restore: a restore into a fresh database, migrated, holds every row
and the audit log exactly as they were."""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from fgdm import backup, cli
from fgdm.audit.models import AuditEvent
from fgdm.db import make_engine
from fgdm.families import service as families_service
from fgdm.network import service as network_service
from fgdm.network.service import PersonInput
from tests.conftest import PG_URL, drop_database, test_settings
from tests.factories import actor_for, make_family


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test database, to restore into."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"fgdm_restore_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    drop_database(admin, name)
    admin.dispose()


@pytest.fixture
def family_with_history(db, settings):
    setup = make_family(db, settings)
    access = families_service.get_access(db, user=setup.practitioner, family_group_id=setup.id)
    network_service.add_person(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=access,
        data=PersonInput(known_as="Nan ❤️ નાની", kind="family", closeness="close"),
    )
    db.commit()
    return setup


def audit_rows(url: str) -> list[tuple]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent).order_by(AuditEvent.id)).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_restored_backup_has_every_row_and_the_same_audit_log(
    settings, family_with_history, fresh_url, tmp_path
):
    before = backup.count_rows(settings)
    path = backup.backup(settings, tmp_path / "nightly.backup")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    restored = test_settings(fresh_url, tmp_path / "other")
    after = backup.restore(restored, path)

    assert after == before
    assert sum(c.rows for c in after) > 0
    assert audit_rows(fresh_url) == audit_rows(settings.database_url)
    engine = make_engine(fresh_url)
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT known_as FROM person")).scalars().all()
    engine.dispose()
    assert "Nan ❤️ નાની" in names


def test_a_backup_never_overwrites_a_file(settings, tmp_path):
    existing = tmp_path / "keep.backup"
    existing.write_bytes(b"yesterday")
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.backup(settings, existing)
    assert existing.read_bytes() == b"yesterday"


def test_restore_refuses_a_database_with_tables_unless_told_to_replace(
    settings, family_with_history, tmp_path
):
    path = backup.backup(settings, tmp_path / "b.backup")
    with pytest.raises(backup.BackupError, match="--replace"):
        backup.restore(settings, path)
    assert backup.restore(settings, path, replace=True) == backup.count_rows(settings)


def test_restore_refuses_a_file_that_is_not_a_backup(settings, tmp_path):
    bogus = tmp_path / "photo.backup"
    bogus.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    with pytest.raises(backup.BackupError, match="not a backup"):
        backup.restore(settings, bogus)


def test_the_commands_back_up_and_restore(
    settings, family_with_history, fresh_url, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FGDM_INSTANCE_DIR", str(tmp_path / "instance"))
    target = tmp_path / "cli.backup"
    assert cli.main(["backup", str(target)]) == 0
    assert "backup written" in capsys.readouterr().out

    monkeypatch.setenv("DATABASE_URL", fresh_url)
    assert cli.main(["restore", str(target)]) == 0
    out = capsys.readouterr().out
    assert "audit entries" in out and "up to date" in out

    assert cli.main(["restore", str(target)]) == 1
    assert "--replace" in capsys.readouterr().err


def test_the_database_password_is_kept_out_of_the_command_line():
    conninfo, env = backup._libpq(
        sa.engine.make_url("postgresql+psycopg://fgdm:s3cret@db.example:5432/fgdm")
    )
    assert "s3cret" not in conninfo
    assert conninfo.startswith("postgresql://fgdm@db.example:5432/fgdm")
    assert env["PGPASSWORD"] == "s3cret"
    assert os.environ.get("PGPASSWORD") != "s3cret"
