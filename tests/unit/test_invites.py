"""Invites at the service level: random single-use tokens stored as hashes, expiry,
cancelling, and what a redeemed invite gives the person who used it."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from fgdm.accounts.models import AttemptKind, SignInAttempt, User
from fgdm.audit.models import AuditEvent
from fgdm.db import StaleEdit, utcnow
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole, Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.invites import service as invites_service
from fgdm.invites.log_filter import HideInviteTokens
from fgdm.invites.models import Invite
from tests.factories import actor_for, make_family

NEW_PASSPHRASE = "blue kettle singing loudly"


def practitioner_access(setup) -> FamilyAccess:
    return FamilyAccess(family=setup.family, role=AccessRole.practitioner)


def new_invite(db, settings, setup, *, name="Gran Rose", role="family_member"):
    made = invites_service.create_invite(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=practitioner_access(setup),
        invited_name=name,
        role=role,
    )
    db.commit()
    return made


def redeem(db, settings, token, *, login="gran.rose", name="Rose"):
    joined = invites_service.redeem_invite(
        db,
        actor=actor_for(settings),
        token=token,
        display_name=name,
        login=login,
        passphrase=NEW_PASSPHRASE,
    )
    db.commit()
    return joined


def test_token_has_at_least_128_random_bits_and_only_its_hash_is_stored(db, settings):
    setup = make_family(db, settings)
    first = new_invite(db, settings, setup)
    second = new_invite(db, settings, setup)
    raw = base64.urlsafe_b64decode(first.token + "=" * (-len(first.token) % 4))
    assert len(raw) * 8 >= 128
    assert first.token != second.token
    stored = db.exec(select(Invite).where(Invite.id == first.invite.id)).one()
    assert stored.token_hash == hashlib.sha256(first.token.encode()).hexdigest()
    stored_text = " ".join(str(value) for value in stored.model_dump().values())
    assert first.token not in stored_text
    audit_text = " ".join(f"{e.object_id} {e.detail}" for e in db.exec(select(AuditEvent)).all())
    assert first.token not in audit_text


def test_invite_works_until_the_configured_number_of_days_and_not_after(db, settings):
    setup = make_family(db, settings)
    made = new_invite(db, settings, setup)
    days = settings.invite_valid_days
    with time_machine.travel(utcnow() + timedelta(days=days) - timedelta(minutes=5)):
        view = invites_service.open_invite(db, actor=actor_for(settings), token=made.token)
        assert view.family_name == setup.family.name
    with time_machine.travel(utcnow() + timedelta(days=days, minutes=1)):
        with pytest.raises(invites_service.InviteNotValid):
            invites_service.open_invite(db, actor=actor_for(settings), token=made.token)
        with pytest.raises(invites_service.InviteNotValid):
            redeem(db, settings, made.token)
    db.rollback()
    assert db.exec(select(User).where(User.login == "gran.rose")).first() is None


def test_an_invite_can_be_used_only_once(db, settings):
    setup = make_family(db, settings)
    made = new_invite(db, settings, setup)
    redeem(db, settings, made.token, login="first.person")
    with pytest.raises(invites_service.InviteNotValid):
        redeem(db, settings, made.token, login="second.person")
    db.commit()
    assert db.exec(select(User).where(User.login == "second.person")).first() is None
    refusals = db.exec(select(AuditEvent).where(AuditEvent.action == "invite_refused")).all()
    assert [e.detail for e in refusals] == ["used"]


def test_a_cancelled_invite_is_refused(db, settings):
    setup = make_family(db, settings)
    made = new_invite(db, settings, setup)
    invites_service.revoke_invite(
        db,
        actor=actor_for(settings, setup.practitioner),
        access=practitioner_access(setup),
        invite_id=made.invite.id,
        version=made.invite.version,
    )
    db.commit()
    with pytest.raises(invites_service.InviteNotValid):
        redeem(db, settings, made.token)
    rows = invites_service.list_invites(db, access=practitioner_access(setup))
    assert [row.status for row in rows] == [invites_service.InviteStatus.revoked]


def test_cancelling_with_an_old_version_saves_nothing(db, settings):
    setup = make_family(db, settings)
    made = new_invite(db, settings, setup)
    with pytest.raises(StaleEdit):
        invites_service.revoke_invite(
            db,
            actor=actor_for(settings, setup.practitioner),
            access=practitioner_access(setup),
            invite_id=made.invite.id,
            version=made.invite.version + 1,
        )
    db.rollback()
    assert invites_service.status_of(db.get(Invite, made.invite.id)).value == "waiting"


def test_another_family_groups_invite_cannot_be_cancelled(db, settings):
    ours = make_family(db, settings, name="Ours")
    theirs = make_family(db, settings, name="Theirs")
    made = new_invite(db, settings, theirs)
    with pytest.raises(invites_service.InviteNotFound):
        invites_service.revoke_invite(
            db,
            actor=actor_for(settings, ours.practitioner),
            access=practitioner_access(ours),
            invite_id=made.invite.id,
            version=made.invite.version,
        )


def test_redeeming_makes_an_account_in_that_family_group_only_with_the_invites_role(db, settings):
    setup = make_family(db, settings, name="The Okoro family")
    other = make_family(db, settings, name="The Smith family")
    made = new_invite(db, settings, setup, name="Tomi", role="young_person")
    joined = redeem(db, settings, made.token, login="Tomi.O ", name="Tomi")
    user = joined.user
    assert user.login == "tomi.o" and user.staff_role is None
    memberships = db.exec(select(Membership).where(Membership.user_id == user.id)).all()
    assert [(m.family_group_id, m.role) for m in memberships] == [
        (setup.id, MemberRole.young_person)
    ]
    assert memberships[0].added_by_id == setup.practitioner.id
    summaries = families_service.list_for_user(db, actor=actor_for(settings, user))
    assert [s.family.name for s in summaries] == ["The Okoro family"]
    assert families_service.get_access(db, user=user, family_group_id=other.id) is None
    invite = db.get(Invite, made.invite.id)
    assert invite.redeemed_by_id == user.id and invite.redeemed_at is not None
    actions = [e.action for e in db.exec(select(AuditEvent)).all()]
    assert "invite_create" in actions and "invite_redeem" in actions


def test_a_taken_sign_in_name_is_a_message_and_the_invite_still_waits(db, settings):
    setup = make_family(db, settings)
    made = new_invite(db, settings, setup)
    with pytest.raises(invites_service.InviteFormError) as raised:
        redeem(db, settings, made.token, login=setup.parent.login)
    assert "already taken" in raised.value.errors["login"]
    db.rollback()
    assert invites_service.status_of(db.get(Invite, made.invite.id)).value == "waiting"


def test_a_family_account_joins_a_second_family_group(db, settings):
    first = make_family(db, settings, name="First")
    second = make_family(db, settings, name="Second")
    made = new_invite(db, settings, second)
    invites_service.accept_invite(db, actor=actor_for(settings, first.parent), token=made.token)
    db.commit()
    names = {
        s.family.name
        for s in families_service.list_for_user(db, actor=actor_for(settings, first.parent))
    }
    assert names == {"First", "Second"}


def test_staff_accounts_cannot_use_an_invite(db, settings):
    setup = make_family(db, settings)
    made = new_invite(db, settings, setup)
    with pytest.raises(invites_service.StaffCannotJoin):
        invites_service.accept_invite(
            db, actor=actor_for(settings, setup.practitioner), token=made.token
        )
    db.rollback()
    assert invites_service.status_of(db.get(Invite, made.invite.id)).value == "waiting"


def test_failed_redemptions_are_counted_and_audited_without_the_token(db, settings):
    make_family(db, settings)
    guess = "not-a-real-token-0123456789abcdefghijklmnopq"
    with pytest.raises(invites_service.InviteNotValid):
        invites_service.open_invite(db, actor=actor_for(settings), token=guess)
    db.commit()
    attempts = db.exec(select(SignInAttempt)).all()
    assert [(a.kind, a.ip_address) for a in attempts] == [(AttemptKind.invite, "127.0.0.1")]
    refused = db.exec(select(AuditEvent).where(AuditEvent.action == "invite_refused")).one()
    assert refused.outcome.value == "refused"
    assert guess not in f"{refused.object_id} {refused.detail}"


def test_making_an_invite_needs_a_name_and_a_role(db, settings):
    setup = make_family(db, settings)
    with pytest.raises(invites_service.InviteFormError) as raised:
        invites_service.create_invite(
            db,
            actor=actor_for(settings, setup.practitioner),
            access=practitioner_access(setup),
            invited_name="   ",
            role="practitioner",
        )
    assert set(raised.value.errors) == {"invited_name", "role"}


def test_invite_links_are_hidden_in_access_logs(app):
    access_log = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, HideInviteTokens) for f in access_log.filters)
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("10.0.0.1:5000", "GET", "/join/SECRETtoken_123-abc?x=1", "1.1", 200),
        None,
    )
    HideInviteTokens().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "/join/[hidden]?x=1" in record.getMessage()
