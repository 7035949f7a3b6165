"""Shared set-up for the security tests: two family groups, staff in two teams, and a way to
open a signed-in browser for any of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, col, func, select

from fgdm.accounts.models import StaffRole, User
from fgdm.audit.models import AuditEvent, Outcome
from fgdm.db import utcnow
from fgdm.families.models import Membership
from fgdm.invites.models import Invite, InviteRole
from fgdm.security import tokens
from tests.conftest import Browser
from tests.factories import PASSPHRASE, FamilySetup, make_family, make_user


@dataclass
class World:
    """Family group A (the one under test), family group B (someone else's), and staff."""

    a: FamilySetup
    b: FamilySetup
    manager_a: User
    manager_b: User
    admin: User
    invite_a: Invite

    def membership_id(self, db: Session, user: User, family: FamilySetup) -> int:
        membership = db.exec(
            select(Membership).where(
                Membership.user_id == user.id, Membership.family_group_id == family.id
            )
        ).one()
        assert membership.id is not None
        return membership.id


@pytest.fixture
def world(db, settings) -> World:
    return build_world(db, settings)


def build_world(db: Session, settings) -> World:
    """Family groups A and B, their people, the two teams' managers, an admin, an invite."""
    a = make_family(db, settings, name="The Alpha family", team="Team A")
    b = make_family(db, settings, name="The Beta family", children=("Bea",), team="Team B")
    manager_a = make_user(db, settings, role=StaffRole.manager, team="Team A")
    manager_b = make_user(db, settings, role=StaffRole.manager, team="Team B")
    admin = make_user(db, settings, role=StaffRole.admin, team=None)
    invite = Invite(
        family_group_id=a.id,
        role=InviteRole.family_member,
        invited_name="Auntie",
        token_hash=tokens.token_hash(tokens.new_token()),
        created_by_id=a.practitioner.id,
        expires_at=utcnow() + timedelta(days=7),
    )
    db.add(invite)
    db.commit()
    return World(a=a, b=b, manager_a=manager_a, manager_b=manager_b, admin=admin, invite_a=invite)


@pytest.fixture
def browser_for(make_client) -> Callable[[User], Browser]:
    """Opens a new browser signed in as this user."""

    def open_as(user: User) -> Browser:
        browser = make_client()
        browser.sign_in(user.login, PASSPHRASE)
        return browser

    return open_as


def ok_events(db: Session, family_id: int) -> int:
    """How many things were done (not refused) in a family group's record so far."""
    db.expire_all()
    return db.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.family_group_id == family_id, col(AuditEvent.outcome) == Outcome.ok)
    ).one()
