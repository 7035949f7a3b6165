"""Storage limitation (UK GDPR article 5(1)(e)): `fgdm purge` erases closed family groups
once their retention period has passed (unless a legal hold keeps them), family members'
accounts nobody needs any more, old sign-in records and old audit rows. Run it daily."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fgdm.accounts.models import RecoveryCode, SignInAttempt, User, UserSession
from fgdm.accounts.service import password_context
from fgdm.audit import service as audit_service
from fgdm.audit.models import AuditEvent
from fgdm.config import Settings
from fgdm.db import utcnow
from fgdm.families.models import FamilyGroup, Membership, Stage, StageChange
from fgdm.invites.models import Invite
from fgdm.pwa.models import IdempotencyKey
from fgdm.security import passwords
from fgdm.security.actor import Actor

ERASED_NAME = "Former family member"


class RetentionError(ValueError):
    """Something the person running the command can put right; the message says what."""


@dataclass(frozen=True)
class DueFamily:
    """A closed family group and when its retention period ends."""

    family_group_id: int
    closed_at: datetime
    erase_after: datetime
    on_hold: bool


@dataclass
class PurgeReport:
    """What a purge erased (or, in a dry run, would erase): counts and family group numbers,
    never names."""

    family_groups: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    accounts: int = 0
    sessions: int = 0
    sign_in_attempts: int = 0
    invites: int = 0
    recovery_codes: int = 0
    idempotency_keys: int = 0
    audit_events: int = 0

    def lines(self) -> list[str]:
        return [
            f"family groups erased: {len(self.family_groups)} {self.family_groups or ''}".rstrip(),
            f"family groups kept by a legal hold: {len(self.held)} {self.held or ''}".rstrip(),
            f"family members' accounts erased: {self.accounts}",
            f"ended sessions removed: {self.sessions}",
            f"old sign-in attempts removed: {self.sign_in_attempts}",
            f"finished invites removed: {self.invites}",
            f"used recovery codes removed: {self.recovery_codes}",
            f"old keys of changes sent from phones removed: {self.idempotency_keys}",
            f"audit rows past their retention removed: {self.audit_events}",
        ]


def _years(n: int) -> timedelta:
    return timedelta(days=365 * n + n // 4)


def closed_family_groups(session: Session, *, settings: Settings, now: datetime) -> list[DueFamily]:
    """Every closed family group with the date it closed (its last move to closed) and
    when its retention period ends. A group closed without a recorded date is left out:
    nothing is erased on a guess."""
    closed_at = (
        select(StageChange.family_group_id, sa.func.max(StageChange.changed_at).label("at"))
        .where(StageChange.to_stage == Stage.closed)
        .group_by(col(StageChange.family_group_id))
        .subquery()
    )
    rows = session.exec(
        select(FamilyGroup.id, closed_at.c.at, FamilyGroup.legal_hold_at)
        .join(closed_at, closed_at.c.family_group_id == FamilyGroup.id)
        .where(FamilyGroup.stage == Stage.closed)
        .order_by(col(FamilyGroup.id))
    ).all()
    period = _years(settings.retention_years_after_closing)
    due = []
    for family_id, at, hold in rows:
        at = at if at.tzinfo else at.replace(tzinfo=now.tzinfo)
        due.append(DueFamily(family_id, at, at + period, hold is not None))
    return due


def set_legal_hold(
    session: Session, *, settings: Settings, family_group_id: int, reason: str
) -> FamilyGroup:
    """Keeps a family group past its retention period until the hold is released."""
    reason = reason.strip()
    if not reason:
        raise RetentionError("Say why the family group is held (for example the court case).")
    if len(reason) > 300:
        raise RetentionError("The reason must be 300 characters or fewer.")
    family = session.get(FamilyGroup, family_group_id)
    if family is None:
        raise RetentionError(f"There is no family group {family_group_id}.")
    family.legal_hold_at = utcnow()
    family.legal_hold_reason = reason
    session.add(family)
    _audit(session, settings, "legal_hold", family_group_id=family_group_id, detail="set")
    return family


def release_legal_hold(
    session: Session, *, settings: Settings, family_group_id: int
) -> FamilyGroup:
    """Ends a legal hold: the next purge erases the group if its retention period is over."""
    family = session.get(FamilyGroup, family_group_id)
    if family is None:
        raise RetentionError(f"There is no family group {family_group_id}.")
    if family.legal_hold_at is None:
        raise RetentionError(f"Family group {family_group_id} is not on legal hold.")
    family.legal_hold_at = None
    family.legal_hold_reason = ""
    session.add(family)
    _audit(session, settings, "legal_hold", family_group_id=family_group_id, detail="released")
    return family


def _audit(
    session: Session, settings: Settings, action: str, *, family_group_id: int | None, detail: str
) -> None:
    """The command line acts as nobody in particular; the audit row says it was the system."""
    audit_service.record(
        session,
        actor=Actor(user=None, ip_address="", request_id="", settings=settings),
        action=action,
        family_group_id=family_group_id,
        object_type="family_group" if family_group_id else "",
        object_id=family_group_id,
        detail=detail,
        actor_role="system",
    )


def _erase_accounts(
    session: Session, *, settings: Settings, now: datetime, of_erased: set[int]
) -> int:
    """Family members' and young people's accounts that belong to no family group, and
    either belonged only to family groups erased now or have not been used for the idle
    period: the person's name, sign-in name, passphrase and sessions go; the row stays so
    "who wrote this" in other records still points somewhere."""
    idle_since = now - timedelta(days=settings.family_account_idle_days)
    current = select(Membership.user_id).where(col(Membership.removed_at).is_(None))
    recent = select(UserSession.user_id).where(col(UserSession.last_seen_at) >= idle_since)
    idle = col(User.id).not_in(recent) & (col(User.created_at) < idle_since)
    users = session.exec(
        select(User).where(
            col(User.staff_role).is_(None),
            col(User.login).not_like("erased-%"),
            col(User.id).not_in(current),
            sa.or_(idle, col(User.id).in_(of_erased)) if of_erased else idle,
        )
    ).all()
    if users:
        session.execute(
            sa.delete(UserSession).where(col(UserSession.user_id).in_([u.id for u in users]))
        )
    context = password_context(settings)
    for user in users:
        user.login = f"erased-{user.id}@invalid"
        user.display_name = ERASED_NAME
        # A hash of a secret nobody knows: the account can never be signed in to again.
        user.password_hash = passwords.hash_passphrase(context, secrets.token_urlsafe(32))
        user.is_active = False
        user.totp_secret = ""  # nosec B105 - clearing the secret, not setting one
        user.totp_enabled_at = None
        session.add(user)
    return len(users)


def _delete(session: Session, statement: sa.Delete) -> int:
    return session.execute(statement).rowcount or 0  # type: ignore[attr-defined]


def _delete_old_audit(session: Session, *, before: datetime) -> int:
    """Audit rows are append-only; only this function may delete them, and only those
    older than the audit retention period."""
    dialect = session.get_bind().dialect.name
    stmt = sa.delete(AuditEvent).where(col(AuditEvent.at) < before)
    if dialect == "postgresql":
        session.execute(sa.text("SET LOCAL fgdm.audit_purge = 'on'"))
        count = _delete(session, stmt)
        session.execute(sa.text("SET LOCAL fgdm.audit_purge = 'off'"))
        return count
    # SQLite: the delete trigger is lifted and put back inside this one transaction; SQLite
    # lets nobody else write meanwhile, and a failure rolls both back.
    session.execute(sa.text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
    count = _delete(session, stmt)
    session.execute(
        sa.text(
            "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END;"
        )
    )
    return count


def purge(
    session: Session, *, settings: Settings, now: datetime | None = None, dry_run: bool = False
) -> PurgeReport:
    """Erases what has been kept long enough; with dry_run, only says what would go. The
    caller commits (one transaction: all of it happens, or none)."""
    now = now or utcnow()
    report = PurgeReport()
    for due in closed_family_groups(session, settings=settings, now=now):
        if due.erase_after > now:
            continue
        (report.held if due.on_hold else report.family_groups).append(due.family_group_id)
    session_cutoff = now - timedelta(days=settings.sign_in_record_days)
    old_sessions = sa.delete(UserSession).where(
        sa.or_(
            col(UserSession.ended_at) < session_cutoff,
            col(UserSession.expires_at) < session_cutoff,
        )
    )
    old_attempts = sa.delete(SignInAttempt).where(col(SignInAttempt.attempted_at) < session_cutoff)
    finished_invites = sa.delete(Invite).where(
        sa.or_(
            col(Invite.expires_at) < session_cutoff,
            col(Invite.redeemed_at) < session_cutoff,
            col(Invite.revoked_at) < session_cutoff,
        )
    )
    used_codes = sa.delete(RecoveryCode).where(col(RecoveryCode.used_at).is_not(None))
    # A phone's outbox sends a change again within minutes or days, never after weeks.
    old_keys = sa.delete(IdempotencyKey).where(col(IdempotencyKey.created_at) < session_cutoff)
    audit_cutoff = now - _years(settings.audit_retention_years)
    if dry_run:
        for statement, name in (
            (old_sessions, "sessions"),
            (old_attempts, "sign_in_attempts"),
            (finished_invites, "invites"),
            (used_codes, "recovery_codes"),
            (old_keys, "idempotency_keys"),
        ):
            count = select(sa.func.count()).select_from(statement.table)
            setattr(report, name, session.exec(count.where(statement.whereclause)).one())
        report.audit_events = session.exec(
            select(sa.func.count()).where(col(AuditEvent.at) < audit_cutoff)
        ).one()
        return report
    members_of_erased: set[int] = set()
    if report.family_groups:
        members_of_erased = set(
            session.exec(
                select(Membership.user_id).where(
                    col(Membership.family_group_id).in_(report.family_groups)
                )
            ).all()
        )
        # Everything of a family group hangs off it with ON DELETE CASCADE.
        session.execute(sa.delete(FamilyGroup).where(col(FamilyGroup.id).in_(report.family_groups)))
    report.sessions = _delete(session, old_sessions)
    report.sign_in_attempts = _delete(session, old_attempts)
    report.invites = _delete(session, finished_invites)
    report.recovery_codes = _delete(session, used_codes)
    report.idempotency_keys = _delete(session, old_keys)
    report.accounts = _erase_accounts(
        session, settings=settings, now=now, of_erased=members_of_erased
    )
    report.audit_events = _delete_old_audit(session, before=audit_cutoff)
    for family_id in report.family_groups:
        _audit(session, settings, "purge", family_group_id=family_id, detail="family group erased")
    _audit(
        session,
        settings,
        "purge",
        family_group_id=None,
        detail=(
            f"{len(report.family_groups)} family groups, {report.accounts} accounts, "
            f"{report.audit_events} audit rows"
        ),
    )
    return report
