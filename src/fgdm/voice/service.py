"""The three houses (hearing the child; Lundy: space, voice, audience): what one child puts
in the house of worries, the house of good things and the house of dreams, and who the
child lets see it.

Who may do what is decided here and nowhere else:

- Who SEES a child's three houses: the family group's practitioners (always), the child's
  own sign-in (own_account_id) and the members the child chose (ThreeHousesViewer).
  Everyone else in the family group, parents included, gets NotFound (404) for the page,
  the print and every drawing, exactly as if the houses did not exist. Team managers and
  admins get NotFound too: this is the child's private voice, not caseload data.
- Who WRITES things in the houses and CHOOSES who sees them: the group's practitioners
  (sitting with the child) and the child's own sign-in. Chosen members only read; a
  refused change is audited in its own transaction and answered NotAllowedHere (403).
- Who says which sign-in is the child's own: a practitioner, choosing among the group's
  young people.
- The record for a child is made on the first visit of someone who may write (a
  practitioner), never by a reader.

Every read (page, print, drawing) and every change is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from fgdm.accounts.models import User
from fgdm.audit import service as audit_service
from fgdm.db import NotAllowedHere, NotFound, StaleEdit, utcnow
from fgdm.families.models import MemberRole, Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network.models import Person
from fgdm.security.actor import Actor
from fgdm.stories import images
from fgdm.voice.models import (
    ENTRY_TEXT_LIMIT,
    House,
    HouseDrawing,
    HouseEntry,
    ThreeHouses,
    ThreeHousesViewer,
)

OBJECT_TYPE = "three_houses"
HOUSE_ORDER = (House.worries, House.good_things, House.dreams)


class HouseRole(StrEnum):
    """What one person may do with one child's three houses."""

    writer = "writer"
    reader = "reader"


class HousesError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Member:
    """A member of the family group, as the "who can see this" section names them."""

    user_id: int
    name: str
    role: MemberRole


@dataclass(frozen=True)
class EntryView:
    entry: HouseEntry
    author_name: str
    author_is_practitioner: bool
    drawing: HouseDrawing | None


@dataclass
class HousesView:
    """One child's three houses as this person may see them, and what they may change."""

    access: FamilyAccess
    child: Person
    houses: ThreeHouses
    role: HouseRole
    entries: dict[House, list[EntryView]]
    practitioners: list[Member]
    own_account: Member | None
    viewers: list[Member]
    # For writers: the members who can be chosen to see, and the young people whose own
    # sign-in this could be (that choice is for practitioners only).
    choices: list[Member] = field(default_factory=list)
    young_people: list[Member] = field(default_factory=list)

    @property
    def may_write(self) -> bool:
        return self.role == HouseRole.writer

    @property
    def chosen_ids(self) -> set[int]:
        return {m.user_id for m in self.viewers}


def _audit(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_id: object
) -> None:
    audit_service.record(
        session,
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=OBJECT_TYPE,
        object_id=object_id,
        actor_role=access.role.value,
    )


def _refuse_at_once(
    session: Session, actor: Actor, access: FamilyAccess, action: str, object_id: object
) -> None:
    """Audits a refusal in its own transaction, since the request's is rolled back."""
    audit_service.record_at_once(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor,
        action=action,
        family_group_id=access.family_id,
        object_type=OBJECT_TYPE,
        object_id=object_id,
        detail=f"role {access.role.value}",
    )


def role_for(
    session: Session, *, actor: Actor, access: FamilyAccess, houses: ThreeHouses | None
) -> HouseRole | None:
    """What this person may do with these three houses: write, read, or nothing at all
    (None: for them the houses do not exist)."""
    if access.role == AccessRole.practitioner:
        return HouseRole.writer
    if not access.is_family or houses is None or actor.user_id is None:
        return None
    if houses.family_group_id != access.family_id:
        return None
    if houses.own_account_id == actor.user_id:
        return HouseRole.writer
    chosen = _chosen(session, [houses.id or 0], user_id=actor.user_id)
    return HouseRole.reader if chosen else None


def _chosen(
    session: Session, houses_ids: list[int], *, user_id: int | None = None
) -> set[tuple[int, int]]:
    """(three_houses_id, user_id) for each choice that still stands: the member is in the
    group now and has been since they were chosen. Someone taken out of the group who later
    comes back is not chosen again until the child says so."""
    if not houses_ids:
        return set()
    query = (
        select(ThreeHousesViewer.three_houses_id, ThreeHousesViewer.user_id)
        .join(ThreeHouses, col(ThreeHouses.id) == ThreeHousesViewer.three_houses_id)
        .join(
            Membership,
            (col(Membership.family_group_id) == ThreeHouses.family_group_id)
            & (col(Membership.user_id) == ThreeHousesViewer.user_id)
            & col(Membership.removed_at).is_(None)
            & (col(Membership.added_at) <= ThreeHousesViewer.added_at),
        )
        .where(col(ThreeHousesViewer.three_houses_id).in_(houses_ids))
    )
    if user_id is not None:
        query = query.where(ThreeHousesViewer.user_id == user_id)
    return {(h, u) for h, u in session.exec(query).all()}


def _child(session: Session, access: FamilyAccess, child_id: int) -> Person:
    child = session.get(Person, child_id)
    if child is None or child.family_group_id != access.family_id or not child.is_child:
        raise NotFound(child_id)
    return child


def _houses_of(session: Session, child_id: int) -> ThreeHouses | None:
    return session.exec(select(ThreeHouses).where(ThreeHouses.child_id == child_id)).first()


def _create(session: Session, actor: Actor, access: FamilyAccess, child: Person) -> ThreeHouses:
    """Makes the record on a practitioner's first visit. Two first visits at the same
    moment make one record: the second finds the first's (one record per child)."""
    houses = ThreeHouses(
        family_group_id=access.family_id, child_id=child.id or 0, created_by_id=actor.user_id
    )
    try:
        with session.begin_nested():
            session.add(houses)
            session.flush()
    except IntegrityError:
        existing = _houses_of(session, child.id or 0)
        if existing is None:
            raise
        return existing
    _audit(session, actor, access, "three_houses_create", houses.id)
    return houses


def _open(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    *,
    refused_action: str,
    create: bool = False,
) -> tuple[Person, ThreeHouses, HouseRole]:
    """The child, their three houses and this person's role, or NotFound (audited) for
    someone who may not see them."""
    child = _child(session, access, child_id)
    houses = _houses_of(session, child_id)
    if houses is None and create and access.role == AccessRole.practitioner:
        houses = _create(session, actor, access, child)
    role = role_for(session, actor=actor, access=access, houses=houses)
    if houses is None or role is None:
        _refuse_at_once(session, actor, access, refused_action, child_id)
        raise NotFound(child_id)
    return child, houses, role


def _open_to_write(
    session: Session, actor: Actor, access: FamilyAccess, child_id: int, action: str
) -> tuple[Person, ThreeHouses]:
    """Like _open, but a reader gets NotAllowedHere (audited) and nothing is created."""
    child, houses, role = _open(session, actor, access, child_id, refused_action=action)
    if role != HouseRole.writer:
        _refuse_at_once(session, actor, access, action, houses.id)
        raise NotAllowedHere(houses.id)
    return child, houses


def _members(session: Session, access: FamilyAccess) -> list[Member]:
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == Membership.user_id)
        .where(Membership.family_group_id == access.family_id, col(Membership.removed_at).is_(None))
        .order_by(col(User.display_name), col(User.id))
    ).all()
    return [Member(user_id=u.id or 0, name=u.display_name, role=m.role) for m, u in rows]


def _viewer_ids(session: Session, houses: ThreeHouses) -> set[int]:
    return {user_id for _h, user_id in _chosen(session, [houses.id or 0])}


def _entries(session: Session, houses: ThreeHouses) -> dict[House, list[EntryView]]:
    rows = session.exec(
        select(HouseEntry)
        .where(HouseEntry.three_houses_id == houses.id)
        .order_by(col(HouseEntry.created_at), col(HouseEntry.id))
    ).all()
    author_ids = {r.written_by_id for r in rows if r.written_by_id is not None}
    # A practitioner writes "with" the child; the role is the one they have in this group.
    roles = {
        m.user_id: m.role
        for m in session.exec(
            select(Membership).where(
                Membership.family_group_id == houses.family_group_id,
                col(Membership.user_id).in_(author_ids),
            )
        ).all()
    }
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(author_ids)))}
    drawing_ids = {r.drawing_id for r in rows if r.drawing_id is not None}
    # Only the sizes: the pictures themselves are fetched by the browser one by one.
    drawings = {
        d.id: d
        for d in session.exec(
            select(HouseDrawing).where(col(HouseDrawing.id).in_(drawing_ids))
        ).all()
    }
    result: dict[House, list[EntryView]] = {house: [] for house in HOUSE_ORDER}
    for row in rows:
        author = users.get(row.written_by_id)
        result[row.house].append(
            EntryView(
                entry=row,
                author_name=author.display_name if author else "",
                author_is_practitioner=roles.get(row.written_by_id) == MemberRole.practitioner,
                drawing=drawings.get(row.drawing_id) if row.drawing_id else None,
            )
        )
    return result


def _view(
    session: Session,
    access: FamilyAccess,
    child: Person,
    houses: ThreeHouses,
    role: HouseRole,
) -> HousesView:
    members = _members(session, access)
    chosen = _viewer_ids(session, houses)
    by_id = {m.user_id: m for m in members}
    family = [m for m in members if m.role != MemberRole.practitioner]
    return HousesView(
        access=access,
        child=child,
        houses=houses,
        role=role,
        entries=_entries(session, houses),
        practitioners=[m for m in members if m.role == MemberRole.practitioner],
        own_account=by_id.get(houses.own_account_id) if houses.own_account_id else None,
        viewers=[m for m in family if m.user_id in chosen],
        choices=(
            [m for m in family if m.user_id != houses.own_account_id]
            if role == HouseRole.writer
            else []
        ),
        young_people=(
            [m for m in family if m.role == MemberRole.young_person]
            if access.role == AccessRole.practitioner
            else []
        ),
    )


def children_to_see(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    children: Sequence[Person] | None = None,
) -> list[Person]:
    """The children whose three houses this person may see (practitioners: every child in
    the network), by name, without recording a view: it names only children the family page
    shows. The children are read here unless the caller has them already (every child of
    this family group)."""
    if access.role == AccessRole.manager or actor.user_id is None:
        return []
    if children is None:
        children = session.exec(
            select(Person).where(
                Person.family_group_id == access.family_id, col(Person.is_child).is_(True)
            )
        ).all()
    children = sorted(children, key=lambda child: (child.known_as, child.id or 0))
    if access.role == AccessRole.practitioner:
        return children
    all_houses = session.exec(
        select(ThreeHouses).where(ThreeHouses.family_group_id == access.family_id)
    ).all()
    chosen = {
        h for h, _u in _chosen(session, [h.id or 0 for h in all_houses], user_id=actor.user_id)
    }
    shared = {h.child_id for h in all_houses if h.own_account_id == actor.user_id or h.id in chosen}
    return [c for c in children if c.id in shared]


def list_children(session: Session, *, actor: Actor, access: FamilyAccess) -> list[Person]:
    """The three houses list page: the children whose houses this person may see.
    Managers get NotFound. Records that the list was looked at."""
    if access.role == AccessRole.manager:
        _refuse_at_once(session, actor, access, "three_houses_list_refused", None)
        raise NotFound(access.family_id)
    children = children_to_see(session, actor=actor, access=access)
    _audit(session, actor, access, "view", None)
    return children


def load(
    session: Session, *, actor: Actor, access: FamilyAccess, child_id: int, action: str = "view"
) -> HousesView:
    """One child's three houses for the page (action "view") or the print
    ("three_houses_print"); made on a practitioner's first visit. Records the read."""
    child, houses, role = _open(
        session, actor, access, child_id, refused_action=f"{action}_refused", create=True
    )
    _audit(session, actor, access, action, houses.id)
    return _view(session, access, child, houses, role)


def get_drawing(
    session: Session, *, actor: Actor, access: FamilyAccess, drawing_id: int
) -> HouseDrawing:
    """A cleaned photo of a drawing, only for someone who may see that child's houses
    (NotFound for anyone else, as for a drawing that does not exist). Records the read."""
    drawing = session.get(HouseDrawing, drawing_id)
    houses = session.get(ThreeHouses, drawing.three_houses_id) if drawing else None
    if drawing is None or houses is None or houses.family_group_id != access.family_id:
        raise NotFound(drawing_id)
    if role_for(session, actor=actor, access=access, houses=houses) is None:
        _refuse_at_once(session, actor, access, "three_houses_drawing_refused", drawing_id)
        raise NotFound(drawing_id)
    _audit(session, actor, access, "three_houses_drawing_view", drawing_id)
    return drawing


def _too_big() -> str:
    return _("That picture is too big. Choose one smaller than %(megabytes)s MB.") % {
        "megabytes": f"{images.MAX_BYTES / (1024 * 1024):g}"
    }


def _check_words(text: str) -> dict[str, str]:
    if len(text.strip()) > ENTRY_TEXT_LIMIT:
        return {
            "text": _("This must be %(limit)s characters or fewer.") % {"limit": ENTRY_TEXT_LIMIT}
        }
    return {}


def add_entry(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    house: str,
    text: str,
    upload: bytes | None = None,
    upload_too_big: bool = False,
) -> HouseEntry:
    """Puts one thing in one house: words, a photo of a drawing (checked and cleaned by
    clean_upload before anything is saved), or both."""
    _child, houses = _open_to_write(session, actor, access, child_id, "three_houses_add_refused")
    try:
        which = House(house)
    except ValueError as error:
        raise NotFound(house) from error
    errors = _check_words(text)
    clean: images.CleanImage | None = None
    if upload_too_big:
        errors["photo"] = _too_big()
    elif upload:
        try:
            clean = images.clean_upload(upload)
        except images.UploadError as exc:
            errors["photo"] = exc.message
    if not errors and not text.strip() and clean is None:
        errors["text"] = _("Write something or add a photo of a drawing.")
    if errors:
        raise HousesError(errors)
    drawing_id = None
    if clean is not None:
        drawing = HouseDrawing(
            three_houses_id=houses.id or 0,
            content=clean.content,
            mime=clean.mime,
            width=clean.width,
            height=clean.height,
        )
        session.add(drawing)
        session.flush()
        drawing_id = drawing.id
    entry = HouseEntry(
        three_houses_id=houses.id or 0,
        house=which,
        text=text.strip(),
        drawing_id=drawing_id,
        written_by_id=actor.user_id,
    )
    session.add(entry)
    session.flush()
    _audit(session, actor, access, "three_houses_entry_add", entry.id)
    return entry


def _entry(
    session: Session,
    access: FamilyAccess,
    houses: ThreeHouses,
    child_id: int,
    entry_id: int,
    version: int,
    text: str | None = None,
) -> HouseEntry:
    entry = session.get(HouseEntry, entry_id)
    if entry is None or entry.three_houses_id != houses.id:
        raise NotFound(entry_id)
    if entry.version != version:
        rows = [(_("Words"), text, entry.text)] if text is not None else []
        raise StaleEdit(
            what=_("this part of the house"),
            rows=rows,
            back_url=f"/families/{access.family_id}/three-houses/{child_id}#entry-{entry_id}",
        )
    return entry


def update_entry(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    entry_id: int,
    version: int,
    text: str,
) -> HouseEntry:
    """Changes the words of one thing in a house; a stale version gets the conflict page.
    Words may be left empty only when there is a drawing."""
    _child, houses = _open_to_write(session, actor, access, child_id, "three_houses_edit_refused")
    entry = _entry(session, access, houses, child_id, entry_id, version, text)
    errors = _check_words(text)
    if not errors and not text.strip() and entry.drawing_id is None:
        errors["text"] = _("Write something or add a photo of a drawing.")
    if errors:
        raise HousesError(errors)
    entry.text = text.strip()
    session.add(entry)
    session.flush()
    _audit(session, actor, access, "three_houses_entry_edit", entry.id)
    return entry


def remove_entry(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    entry_id: int,
    version: int,
) -> None:
    """Takes one thing out of a house, with its drawing (nothing else shows it)."""
    _child, houses = _open_to_write(session, actor, access, child_id, "three_houses_remove_refused")
    entry = _entry(session, access, houses, child_id, entry_id, version)
    drawing = session.get(HouseDrawing, entry.drawing_id) if entry.drawing_id else None
    session.delete(entry)
    session.flush()
    if drawing is not None:
        session.delete(drawing)
        session.flush()
    _audit(session, actor, access, "three_houses_entry_remove", entry_id)


def _check_version(access: FamilyAccess, houses: ThreeHouses, child_id: int, version: int) -> None:
    if houses.version != version:
        raise StaleEdit(
            what=_("who can see the three houses"),
            back_url=f"/families/{access.family_id}/three-houses/{child_id}#who-can-see",
        )


def choose_viewers(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    version: int,
    user_ids: list[str],
) -> ThreeHouses:
    """Sets who else in the family group may see the child's three houses (practitioners
    always can). Only family members and young people can be chosen; the version rises."""
    _child, houses = _open_to_write(
        session, actor, access, child_id, "three_houses_viewers_refused"
    )
    _check_version(access, houses, child_id, version)
    allowed = {
        m.user_id
        for m in _members(session, access)
        if m.role != MemberRole.practitioner and m.user_id != houses.own_account_id
    }
    wanted = {int(u) for u in user_ids if u.isdigit() and len(u) < 19} & allowed
    current = {
        v.user_id: v
        for v in session.exec(
            select(ThreeHousesViewer).where(ThreeHousesViewer.three_houses_id == houses.id)
        ).all()
    }
    standing = _viewer_ids(session, houses)
    for user_id, row in current.items():
        if user_id not in wanted:
            session.delete(row)
        elif user_id not in standing:
            # Chosen again after coming back into the group: the choice starts now.
            row.added_at = utcnow()
            session.add(row)
    for user_id in sorted(wanted - set(current)):
        session.add(ThreeHousesViewer(three_houses_id=houses.id or 0, user_id=user_id))
    # Nothing on the record itself changes, so say it did: the version must still rise.
    flag_modified(houses, "created_by_id")
    session.add(houses)
    session.flush()
    _audit(session, actor, access, "three_houses_viewers_change", houses.id)
    return houses


def set_own_account(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    child_id: int,
    version: int,
    user_id: str,
) -> ThreeHouses:
    """Says which young person's sign-in is the child's own (or none). Practitioners only;
    the version rises."""
    _child, houses = _open_to_write(
        session, actor, access, child_id, "three_houses_own_account_refused"
    )
    if access.role != AccessRole.practitioner:
        _refuse_at_once(session, actor, access, "three_houses_own_account_refused", houses.id)
        raise NotAllowedHere(houses.id)
    _check_version(access, houses, child_id, version)
    young = {m.user_id for m in _members(session, access) if m.role == MemberRole.young_person}
    chosen: int | None = None
    if user_id:
        if not (user_id.isdigit() and len(user_id) < 19 and int(user_id) in young):
            raise HousesError({"own_account": _("Choose one of the young people listed.")})
        chosen = int(user_id)
    houses.own_account_id = chosen
    flag_modified(houses, "created_by_id")
    session.add(houses)
    session.flush()
    _audit(session, actor, access, "three_houses_own_account_change", houses.id)
    return houses
