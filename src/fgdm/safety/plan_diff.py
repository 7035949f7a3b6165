"""What changed between two saved versions of a family's safety plan, in plain words: which
rule or helper, which part of it, and word by word what was added and taken out. Pure: it
reads the plain content kept with each revision, so the history still reads the same after
people leave the network."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fgdm.i18n import gettext as _
from fgdm.stories.pictograms import get_pictogram

ChangeKind = Literal["added", "removed", "changed", "moved"]
WordChange = Literal["same", "added", "removed"]

RULE_FIELDS = ("what", "who", "when", "how_child_knows", "if_broken", "child_words", "pictogram")
NETWORK_FIELDS = ("what_they_do", "knows_the_worries")


def field_labels() -> dict[str, str]:
    """The family's words for each part of a rule or a helper."""
    return {
        "what": _("What will happen"),
        "who": _("Who does it"),
        "when": _("When"),
        "how_child_knows": _("How the children will know"),
        "if_broken": _("If this does not happen"),
        "child_words": _("Words for the children"),
        "pictogram": _("Picture for the children"),
        "what_they_do": _("What they will do"),
        "knows_the_worries": _("Knows the worries"),
        "if_not_working": _("What we do if the plan is not working"),
    }


class _Labels(Mapping[str, str]):
    """field_labels() looked up when read, so each reader gets their own language."""

    def __getitem__(self, key: str) -> str:
        return field_labels()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(field_labels())

    def __len__(self) -> int:
        return len(field_labels())


FIELD_LABELS: Mapping[str, str] = _Labels()


@dataclass(frozen=True)
class Words:
    """A run of words that stayed, were added or were taken out."""

    text: str
    change: WordChange


@dataclass(frozen=True)
class Change:
    """One thing that changed: a whole rule or helper added or removed, a rule moved, or one
    part of it changed (then `words` shows how)."""

    kind: ChangeKind
    subject: str
    field: str = ""
    words: tuple[Words, ...] = ()


def word_diff(before: str, after: str) -> tuple[Words, ...]:
    """The words of `after`, with what was taken out of `before` in between, marked."""
    return _token_diff(re.findall(r"\S+", before), re.findall(r"\S+", after), " ")


def _token_diff(old: list[str], new: list[str], joiner: str) -> tuple[Words, ...]:
    runs: list[Words] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(Words(joiner.join(new[b1:b2]), "same"))
            continue
        if op in ("delete", "replace"):
            runs.append(Words(joiner.join(old[a1:a2]), "removed"))
        if op in ("insert", "replace"):
            runs.append(Words(joiner.join(new[b1:b2]), "added"))
    return tuple(runs)


def _diff(name: str, before: Any, after: Any) -> tuple[Words, ...]:
    if isinstance(before, list) or isinstance(after, list):
        # People are whole names: "Nan" stays, "Dev" is added, not "Nan" → "Nan, Dev".
        return _token_diff([str(v) for v in before or []], [str(v) for v in after or []], ", ")
    return word_diff(_as_text(name, before), _as_text(name, after))


def _as_text(name: str, value: Any) -> str:
    if name == "knows_the_worries":
        return _("Yes") if value else _("Not yet")
    if name == "pictogram" and value:
        picture = get_pictogram(str(value))
        return picture.label if picture else str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _rule_subject(number: int, rule: dict[str, Any]) -> str:
    return _("Rule %(number)s: “%(what)s”") % {
        "number": number,
        "what": _short(str(rule.get("what", ""))),
    }


def _helper_subject(member: dict[str, Any]) -> str:
    return _("%(name)s (safety network)") % {"name": member.get("name", "")}


def _field_changes(
    subject: str, fields: tuple[str, ...], old: dict[str, Any], new: dict[str, Any]
) -> list[Change]:
    labels = field_labels()
    changes = []
    for name in fields:
        if _as_text(name, old.get(name)) != _as_text(name, new.get(name)):
            changes.append(
                Change("changed", subject, labels[name], _diff(name, old.get(name), new.get(name)))
            )
    return changes


def _whole(
    kind: ChangeKind, subject: str, fields: tuple[str, ...], item: dict[str, Any]
) -> list[Change]:
    """An added or removed rule or helper, with each part it had, all added or removed."""
    labels = field_labels()
    change: WordChange = "added" if kind == "added" else "removed"
    return [
        Change(kind, subject, labels[name], (Words(_as_text(name, item.get(name)), change),))
        for name in fields
        if _as_text(name, item.get(name))
    ] or [Change(kind, subject)]


def _moved(old_order: list[int], new_order: list[int]) -> set[int]:
    """The rules that changed place: those outside the longest run kept in the same order
    (moving one rule to the end moves that rule, not all the others)."""
    matcher = difflib.SequenceMatcher(a=old_order, b=new_order, autojunk=False)
    kept = {
        rid
        for block in matcher.get_matching_blocks()
        for rid in old_order[block.a : block.a + block.size]
    }
    return set(new_order) - kept


def describe_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """Every change from one saved plan to the next (or from nothing to the first), in the
    order the plan reads: rules, then the safety network, then what happens if the plan is
    not working."""
    before = before or {"if_not_working": "", "rules": [], "network": []}
    changes: list[Change] = []

    old_rules = {r["id"]: (i, r) for i, r in enumerate(before.get("rules", []), start=1)}
    new_rules = {r["id"]: (i, r) for i, r in enumerate(after.get("rules", []), start=1)}
    moved = _moved(
        [rid for rid in old_rules if rid in new_rules],
        [rid for rid in new_rules if rid in old_rules],
    )
    for rid, (number, rule) in new_rules.items():
        subject = _rule_subject(number, rule)
        if rid not in old_rules:
            changes += _whole("added", subject, RULE_FIELDS, rule)
            continue
        old_number, old_rule = old_rules[rid]
        if rid in moved:
            changes.append(
                Change(
                    "moved",
                    subject,
                    words=(
                        Words(
                            _("Was rule %(old)s, now rule %(new)s.")
                            % {"old": old_number, "new": number},
                            "same",
                        ),
                    ),
                )
            )
        changes += _field_changes(subject, RULE_FIELDS, old_rule, rule)
    for rid, (number, rule) in old_rules.items():
        if rid not in new_rules:
            changes += _whole("removed", _rule_subject(number, rule), RULE_FIELDS, rule)

    old_people = {m["person_id"]: m for m in before.get("network", [])}
    new_people = {m["person_id"]: m for m in after.get("network", [])}
    for pid, member in new_people.items():
        if pid not in old_people:
            changes += _whole("added", _helper_subject(member), NETWORK_FIELDS, member)
        else:
            changes += _field_changes(
                _helper_subject(member), NETWORK_FIELDS, old_people[pid], member
            )
    for pid, member in old_people.items():
        if pid not in new_people:
            changes += _whole("removed", _helper_subject(member), NETWORK_FIELDS, member)

    old_text, new_text = before.get("if_not_working", ""), after.get("if_not_working", "")
    if old_text != new_text:
        changes.append(
            Change(
                "changed",
                _("If the plan is not working"),
                field_labels()["if_not_working"],
                word_diff(old_text, new_text),
            )
        )
    return changes


@dataclass(frozen=True)
class ChangeGroup:
    """The changes to one rule or helper, shown under one heading."""

    kind: ChangeKind
    subject: str
    changes: tuple[Change, ...]


def grouped(changes: list[Change]) -> list[ChangeGroup]:
    """Changes next to each other about the same rule or helper, under one heading (a rule
    added with five parts reads as one added rule, not five)."""
    groups: list[ChangeGroup] = []
    for change in changes:
        last = groups[-1] if groups else None
        if last is not None and last.subject == change.subject:
            kind = last.kind if last.kind == change.kind else "changed"
            groups[-1] = ChangeGroup(kind, last.subject, (*last.changes, change))
        else:
            groups.append(ChangeGroup(change.kind, change.subject, (change,)))
    return groups
