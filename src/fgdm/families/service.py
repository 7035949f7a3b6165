"""Family groups: creating them, who belongs, and the one place that decides access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fgdm.accounts.models import StaffRole, User
from fgdm.audit import service as audit_service
from fgdm.db import StaleEdit, utcnow
from fgdm.families.models import FamilyGroup, MemberRole, Membership, Stage
from fgdm.i18n import gettext as _
from fgdm.network.models import Person
from fgdm.security.actor import Actor


class AccessRole(StrEnum):
    """How a user reaches a family group: through a membership, or as the team's manager."""

    family_member = "family_member"
    young_person = "young_person"
    practitioner = "practitioner"
    manager = "manager"


@dataclass(frozen=True)
class FamilyAccess:
    """A family group the acting user may see, and in what role."""

    family: FamilyGroup
    role: AccessRole
    # The meeting tablet handed to the family for private family time: it reaches this
    # family group as a family member, whoever's account it is signed in with.
    on_family_device: bool = False

    @property
    def family_id(self) -> int:
        assert self.family.id is not None
        return self.family.id

    @property
    def is_practitioner(self) -> bool:
        return self.role == AccessRole.practitioner

    @property
    def is_family(self) -> bool:
        return self.role in (AccessRole.family_member, AccessRole.young_person)

    @property
    def can_edit(self) -> bool:
        """Managers read; everyone in the group writes (what they may write is per item)."""
        return self.role != AccessRole.manager


class FamilyFormError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class FamilyError(ValueError):
    """A problem a person can fix; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Built once, not on every request: only the two ids change from one to the next.
_FAMILY_AND_MEMBERSHIP = (
    select(FamilyGroup, Membership.role)
    .join(
        Membership,
        (col(Membership.family_group_id) == FamilyGroup.id)
        & (col(Membership.user_id) == sa.bindparam("user_id"))
        & col(Membership.removed_at).is_(None),
        isouter=True,
    )
    .where(FamilyGroup.id == sa.bindparam("family_group_id"))
)


def get_access(session: Session, *, user: User, family_group_id: int) -> FamilyAccess | None:
    """Decides whether a user may reach a family group, and as what. None means no access,
    which the web answers with 404 exactly like a family group that does not exist."""
    row = session.exec(
        _FAMILY_AND_MEMBERSHIP, params={"user_id": user.id, "family_group_id": family_group_id}
    ).first()
    if row is None:
        return None
    family, member_role = row
    if member_role is not None:
        # A staff account that has been demoted keeps no practitioner access.
        if member_role == MemberRole.practitioner and user.staff_role != StaffRole.practitioner:
            return None
        return FamilyAccess(family=family, role=AccessRole(member_role.value))
    if (
        user.staff_role == StaffRole.manager
        and user.team_id is not None
        and family.team_id == user.team_id
    ):
        return FamilyAccess(family=family, role=AccessRole.manager)
    return None


@dataclass(frozen=True)
class FamilySummary:
    family: FamilyGroup
    role: AccessRole
    children: list[Person]


def list_for_user(session: Session, *, actor: Actor) -> list[FamilySummary]:
    """The family groups the actor can reach, with their children, newest first."""
    user = actor.user
    assert user is not None
    member_rows = session.exec(
        select(FamilyGroup, Membership.role)
        .join(Membership, col(Membership.family_group_id) == FamilyGroup.id)
        .where(Membership.user_id == user.id, col(Membership.removed_at).is_(None))
    ).all()
    found: dict[int, tuple[FamilyGroup, AccessRole]] = {}
    for family, role in member_rows:
        if role == MemberRole.practitioner and user.staff_role != StaffRole.practitioner:
            continue
        found[family.id] = (family, AccessRole(role.value))
    if user.staff_role == StaffRole.manager and user.team_id is not None:
        for family in session.exec(
            select(FamilyGroup).where(FamilyGroup.team_id == user.team_id)
        ).all():
            found.setdefault(family.id, (family, AccessRole.manager))
    children = _children_of(session, list(found))
    summaries = [
        FamilySummary(family=family, role=role, children=children.get(family.id, []))
        for family, role in found.values()
    ]
    summaries.sort(key=lambda s: s.family.created_at, reverse=True)
    return summaries


def _children_of(session: Session, family_ids: list[int]) -> dict[int, list[Person]]:
    if not family_ids:
        return {}
    rows = session.exec(
        select(Person)
        .where(col(Person.family_group_id).in_(family_ids), col(Person.is_child).is_(True))
        .order_by(col(Person.id))
    ).all()
    result: dict[int, list[Person]] = {}
    for person in rows:
        result.setdefault(person.family_group_id, []).append(person)
    return result


@dataclass(frozen=True)
class ChildInput:
    first_name: str
    date_of_birth: date | None
    age_years: int | None
    pronouns: str


def check_child(child: ChildInput, *, today: date) -> tuple[str, str] | None:
    """Says what is wrong with a child's details, as (form field, message), or None. The
    field is the part after child_N_ in the form: first_name, date_of_birth, age or
    pronouns."""
    if not child.first_name.strip():
        return "first_name", _("Enter the child's first name.")
    if len(child.first_name.strip()) > 80:
        return "first_name", _("The child's name must be 80 characters or fewer.")
    if child.date_of_birth and child.date_of_birth > today:
        return "date_of_birth", _("Date of birth must be in the past.")
    if child.date_of_birth and child.date_of_birth.year < today.year - 25:
        return "date_of_birth", _("Date of birth must be within the last 25 years.")
    if child.age_years is not None and not 0 <= child.age_years <= 25:
        return "age", _("Age must be a number from 0 to 25.")
    if len(child.pronouns) > 40:
        return "pronouns", _("Pronouns must be 40 characters or fewer.")
    return None


def check_new_family(*, name: str, children: list[ChildInput]) -> dict[str, str]:
    """Every problem with a new family group's details, by form field (child_N_... for
    the Nth child given)."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Enter a name for the family group.")
    elif len(name) > 120:
        errors["name"] = _("The name must be 120 characters or fewer.")
    if not children:
        errors["child_0_first_name"] = _("Add at least one child.")
    today = utcnow().date()
    for index, child in enumerate(children):
        problem = check_child(child, today=today)
        if problem:
            field, message = problem
            errors[f"child_{index}_{field}"] = message
    return errors


def create_family_group(
    session: Session, *, actor: Actor, name: str, children: list[ChildInput]
) -> FamilyGroup:
    """Creates a family group with its children at the centre; the creating practitioner
    becomes its first member."""
    user = actor.user
    assert user is not None and user.staff_role == StaffRole.practitioner
    errors = check_new_family(name=name, children=children)
    if errors:
        raise FamilyFormError(errors)
    family = FamilyGroup(
        name=name.strip(), team_id=user.team_id, stage=Stage.referral, created_by_id=user.id
    )
    session.add(family)
    session.flush()
    session.add(
        Membership(
            family_group_id=family.id,
            user_id=user.id,
            role=MemberRole.practitioner,
            added_by_id=user.id,
        )
    )
    for child in children:
        session.add(
            Person(
                family_group_id=family.id,
                known_as=child.first_name.strip(),
                is_child=True,
                date_of_birth=child.date_of_birth,
                age_years=child.age_years,
                pronouns=child.pronouns.strip(),
                created_by_id=user.id,
            )
        )
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="family_create",
        family_group_id=family.id,
        object_type="family_group",
        object_id=family.id,
    )
    return family


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    user: User


@dataclass(frozen=True)
class FamilyOverview:
    access: FamilyAccess
    children: list[Person]
    members: list[MemberRow]


def get_overview(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    children: list[Person] | None = None,
) -> FamilyOverview:
    """Everything the family group's home page shows; records that it was viewed. The
    children are read here unless the caller has them already (every child of this family
    group, in the order they were added)."""
    if children is None:
        children = _children_of(session, [access.family_id]).get(access.family_id, [])
    audit_service.record(
        session,
        actor=actor,
        action="view",
        family_group_id=access.family_id,
        object_type="family_group",
        object_id=access.family_id,
        actor_role=access.role.value,
    )
    return FamilyOverview(
        access=access, children=children, members=list_members(session, access=access)
    )


def view_members(session: Session, *, actor: Actor, access: FamilyAccess) -> list[MemberRow]:
    """The members page: who can use the family group; records that it was viewed."""
    audit_service.record(
        session,
        actor=actor,
        action="view",
        family_group_id=access.family_id,
        object_type="members",
        actor_role=access.role.value,
    )
    return list_members(session, access=access)


def list_members(session: Session, *, access: FamilyAccess) -> list[MemberRow]:
    """Current members of a family group, practitioners first."""
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.family_group_id == access.family_id, col(Membership.removed_at).is_(None))
        .order_by(col(Membership.added_at))
    ).all()
    order = {MemberRole.practitioner: 0, MemberRole.family_member: 1, MemberRole.young_person: 2}
    members = [MemberRow(membership=m, user=u) for m, u in rows]
    members.sort(key=lambda r: order[r.membership.role])
    return members


def add_member(
    session: Session, *, actor: Actor, access: FamilyAccess, user: User, role: MemberRole
) -> Membership:
    """Adds a user to a family group (used by invites and by practitioners adding staff)."""
    if role == MemberRole.practitioner and user.staff_role != StaffRole.practitioner:
        raise FamilyError(_("Only practitioner accounts can join as a practitioner."), "login")
    existing = session.exec(
        select(Membership).where(
            Membership.family_group_id == access.family_id,
            Membership.user_id == user.id,
            col(Membership.removed_at).is_(None),
        )
    ).first()
    if existing is not None:
        raise FamilyError(_("That person is already a member of this family group."), "login")
    membership = Membership(
        family_group_id=access.family_id, user_id=user.id, role=role, added_by_id=actor.user_id
    )
    session.add(membership)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="member_add",
        family_group_id=access.family_id,
        object_type="membership",
        object_id=membership.id,
        detail=role.value,
    )
    return membership


def add_practitioner(
    session: Session, *, actor: Actor, access: FamilyAccess, login: str
) -> Membership:
    """Adds a colleague's practitioner account to the family group by their work email."""
    login = login.strip().lower()
    if not login:
        raise FamilyError(_("Enter your colleague's work email address."), field="login")
    colleague = session.exec(select(User).where(User.login == login)).first()
    if (
        colleague is None
        or not colleague.is_active
        or colleague.staff_role != StaffRole.practitioner
    ):
        raise FamilyError(
            _(
                "There is no practitioner account with that email address. Check it, or ask an "
                "administrator to make one."
            ),
            field="login",
        )
    return add_member(
        session, actor=actor, access=access, user=colleague, role=MemberRole.practitioner
    )


def remove_member(
    session: Session, *, actor: Actor, access: FamilyAccess, membership_id: int, version: int
) -> Membership:
    """Removes a member; they lose access on their next request."""
    membership = session.exec(
        select(Membership).where(
            Membership.id == membership_id,
            Membership.family_group_id == access.family_id,
            col(Membership.removed_at).is_(None),
        )
    ).first()
    if membership is None:
        raise FamilyError(_("That person is not a member of this family group."))
    if membership.version != version:
        raise StaleEdit(what=_("membership"), back_url=f"/families/{access.family_id}/members")
    if membership.user_id == actor.user_id:
        raise FamilyError(_("You cannot remove yourself. Ask another practitioner."))
    if membership.role == MemberRole.practitioner:
        others = session.exec(
            select(Membership).where(
                Membership.family_group_id == access.family_id,
                Membership.role == MemberRole.practitioner,
                col(Membership.removed_at).is_(None),
                Membership.id != membership.id,
            )
        ).first()
        if others is None:
            raise FamilyError(_("A family group must keep at least one practitioner."))
    membership.removed_at = utcnow()
    membership.removed_by_id = actor.user_id
    session.add(membership)
    audit_service.record(
        session,
        actor=actor,
        action="member_remove",
        family_group_id=access.family_id,
        object_type="membership",
        object_id=membership.id,
    )
    return membership
