"""`fgdm purge`: closed family groups go after their retention period, with everything in
them, unless a legal hold keeps them; old sign-in records and audit rows go too, and the
audit log still refuses every other change."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlmodel import select

from fgdm import cli, demo, retention
from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import SignInAttempt, User, UserSession
from fgdm.audit.models import AuditEvent
from fgdm.db import utcnow
from fgdm.exports import service as exports_service
from fgdm.families import service as families_service
from fgdm.families.models import FamilyGroup, MemberRole, Membership, Stage, StageChange
from tests.conftest import test_settings
from tests.factories import PASSPHRASE, actor_for, make_family

YEARS = timedelta(days=366)


@pytest.fixture
def short(settings, tmp_path):
    """Settings with a one-year retention after closing (the council decides the period)."""
    return test_settings(settings.database_url, tmp_path, retention_years_after_closing=1)


def close(db, family_id: int, *, at) -> None:
    family = db.get(FamilyGroup, family_id)
    family.stage = Stage.closed
    db.add(family)
    db.add(StageChange(family_group_id=family_id, to_stage=Stage.closed, changed_at=at))
    db.commit()


def rows_of(db, family_id: int) -> dict[str, int]:
    gathered = exports_service.gather(db, family_id=family_id)
    return {table: len(rows) for table, rows in gathered.rows.items() if rows}


@pytest.fixture
def demo_families(db, settings):
    demo.load(db, settings=settings)
    db.commit()
    families = {f.name: f.id for f in db.exec(select(FamilyGroup)).all()}
    return families["The Begum-Clarke family"], next(
        fid for name, fid in families.items() if name != "The Begum-Clarke family"
    )


def test_a_family_group_closed_past_its_retention_is_erased_with_everything_in_it(
    db, short, demo_families
):
    erased, kept = demo_families
    before_erased, before_kept = rows_of(db, erased), rows_of(db, kept)
    assert {"person", "safety_plan", "story", "mapping_item"} <= set(before_erased)
    close(db, erased, at=utcnow() - 2 * YEARS)

    report = retention.purge(db, settings=short)
    db.commit()

    assert report.family_groups == [erased]
    db.expire_all()
    assert db.get(FamilyGroup, erased) is None
    left = rows_of(db, erased)
    # Only the audit trail remains: numbers and kinds of actions, no words of the record.
    assert set(left) == {"audit_event"}
    purge_events = db.exec(
        select(AuditEvent).where(AuditEvent.action == "purge", AuditEvent.family_group_id == erased)
    ).all()
    assert len(purge_events) == 1 and purge_events[0].actor_role == "system"
    assert rows_of(db, kept) == before_kept


def test_erasing_a_family_group_erases_the_accounts_that_only_belonged_to_it(db, settings):
    erased = make_family(db, settings, name="The Closed family")
    other = make_family(db, settings, name="The Open family", practitioner=erased.practitioner)
    families_service.add_member(
        db,
        actor=actor_for(settings, erased.practitioner),
        access=families_service.get_access(db, user=erased.practitioner, family_group_id=other.id),
        user=erased.young_person,
        role=MemberRole.young_person,
    )
    db.add(UserSession(id="phone", user_id=erased.parent.id, expires_at=utcnow() + YEARS))
    db.commit()
    close(db, erased.id, at=utcnow())

    # Seven years and a bit later, by the clock on the wall.
    with time_machine.travel(utcnow() + 7 * YEARS + timedelta(days=30), tick=False):
        report = retention.purge(db, settings=settings)
        db.commit()
    assert report.family_groups == [erased.id] and report.accounts == 1
    db.expire_all()
    assert db.get(User, erased.parent.id).display_name == retention.ERASED_NAME
    assert db.get(UserSession, "phone") is None
    # Still a member of another family group: kept.
    assert db.get(User, erased.young_person.id).display_name == "Young person"
    assert db.get(User, erased.practitioner.id).is_active


def test_a_family_group_within_its_retention_or_on_legal_hold_is_kept(db, short, demo_families):
    recent, held = demo_families
    close(db, recent, at=utcnow() - timedelta(days=100))
    close(db, held, at=utcnow() - 2 * YEARS)
    retention.set_legal_hold(db, settings=short, family_group_id=held, reason="Care proceedings")
    db.commit()

    report = retention.purge(db, settings=short)
    db.commit()
    assert report.family_groups == [] and report.held == [held]
    assert db.get(FamilyGroup, recent) is not None and db.get(FamilyGroup, held) is not None

    retention.release_legal_hold(db, settings=short, family_group_id=held)
    db.commit()
    assert retention.purge(db, settings=short).family_groups == [held]


def test_a_legal_hold_needs_a_reason_and_an_existing_family_group(db, short, demo_families):
    with pytest.raises(retention.RetentionError, match="Say why"):
        retention.set_legal_hold(db, settings=short, family_group_id=demo_families[0], reason=" ")
    with pytest.raises(retention.RetentionError, match="no family group"):
        retention.set_legal_hold(db, settings=short, family_group_id=999999, reason="Court")


def test_a_group_closed_without_a_recorded_date_is_never_erased_on_a_guess(
    db, short, demo_families
):
    family = db.get(FamilyGroup, demo_families[0])
    family.stage = Stage.closed
    db.add(family)
    db.commit()
    report = retention.purge(db, settings=short, now=utcnow() + 50 * YEARS)
    assert demo_families[0] not in report.family_groups


def test_a_dry_run_says_what_would_go_and_changes_nothing(db, short, demo_families):
    erased, _ = demo_families
    close(db, erased, at=utcnow() - 2 * YEARS)
    before = rows_of(db, erased)
    report = retention.purge(db, settings=short, dry_run=True)
    db.commit()
    assert report.family_groups == [erased]
    assert rows_of(db, erased) == before


def test_family_accounts_left_in_no_family_group_are_erased_and_cannot_sign_in(db, settings):
    setup = make_family(db, settings)
    membership = db.exec(select(Membership).where(Membership.user_id == setup.parent.id)).one()
    membership.removed_at = utcnow()
    db.add(membership)
    db.commit()

    # Still within the idle period: kept.
    assert retention.purge(db, settings=settings).accounts == 0
    db.commit()
    report = retention.purge(db, settings=settings, now=utcnow() + timedelta(days=91))
    db.commit()
    assert report.accounts == 1
    db.expire_all()
    parent = db.get(User, setup.parent.id)
    assert parent.display_name == retention.ERASED_NAME
    assert parent.login.startswith("erased-") and not parent.is_active
    with pytest.raises(accounts_service.AccountError):
        accounts_service.authenticate(
            db, actor=actor_for(settings), login=setup.parent.login, passphrase=PASSPHRASE
        )
    # Staff and members still in a family group are untouched.
    assert db.get(User, setup.practitioner.id).display_name != retention.ERASED_NAME
    assert db.get(User, setup.young_person.id).display_name != retention.ERASED_NAME


def test_old_sessions_and_sign_in_attempts_go_and_live_ones_stay(db, settings):
    setup = make_family(db, settings)
    now = utcnow()
    db.add(
        UserSession(
            id="old",
            user_id=setup.parent.id,
            expires_at=now - timedelta(days=40),
            ended_at=now - timedelta(days=40),
        )
    )
    db.add(UserSession(id="live", user_id=setup.parent.id, expires_at=now + timedelta(hours=1)))
    db.add(SignInAttempt(kind="login", login="x", attempted_at=now - timedelta(days=31)))
    db.add(SignInAttempt(kind="login", login="y", attempted_at=now))
    db.commit()
    report = retention.purge(db, settings=settings)
    db.commit()
    assert (report.sessions, report.sign_in_attempts) == (1, 1)
    assert [s.id for s in db.exec(select(UserSession)).all()] == ["live"]
    assert [a.login for a in db.exec(select(SignInAttempt)).all()] == ["y"]


def test_audit_rows_go_only_after_the_audit_retention_and_the_log_stays_append_only(db, settings):
    make_family(db, settings)
    count = db.exec(select(sa.func.count()).select_from(AuditEvent)).one()
    assert count > 0
    assert retention.purge(db, settings=settings).audit_events == 0
    db.commit()
    count += 1  # the purge itself is in the log
    report = retention.purge(db, settings=settings, now=utcnow() + 8 * YEARS)
    db.commit()
    assert report.audit_events == count
    left = db.exec(select(AuditEvent)).all()
    assert [e.action for e in left] == ["purge"]
    # Outside a purge the database still refuses to change or delete an audit row.
    for statement in (sa.delete(AuditEvent), sa.update(AuditEvent).values(detail="changed")):
        with pytest.raises(sa.exc.DatabaseError):
            db.execute(statement)
            db.flush()
        db.rollback()
    assert db.exec(select(sa.func.count()).select_from(AuditEvent)).one() == 1


def test_the_commands_purge_and_hold(db, short, demo_families, monkeypatch, capsys):
    erased, held = demo_families
    close(db, erased, at=utcnow() - 2 * YEARS)
    for key, value in {
        "DATABASE_URL": short.database_url,
        "FGDM_SECRET_KEY": short.secret_key,
        "FGDM_RETENTION_YEARS_AFTER_CLOSING": "1",
        "FGDM_INSTANCE_DIR": str(short.instance_dir),
    }.items():
        monkeypatch.setenv(key, value)
    assert cli.main(["legal-hold", str(held), "--reason", "Complaint"]) == 0
    assert cli.main(["purge", "--dry-run"]) == 0
    assert f"family groups erased: 1 [{erased}]" in capsys.readouterr().out
    db.expire_all()
    assert db.get(FamilyGroup, erased) is not None
    assert cli.main(["purge"]) == 0
    db.expire_all()
    assert db.get(FamilyGroup, erased) is None
    assert db.get(FamilyGroup, held).legal_hold_reason == "Complaint"
    assert cli.main(["legal-hold", str(held), "--release"]) == 0
    assert cli.main(["legal-hold", "999999", "--reason", "x"]) == 1
