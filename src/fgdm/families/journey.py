"""The family group conference journey (practice: FGC stages): the referral, the stage the
family group is at, every move between stages with who made it and why, and what is still
needed before the next stage. All permission checks and audit writes happen here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, StaleEdit, utcnow
from fgdm.families.models import FamilyGroup, Referral, Stage, StageChange
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.meetings.models import Meeting, MeetingKind
from fgdm.plans.models import AgencyDecision, FamilyPlan
from fgdm.security.actor import Actor

NOTE_LIMIT = 1000
NAME_LIMIT = 200
WORRIES_LIMIT = 4000
DECISION_LIMIT = 2000

# Dates a family sees are days in England.
LONDON = ZoneInfo("Europe/London")

ORDER = [
    Stage.referral,
    Stage.preparation,
    Stage.meeting,
    Stage.plan_agreed,
    Stage.review,
    Stage.closed,
]


def N_(message: str) -> str:  # noqa: N802 - Babel's default keyword for "translate later"
    """Marks a message for translation without translating it now."""
    return message


# The family's words for each stage, translated when shown.
STEP_WORDS = {
    Stage.referral: N_("Asking for a family meeting"),
    Stage.preparation: N_("Getting ready"),
    Stage.meeting: N_("The family meeting"),
    Stage.plan_agreed: N_("Our plan is agreed"),
    Stage.review: N_("Checking how it is going"),
    Stage.closed: N_("Finished"),
}


def step_words(stage: Stage) -> str:
    """The family's words for a stage, in the reader's language."""
    return _(STEP_WORDS[stage])


class JourneyError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- Views -------------------------------------------------------------------------------


@dataclass
class Step:
    """One step of the "where we are" line."""

    stage: Stage
    words: str
    is_current: bool
    is_done: bool
    reached_at: datetime | None
    is_passed: bool = False  # before the current step, whether or not it was reached

    @property
    def reached_on(self) -> date | None:
        """The day in England the step was reached."""
        return self.reached_at.astimezone(LONDON).date() if self.reached_at else None


@dataclass
class HistoryEntry:
    """One move between stages, or the start."""

    from_stage: Stage | None
    to_stage: Stage
    changed_at: datetime
    who: str
    note: str

    @property
    def from_words(self) -> str:
        return step_words(self.from_stage) if self.from_stage else ""

    @property
    def to_words(self) -> str:
        return step_words(self.to_stage)


@dataclass
class Move:
    """A move a practitioner may choose: to which stage, what kind, and what is missing."""

    to_stage: Stage
    kind: str  # "forward", "back", "close", "reopen"
    missing: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        return step_words(self.to_stage)

    @property
    def needs_note(self) -> bool:
        return self.kind != "forward"


@dataclass
class JourneyView:
    access: FamilyAccess
    stage: Stage
    version: int
    steps: list[Step]
    history: list[HistoryEntry]
    moves: list[Move]
    may_move: bool

    @property
    def current_words(self) -> str:
        return step_words(self.stage)


@dataclass
class ReferralView:
    access: FamilyAccess
    referral: Referral | None
    recorded_by: str
    may_write: bool
    may_consent: bool

    @property
    def version(self) -> int:
        return self.referral.version if self.referral else 0


# --- Helpers -----------------------------------------------------------------------------


def may_move(access: FamilyAccess) -> bool:
    """Only the family group's practitioners move it from one stage to another."""
    return access.role == AccessRole.practitioner


def may_consent(access: FamilyAccess) -> bool:
    """A family member may say themselves that the family agrees to a family meeting."""
    return access.role == AccessRole.family_member


def _audit(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    object_type: str,
    object_id: object = None,
    detail: str = "",
) -> None:
    """Records a view or a change in the same transaction."""
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        actor_role=access.role.value,
    )


def _refuse(session: Session, actor: Actor, access: FamilyAccess, action: str) -> NotAllowedHere:
    """Audits a refused change in its own transaction (the request's is rolled back) and
    gives the exception to raise."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type="family_group",
        object_id=access.family_id,
        detail=f"role {access.role.value}",
    )
    return NotAllowedHere(access.family_id)


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: u.display_name for u in users if u.id is not None}


def _changes(session: Session, *, family_id: int) -> list[StageChange]:
    return list(
        session.exec(
            select(StageChange)
            .where(StageChange.family_group_id == family_id)
            .order_by(col(StageChange.changed_at), col(StageChange.id))
        )
    )


def get_referral(session: Session, *, access: FamilyAccess) -> Referral | None:
    """The family group's referral, or None when none has been written."""
    return session.exec(
        select(Referral).where(Referral.family_group_id == access.family_id)
    ).first()


# --- What each stage needs ---------------------------------------------------------------


def _plan(session: Session, family_id: int) -> FamilyPlan | None:
    return session.exec(select(FamilyPlan).where(FamilyPlan.family_group_id == family_id)).first()


def _has_dated_meeting(session: Session, family_id: int, kind: MeetingKind) -> bool:
    return (
        session.exec(
            select(Meeting.id).where(
                Meeting.family_group_id == family_id,
                Meeting.kind == kind,
                col(Meeting.starts_at).is_not(None),
            )
        ).first()
        is not None
    )


def _accepted_decision(
    session: Session, plan: FamilyPlan | None, *, revision: int | None, after: datetime | None
) -> bool:
    """Whether the agency's newest answer (to the given revision, or made after a time) is
    to accept the plan."""
    if plan is None:
        return False
    query = select(AgencyDecision).where(AgencyDecision.plan_id == plan.id)
    if revision is not None:
        query = query.where(AgencyDecision.revision == revision)
    if after is not None:
        query = query.where(AgencyDecision.decided_at > after)
    newest = session.exec(
        query.order_by(col(AgencyDecision.decided_at).desc(), col(AgencyDecision.id).desc())
    ).first()
    return newest is not None and newest.accepted


def _reached_review_at(changes: list[StageChange]) -> datetime | None:
    into_review = [c.changed_at for c in changes if c.to_stage == Stage.review]
    return into_review[-1] if into_review else None


def missing_for(
    session: Session, *, family: FamilyGroup, to_stage: Stage, changes: list[StageChange]
) -> list[str]:
    """What is still needed before moving forward to `to_stage`, in plain words (empty
    when nothing is missing)."""
    family_id = family.id
    assert family_id is not None
    missing: list[str] = []
    if to_stage == Stage.preparation:
        referral = session.exec(
            select(Referral).where(Referral.family_group_id == family_id)
        ).first()
        if referral is None or not referral.worries.strip():
            missing.append(_("The worries, in plain words, written in the referral."))
        if referral is None or not referral.decision_to_make.strip():
            missing.append(_("The decision the family is asked to make, written in the referral."))
        if referral is None or not referral.family_consents or referral.consent_date is None:
            missing.append(_("The family's agreement to a family meeting, with the date."))
    elif to_stage == Stage.meeting:
        if not _has_dated_meeting(session, family_id, MeetingKind.conference):
            missing.append(_("A family meeting with a date."))
    elif to_stage == Stage.plan_agreed and family.stage == Stage.review:
        plan = _plan(session, family_id)
        if not _accepted_decision(session, plan, revision=None, after=_reached_review_at(changes)):
            missing.append(_("The agency's agreement to the plan, given since the review began."))
    elif to_stage == Stage.plan_agreed:
        plan = _plan(session, family_id)
        if plan is None or plan.presented_revision is None:
            missing.append(_("The family's plan, shown to the agency for agreement."))
        elif not _accepted_decision(session, plan, revision=plan.presented_revision, after=None):
            missing.append(_("The agency's agreement to the plan the family showed."))
    elif to_stage == Stage.review:
        plan = _plan(session, family_id)
        if not _has_dated_meeting(session, family_id, MeetingKind.review) and (
            plan is None or plan.review_date is None
        ):
            missing.append(_("A date for the review: a review meeting, or the plan's review date."))
    return missing


def possible_moves(
    session: Session, *, family: FamilyGroup, changes: list[StageChange]
) -> list[Move]:
    """Every move allowed from the family group's stage now: forward one step (with what it
    still needs), back one step, close, or reopen."""
    stage = family.stage
    moves: list[Move] = []
    index = ORDER.index(stage)
    if stage == Stage.closed:
        return [Move(to_stage=Stage.referral, kind="reopen")]
    # A review ends with the plan agreed again (or with closing).
    forward = Stage.plan_agreed if stage == Stage.review else ORDER[index + 1]
    if forward != Stage.closed:
        missing = missing_for(session, family=family, to_stage=forward, changes=changes)
        moves.append(Move(to_stage=forward, kind="forward", missing=missing))
    if stage not in (Stage.referral, Stage.review):
        moves.append(Move(to_stage=ORDER[index - 1], kind="back"))
    moves.append(Move(to_stage=Stage.closed, kind="close"))
    return moves


# --- Reading -----------------------------------------------------------------------------


def _steps(family: FamilyGroup, history: list[HistoryEntry]) -> list[Step]:
    current = ORDER.index(family.stage)
    reached: dict[Stage, datetime] = {}
    for entry in history:
        reached[entry.to_stage] = entry.changed_at
    steps = []
    for index, stage in enumerate(ORDER):
        # A step after the current one was reached only on an earlier pass: not shown.
        at = reached.get(stage) if index <= current else None
        steps.append(
            Step(
                stage=stage,
                words=step_words(stage),
                is_current=index == current,
                is_done=index < current and at is not None,
                reached_at=at,
                is_passed=index < current,
            )
        )
    return steps


def _history(
    session: Session, family: FamilyGroup, changes: list[StageChange]
) -> list[HistoryEntry]:
    names = _names(session, {c.changed_by_id for c in changes} | {family.created_by_id})
    gone = _("someone who has left")
    entries: list[HistoryEntry] = []
    if not changes or changes[0].from_stage is not None:
        # A family group starts at the referral on the day it was made.
        entries.append(
            HistoryEntry(
                from_stage=None,
                to_stage=Stage.referral,
                changed_at=family.created_at,
                who=names.get(family.created_by_id, gone),
                note="",
            )
        )
    entries.extend(
        HistoryEntry(
            from_stage=c.from_stage,
            to_stage=c.to_stage,
            changed_at=c.changed_at,
            who=names.get(c.changed_by_id or 0, gone),
            note=c.note,
        )
        for c in changes
    )
    return entries


def where_we_are(session: Session, *, access: FamilyAccess) -> list[Step]:
    """The "where we are" line for the family home page (its view is audited there)."""
    family = access.family
    return _steps(family, _history(session, family, _changes(session, family_id=access.family_id)))


def journey(session: Session, *, actor: Actor, access: FamilyAccess) -> JourneyView:
    """Each stage with the date it was reached, every move with who made it and why, and,
    for practitioners, the moves they may make now; audited as a view of the journey."""
    family = access.family
    changes = _changes(session, family_id=access.family_id)
    history = _history(session, family, changes)
    view = JourneyView(
        access=access,
        stage=family.stage,
        version=family.version,
        steps=_steps(family, history),
        history=list(reversed(history)),
        moves=possible_moves(session, family=family, changes=changes) if may_move(access) else [],
        may_move=may_move(access),
    )
    _audit(session, actor, access, "view", "journey", access.family_id)
    return view


# --- Moving ------------------------------------------------------------------------------


def _chosen_words(to_stage: str) -> str:
    """The family's words for the stage chosen in a form, or nothing for a made-up one."""
    return step_words(Stage(to_stage)) if to_stage in Stage.__members__ else ""


def move_stage(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    to_stage: str,
    version: int,
    note: str,
) -> StageChange:
    """Moves the family group to another stage: forward one step when what it needs is
    there, back one step, to closed, or reopened at the referral (each of those three with
    a reason). A stale version gets the conflict page."""
    if not may_move(access):
        raise _refuse(session, actor, access, "stage_change")
    family = access.family
    if family.version != version:
        raise StaleEdit(
            what=_("the stage"),
            rows=[(_("Where we are"), _chosen_words(to_stage), step_words(family.stage))],
            back_url=f"/families/{access.family_id}/journey",
        )
    note = note.strip()
    changes = _changes(session, family_id=access.family_id)
    moves = {m.to_stage.value: m for m in possible_moves(session, family=family, changes=changes)}
    errors: dict[str, str] = {}
    move = moves.get(to_stage)
    if move is None:
        errors["to_stage"] = _("Choose one of the steps shown.")
    elif move.missing:
        errors["to_stage"] = _("Before moving on, this is still needed: %(missing)s") % {
            "missing": " ".join(move.missing)
        }
    if move is not None and move.needs_note and not note:
        errors["note"] = _("Say why, so the family and others can see the reason.")
    if len(note) > NOTE_LIMIT:
        errors["note"] = _("This must be %(limit)s characters or fewer.") % {"limit": NOTE_LIMIT}
    if errors:
        raise JourneyError(errors)
    assert move is not None
    change = StageChange(
        family_group_id=access.family_id,
        from_stage=family.stage,
        to_stage=move.to_stage,
        note=note,
        changed_by_id=actor.user_id,
        changed_at=utcnow(),
    )
    family.stage = move.to_stage
    session.add(family)
    session.add(change)
    session.flush()
    _audit(
        session,
        actor,
        access,
        "stage_change",
        "family_group",
        access.family_id,
        detail=f"{change.from_stage} -> {change.to_stage}",
    )
    return change


# --- The referral ------------------------------------------------------------------------


def today() -> date:
    """Today's date in England."""
    return utcnow().astimezone(LONDON).date()


def view_referral(session: Session, *, actor: Actor, access: FamilyAccess) -> ReferralView:
    """The referral as everyone in the group may read it; audited as a view."""
    referral = get_referral(session, access=access)
    names = _names(session, {referral.recorded_by_id} if referral else set())
    view = ReferralView(
        access=access,
        referral=referral,
        recorded_by=names.get(referral.recorded_by_id or 0, "") if referral else "",
        may_write=may_move(access),
        may_consent=may_consent(access),
    )
    _audit(session, actor, access, "view", "referral", referral.id if referral else None)
    return view


@dataclass(frozen=True)
class ReferralInput:
    referred_by: str
    worries: str
    decision_to_make: str
    family_consents: str  # "yes", "no" or ""
    consent_date: str  # as typed: YYYY-MM-DD
    consent_given_by: str


def _check_length(errors: dict[str, str], name: str, value: str, limit: int) -> None:
    if len(value.strip()) > limit:
        errors.setdefault(name, _("This must be %(limit)s characters or fewer.") % {"limit": limit})


def check_referral(data: ReferralInput, *, today: date) -> tuple[dict[str, str], date | None]:
    """Every problem with the referral form, by field, and the consent date it gives."""
    errors: dict[str, str] = {}
    if not data.referred_by.strip():
        errors["referred_by"] = _("Say who asked for the family meeting.")
    _check_length(errors, "referred_by", data.referred_by, NAME_LIMIT)
    _check_length(errors, "worries", data.worries, WORRIES_LIMIT)
    _check_length(errors, "decision_to_make", data.decision_to_make, DECISION_LIMIT)
    _check_length(errors, "consent_given_by", data.consent_given_by, NAME_LIMIT)
    if data.family_consents not in ("yes", "no"):
        errors["family_consents"] = _("Say whether the family agrees to a family meeting.")
    consent_date = None
    text = data.consent_date.strip()
    if text:
        try:
            consent_date = date.fromisoformat(text)
        except ValueError:
            errors["consent_date"] = _("Enter the date as a real date, for example 27 3 2026.")
        else:
            if consent_date > today:
                errors["consent_date"] = _("The date the family agreed cannot be in the future.")
    if data.family_consents == "yes":
        if not text:
            errors.setdefault("consent_date", _("Enter the date the family agreed."))
        if not data.consent_given_by.strip():
            errors["consent_given_by"] = _("Say who in the family agreed.")
    return errors, consent_date


def _referral_rows(data: ReferralInput, saved: Referral | None) -> list[tuple[str, str, str]]:
    yes, no = _("Yes"), _("No")
    if saved is None:
        saved = Referral(family_group_id=0)
    pairs = [
        (_("Who asked for the family meeting"), data.referred_by, saved.referred_by),
        (_("The worries"), data.worries, saved.worries),
        (
            _("The decision the family is asked to make"),
            data.decision_to_make,
            saved.decision_to_make,
        ),
        (
            _("The family agrees to a family meeting"),
            {"yes": yes, "no": no}.get(data.family_consents, ""),
            yes if saved.family_consents else no,
        ),
        (
            _("Date the family agreed"),
            data.consent_date.strip(),
            saved.consent_date.isoformat() if saved.consent_date else "",
        ),
        (_("Who in the family agreed"), data.consent_given_by, saved.consent_given_by),
    ]
    return [(label, a.strip(), b) for label, a, b in pairs if a.strip() != b]


def save_referral(
    session: Session, *, actor: Actor, access: FamilyAccess, version: int, data: ReferralInput
) -> Referral:
    """Writes the referral (practitioners only). Version 0 means there was none when the
    form was opened; a stale version gets the conflict page with both versions."""
    if not may_move(access):
        raise _refuse(session, actor, access, "referral_save")
    saved = get_referral(session, access=access)
    if (saved.version if saved else 0) != version:
        raise StaleEdit(
            what=_("the referral"),
            rows=_referral_rows(data, saved),
            back_url=f"/families/{access.family_id}/referral",
        )
    errors, consent_date = check_referral(data, today=today())
    if errors:
        raise JourneyError(errors)
    referral = saved or Referral(family_group_id=access.family_id)
    referral.referred_by = data.referred_by.strip()
    referral.worries = data.worries.strip()
    referral.decision_to_make = data.decision_to_make.strip()
    referral.family_consents = data.family_consents == "yes"
    referral.consent_date = consent_date if referral.family_consents else None
    referral.consent_given_by = data.consent_given_by.strip() if referral.family_consents else ""
    referral.recorded_by_id = actor.user_id
    referral.updated_at = utcnow()
    session.add(referral)
    session.flush()
    _audit(session, actor, access, "referral_save", "referral", referral.id)
    return referral


def give_consent(session: Session, *, actor: Actor, access: FamilyAccess, version: int) -> Referral:
    """A family member says the family agrees to a family meeting: their name and today's
    date are recorded on the referral."""
    if not may_consent(access):
        raise _refuse(session, actor, access, "referral_consent")
    referral = get_referral(session, access=access)
    if referral is None:
        raise JourneyError({"consent": _("There is nothing to agree to yet.")})
    if referral.version != version:
        raise StaleEdit(what=_("the referral"), back_url=f"/families/{access.family_id}/referral")
    referral.family_consents = True
    referral.consent_date = today()
    referral.consent_given_by = actor.user.display_name if actor.user else ""
    referral.updated_at = utcnow()
    session.add(referral)
    session.flush()
    _audit(session, actor, access, "referral_consent", "referral", referral.id)
    return referral
