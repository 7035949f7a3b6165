"""Fictional demo data for trying the app: staff, two family groups, their networks and
family members with sign-ins. Every name here is invented."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import StaffRole
from fgdm.config import Settings
from fgdm.families import service as families_service
from fgdm.families.models import MemberRole
from fgdm.families.service import AccessRole, ChildInput, FamilyAccess
from fgdm.network.models import Person
from fgdm.security.actor import Actor

TEAM = "Demo Family Help Team"

# (sign-in, name, role, passphrase). The passphrases are public: demo only.
STAFF = [
    (
        "sam.okafor@demo.example.org",
        "Sam Okafor",
        StaffRole.practitioner,
        "demo blue kettle morning",
    ),
    ("priya.shah@demo.example.org", "Priya Shah", StaffRole.manager, "demo green window river"),
    ("alex.morgan@demo.example.org", "Alex Morgan", StaffRole.admin, "demo yellow garden stone"),
]
FAMILY_USERS = [
    ("nadia", "Nadia Begum", MemberRole.family_member, "demo sunflower harbour tea"),
    ("tom", "Tom Clarke", MemberRole.family_member, "demo bicycle orange cloud"),
    ("maya", "Maya", MemberRole.young_person, "demo purple dragon music"),
    ("grandma.rose", "Rose Williams", MemberRole.family_member, "demo teapot autumn leaves"),
]


def is_loaded(session: Session) -> bool:
    """True when the demo has been loaded into this database before."""
    return accounts_service.get_user_by_login(session, login=STAFF[0][0]) is not None


def load(session: Session, *, settings: Settings) -> bool:
    """Loads the demo once; returns False (and changes nothing) if it is already there."""
    if is_loaded(session):
        return False
    system = Actor(user=None, ip_address="demo", request_id="demo", settings=settings)
    team = accounts_service.get_or_create_team(session, name=TEAM)
    staff = {}
    for login, name, role, passphrase in STAFF:
        staff[role] = accounts_service.create_user(
            session,
            actor=system,
            login=login,
            display_name=name,
            passphrase=passphrase,
            staff_role=role,
            team_id=team.id,
        )
    family_users = {}
    for login, name, _role, passphrase in FAMILY_USERS:
        family_users[login] = accounts_service.create_user(
            session,
            actor=system,
            login=login,
            display_name=name,
            passphrase=passphrase,
            staff_role=None,
        )

    practitioner = Actor(
        user=staff[StaffRole.practitioner], ip_address="demo", request_id="demo", settings=settings
    )
    begum_clarke = families_service.create_family_group(
        session,
        actor=practitioner,
        name="The Begum-Clarke family",
        children=[
            ChildInput("Aisha", date(2017, 9, 14), None, "she/her"),
            ChildInput("Leo", None, 4, "he/him"),
        ],
    )
    access = FamilyAccess(family=begum_clarke, role=AccessRole.practitioner)
    for login in ("nadia", "tom"):
        families_service.add_member(
            session,
            actor=practitioner,
            access=access,
            user=family_users[login],
            role=MemberRole.family_member,
        )
    for known_as in ("Nan (Shireen)", "Uncle Dev", "Mrs Patel next door", "Aisha's school"):
        session.add(
            Person(
                family_group_id=begum_clarke.id,
                known_as=known_as,
                created_by_id=practitioner.user_id,
            )
        )

    team_maya = families_service.create_family_group(
        session,
        actor=practitioner,
        name="Team Maya",
        children=[ChildInput("Maya", None, 14, "she/her")],
    )
    access = FamilyAccess(family=team_maya, role=AccessRole.practitioner)
    families_service.add_member(
        session,
        actor=practitioner,
        access=access,
        user=family_users["maya"],
        role=MemberRole.young_person,
    )
    families_service.add_member(
        session,
        actor=practitioner,
        access=access,
        user=family_users["grandma.rose"],
        role=MemberRole.family_member,
    )
    for known_as in ("Grandma Rose", "Coach Ben", "Auntie Jo"):
        session.add(
            Person(
                family_group_id=team_maya.id, known_as=known_as, created_by_id=practitioner.user_id
            )
        )
    session.flush()
    return True


def _add_person(session: Session, *, family_id: int, known_as: str, by: Actor) -> None:
    session.add(Person(family_group_id=family_id, known_as=known_as, created_by_id=by.user_id))


def describe_logins() -> str:
    """The demo sign-ins, for printing at start-up."""
    lines = ["Demo sign-ins (fictional people; demo passphrases are public):"]
    for login, name, role, passphrase in STAFF:
        lines.append(f"  {role.value:<14} {login:<32} {passphrase}   ({name})")
    for login, name, role, passphrase in FAMILY_USERS:
        label = "young person" if role == MemberRole.young_person else "family member"
        lines.append(f"  {label:<14} {login:<32} {passphrase}   ({name})")
    return "\n".join(lines)
