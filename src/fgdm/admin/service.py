"""Administration: the council's staff accounts (list, create, turn off and on again).
Admins manage accounts but never see family content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from fgdm.accounts import service as accounts_service
from fgdm.accounts import two_factor
from fgdm.accounts.models import StaffRole, Team, User, UserSession
from fgdm.audit import service as audit_service
from fgdm.audit.models import Outcome
from fgdm.db import StaleEdit
from fgdm.i18n import gettext as _
from fgdm.security.actor import Actor
from fgdm.security.deps import NotAllowed

# Staff who work with families belong to a team: a practitioner's family groups are
# their team's, and a manager sees their team's family groups.
TEAM_REQUIRED = frozenset({StaffRole.practitioner, StaffRole.manager})


class AdminFormError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class AccountNotFound(LookupError):
    """No staff account with that number."""


def _require_admin(actor: Actor) -> None:
    if actor.user is None or actor.user.staff_role != StaffRole.admin:
        raise NotAllowed()


@dataclass(frozen=True)
class StaffRow:
    user: User
    team_name: str
    last_signed_in_at: datetime | None


@dataclass(frozen=True)
class AccountsOverview:
    staff: list[StaffRow]
    family_account_count: int


def list_accounts(session: Session, *, actor: Actor) -> AccountsOverview:
    """Every staff account with its team and last sign-in, and how many family accounts
    there are (a number only: admins do not see who is in which family)."""
    _require_admin(actor)
    rows = session.exec(
        select(User, Team.name)
        .join(Team, col(Team.id) == User.team_id, isouter=True)
        .where(col(User.staff_role).is_not(None))
        .order_by(func.lower(User.display_name), col(User.id))
    ).all()
    last_sign_in = dict(
        session.exec(
            select(UserSession.user_id, func.max(UserSession.created_at))
            .join(User, col(User.id) == UserSession.user_id)
            .where(col(User.staff_role).is_not(None))
            .group_by(col(UserSession.user_id))
        ).all()
    )
    family_count = session.exec(
        select(func.count()).select_from(User).where(col(User.staff_role).is_(None))
    ).one()
    audit_service.record(session, actor=actor, action="view", object_type="user_list")
    return AccountsOverview(
        staff=[
            StaffRow(user=user, team_name=team or "", last_signed_in_at=last_sign_in.get(user.id))
            for user, team in rows
        ],
        family_account_count=family_count,
    )


def create_staff_account(
    session: Session,
    *,
    actor: Actor,
    login: str,
    display_name: str,
    role: str,
    team_name: str,
    passphrase: str,
) -> User:
    """Creates a staff account with an initial passphrase the admin shares with them, in
    their team (made if it is new). Raises AdminFormError with problems by field."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    staff_role = None
    try:
        staff_role = StaffRole(role)
    except ValueError:
        errors["staff_role"] = _("Choose what this person does.")
    team_name = " ".join(team_name.split())
    if len(team_name) > 120:
        errors["team"] = _("The team's name must be 120 characters or fewer.")
    elif not team_name and staff_role in TEAM_REQUIRED:
        errors["team"] = _("Enter the name of the team this person works in.")
    if errors or staff_role is None:
        raise AdminFormError(errors)
    try:
        # The team is added only once the account is sure to be made, so a form with
        # a mistake leaves no stray team behind.
        user = accounts_service.create_user(
            session,
            actor=actor,
            login=login,
            display_name=display_name,
            passphrase=passphrase,
            staff_role=staff_role,
        )
    except accounts_service.AccountError as exc:
        raise AdminFormError({exc.field or "login": exc.message}) from exc
    if team_name:
        is_new = session.exec(select(Team.id).where(Team.name == team_name)).first() is None
        team = accounts_service.get_or_create_team(session, name=team_name)
        if is_new:
            audit_service.record(
                session, actor=actor, action="team_create", object_type="team", object_id=team.id
            )
        user.team_id = team.id
        session.add(user)
        session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="staff_role_grant",
        object_type="user",
        object_id=user.id,
        detail=f"{staff_role.value} team={user.team_id or ''}",
    )
    return user


def change_active(
    session: Session, *, actor: Actor, user_id: int, version: int, is_active: bool
) -> User:
    """Turns a staff account off (ending all its sessions at once) or on again. Refuses an
    admin turning off their own account, and a change based on an out-of-date page."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None or not user.is_staff:
        raise AccountNotFound(user_id)
    if user.version != version:
        raise StaleEdit(
            what=_("account"),
            rows=[
                (
                    _("Can sign in"),
                    _("Yes") if is_active else _("No"),
                    _("Yes") if user.is_active else _("No"),
                )
            ],
            back_url="/admin/users",
        )
    if user.id == actor.user_id and not is_active:
        audit_service.record(
            session,
            actor=actor,
            action="user_disable",
            object_type="user",
            object_id=user.id,
            outcome=Outcome.refused,
            detail="own account",
        )
        raise AdminFormError(
            {
                f"user-{user.id}": _(
                    "You cannot turn off your own account. Ask another admin to do it."
                )
            }
        )
    if user.is_active != is_active:
        accounts_service.set_active(session, actor=actor, user=user, is_active=is_active)
        session.flush()
    return user


def reset_two_factor(session: Session, *, actor: Actor, user_id: int, version: int) -> User:
    """Clears a staff member's two-step sign-in after a lost phone: every session of theirs
    ends, and they set it up again at their next sign-in. Admins only; audited."""
    _require_admin(actor)
    user = session.get(User, user_id)
    if user is None or not user.is_staff:
        raise AccountNotFound(user_id)
    if user.version != version:
        raise StaleEdit(what=_("account"), back_url="/admin/users")
    if user.has_two_factor or user.totp_secret:
        two_factor.reset_for_lost_phone(session, actor=actor, user=user)
        session.flush()
    return user
