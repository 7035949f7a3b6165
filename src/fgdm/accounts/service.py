"""Accounts: staff and family users, sign-in with throttling, and server-side sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from passlib.context import CryptContext
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from fgdm.accounts.models import (
    AttemptKind,
    SignInAttempt,
    StaffRole,
    Team,
    User,
    UserSession,
)
from fgdm.audit import service as audit_service
from fgdm.audit.models import Outcome
from fgdm.config import Settings
from fgdm.db import utcnow
from fgdm.i18n import gettext as _
from fgdm.security import passwords, tokens
from fgdm.security.actor import Actor

HEX = re.compile(r"[0-9a-f]+")


class AccountError(ValueError):
    """A problem a person can fix; `field` names the form field it belongs to."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Throttled(Exception):
    """Too many failed attempts; retry_after is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@cache
def _context(memory_kib: int, time_cost: int) -> CryptContext:
    return passwords.make_context(memory_kib=memory_kib, time_cost=time_cost)


def password_context(settings: Settings) -> CryptContext:
    """The passlib context for the configured argon2id cost."""
    return _context(settings.argon2_memory_kib, settings.argon2_time_cost)


def password_context_for_codes() -> CryptContext:
    """argon2id at a lower cost for recovery codes: they are random (about 50 bits), so
    the hash only has to resist a copy of the database, and up to ten are checked at once."""
    return _context(8192, 1)


def normalise_login(login: str) -> str:
    """Sign-in names and emails are matched without case or surrounding spaces."""
    return login.strip().lower()


def get_user_by_login(session: Session, *, login: str) -> User | None:
    """Gets a user by their sign-in name or email."""
    return session.exec(select(User).where(User.login == normalise_login(login))).first()


def create_user(
    session: Session,
    *,
    actor: Actor,
    login: str,
    display_name: str,
    passphrase: str,
    staff_role: StaffRole | None,
    team_id: int | None = None,
) -> User:
    """Creates an account after checking the sign-in name and the passphrase policy."""
    login = normalise_login(login)
    display_name = display_name.strip()
    if not login:
        raise AccountError(_("Enter a sign-in name or email address."), field="login")
    if len(login) > 254:
        raise AccountError(_("Sign-in name must be 254 characters or fewer."), field="login")
    if staff_role is not None and "@" not in login:
        raise AccountError(
            _("Enter a work email address, like name@council.gov.uk."), field="login"
        )
    if not display_name:
        raise AccountError(_("Enter a name."), field="display_name")
    if len(display_name) > 120:
        raise AccountError(_("Name must be 120 characters or fewer."), field="display_name")
    if get_user_by_login(session, login=login) is not None:
        raise AccountError(_("That sign-in name is already taken. Try another."), field="login")
    problem = passwords.policy_problem(passphrase, login=login, name=display_name)
    if problem:
        raise AccountError(problem, field="passphrase")
    user = User(
        login=login,
        display_name=display_name,
        password_hash=passwords.hash_passphrase(password_context(actor.settings), passphrase),
        staff_role=staff_role,
        team_id=team_id,
    )
    session.add(user)
    session.flush()
    audit_service.record(
        session, actor=actor, action="user_create", object_type="user", object_id=user.id
    )
    return user


def get_or_create_team(session: Session, *, name: str) -> Team:
    """Gets the team with this name, creating it if needed."""
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


# --- Throttling -----------------------------------------------------------------------


def throttle_wait(
    session: Session,
    *,
    settings: Settings,
    kind: AttemptKind,
    login: str,
    ip_address: str,
    limit: int | None = None,
) -> int:
    """Seconds to wait before another attempt is allowed (0 when allowed). Counts failures
    for the account and, separately, from the address, within the window; `limit` attempts
    in the window are too many (the configured number of failures by default)."""
    window = timedelta(minutes=settings.login_window_minutes)
    since = utcnow() - window
    limit = limit or settings.login_max_failures
    waits = [0]
    keys = [SignInAttempt.ip_address == ip_address]
    if login:
        keys.append(SignInAttempt.login == normalise_login(login))
    for key in keys:
        rows = session.exec(
            select(SignInAttempt.attempted_at)
            .where(SignInAttempt.kind == kind, key, SignInAttempt.attempted_at > since)
            .order_by(col(SignInAttempt.attempted_at).desc())
            .limit(limit)
        ).all()
        if len(rows) >= limit:
            oldest_counted: datetime = rows[-1]
            waits.append(int((oldest_counted + window - utcnow()).total_seconds()) + 1)
    return max(waits)


def record_failed_attempt(
    session: Session, *, kind: AttemptKind, login: str, ip_address: str
) -> None:
    """Remembers a failed attempt for throttling."""
    session.add(SignInAttempt(kind=kind, login=normalise_login(login)[:254], ip_address=ip_address))


def note_attempt(session: Session, *, kind: AttemptKind, login: str, ip_address: str) -> int:
    """Counts an attempt at once, in its own transaction; returns its id."""
    # Committed before the passphrase is checked, so guesses sent at the same moment
    # count each other: otherwise all of them pass the throttle before any failure is saved.
    with Session(session.get_bind()) as own:
        attempt = SignInAttempt(
            kind=kind, login=normalise_login(login)[:254], ip_address=ip_address
        )
        own.add(attempt)
        own.commit()
        assert attempt.id is not None
        return attempt.id


def forget_attempt(session: Session, attempt_id: int) -> None:
    """Uncounts an attempt that succeeded or was refused by the throttle."""
    with Session(session.get_bind()) as own:
        own.execute(sa.delete(SignInAttempt).where(col(SignInAttempt.id) == attempt_id))
        own.commit()


# --- Sign-in ---------------------------------------------------------------------------


def authenticate(session: Session, *, actor: Actor, login: str, passphrase: str) -> User:
    """Checks a sign-in. Raises Throttled after too many failures, or AccountError with the
    same message for an unknown account and a wrong passphrase."""
    settings = actor.settings
    attempt_id = note_attempt(
        session, kind=AttemptKind.login, login=login, ip_address=actor.ip_address
    )
    wait = throttle_wait(
        session,
        settings=settings,
        kind=AttemptKind.login,
        login=login,
        ip_address=actor.ip_address,
        # This attempt is already counted: the one after the allowed failures is refused.
        limit=settings.login_max_failures + 1,
    )
    if wait:
        # A refused attempt is not a failure: waiting ends the lock as promised.
        forget_attempt(session, attempt_id)
        audit_service.record(
            session, actor=actor, action="login", outcome=Outcome.refused, detail="throttled"
        )
        raise Throttled(wait)
    user = get_user_by_login(session, login=login)
    context = password_context(settings)
    if user is None:
        # Hash anyway so an unknown account takes as long as a known one.
        context.dummy_verify()
        ok, new_hash = False, None
    else:
        ok, new_hash = passwords.verify_passphrase(context, passphrase, user.password_hash)
    if not ok or user is None or not user.is_active:
        # The attempt noted above stays as the record of this failure.
        audit_service.record(
            session,
            actor=actor,
            action="login",
            object_type="user",
            object_id=user.id if user else None,
            outcome=Outcome.failed,
        )
        raise AccountError(
            _("The sign-in name or passphrase is not right. Check them and try again."),
            field="login",
        )
    forget_attempt(session, attempt_id)
    if new_hash:
        user.password_hash = new_hash
        session.add(user)
    audit_service.record(
        session,
        actor=actor,
        action="login",
        object_type="user",
        object_id=user.id,
        actor_role=user.staff_role.value if user.staff_role else "family",
    )
    return user


@dataclass(frozen=True)
class SignedIn:
    user: User
    session: UserSession


def start_session(
    session: Session,
    *,
    settings: Settings,
    user: User,
    ip_address: str,
    user_agent: str,
    second_factor_pending: bool = False,
) -> str:
    """Starts a new session for a user and returns the cookie token (a fresh id at every
    sign-in, so an id planted before sign-in is worthless). A session waiting for the
    second step lasts only a few minutes and signs nobody in."""
    token = tokens.new_token()
    now = utcnow()
    lasts = (
        timedelta(minutes=settings.two_factor_pending_minutes)
        if second_factor_pending
        else timedelta(hours=settings.session_absolute_hours)
    )
    session.add(
        UserSession(
            id=tokens.token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lasts,
            ip_address=ip_address[:64],
            user_agent=user_agent[:255],
            second_factor_pending=second_factor_pending,
        )
    )
    return token


# Built once, not on every request: only the token's hash changes from one to the next.
_LIVE_SESSION = (
    select(UserSession, User)
    .join(User, col(User.id) == UserSession.user_id)
    .where(UserSession.id == sa.bindparam("token_hash"))
)


def load_session(session: Session, *, settings: Settings, token: str) -> SignedIn | None:
    """Finds the live session for a cookie token, ending it if it has timed out. Touches
    last_seen_at (at most once a minute) to keep the idle timer fresh."""
    if not token or len(token) > 128:
        return None
    row = session.exec(_LIVE_SESSION, params={"token_hash": tokens.token_hash(token)}).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    if (
        user_session.ended_at is not None
        or not user.is_active
        or now >= user_session.expires_at
        or now - user_session.last_seen_at >= idle
    ):
        if user_session.ended_at is None:
            _note_session(session, user_session, ended_at=now)
        return None
    if now - user_session.last_seen_at >= timedelta(seconds=60):
        _note_session(session, user_session, last_seen_at=now)
    return SignedIn(user=user, session=user_session)


def session_timed_out(session: Session, *, settings: Settings, token: str) -> bool:
    """True when the session behind a cookie ended because of a time-out (nothing
    happened for a while, or it was too long since signing in), not by signing out, a
    changed passphrase or a disabled account."""
    if not token or len(token) > 128:
        return False
    user_session = session.get(UserSession, tokens.token_hash(token))
    if user_session is None:
        return False
    ended = user_session.ended_at or utcnow()
    idle = timedelta(minutes=settings.session_idle_minutes)
    return ended >= user_session.expires_at or ended - user_session.last_seen_at >= idle


def _note_session(session: Session, user_session: UserSession, **values: datetime) -> None:
    # Written in a short transaction of its own, so the request's transaction holds no
    # write lock before its permission checks: SQLite allows one writer at a time, and a
    # refusal is audited from a second connection (audit_service.record_at_once).
    with Session(session.get_bind()) as own:
        own.execute(
            sa.update(UserSession).where(col(UserSession.id) == user_session.id).values(**values)
        )
        own.commit()
    for key, value in values.items():
        set_committed_value(user_session, key, value)


def touch_session(session: Session, *, user_session: UserSession) -> None:
    """Resets the idle timer (the "stay signed in" button)."""
    user_session.last_seen_at = utcnow()
    session.add(user_session)


def end_session(session: Session, *, actor: Actor, user_session: UserSession) -> None:
    """Ends one session (sign out)."""
    if user_session.ended_at is None:
        user_session.ended_at = utcnow()
        session.add(user_session)
    audit_service.record(session, actor=actor, action="logout", object_type="session")


def end_other_sessions(session: Session, *, user_id: int, keep_session_id: str | None) -> int:
    """Ends every live session of a user except one; returns how many were ended."""
    query = (
        sa.update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None))
        .values(ended_at=utcnow())
    )
    if keep_session_id:
        query = query.where(col(UserSession.id) != keep_session_id)
    result = session.execute(query)
    return result.rowcount or 0


def list_live_sessions(session: Session, *, user_id: int, settings: Settings) -> list[UserSession]:
    """The user's sessions that have not ended or timed out, newest first."""
    now = utcnow()
    idle_since = now - timedelta(minutes=settings.session_idle_minutes)
    return list(
        session.exec(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                col(UserSession.ended_at).is_(None),
                col(UserSession.second_factor_pending).is_(False),
                UserSession.expires_at > now,
                UserSession.last_seen_at > idle_since,
            )
            .order_by(col(UserSession.last_seen_at).desc())
        ).all()
    )


def end_own_session(session: Session, *, actor: Actor, short_id: str) -> bool:
    """Ends one of the actor's own sessions, named by the first characters of its id."""
    # Ids are hex; anything else (such as the LIKE wildcards % and _) names no session.
    if actor.user is None or not 12 <= len(short_id) <= 64 or not HEX.fullmatch(short_id):
        return False
    target = session.exec(
        select(UserSession).where(
            UserSession.user_id == actor.user.id,
            col(UserSession.id).startswith(short_id, autoescape=True),
            col(UserSession.ended_at).is_(None),
        )
    ).first()
    if target is None:
        return False
    target.ended_at = utcnow()
    session.add(target)
    audit_service.record(session, actor=actor, action="session_end", object_type="session")
    return True


def change_passphrase(session: Session, *, actor: Actor, current: str, new: str) -> None:
    """Changes the actor's passphrase and ends their other sessions. Wrong current
    passphrases count towards the sign-in throttle, so a borrowed or stolen session cannot
    be used to guess it."""
    user = actor.user
    assert user is not None
    settings = actor.settings
    attempt_id = note_attempt(
        session, kind=AttemptKind.login, login=user.login, ip_address=actor.ip_address
    )
    wait = throttle_wait(
        session,
        settings=settings,
        kind=AttemptKind.login,
        login=user.login,
        ip_address=actor.ip_address,
        limit=settings.login_max_failures + 1,
    )
    if wait:
        forget_attempt(session, attempt_id)
        audit_service.record(
            session,
            actor=actor,
            action="passphrase_change",
            object_type="user",
            object_id=user.id,
            outcome=Outcome.refused,
            detail="throttled",
        )
        raise Throttled(wait)
    context = password_context(settings)
    ok, _unused = passwords.verify_passphrase(context, current, user.password_hash)
    if not ok:
        audit_service.record(
            session,
            actor=actor,
            action="passphrase_change",
            object_type="user",
            object_id=user.id,
            outcome=Outcome.failed,
        )
        raise AccountError(_("Your current passphrase is not right."), field="current")
    forget_attempt(session, attempt_id)
    problem = passwords.policy_problem(new, login=user.login, name=user.display_name)
    if problem:
        raise AccountError(problem, field="new")
    user.password_hash = passwords.hash_passphrase(context, new)
    user.password_changed_at = utcnow()
    session.add(user)
    end_other_sessions(session, user_id=user.id, keep_session_id=actor.session_id)
    audit_service.record(
        session, actor=actor, action="passphrase_change", object_type="user", object_id=user.id
    )


def set_active(session: Session, *, actor: Actor, user: User, is_active: bool) -> None:
    """Enables or disables an account; disabling ends all its sessions at once."""
    user.is_active = is_active
    session.add(user)
    if not is_active:
        end_other_sessions(session, user_id=user.id, keep_session_id=None)
    audit_service.record(
        session,
        actor=actor,
        action="user_enable" if is_active else "user_disable",
        object_type="user",
        object_id=user.id,
    )
