"""The words of the network (the village around the child): kinds of people, closeness,
kinds of help, and times of the week. Plain enums with no database or web imports, shared
by the network's tables, the gap analysis and the ecomap."""

from __future__ import annotations

from enum import StrEnum

from fgdm.i18n import gettext as _


class PersonKind(StrEnum):
    family = "family"
    friend = "friend"
    neighbour = "neighbour"
    community = "community"  # community or faith group
    school = "school"  # school or nursery
    health = "health"
    professional = "professional"  # other professional
    voluntary = "voluntary"  # voluntary organisation


# People paid or organised to help. Signs of Safety counts family, friends and community
# members in the safety network; professionals support it but are not it.
PROFESSIONAL_KINDS = frozenset(
    {PersonKind.school, PersonKind.health, PersonKind.professional, PersonKind.voluntary}
)
# The family's own community: the people the family itself brings.
OWN_COMMUNITY_KINDS = frozenset(
    {PersonKind.family, PersonKind.friend, PersonKind.neighbour, PersonKind.community}
)


class Closeness(StrEnum):
    close = "close"
    some_contact = "some_contact"
    distant = "distant"
    conflict = "conflict"
    no_contact = "no_contact"


# Closeness that counts as a working link (for trust and for paths through the network).
LINKING_CLOSENESS = frozenset({Closeness.close, Closeness.some_contact})


class Need(StrEnum):
    """Kinds of help a person can offer the child and family."""

    school_run = "school_run"
    after_school = "after_school"
    overnight = "overnight"
    emergency_contact = "emergency_contact"
    someone_to_talk_to = "someone_to_talk_to"
    transport = "transport"
    language = "language"
    faith_culture = "faith_culture"
    money_food = "money_food"
    respite = "respite"
    supervising_contact = "supervising_contact"
    health_appointments = "health_appointments"
    other = "other"


# Help that means being alone with the child: a person who is a worry must not hold it.
ALONE_WITH_CHILD = frozenset(
    {
        Need.school_run,
        Need.after_school,
        Need.overnight,
        Need.transport,
        Need.respite,
        Need.supervising_contact,
        Need.health_appointments,
    }
)


class Sureness(StrEnum):
    yes = "yes"
    maybe = "maybe"


class Day(StrEnum):
    monday = "mon"
    tuesday = "tue"
    wednesday = "wed"
    thursday = "thu"
    friday = "fri"
    saturday = "sat"
    sunday = "sun"


class PartOfDay(StrEnum):
    morning = "morning"
    afternoon = "afternoon"
    evening = "evening"
    night = "night"


WEEK: tuple[tuple[Day, PartOfDay], ...] = tuple((d, p) for d in Day for p in PartOfDay)


def detail_field_labels() -> list[tuple[str, str]]:
    """The kinds of private detail, in the family's words (values as stored)."""
    return [
        ("address", _("Full address")),
        ("phone", _("Phone")),
        ("email", _("Email")),
        ("notes", _("Notes")),
        ("worry", _("A worry about this person")),
    ]


def person_kind_label(kind: PersonKind) -> str:
    """The family's words for a kind of person."""
    return {
        PersonKind.family: _("Family"),
        PersonKind.friend: _("Friend"),
        PersonKind.neighbour: _("Neighbour"),
        PersonKind.community: _("Community or faith group"),
        PersonKind.school: _("School or nursery"),
        PersonKind.health: _("Health"),
        PersonKind.professional: _("Other professional"),
        PersonKind.voluntary: _("Voluntary organisation"),
    }[kind]


def closeness_label(closeness: Closeness) -> str:
    """The family's words for how close two people are."""
    return {
        Closeness.close: _("Close"),
        Closeness.some_contact: _("Some contact"),
        Closeness.distant: _("Distant"),
        Closeness.conflict: _("Conflict"),
        Closeness.no_contact: _("No contact"),
    }[closeness]


def need_label(need: Need) -> str:
    """The family's words for a kind of help."""
    return {
        Need.school_run: _("School run"),
        Need.after_school: _("After school"),
        Need.overnight: _("Overnight stays"),
        Need.emergency_contact: _("Emergency contact"),
        Need.someone_to_talk_to: _("Someone to talk to"),
        Need.transport: _("Transport"),
        Need.language: _("Help with language"),
        Need.faith_culture: _("Faith and culture"),
        Need.money_food: _("Money or food"),
        Need.respite: _("A break for the parents (respite)"),
        Need.supervising_contact: _("Supervising contact"),
        Need.health_appointments: _("Health appointments"),
        Need.other: _("Other help"),
    }[need]


def day_label(day: Day) -> str:
    return {
        Day.monday: _("Monday"),
        Day.tuesday: _("Tuesday"),
        Day.wednesday: _("Wednesday"),
        Day.thursday: _("Thursday"),
        Day.friday: _("Friday"),
        Day.saturday: _("Saturday"),
        Day.sunday: _("Sunday"),
    }[day]


def part_of_day_label(part: PartOfDay) -> str:
    return {
        PartOfDay.morning: _("morning"),
        PartOfDay.afternoon: _("afternoon"),
        PartOfDay.evening: _("evening"),
        PartOfDay.night: _("night"),
    }[part]
