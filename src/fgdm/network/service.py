"""The network around the child: people, their sensitive details, relationships and offers
of help. Every read goes through here, and visibility is applied here, so a page, a
partial, the map, a print, an export and the JSON API all get the same filtered data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fgdm import analysis
from fgdm.analysis.snapshot import Offer as OfferNode
from fgdm.analysis.snapshot import PersonNode, PlanAction, Rule, Snapshot, Tie
from fgdm.audit import service as audit_service
from fgdm.config import Settings
from fgdm.db import NotFound, StaleEdit, utcnow
from fgdm.families.models import Membership
from fgdm.families.service import AccessRole, FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network.models import (
    DetailField,
    DetailViewer,
    Offer,
    Person,
    PersonDetail,
    Relationship,
    Visibility,
)
from fgdm.network.vocabulary import (
    WEEK,
    Closeness,
    Day,
    Need,
    PartOfDay,
    PersonKind,
    Sureness,
)
from fgdm.security.actor import Actor


class NetworkError(ValueError):
    """Problems with a form, by field, for the page to show beside each field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def sees_everything(access: FamilyAccess) -> bool:
    """Practitioners (and their team's manager, reading) see every detail."""
    return access.role in (AccessRole.practitioner, AccessRole.manager)


def may_change_worries(access: FamilyAccess) -> bool:
    """Only practitioners flag a person as a worry for the child's safety."""
    return access.role == AccessRole.practitioner


def _audit(
    session: Session,
    actor: Actor,
    access: FamilyAccess,
    action: str,
    object_type: str,
    object_id: object,
    *,
    detail: str = "",
) -> None:
    """Records a change to the network in the same transaction as the change."""
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


# --- Reading -----------------------------------------------------------------------------


@dataclass
class DetailView:
    detail: PersonDetail
    named_user_ids: frozenset[int]


@dataclass
class PersonView:
    person: Person
    details: list[DetailView] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)

    @property
    def worry(self) -> DetailView | None:
        return next((d for d in self.details if d.detail.field == DetailField.worry), None)


@dataclass
class NetworkView:
    """One family group's network as this reader may see it."""

    access: FamilyAccess
    people: list[PersonView]
    relationships: list[Relationship]
    # From the safety plan, for the gap analysis: its rules with who is responsible, and
    # who is in the safety network with whether they know the worries.
    rules: list[Rule] = field(default_factory=list)
    safety_network: dict[int, bool] = field(default_factory=dict)
    # From the family plan: its actions with who does each.
    actions: list[PlanAction] = field(default_factory=list)

    @property
    def children(self) -> list[PersonView]:
        return [p for p in self.people if p.person.is_child]

    def closeness_to_children(self) -> dict[int, Closeness]:
        """How close each person is to the nearest child (for the list beside the map)."""
        order = list(Closeness)
        child_ids = {c.person.id for c in self.children}
        nearest: dict[int, Closeness] = {}
        for r in self.relationships:
            for child, other in ((r.person_a_id, r.person_b_id), (r.person_b_id, r.person_a_id)):
                if child in child_ids and other not in child_ids:
                    known = nearest.get(other)
                    if known is None or order.index(r.closeness) < order.index(known):
                        nearest[other] = r.closeness
        return nearest

    def person(self, person_id: int) -> PersonView:
        for view in self.people:
            if view.person.id == person_id:
                return view
        raise NotFound(person_id)


# A network page's reads, built once rather than on every page: only the ids change.
_PEOPLE = (
    select(Person)
    .where(Person.family_group_id == sa.bindparam("family_id"))
    .order_by(col(Person.is_child).desc(), col(Person.id))
)
_DETAILS = (
    select(PersonDetail)
    .where(col(PersonDetail.person_id).in_(sa.bindparam("person_ids", expanding=True)))
    .order_by(col(PersonDetail.id))
)
_DETAIL_VIEWERS = select(DetailViewer).where(
    col(DetailViewer.detail_id).in_(sa.bindparam("detail_ids", expanding=True))
)
_OFFERS = (
    select(Offer).where(Offer.family_group_id == sa.bindparam("family_id")).order_by(col(Offer.id))
)
_RELATIONSHIPS = (
    select(Relationship)
    .where(Relationship.family_group_id == sa.bindparam("family_id"))
    .order_by(col(Relationship.id))
)


def _visible_details(
    session: Session, *, access: FamilyAccess, user_id: int, person_ids: list[int]
) -> list[DetailView]:
    if not person_ids:
        return []
    details = session.exec(_DETAILS, params={"person_ids": person_ids}).all()
    detail_ids = [d.id for d in details]
    named: dict[int, set[int]] = defaultdict(set)
    if detail_ids:
        for viewer in session.exec(_DETAIL_VIEWERS, params={"detail_ids": detail_ids}).all():
            named[viewer.detail_id].add(viewer.user_id)
    visible = []
    for detail in details:
        viewers = frozenset(named.get(detail.id, set()))
        if _may_see(access, user_id, detail.visibility, viewers):
            visible.append(DetailView(detail=detail, named_user_ids=viewers))
    return visible


def _may_see(
    access: FamilyAccess, user_id: int, visibility: Visibility, viewers: frozenset[int]
) -> bool:
    if sees_everything(access):
        return True
    if visibility == Visibility.everyone:
        return True
    if visibility == Visibility.named:
        return user_id in viewers
    return False


def load_network(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    audit: bool = True,
    safety: tuple[list[Rule], dict[int, bool]] | None = None,
    actions: list[PlanAction] | None = None,
) -> NetworkView:
    """Everyone in the family group's network with what this reader may see; audited as a
    view of the network. A plan's page passes the safety plan's rules and network, or the
    family plan's actions, that it has just read itself, so they are not read again."""
    assert actor.user_id is not None
    family = {"family_id": access.family_id}
    people = session.exec(_PEOPLE, params=family).all()
    views = {p.id: PersonView(person=p) for p in people}
    for detail in _visible_details(
        session, access=access, user_id=actor.user_id, person_ids=list(views)
    ):
        views[detail.detail.person_id].details.append(detail)
    for offer in session.exec(_OFFERS, params=family).all():
        views[offer.person_id].offers.append(offer)
    relationships = list(session.exec(_RELATIONSHIPS, params=family).all())
    if audit:
        audit_service.record(
            session,
            actor=actor,
            action="view",
            family_group_id=access.family_id,
            object_type="network",
            actor_role=access.role.value,
        )
    # Imported here: the safety plan's service reads the network through this module.
    from fgdm.plans import service as family_plan_service
    from fgdm.safety import plan_service

    if safety is None:
        safety = plan_service.for_analysis(session, family_id=access.family_id)
    if actions is None:
        actions = family_plan_service.for_analysis(session, family_id=access.family_id)
    rules, safety_network = safety
    return NetworkView(
        access=access,
        people=list(views.values()),
        relationships=relationships,
        rules=rules,
        safety_network=safety_network,
        actions=actions,
    )


def parse_slots(text: str) -> frozenset[tuple[Day, PartOfDay]]:
    """Reads stored availability ("mon:morning,sat:night"), ignoring anything unknown."""
    slots = set()
    for item in text.split(","):
        day, _sep, part = item.strip().partition(":")
        try:
            slots.add((Day(day), PartOfDay(part)))
        except ValueError:
            continue
    return frozenset(slots)


def format_slots(slots: set[tuple[Day, PartOfDay]] | frozenset[tuple[Day, PartOfDay]]) -> str:
    """Stores availability in week order."""
    return ",".join(f"{d.value}:{p.value}" for d, p in WEEK if (d, p) in slots)


def to_snapshot(view: NetworkView) -> Snapshot:
    """The plain data the gap analysis and the ecomap read, from what this reader sees (a
    worry hidden from them is not in it, so no finding can give it away)."""
    children_areas = [p.person.area for p in view.children if p.person.area]
    people = tuple(
        PersonNode(
            id=p.person.id,
            name=p.person.known_as,
            kind=p.person.kind,
            is_child=p.person.is_child,
            area=p.person.area,
            is_worry=p.worry is not None,
            in_safety_network=p.person.id in view.safety_network,
            knows_the_worries=view.safety_network.get(p.person.id, False),
        )
        for p in view.people
    )
    ties = tuple(
        Tie(a=r.person_a_id, b=r.person_b_id, closeness=r.closeness) for r in view.relationships
    )
    offers = tuple(
        OfferNode(
            person_id=o.person_id,
            need=o.need,
            sureness=o.sureness,
            slots=parse_slots(o.availability),
        )
        for p in view.people
        for o in p.offers
    )
    return Snapshot(
        people=people,
        ties=ties,
        offers=offers,
        rules=tuple(view.rules),
        actions=tuple(view.actions),
        child_area=children_areas[0] if children_areas else "",
    )


# --- People ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    known_as: str
    kind: str
    relationship_to_child: str = ""
    full_name: str = ""
    languages: str = ""
    area: str = ""
    closeness: str = ""  # to the child (or children), when adding


LIMITS = {
    "known_as": 80,
    "full_name": 120,
    "relationship_to_child": 80,
    "languages": 120,
    "area": 80,
}


def check_person(data: PersonInput) -> dict[str, str]:
    """Every problem with a person's details, by form field."""
    errors: dict[str, str] = {}
    if not data.known_as.strip():
        errors["known_as"] = _("Enter the name the family uses for this person, like Nan.")
    for name, limit in LIMITS.items():
        if len(getattr(data, name).strip()) > limit:
            errors.setdefault(
                name, _("This must be %(limit)s characters or fewer.") % {"limit": limit}
            )
    if data.kind not in PersonKind.__members__.values():
        errors["kind"] = _("Choose who this person is to the family.")
    if data.closeness and data.closeness not in Closeness.__members__.values():
        errors["closeness"] = _("Choose how close they are to the child.")
    return errors


def _get_person(session: Session, *, access: FamilyAccess, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.family_group_id != access.family_id:
        raise NotFound(person_id)
    return person


def add_person(
    session: Session, *, actor: Actor, access: FamilyAccess, data: PersonInput
) -> Person:
    """Adds someone to the network, linked to each child with the closeness given."""
    errors = check_person(data)
    if errors:
        raise NetworkError(errors)
    person = Person(
        family_group_id=access.family_id,
        known_as=data.known_as.strip(),
        full_name=data.full_name.strip(),
        kind=PersonKind(data.kind),
        relationship_to_child=data.relationship_to_child.strip(),
        languages=data.languages.strip(),
        area=data.area.strip(),
        created_by_id=actor.user_id,
    )
    session.add(person)
    session.flush()
    if data.closeness:
        children = session.exec(
            select(Person.id).where(
                Person.family_group_id == access.family_id, col(Person.is_child).is_(True)
            )
        ).all()
        for child_id in children:
            _link(
                session, access=access, a=child_id, b=person.id, closeness=Closeness(data.closeness)
            )
    _audit(session, actor, access, "person_add", "person", person.id)
    return person


def update_person(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    person_id: int,
    version: int,
    data: PersonInput,
) -> Person:
    """Changes a person's everyday details; a stale version gets the conflict page."""
    person = _get_person(session, access=access, person_id=person_id)
    errors = check_person(data)
    if errors:
        raise NetworkError(errors)
    if person.version != version:
        raise StaleEdit(
            what=_("this person"),
            rows=[
                (_("Name"), data.known_as, person.known_as),
                (
                    _("Who they are to the child"),
                    data.relationship_to_child,
                    person.relationship_to_child,
                ),
                (_("Full name"), data.full_name, person.full_name),
                (_("Languages"), data.languages, person.languages),
                (_("Where they live (area)"), data.area, person.area),
            ],
            back_url=f"/families/{access.family_id}/network/people/{person_id}",
        )
    person.known_as = data.known_as.strip()
    person.full_name = data.full_name.strip()
    person.kind = PersonKind(data.kind)
    person.relationship_to_child = data.relationship_to_child.strip()
    person.languages = data.languages.strip()
    person.area = data.area.strip()
    session.add(person)
    _audit(session, actor, access, "person_update", "person", person.id)
    return person


def remove_person(
    session: Session, *, actor: Actor, access: FamilyAccess, person_id: int, version: int
) -> None:
    """Takes someone off the map, with their details, links and offers."""
    person = _get_person(session, access=access, person_id=person_id)
    if person.is_child:
        raise NetworkError({"person": _("A child cannot be taken off their own map.")})
    if person.version != version:
        raise StaleEdit(what=_("this person"), back_url=f"/families/{access.family_id}/network")
    # Imported here: the safety plan's service reads the network through this module.
    from fgdm.safety import plan_service

    plan_service.person_leaving_the_network(
        session, actor=actor, access=access, person_id=person_id
    )
    session.delete(person)
    _audit(session, actor, access, "person_remove", "person", person_id)


# --- Sensitive details -------------------------------------------------------------------


def family_member_ids(session: Session, *, access: FamilyAccess) -> set[int]:
    """The family group's current members (who may be named to see a detail)."""
    return set(
        session.exec(
            select(Membership.user_id).where(
                Membership.family_group_id == access.family_id,
                col(Membership.removed_at).is_(None),
            )
        ).all()
    )


def check_detail(
    *,
    access: FamilyAccess,
    field_name: str,
    value: str,
    visibility: str,
    named: set[int],
    members: set[int],
) -> dict[str, str]:
    """Every problem with a sensitive detail, by form field."""
    errors: dict[str, str] = {}
    if field_name not in DetailField.__members__.values():
        errors["field"] = _("Choose what kind of detail this is.")
    elif field_name == DetailField.worry and not may_change_worries(access):
        errors["field"] = _("Only a practitioner can record a worry about a person.")
    if not value.strip():
        errors["value"] = _("Enter the detail.")
    elif len(value) > 2000:
        errors["value"] = _("This must be 2000 characters or fewer.")
    if visibility not in Visibility.__members__.values():
        errors["visibility"] = _("Choose who can see this.")
    elif visibility == Visibility.named and not named:
        errors["visibility"] = _("Choose at least one person who can see this.")
    if named - members:
        errors["visibility"] = _("Only people in this family group can be chosen.")
    return errors


def _who_may_see(
    *, actor: Actor, access: FamilyAccess, visibility: str, named: set[int]
) -> tuple[Visibility, set[int]]:
    """A family member who keeps a detail from others still sees it themselves: for them,
    "practitioners only" means the practitioners and me."""
    chosen = Visibility(visibility)
    if sees_everything(access) or actor.user_id is None:
        return chosen, set(named) if chosen == Visibility.named else set()
    if chosen == Visibility.practitioners:
        return Visibility.named, {actor.user_id}
    if chosen == Visibility.named:
        return chosen, set(named) | {actor.user_id}
    return chosen, set()


def _set_viewers(session: Session, *, detail: PersonDetail, viewers: set[int]) -> None:
    for viewer in session.exec(
        select(DetailViewer).where(DetailViewer.detail_id == detail.id)
    ).all():
        session.delete(viewer)
    session.flush()
    for user_id in sorted(viewers):
        session.add(DetailViewer(detail_id=detail.id, user_id=user_id))


def add_detail(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    person_id: int,
    field_name: str,
    value: str,
    visibility: str,
    named: set[int],
) -> PersonDetail:
    """Records a sensitive detail about a person with who may see it."""
    _get_person(session, access=access, person_id=person_id)
    members = family_member_ids(session, access=access)
    errors = check_detail(
        access=access,
        field_name=field_name,
        value=value,
        visibility=visibility,
        named=named,
        members=members,
    )
    if errors:
        raise NetworkError(errors)
    chosen, viewers = _who_may_see(actor=actor, access=access, visibility=visibility, named=named)
    detail = PersonDetail(
        person_id=person_id,
        field=DetailField(field_name),
        value=value.strip(),
        visibility=chosen,
        updated_by_id=actor.user_id,
    )
    session.add(detail)
    session.flush()
    _set_viewers(session, detail=detail, viewers=viewers)
    _audit(
        session,
        actor,
        access,
        "detail_add",
        "person_detail",
        detail.id,
        detail=f"{detail.field.value} {detail.visibility.value}",
    )
    return detail


def _visible_detail(
    session: Session, *, actor: Actor, access: FamilyAccess, detail_id: int
) -> PersonDetail:
    detail = session.get(PersonDetail, detail_id)
    if detail is None:
        raise NotFound(detail_id)
    _get_person(session, access=access, person_id=detail.person_id)
    viewers = frozenset(
        session.exec(select(DetailViewer.user_id).where(DetailViewer.detail_id == detail_id)).all()
    )
    if not _may_see(access, actor.user_id or 0, detail.visibility, viewers):
        # The same answer as for a detail that does not exist.
        raise NotFound(detail_id)
    return detail


def update_detail(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    detail_id: int,
    version: int,
    value: str,
    visibility: str,
    named: set[int],
) -> PersonDetail:
    """Changes a detail the person can see; a stale version gets the conflict page."""
    detail = _visible_detail(session, actor=actor, access=access, detail_id=detail_id)
    members = family_member_ids(session, access=access)
    errors = check_detail(
        access=access,
        field_name=detail.field.value,
        value=value,
        visibility=visibility,
        named=named,
        members=members,
    )
    if errors:
        raise NetworkError(errors)
    if detail.version != version:
        raise StaleEdit(
            what=_("this detail"),
            rows=[(_("Detail"), value, detail.value)],
            back_url=f"/families/{access.family_id}/network/people/{detail.person_id}",
        )
    chosen, viewers = _who_may_see(actor=actor, access=access, visibility=visibility, named=named)
    detail.value = value.strip()
    detail.visibility = chosen
    detail.updated_by_id = actor.user_id
    detail.updated_at = utcnow()
    session.add(detail)
    _set_viewers(session, detail=detail, viewers=viewers)
    _audit(
        session,
        actor,
        access,
        "detail_update",
        "person_detail",
        detail.id,
        detail=f"{detail.field.value} {detail.visibility.value}",
    )
    return detail


def remove_detail(
    session: Session, *, actor: Actor, access: FamilyAccess, detail_id: int, version: int
) -> None:
    """Deletes a detail the person can see."""
    detail = _visible_detail(session, actor=actor, access=access, detail_id=detail_id)
    if detail.field == DetailField.worry and not may_change_worries(access):
        raise NotFound(detail_id)
    if detail.version != version:
        raise StaleEdit(
            what=_("this detail"),
            back_url=f"/families/{access.family_id}/network/people/{detail.person_id}",
        )
    session.delete(detail)
    _audit(session, actor, access, "detail_remove", "person_detail", detail_id)


# --- Relationships -----------------------------------------------------------------------


def _link(
    session: Session, *, access: FamilyAccess, a: int, b: int, closeness: Closeness, note: str = ""
) -> Relationship:
    low, high = sorted((a, b))
    existing = session.exec(
        select(Relationship).where(
            Relationship.person_a_id == low, Relationship.person_b_id == high
        )
    ).first()
    if existing is not None:
        raise NetworkError(
            {"other_id": _("These two people are already linked. Change that link instead.")}
        )
    relationship = Relationship(
        family_group_id=access.family_id,
        person_a_id=low,
        person_b_id=high,
        closeness=closeness,
        note=note,
    )
    session.add(relationship)
    session.flush()
    return relationship


def add_relationship(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    person_id: int,
    other_id: int,
    closeness: str,
    note: str = "",
) -> Relationship:
    """Links two people in the network with how close they are."""
    errors: dict[str, str] = {}
    if closeness not in Closeness.__members__.values():
        errors["closeness"] = _("Choose how close they are.")
    if len(note) > 500:
        errors["note"] = _("This must be 500 characters or fewer.")
    if person_id == other_id:
        errors["other_id"] = _("Choose someone else.")
    if errors:
        raise NetworkError(errors)
    _get_person(session, access=access, person_id=person_id)
    try:
        _get_person(session, access=access, person_id=other_id)
    except NotFound:
        raise NetworkError({"other_id": _("Choose someone from this family's map.")}) from None
    relationship = _link(
        session,
        access=access,
        a=person_id,
        b=other_id,
        closeness=Closeness(closeness),
        note=note.strip(),
    )
    _audit(session, actor, access, "relationship_add", "relationship", relationship.id)
    return relationship


def _get_relationship(
    session: Session, *, access: FamilyAccess, relationship_id: int
) -> Relationship:
    relationship = session.get(Relationship, relationship_id)
    if relationship is None or relationship.family_group_id != access.family_id:
        raise NotFound(relationship_id)
    return relationship


def update_relationship(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    relationship_id: int,
    version: int,
    closeness: str,
    note: str = "",
) -> Relationship:
    """Changes how close two people are."""
    relationship = _get_relationship(session, access=access, relationship_id=relationship_id)
    if closeness not in Closeness.__members__.values():
        raise NetworkError({"closeness": _("Choose how close they are.")})
    if len(note) > 500:
        raise NetworkError({"note": _("This must be 500 characters or fewer.")})
    if relationship.version != version:
        raise StaleEdit(
            what=_("this link"),
            rows=[(_("How close"), closeness, relationship.closeness.value)],
            back_url=f"/families/{access.family_id}/network",
        )
    relationship.closeness = Closeness(closeness)
    relationship.note = note.strip()
    session.add(relationship)
    _audit(session, actor, access, "relationship_update", "relationship", relationship.id)
    return relationship


def remove_relationship(
    session: Session, *, actor: Actor, access: FamilyAccess, relationship_id: int, version: int
) -> None:
    """Removes a link between two people."""
    relationship = _get_relationship(session, access=access, relationship_id=relationship_id)
    if relationship.version != version:
        raise StaleEdit(what=_("this link"), back_url=f"/families/{access.family_id}/network")
    session.delete(relationship)
    _audit(session, actor, access, "relationship_remove", "relationship", relationship_id)


# --- Offers of help ----------------------------------------------------------------------


def check_offer(*, need: str, sureness: str, details: str) -> dict[str, str]:
    """Every problem with an offer of help, by form field."""
    errors: dict[str, str] = {}
    if need not in Need.__members__.values():
        errors["need"] = _("Choose what help they can give.")
    if sureness not in Sureness.__members__.values():
        errors["sureness"] = _("Choose how sure they are.")
    if len(details) > 500:
        errors["details"] = _("This must be 500 characters or fewer.")
    return errors


def add_offer(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    person_id: int,
    need: str,
    sureness: str,
    details: str,
    slots: set[tuple[Day, PartOfDay]],
) -> Offer:
    """Records help a person can give, and when."""
    _get_person(session, access=access, person_id=person_id)
    errors = check_offer(need=need, sureness=sureness, details=details)
    if errors:
        raise NetworkError(errors)
    offer = Offer(
        family_group_id=access.family_id,
        person_id=person_id,
        need=Need(need),
        sureness=Sureness(sureness),
        details=details.strip(),
        availability=format_slots(slots),
    )
    session.add(offer)
    session.flush()
    _audit(session, actor, access, "offer_add", "offer", offer.id)
    return offer


def _get_offer(session: Session, *, access: FamilyAccess, offer_id: int) -> Offer:
    offer = session.get(Offer, offer_id)
    if offer is None or offer.family_group_id != access.family_id:
        raise NotFound(offer_id)
    return offer


def update_offer(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    offer_id: int,
    version: int,
    need: str,
    sureness: str,
    details: str,
    slots: set[tuple[Day, PartOfDay]],
) -> Offer:
    """Changes an offer of help; a stale version gets the conflict page."""
    offer = _get_offer(session, access=access, offer_id=offer_id)
    errors = check_offer(need=need, sureness=sureness, details=details)
    if errors:
        raise NetworkError(errors)
    if offer.version != version:
        raise StaleEdit(
            what=_("this offer of help"),
            rows=[
                (_("Help"), need, offer.need.value),
                (_("Details"), details, offer.details),
            ],
            back_url=f"/families/{access.family_id}/network/people/{offer.person_id}",
        )
    offer.need = Need(need)
    offer.sureness = Sureness(sureness)
    offer.details = details.strip()
    offer.availability = format_slots(slots)
    session.add(offer)
    _audit(session, actor, access, "offer_update", "offer", offer.id)
    return offer


def remove_offer(
    session: Session, *, actor: Actor, access: FamilyAccess, offer_id: int, version: int
) -> None:
    """Removes an offer of help."""
    offer = _get_offer(session, access=access, offer_id=offer_id)
    if offer.version != version:
        raise StaleEdit(
            what=_("this offer of help"),
            back_url=f"/families/{access.family_id}/network/people/{offer.person_id}",
        )
    session.delete(offer)
    _audit(session, actor, access, "offer_remove", "offer", offer_id)


# --- Import from phone contacts ----------------------------------------------------------


def import_contacts(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    contacts: list[tuple[str, str]],
    kind: str,
) -> list[Person]:
    """Adds the chosen contacts (name and phone) to the network, all or none. Phone
    numbers are kept to practitioners (and, for a family member, to themselves too)."""
    errors: dict[str, str] = {}
    if not contacts:
        errors["pick"] = _("Choose at least one contact to add.")
    if kind not in PersonKind.__members__.values():
        errors["kind"] = _("Choose who these people are to the family.")
    for name, phone in contacts:
        if not name.strip() or len(name.strip()) > 80 or len(phone) > 40:
            errors["pick"] = _("One of the contacts could not be read. Upload the file again.")
    if errors:
        raise NetworkError(errors)
    added = []
    for name, phone in contacts:
        person = add_person(
            session,
            actor=actor,
            access=access,
            data=PersonInput(known_as=name.strip(), kind=kind),
        )
        if phone.strip():
            add_detail(
                session,
                actor=actor,
                access=access,
                person_id=person.id,
                field_name=DetailField.phone.value,
                value=phone.strip(),
                visibility=Visibility.practitioners.value,
                named=set(),
            )
        added.append(person)
    _audit(
        session, actor, access, "network_import", "network", None, detail=f"{len(added)} contacts"
    )
    return added


# --- Gap analysis ------------------------------------------------------------------------


@dataclass
class NetworkReport:
    """The network as this reader sees it, with the gaps the analysis finds in it."""

    view: NetworkView
    findings: list[analysis.Finding]
    resilience: dict[Need, int]

    @property
    def names(self) -> dict[int, str]:
        return {p.person.id: p.person.known_as for p in self.view.people}


def report(view: NetworkView, *, settings: Settings) -> NetworkReport:
    """Runs the gap analysis over what this reader may see."""
    snapshot = to_snapshot(view)
    return NetworkReport(
        view=view,
        findings=analysis.find_gaps(snapshot, minimum_trusted=settings.safety_network_minimum),
        resilience=analysis.resilience(snapshot),
    )


def what_if(view: NetworkView, *, removed_ids: set[int], settings: Settings) -> analysis.WhatIf:
    """What the network would lose if these people could no longer help."""
    return analysis.what_if(
        to_snapshot(view), removed_ids, minimum_trusted=settings.safety_network_minimum
    )


# --- Many family groups at once ----------------------------------------------------------


def load_networks(
    session: Session, *, actor: Actor, accesses: list[FamilyAccess]
) -> dict[int, NetworkView]:
    """The networks of several family groups, each as this reader may see it, in a fixed
    number of queries however many there are (for the caseload). Not audited here, and
    without the safety plan's rules: the caller records its views and adds the rules."""
    assert actor.user_id is not None
    by_family = {access.family_id: access for access in accesses}
    family_ids = list(by_family)
    people = session.exec(
        select(Person)
        .where(col(Person.family_group_id).in_(family_ids))
        .order_by(col(Person.is_child).desc(), col(Person.id))
    ).all()
    views = {p.id: PersonView(person=p) for p in people}
    details = session.exec(
        select(PersonDetail)
        .where(col(PersonDetail.person_id).in_(list(views)))
        .order_by(col(PersonDetail.id))
    ).all()
    named: dict[int, set[int]] = defaultdict(set)
    for viewer in session.exec(
        select(DetailViewer).where(col(DetailViewer.detail_id).in_([d.id for d in details]))
    ).all():
        named[viewer.detail_id].add(viewer.user_id)
    for detail in details:
        access = by_family[views[detail.person_id].person.family_group_id]
        viewers = frozenset(named.get(detail.id, set()))
        if _may_see(access, actor.user_id, detail.visibility, viewers):
            views[detail.person_id].details.append(
                DetailView(detail=detail, named_user_ids=viewers)
            )
    for offer in session.exec(
        select(Offer).where(col(Offer.family_group_id).in_(family_ids)).order_by(col(Offer.id))
    ).all():
        views[offer.person_id].offers.append(offer)
    relationships: dict[int, list[Relationship]] = defaultdict(list)
    for relationship in session.exec(
        select(Relationship)
        .where(col(Relationship.family_group_id).in_(family_ids))
        .order_by(col(Relationship.id))
    ).all():
        relationships[relationship.family_group_id].append(relationship)
    people_of: dict[int, list[PersonView]] = defaultdict(list)
    for view in views.values():
        people_of[view.person.family_group_id].append(view)
    return {
        family_id: NetworkView(
            access=access,
            people=people_of[family_id],
            relationships=relationships[family_id],
        )
        for family_id, access in by_family.items()
    }
