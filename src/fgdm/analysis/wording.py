"""Plain words for the gap analysis: lists of names, kinds of help and times of the week,
joined so that a translator can reorder every part."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fgdm.i18n import gettext as _
from fgdm.i18n import ngettext
from fgdm.network.vocabulary import Day, Need, PartOfDay, day_label, need_label, part_of_day_label

# Long lists are cut short ("and 4 other people") so a finding stays readable on a phone.
NAMES_SHOWN = 6

_DAYS = tuple(Day)
_PARTS = tuple(PartOfDay)
_WEEKEND = (Day.saturday, Day.sunday)


def join_words(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    joined = items[0]
    for item in items[1:-1]:
        joined = _("%(list)s, %(item)s") % {"list": joined, "item": item}
    return _("%(list)s and %(last)s") % {"list": joined, "last": items[-1]}


def join_groups(items: Sequence[str]) -> str:
    """Joins phrases that may hold an 'and' themselves: 'A, B, and C'."""
    if len(items) <= 1:
        return "".join(items)
    joined = items[0]
    for item in items[1:-1]:
        joined = _("%(list)s, %(item)s") % {"list": joined, "item": item}
    return _("%(list)s, and %(last)s") % {"list": joined, "last": items[-1]}


def join_names(names: Sequence[str]) -> str:
    """Names in the order given, the list cut short after NAMES_SHOWN."""
    if len(names) <= NAMES_SHOWN:
        return join_words(names)
    hidden = len(names) - (NAMES_SHOWN - 1)
    others = ngettext("%(count)s other person", "%(count)s other people", hidden) % {
        "count": hidden
    }
    return join_words([*names[: NAMES_SHOWN - 1], others])


def need_words(need: Need) -> str:
    """A kind of help, quoted, for use inside a sentence."""
    return _("“%(need)s”") % {"need": need_label(need)}


def needs_words(needs: Iterable[Need]) -> str:
    """Kinds of help, quoted, in the order the vocabulary lists them."""
    order = {need: index for index, need in enumerate(Need)}
    return join_words([need_words(n) for n in sorted(needs, key=order.__getitem__)])


def _parts_plural(part: PartOfDay) -> str:
    return {
        PartOfDay.morning: _("mornings"),
        PartOfDay.afternoon: _("afternoons"),
        PartOfDay.evening: _("evenings"),
        PartOfDay.night: _("nights"),
    }[part]


def _day_ranges(days: Sequence[Day]) -> str:
    """Days in week order with runs of three or more shortened: 'Monday to Wednesday and
    Saturday'."""
    runs: list[list[Day]] = []
    for day in days:
        if runs and _DAYS.index(day) == _DAYS.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    items: list[str] = []
    for run in runs:
        if len(run) >= 3:
            items.append(
                _("%(first)s to %(last)s")
                % {"first": day_label(run[0]), "last": day_label(run[-1])}
            )
        else:
            items.extend(day_label(d) for d in run)
    return join_words(items)


def _times_phrase(days: Sequence[Day], parts: Sequence[PartOfDay]) -> str:
    """One group of slots sharing the same days: 'Monday to Friday evenings and nights'."""
    if len(days) == len(_DAYS):
        return _("every %(parts)s") % {"parts": join_words([part_of_day_label(p) for p in parts])}
    if len(days) == 1:
        return _("%(days)s %(parts)s") % {
            "days": day_label(days[0]),
            "parts": join_words([part_of_day_label(p) for p in parts]),
        }
    plural = join_words([_parts_plural(p) for p in parts])
    if tuple(days) == _WEEKEND:
        return _("weekend %(parts)s") % {"parts": plural}
    return _("%(days)s %(parts)s") % {"days": _day_ranges(days), "parts": plural}


def _whole_days_phrase(days: Sequence[Day]) -> str:
    if len(days) == len(_DAYS):
        return _("all week")
    if tuple(days) == _WEEKEND:
        return _("all weekend")
    return _("all day %(days)s") % {"days": _day_ranges(days)}


def describe_times(slots: Iterable[tuple[Day, PartOfDay]]) -> str:
    """Times of the week in a readable way: 'Monday to Friday evenings, and weekend nights'.

    Whole days are named as days; the other times are grouped by part of the day, and parts
    that fall on the same days share one phrase. Groups follow the week's order."""
    wanted = set(slots)
    whole = [d for d in _DAYS if all((d, p) in wanted for p in _PARTS)]
    groups: list[tuple[tuple[int, int], str]] = []
    if whole:
        groups.append(((_DAYS.index(whole[0]), 0), _whole_days_phrase(whole)))
    parts_by_days: dict[tuple[Day, ...], list[PartOfDay]] = {}
    for part in _PARTS:
        days = tuple(d for d in _DAYS if (d, part) in wanted and d not in whole)
        if days:
            parts_by_days.setdefault(days, []).append(part)
    for days, parts in parts_by_days.items():
        position = (_DAYS.index(days[0]), _PARTS.index(parts[0]))
        groups.append((position, _times_phrase(days, parts)))
    return join_groups([phrase for _position, phrase in sorted(groups)])
