"""Invites: how family members and young people join a family group (FGDM preparation: the
family decides who is family, and the coordinator brings them in). Links are single-use,
expire, are stored only as a hash, and their redemption is throttled."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from fgdm import i18n
from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import AttemptKind, User
from fgdm.audit import service as audit_service
from fgdm.audit.models import Outcome
from fgdm.db import StaleEdit, utcnow
from fgdm.families import service as families_service
from fgdm.families.models import FamilyGroup, MemberRole, Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.invites.models import Invite, InviteRole
from fgdm.security import tokens
from fgdm.security.actor import Actor

NAME_MAX = 120
# Tokens are 43 characters; anything much longer is not worth hashing.
TOKEN_MAX = 100


class InviteStatus(StrEnum):
    waiting = "waiting"
    used = "used"
    expired = "expired"
    revoked = "revoked"


class InviteFormError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class InviteNotFound(LookupError):
    """No such invite in this family group (the web answers 404)."""


class InviteNotWaiting(ValueError):
    """The invite has been used, cancelled or has expired, so it cannot be cancelled."""


class InviteNotValid(LookupError):
    """The link does not lead to a waiting invite. Deliberately says no more than that."""


class StaffCannotJoin(PermissionError):
    """A staff account opened an invite link; invites are for families."""


class AlreadyMember(ValueError):
    """The signed-in person is already in the family group the invite is for."""


def status_of(invite: Invite, *, now: datetime | None = None) -> InviteStatus:
    """Whether an invite is waiting, used, revoked or expired (in that order of precedence)."""
    now = now or utcnow()
    if invite.redeemed_at is not None:
        return InviteStatus.used
    if invite.revoked_at is not None:
        return InviteStatus.revoked
    if invite.expires_at <= now:
        return InviteStatus.expired
    return InviteStatus.waiting


# --- For practitioners -----------------------------------------------------------------


@dataclass(frozen=True)
class InviteRow:
    invite: Invite
    status: InviteStatus
    redeemed_by_name: str


@dataclass(frozen=True)
class NewInvite:
    """A new invite and its token. The token exists only here: it is never stored."""

    invite: Invite
    token: str


def list_invites(session: Session, *, access: FamilyAccess) -> list[InviteRow]:
    """The family group's invites with their status, newest first."""
    redeemer = aliased(User)
    rows = session.exec(
        select(Invite, redeemer.display_name)
        .join(redeemer, col(redeemer.id) == Invite.redeemed_by_id, isouter=True)
        .where(Invite.family_group_id == access.family_id)
        .order_by(col(Invite.created_at).desc(), col(Invite.id).desc())
    ).all()
    now = utcnow()
    return [
        InviteRow(invite=invite, status=status_of(invite, now=now), redeemed_by_name=name or "")
        for invite, name in rows
    ]


def check_new_invite(*, invited_name: str, role: str) -> dict[str, str]:
    """Every problem with a new invite's details, by form field."""
    errors: dict[str, str] = {}
    name = invited_name.strip()
    if not name:
        errors["invited_name"] = _("Enter the name they go by.")
    elif len(name) > NAME_MAX:
        errors["invited_name"] = _("Their name must be 120 characters or fewer.")
    if role not in {r.value for r in InviteRole}:
        errors["role"] = _("Choose family member or young person.")
    return errors


def create_invite(
    session: Session, *, actor: Actor, access: FamilyAccess, invited_name: str, role: str
) -> NewInvite:
    """Makes a single-use invite into the family group and returns it with its token."""
    if not access.is_practitioner or actor.user is None:
        raise PermissionError("only the family group's practitioners make invites")
    errors = check_new_invite(invited_name=invited_name, role=role)
    if errors:
        raise InviteFormError(errors)
    token = tokens.new_token()
    now = utcnow()
    invite = Invite(
        family_group_id=access.family_id,
        role=InviteRole(role),
        invited_name=invited_name.strip(),
        token_hash=tokens.token_hash(token),
        created_by_id=actor.user.id,
        created_at=now,
        expires_at=now + timedelta(days=actor.settings.invite_valid_days),
    )
    session.add(invite)
    session.flush()
    audit_service.record(
        session,
        actor=actor,
        action="invite_create",
        family_group_id=access.family_id,
        object_type="invite",
        object_id=invite.id,
        detail=invite.role.value,
        actor_role=access.role.value,
    )
    return NewInvite(invite=invite, token=token)


def revoke_invite(
    session: Session, *, actor: Actor, access: FamilyAccess, invite_id: int, version: int
) -> Invite:
    """Cancels a waiting invite so its link stops working."""
    if not access.is_practitioner:
        raise PermissionError("only the family group's practitioners cancel invites")
    invite = session.exec(
        select(Invite).where(Invite.id == invite_id, Invite.family_group_id == access.family_id)
    ).first()
    if invite is None:
        raise InviteNotFound()
    if invite.version != version:
        raise StaleEdit(what=_("invite"), back_url=f"/families/{access.family_id}/invites")
    if status_of(invite) != InviteStatus.waiting:
        raise InviteNotWaiting(
            _("That invite has already been used, cancelled or has run out, so it does not work.")
        )
    invite.revoked_at = utcnow()
    session.add(invite)
    audit_service.record(
        session,
        actor=actor,
        action="invite_revoke",
        family_group_id=access.family_id,
        object_type="invite",
        object_id=invite.id,
        actor_role=access.role.value,
    )
    return invite


# --- For the person invited ------------------------------------------------------------


@dataclass(frozen=True)
class InviteView:
    """What the person opening a link may see: who invited them, to which family group."""

    invite: Invite
    family_name: str
    inviter_name: str
    already_member: bool


def _refuse(session: Session, *, actor: Actor, reason: str, invite: Invite | None) -> None:
    """Audits a failed redemption (never with the token); the attempt noted before the
    lookup stays counted for throttling."""
    audit_service.record(
        session,
        actor=actor,
        action="invite_refused",
        family_group_id=invite.family_group_id if invite else None,
        object_type="invite",
        object_id=invite.id if invite else None,
        outcome=Outcome.refused,
        detail=reason,
    )


def _waiting_invite(session: Session, *, actor: Actor, token: str) -> Invite:
    """The waiting invite for a token, after the throttle check. Raises Throttled, or
    InviteNotValid (counted and audited) for a token that does not work."""
    # Counted before the lookup, so links tried at the same moment count each other.
    attempt_id = accounts_service.note_attempt(
        session, kind=AttemptKind.invite, login="", ip_address=actor.ip_address
    )
    wait = accounts_service.throttle_wait(
        session,
        settings=actor.settings,
        kind=AttemptKind.invite,
        login="",
        ip_address=actor.ip_address,
        limit=actor.settings.login_max_failures + 1,
    )
    if wait:
        accounts_service.forget_attempt(session, attempt_id)
        audit_service.record(
            session,
            actor=actor,
            action="invite_refused",
            object_type="invite",
            outcome=Outcome.refused,
            detail="throttled",
        )
        raise accounts_service.Throttled(wait)
    invite = None
    if token and len(token) <= TOKEN_MAX:
        invite = session.exec(
            select(Invite).where(Invite.token_hash == tokens.token_hash(token))
        ).first()
    if invite is None:
        _refuse(session, actor=actor, reason="unknown", invite=None)
        raise InviteNotValid()
    status = status_of(invite)
    if status != InviteStatus.waiting:
        _refuse(session, actor=actor, reason=status.value, invite=invite)
        raise InviteNotValid()
    accounts_service.forget_attempt(session, attempt_id)
    return invite


def _refuse_staff(session: Session, *, actor: Actor) -> None:
    if actor.user is not None and actor.user.is_staff:
        audit_service.record(
            session,
            actor=actor,
            action="invite_refused",
            object_type="invite",
            outcome=Outcome.refused,
            detail="staff account",
        )
        raise StaffCannotJoin()


def _is_member(session: Session, *, user: User, family_group_id: int) -> bool:
    return (
        session.exec(
            select(Membership.id).where(
                Membership.family_group_id == family_group_id,
                Membership.user_id == user.id,
                col(Membership.removed_at).is_(None),
            )
        ).first()
        is not None
    )


def open_invite(session: Session, *, actor: Actor, token: str) -> InviteView:
    """What a person sees when they open an invite link: only for a waiting invite."""
    _refuse_staff(session, actor=actor)
    invite = _waiting_invite(session, actor=actor, token=token)
    family = session.get(FamilyGroup, invite.family_group_id)
    inviter = session.get(User, invite.created_by_id)
    assert family is not None and inviter is not None
    already = actor.user is not None and _is_member(
        session, user=actor.user, family_group_id=invite.family_group_id
    )
    return InviteView(
        invite=invite,
        family_name=family.name,
        inviter_name=inviter.display_name,
        already_member=already,
    )


def _join(session: Session, *, actor: Actor, invite: Invite, user: User) -> None:
    """Adds the user to the invite's family group and uses up the invite."""
    family = session.get(FamilyGroup, invite.family_group_id)
    assert family is not None
    # The membership is made on the practitioner's behalf: the invite is their decision.
    on_behalf = FamilyAccess(family=family, role=AccessRole.practitioner)
    joiner = replace(actor, user=user)
    membership = families_service.add_member(
        session, actor=joiner, access=on_behalf, user=user, role=MemberRole(invite.role.value)
    )
    membership.added_by_id = invite.created_by_id
    session.add(membership)
    invite.redeemed_at = utcnow()
    invite.redeemed_by_id = user.id
    session.add(invite)
    # Flushing here makes a second redemption racing this one fail on the version check.
    session.flush()
    audit_service.record(
        session,
        actor=joiner,
        action="invite_redeem",
        family_group_id=invite.family_group_id,
        object_type="invite",
        object_id=invite.id,
        detail=invite.role.value,
        actor_role="family",
    )


@dataclass(frozen=True)
class Joined:
    user: User
    family_group_id: int


def redeem_invite(
    session: Session,
    *,
    actor: Actor,
    token: str,
    display_name: str,
    login: str,
    passphrase: str,
    locale: str = i18n.DEFAULT_LOCALE,
) -> Joined:
    """Makes a new family account from an invite and adds it to the family group; the
    account keeps the language the person joined in."""
    _refuse_staff(session, actor=actor)
    invite = _waiting_invite(session, actor=actor, token=token)
    errors: dict[str, str] = {}
    if not display_name.strip():
        errors["display_name"] = _("Enter your name.")
    if not login.strip():
        errors["login"] = _("Choose a sign-in name.")
    if not passphrase:
        errors["passphrase"] = _("Choose a passphrase.")
    if errors:
        raise InviteFormError(errors)
    try:
        user = accounts_service.create_user(
            session,
            actor=actor,
            login=login,
            display_name=display_name,
            passphrase=passphrase,
            staff_role=None,
        )
    except accounts_service.AccountError as exc:
        raise InviteFormError({exc.field or "login": exc.message}) from exc
    if locale in i18n.LANGUAGES:
        user.locale = locale
    _join(session, actor=actor, invite=invite, user=user)
    return Joined(user=user, family_group_id=invite.family_group_id)


def accept_invite(session: Session, *, actor: Actor, token: str) -> Joined:
    """Adds the signed-in family account to the invite's family group (one person in two
    family groups, like a grandmother)."""
    user = actor.user
    if user is None:
        raise PermissionError("accepting an invite needs a signed-in family account")
    _refuse_staff(session, actor=actor)
    invite = _waiting_invite(session, actor=actor, token=token)
    if _is_member(session, user=user, family_group_id=invite.family_group_id):
        raise AlreadyMember()
    _join(session, actor=actor, invite=invite, user=user)
    return Joined(user=user, family_group_id=invite.family_group_id)
