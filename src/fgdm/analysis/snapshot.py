"""The plain data the gap analysis and the ecomap read: a snapshot of one family group's
network, already filtered for what the reader may see. No database or web imports."""

from __future__ import annotations

from dataclasses import dataclass, field

from fgdm.network.vocabulary import Closeness, Day, Need, PartOfDay, PersonKind, Sureness


@dataclass(frozen=True)
class PersonNode:
    id: int
    name: str  # the name the family uses ("Nan", "Uncle Dev")
    kind: PersonKind = PersonKind.family
    is_child: bool = False
    area: str = ""  # roughly where they live (area or postcode district); "" if unknown
    is_worry: bool = False  # flagged as a worry for the child's safety
    knows_the_worries: bool = False  # has seen the words-and-pictures story
    in_safety_network: bool = False  # has agreed to help the safety plan work


@dataclass(frozen=True)
class Tie:
    """A relationship between two people; undirected."""

    a: int
    b: int
    closeness: Closeness
    kind: PersonKind | None = None


@dataclass(frozen=True)
class Offer:
    """Help a person can give, with how sure they are and when they are free."""

    person_id: int
    need: Need
    sureness: Sureness = Sureness.yes
    slots: frozenset[tuple[Day, PartOfDay]] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Rule:
    """A safety plan rule and who is responsible for it."""

    id: int
    text: str
    responsible_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PlanAction:
    """A family plan action and the people from the network who do it."""

    id: int
    text: str
    doer_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Snapshot:
    people: tuple[PersonNode, ...]
    ties: tuple[Tie, ...] = ()
    offers: tuple[Offer, ...] = ()
    rules: tuple[Rule, ...] = ()
    actions: tuple[PlanAction, ...] = ()  # from the family plan
    child_area: str = ""  # where the children live, to find who is near
