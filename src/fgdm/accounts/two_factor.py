"""Two-step sign-in for staff: a code from an authenticator app (TOTP, RFC 6238) after the
passphrase, each code accepted once, with single-use recovery codes for a lost phone.
Family members keep passphrase-only sign-in; their recovery is a new invite."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pyotp
from sqlmodel import Session, col, select

from fgdm.accounts import service as accounts_service
from fgdm.accounts.models import AttemptKind, RecoveryCode, User, UserSession
from fgdm.audit import service as audit_service
from fgdm.audit.models import Outcome
from fgdm.db import utcnow
from fgdm.i18n import gettext as _
from fgdm.security.actor import Actor
from fgdm.web import qr_code

ISSUER = "fgdm"
RECOVERY_CODE_COUNT = 10
# Letters and digits a person cannot mistake for each other when typing from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
STEP_SECONDS = 30


class TwoFactorError(ValueError):
    """A code that was not accepted; the message is for the person, beside the field."""

    def __init__(self, message: str, *, field: str = "code") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def needs_second_step(user: User, *, required: bool) -> bool:
    """Whether a sign-in with this passphrase must go on to the second step (to enter a
    code, or to set the app up when it is required and not done yet)."""
    return user.is_staff and (user.has_two_factor or required)


def begin_setup(session: Session, *, user: User) -> str:
    """Gives the user a new secret to put in their app (kept until it is confirmed, so
    reloading the page shows the same one). Refused once set up."""
    if user.has_two_factor:
        raise TwoFactorError(_("Two-step sign-in is already set up."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32(length=32)
        session.add(user)
        session.flush()
    return user.totp_secret


def setup_uri(user: User) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.login, issuer_name=ISSUER)


def setup_qr(user: User) -> tuple[str, int]:
    """The set-up address as a QR code: a data: URI for an <img>, and its width."""
    return qr_code(setup_uri(user), scale=4)


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, *, after: int) -> int | None:
    """The time step (now, or one either side for a phone's clock) whose code this is, if it
    is later than `after`: a code already used, or an older one, never works again."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(utcnow().timestamp()) // STEP_SECONDS
    for step in (now_step - 1, now_step, now_step + 1):
        if step > after and secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _clean_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def new_recovery_codes(session: Session, *, user: User) -> list[str]:
    """Replaces the user's recovery codes with new ones and returns them to show once."""
    assert user.id is not None
    for old in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all():
        session.delete(old)
    context = accounts_service.password_context_for_codes()
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _c in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=context.hash(raw)))
    session.flush()
    return codes


def confirm_setup(session: Session, *, actor: Actor, user: User, code: str) -> list[str]:
    """Turns two-step sign-in on once a code from the app shows it was set up right, and
    returns the recovery codes to show once."""
    if user.has_two_factor or not user.totp_secret:
        raise TwoFactorError(_("Start setting up two-step sign-in again."))
    step = _matching_step(user.totp_secret, _clean_code(code), after=0)
    if step is None:
        raise TwoFactorError(
            _("That code is not right. Type the 6 numbers your app shows for fgdm now.")
        )
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    session.add(user)
    codes = new_recovery_codes(session, user=user)
    audit_service.record(
        session, actor=actor, action="two_factor_on", object_type="user", object_id=user.id
    )
    return codes


@dataclass(frozen=True)
class CodeResult:
    used_recovery_code: bool
    recovery_codes_left: int


def check_code(session: Session, *, actor: Actor, user: User, code: str) -> CodeResult:
    """Checks the second step at sign-in: a code from the app (each accepted once) or an
    unused recovery code. Throttled like the passphrase; every outcome is audited."""
    settings = actor.settings
    attempt_id = accounts_service.note_attempt(
        session, kind=AttemptKind.second_factor, login=user.login, ip_address=actor.ip_address
    )
    wait = accounts_service.throttle_wait(
        session,
        settings=settings,
        kind=AttemptKind.second_factor,
        login=user.login,
        ip_address=actor.ip_address,
        limit=settings.login_max_failures + 1,
    )
    if wait:
        accounts_service.forget_attempt(session, attempt_id)
        audit_service.record(
            session,
            actor=actor,
            action="two_factor",
            object_type="user",
            object_id=user.id,
            outcome=Outcome.refused,
            detail="throttled",
        )
        raise accounts_service.Throttled(wait)
    cleaned = _clean_code(code)
    step = _matching_step(user.totp_secret, cleaned, after=user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        session.add(user)
        accounts_service.forget_attempt(session, attempt_id)
        audit_service.record(
            session, actor=actor, action="two_factor", object_type="user", object_id=user.id
        )
        return CodeResult(used_recovery_code=False, recovery_codes_left=_codes_left(session, user))
    recovery = _use_recovery_code(session, user=user, cleaned=cleaned)
    if recovery:
        accounts_service.forget_attempt(session, attempt_id)
        audit_service.record(
            session,
            actor=actor,
            action="two_factor",
            object_type="user",
            object_id=user.id,
            detail="recovery code used",
        )
        return CodeResult(used_recovery_code=True, recovery_codes_left=_codes_left(session, user))
    audit_service.record(
        session,
        actor=actor,
        action="two_factor",
        object_type="user",
        object_id=user.id,
        outcome=Outcome.failed,
    )
    raise TwoFactorError(
        _(
            "That code is not right. Type the newest 6 numbers from your app, or one of your "
            "recovery codes."
        )
    )


def _unused_codes(session: Session, user: User) -> list[RecoveryCode]:
    return list(
        session.exec(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None)
            )
        ).all()
    )


def _codes_left(session: Session, user: User) -> int:
    return len(_unused_codes(session, user))


def recovery_codes_left(session: Session, *, user: User) -> int:
    """How many of the user's recovery codes have not been used."""
    return _codes_left(session, user)


def _use_recovery_code(session: Session, *, user: User, cleaned: str) -> bool:
    if len(cleaned) != 10 or any(c not in RECOVERY_ALPHABET for c in cleaned):
        return False
    context = accounts_service.password_context_for_codes()
    for row in _unused_codes(session, user):
        if context.verify(cleaned, row.code_hash):
            row.used_at = utcnow()
            session.add(row)
            return True
    return False


def turn_off(session: Session, *, actor: Actor, user: User, code: str) -> None:
    """Turns two-step sign-in off for oneself with a current code, where it is not
    required."""
    if actor.settings.staff_two_factor_required and user.is_staff:
        raise TwoFactorError(_("Two-step sign-in is required for staff and cannot be turned off."))
    check_code(session, actor=actor, user=user, code=code)
    _clear(session, user=user)
    audit_service.record(
        session, actor=actor, action="two_factor_off", object_type="user", object_id=user.id
    )


def replace_recovery_codes(session: Session, *, actor: Actor, user: User, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    check_code(session, actor=actor, user=user, code=code)
    codes = new_recovery_codes(session, user=user)
    audit_service.record(
        session,
        actor=actor,
        action="recovery_codes_replaced",
        object_type="user",
        object_id=user.id,
    )
    return codes


def _clear(session: Session, *, user: User) -> None:
    user.totp_secret = ""  # nosec B105
    user.totp_enabled_at = None
    user.totp_last_step = 0
    session.add(user)
    for row in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all():
        session.delete(row)


def reset_for_lost_phone(session: Session, *, actor: Actor, user: User) -> None:
    """An admin clears a staff member's two-step sign-in (lost phone): they set it up again
    at their next sign-in, and every session they had ends now."""
    _clear(session, user=user)
    accounts_service.end_other_sessions(session, user_id=user.id or 0, keep_session_id=None)
    audit_service.record(
        session, actor=actor, action="two_factor_reset", object_type="user", object_id=user.id
    )


def finish_pending(session: Session, *, actor: Actor, pending: UserSession) -> None:
    """Ends the half-way session once the second step is done (a new session replaces it,
    so the id changes at the moment of full sign-in)."""
    accounts_service.end_session(session, actor=actor, user_session=pending)
