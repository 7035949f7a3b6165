"""The two-step sign-in service: codes from the app, each once; recovery codes."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlmodel import select

from fgdm.accounts import two_factor
from fgdm.accounts.models import RecoveryCode, StaffRole
from fgdm.db import utcnow
from tests.factories import actor_for, make_user


@pytest.fixture
def staff(db, settings):
    return make_user(db, settings, role=StaffRole.practitioner)


def set_up(db, settings, user) -> list[str]:
    secret = two_factor.begin_setup(db, user=user)
    earlier = pyotp.TOTP(secret).at(utcnow() - timedelta(seconds=30))
    codes = two_factor.confirm_setup(db, actor=actor_for(settings, user), user=user, code=earlier)
    db.commit()
    return codes


def test_the_set_up_address_names_the_app_and_the_person(db, staff):
    two_factor.begin_setup(db, user=staff)
    uri = two_factor.setup_uri(staff)
    assert uri.startswith("otpauth://totp/fgdm:")
    assert "issuer=fgdm" in uri
    assert f"secret={staff.totp_secret}" in uri
    assert two_factor.grouped_secret("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_set_up_needs_a_right_code_and_is_not_on_before(db, settings, staff):
    two_factor.begin_setup(db, user=staff)
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.confirm_setup(db, actor=actor_for(settings, staff), user=staff, code="000000")
    assert not staff.has_two_factor
    assert two_factor.needs_second_step(staff, required=False) is False
    assert two_factor.needs_second_step(staff, required=True) is True


def test_a_code_is_accepted_once_and_an_older_one_never(db, settings, staff):
    set_up(db, settings, staff)
    actor = actor_for(settings, staff)
    now_code = pyotp.TOTP(staff.totp_secret).now()
    assert two_factor.check_code(db, actor=actor, user=staff, code=now_code)
    db.commit()
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.check_code(db, actor=actor, user=staff, code=now_code)
    earlier = pyotp.TOTP(staff.totp_secret).at(utcnow() - timedelta(seconds=30))
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.check_code(db, actor=actor, user=staff, code=earlier)


def test_a_phone_clock_half_a_minute_out_is_forgiven_but_not_two_minutes(db, settings, staff):
    set_up(db, settings, staff)
    actor = actor_for(settings, staff)
    totp = pyotp.TOTP(staff.totp_secret)
    assert two_factor.check_code(
        db, actor=actor, user=staff, code=totp.at(utcnow() + timedelta(seconds=30))
    )
    db.commit()
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.check_code(
            db, actor=actor, user=staff, code=totp.at(utcnow() + timedelta(minutes=2))
        )


def test_codes_typed_with_spaces_are_read(db, settings, staff):
    set_up(db, settings, staff)
    code = pyotp.TOTP(staff.totp_secret).now()
    result = two_factor.check_code(
        db, actor=actor_for(settings, staff), user=staff, code=f" {code[:3]} {code[3:]} "
    )
    assert result.used_recovery_code is False


def test_recovery_codes_are_stored_hashed_and_each_works_once(db, settings, staff):
    codes = set_up(db, settings, staff)
    stored = db.exec(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)).all()
    assert len(stored) == 10
    assert not {row.code_hash for row in stored} & {c.replace("-", "") for c in codes}
    actor = actor_for(settings, staff)
    result = two_factor.check_code(db, actor=actor, user=staff, code=codes[0])
    db.commit()
    assert result.used_recovery_code and result.recovery_codes_left == 9
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.check_code(db, actor=actor, user=staff, code=codes[0])


def test_set_up_cannot_start_again_while_on(db, settings, staff):
    set_up(db, settings, staff)
    with pytest.raises(two_factor.TwoFactorError):
        two_factor.begin_setup(db, user=staff)


def test_the_reset_clears_the_secret_and_the_recovery_codes(db, settings, staff):
    set_up(db, settings, staff)
    admin = make_user(db, settings, role=StaffRole.admin)
    two_factor.reset_for_lost_phone(db, actor=actor_for(settings, admin), user=staff)
    db.commit()
    assert not staff.has_two_factor and staff.totp_secret == ""
    assert db.exec(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)).all() == []


def test_a_code_from_a_later_step_cannot_be_replayed_after_the_clock_moves(db, settings, staff):
    set_up(db, settings, staff)
    actor = actor_for(settings, staff)
    code = pyotp.TOTP(staff.totp_secret).now()
    two_factor.check_code(db, actor=actor, user=staff, code=code)
    db.commit()
    with (
        time_machine.travel(utcnow() + timedelta(seconds=20)),
        pytest.raises(two_factor.TwoFactorError),
    ):
        two_factor.check_code(db, actor=actor, user=staff, code=code)
