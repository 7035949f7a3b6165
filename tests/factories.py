"""Builders for test data. They go through the services, so audit rows are written as in
real use. Each returns what it made; the caller's session is committed here."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, event
from sqlmodel import Session

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole, User
from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.families.models import FamilyGroup, MemberRole
from fgdm.families.service import AccessRole, ChildInput, FamilyAccess
from fgdm.security.actor import Actor

PASSPHRASE = "correct horse battery staple"
_counter = itertools.count(1)


def actor_for(settings: Settings, user: User | None = None) -> Actor:
    return Actor(user=user, ip_address="127.0.0.1", request_id="test", settings=settings)


def make_user(
    session: Session,
    settings: Settings,
    *,
    role: StaffRole | None = None,
    login: str | None = None,
    name: str | None = None,
    team: str | None = "Team A",
    passphrase: str = PASSPHRASE,
) -> User:
    n = next(_counter)
    if login is None:
        login = f"{role.value}{n}@council.example.org" if role else f"family{n}"
    team_id = None
    if role is not None and team:
        team_id = accounts_service.get_or_create_team(session, name=team).id
    user = accounts_service.create_user(
        session,
        actor=actor_for(settings),
        login=login,
        display_name=name or f"Person {n}",
        passphrase=passphrase,
        staff_role=role,
        team_id=team_id,
    )
    session.commit()
    return user


@dataclass
class FamilySetup:
    family: FamilyGroup
    practitioner: User
    parent: User
    young_person: User

    @property
    def id(self) -> int:
        assert self.family.id is not None
        return self.family.id


def make_family(
    session: Session,
    settings: Settings,
    *,
    practitioner: User | None = None,
    name: str = "The Test family",
    children: tuple[str, ...] = ("Amir",),
    team: str = "Team A",
) -> FamilySetup:
    """A family group with a practitioner, a parent and a young person who can sign in."""
    practitioner = practitioner or make_user(
        session, settings, role=StaffRole.practitioner, team=team
    )
    family = families_service.create_family_group(
        session,
        actor=actor_for(settings, practitioner),
        name=name,
        children=[ChildInput(child, None, 8, "") for child in children],
    )
    session.commit()
    parent = make_user(session, settings, name="Parent")
    young = make_user(session, settings, name="Young person")
    access = FamilyAccess(family=family, role=AccessRole.practitioner)
    families_service.add_member(
        session,
        actor=actor_for(settings, practitioner),
        access=access,
        user=parent,
        role=MemberRole.family_member,
    )
    families_service.add_member(
        session,
        actor=actor_for(settings, practitioner),
        access=access,
        user=young,
        role=MemberRole.young_person,
    )
    session.commit()
    return FamilySetup(family=family, practitioner=practitioner, parent=parent, young_person=young)


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block, in order."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def reads_of(statements: list[str], table: str) -> list[str]:
    """The statements that read from this table."""
    return [s for s in statements if re.search(rf"\bFROM {table}\b", s)]
