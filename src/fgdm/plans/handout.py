"""The family plan as a handout to take home from the family group conference: the printed
plan (and its PDF) and the children's version. The plan comes from read_plan() and phone
numbers from the network service, so a handout never shows more than its reader may see;
what only practitioners may see is shown only when a practitioner asks for it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from fgdm.families.service import FamilyAccess
from fgdm.i18n import gettext as _
from fgdm.network import service as network_service
from fgdm.network.models import DetailField, Visibility
from fgdm.plans import service as plan_service
from fgdm.plans.models import ServiceAnswer
from fgdm.plans.service import N_, ActionView, PlanView
from fgdm.security.actor import Actor
from fgdm.stories.pictograms import Pictogram, get_pictogram

ANSWERS = {
    ServiceAnswer.waiting: N_("Waiting for an answer"),
    ServiceAnswer.agreed: N_("Agreed"),
    ServiceAnswer.not_agreed: N_("Not agreed"),
    ServiceAnswer.referred_on: N_("Passed on to someone else"),
}


def answer_label(answer: ServiceAnswer) -> str:
    """What services answered, in the reader's language."""
    return _(ANSWERS[answer])


@dataclass(frozen=True)
class Phone:
    number: str
    restricted: bool  # kept from some of the family (practitioners only, or named people)


@dataclass
class Contact:
    """Someone the plan names, with the phone numbers this handout may show."""

    person_id: int
    name: str
    phones: list[Phone] = field(default_factory=list)
    is_worry: bool = False  # only in a practitioner's handout with their details


@dataclass
class Handout:
    """The plan as printed by this reader."""

    view: PlanView
    children: list[str]
    contacts: list[Contact]
    with_staff_details: bool

    @property
    def actions(self) -> list[ActionView]:
        """The actions still in the plan (a review closes those finished with)."""
        return [av for av in self.view.actions if av.action.closed_at_review_id is None]

    def contacts_for(self, action: ActionView) -> list[Contact]:
        """The people who do an action, in the plan's order, with their phones."""
        by_id = {c.person_id: c for c in self.contacts}
        return [by_id[p.id] for p in action.people if p.id in by_id]


@dataclass
class ChildCard:
    """One action in the children's words, with its picture and who helps."""

    number: int
    words: str
    picture: Pictogram | None
    helpers: list[str]


@dataclass
class ChildrensVersion:
    view: PlanView
    goals: list[str]
    cards: list[ChildCard]


def may_see_staff_details(access: FamilyAccess) -> bool:
    """Practitioners (and their team's manager) may ask for what only they can see."""
    return network_service.sees_everything(access)


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def read_handout(
    session: Session,
    *,
    actor: Actor,
    access: FamilyAccess,
    staff_details: bool = False,
    as_pdf: bool = False,
) -> Handout:
    """The plan to print, with the children's names and the phone numbers of the people in
    its actions. Practitioners get what only they may see when they ask for it
    (`staff_details`); for anyone else the question is ignored. Audited as a print (or a
    PDF), saying when practitioners' details were in it."""
    with_staff = staff_details and may_see_staff_details(access)
    action = ("print_pdf" if as_pdf else "print") + ("_with_staff_details" if with_staff else "")
    view = plan_service.read_plan(session, actor=actor, access=access, audit_action=action)
    network = network_service.load_network(session, actor=actor, access=access, audit=False)
    named = {p.id for av in view.actions for p in av.people}
    contacts = []
    for person_view in network.people:
        person = person_view.person
        if person.id is None or person.id not in named:
            continue
        phones = [
            Phone(number=d.detail.value, restricted=d.detail.visibility != Visibility.everyone)
            for d in person_view.details
            if d.detail.field == DetailField.phone
        ]
        if not with_staff and not access.is_family:
            # Staff see every number; their handout for the family shows only what the whole
            # family may see.
            phones = [p for p in phones if not p.restricted]
        contacts.append(
            Contact(
                person_id=person.id,
                name=person.known_as,
                phones=phones,
                is_worry=with_staff and person_view.worry is not None,
            )
        )
    children = [p.person.known_as for p in network.children]
    return Handout(view=view, children=children, contacts=contacts, with_staff_details=with_staff)


def read_childrens_version(
    session: Session, *, actor: Actor, access: FamilyAccess
) -> ChildrensVersion:
    """The goals and actions in the children's words (the family's words where none were
    written for the children), each action with its picture and the first names of who
    helps. Audited as a view of the children's version."""
    view = plan_service.read_plan(session, actor=actor, access=access, audit_action="view_children")
    cards = [
        ChildCard(
            number=av.number,
            words=av.action.child_words or av.action.what,
            picture=get_pictogram(av.action.pictogram) if av.action.pictogram else None,
            helpers=[_first_name(name) for name in av.who_names],
        )
        for av in view.actions
        if av.action.closed_at_review_id is None
    ]
    goals = [gv.goal.child_words or gv.goal.text for gv in view.goals]
    return ChildrensVersion(view=view, goals=goals, cards=cards)
