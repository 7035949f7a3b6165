"""What changed between two saved versions of a family plan, in plain words: which goal,
action or request, which part of it, and word by word what was added and taken out. Pure:
it reads the plain content kept with each revision. The word-by-word machinery is the
safety plan's (safety/plan_diff.py); this module only knows the family plan's parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fgdm.i18n import gettext as _
from fgdm.safety.plan_diff import Change, ChangeGroup, Words, _moved, _short, grouped, word_diff
from fgdm.safety.plan_diff import _diff as _parts_diff

__all__ = ["Change", "ChangeGroup", "Words", "describe_changes", "field_labels", "grouped"]

GOAL_FIELDS = ("text", "child_words")
ACTION_FIELDS = ("what", "who", "by_when", "due_date", "how_we_know", "goal")
REQUEST_FIELDS = ("what_we_ask", "of_whom", "answer", "answer_reason")
SECTIONS = ("what_we_want", "if_things_go_wrong", "people_to_call", "review_date")


def field_labels() -> dict[str, str]:
    """The family's words for each part of the plan."""
    return {
        "what_we_want": _("What we want for the children"),
        "if_things_go_wrong": _("What we will do if things go wrong"),
        "people_to_call": _("People to call"),
        "review_date": _("When we will look at the plan again"),
        "text": _("The goal"),
        "child_words": _("Words for the children"),
        "what": _("What will be done"),
        "who": _("Who will do it"),
        "by_when": _("By when"),
        "due_date": _("Date"),
        "how_we_know": _("How we will know it happened"),
        "goal": _("Which goal it is for"),
        "what_we_ask": _("What we ask for"),
        "of_whom": _("Who we ask"),
        "answer": _("The answer"),
        "answer_reason": _("Why"),
    }


def answer_labels() -> dict[str, str]:
    """The answers services can give, in plain words."""
    return {
        "waiting": _("Waiting for an answer"),
        "agreed": _("Agreed"),
        "not_agreed": _("Not agreed"),
        "referred_on": _("Passed on to someone else"),
    }


def _text(name: str, value: Any) -> str:
    if name == "answer":
        return answer_labels().get(str(value or ""), str(value or ""))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "")


def _words(name: str, before: Any, after: Any) -> tuple[Words, ...]:
    if name == "answer":
        return word_diff(_text(name, before), _text(name, after))
    return _parts_diff(name, before, after)


def _list_changes(
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    fields: tuple[str, ...],
    subject: Callable[[int, dict[str, Any]], str],
    moved_words: str,
) -> list[Change]:
    """Added, removed, moved and changed items of one list (goals, actions or requests)."""
    labels = field_labels()
    old = {item["id"]: (i, item) for i, item in enumerate(before, start=1)}
    new = {item["id"]: (i, item) for i, item in enumerate(after, start=1)}
    moved = _moved([i for i in old if i in new], [i for i in new if i in old])
    changes: list[Change] = []

    def whole(kind: str, title: str, item: dict[str, Any]) -> list[Change]:
        mark = "added" if kind == "added" else "removed"
        return [
            Change(kind, title, labels[name], (Words(_text(name, item.get(name)), mark),))  # type: ignore[arg-type]
            for name in fields
            if _text(name, item.get(name))
        ] or [Change(kind, title)]  # type: ignore[arg-type]

    for item_id, (number, item) in new.items():
        title = subject(number, item)
        if item_id not in old:
            changes += whole("added", title, item)
            continue
        old_number, old_item = old[item_id]
        if item_id in moved:
            words = moved_words % {"old": old_number, "new": number}
            changes.append(Change("moved", title, words=(Words(words, "same"),)))
        for name in fields:
            if _text(name, old_item.get(name)) != _text(name, item.get(name)):
                changes.append(
                    Change(
                        "changed",
                        title,
                        labels[name],
                        _words(name, old_item.get(name), item.get(name)),
                    )
                )
    for item_id, (number, item) in old.items():
        if item_id not in new:
            changes += whole("removed", subject(number, item), item)
    return changes


def _section(before: dict[str, Any], after: dict[str, Any], name: str) -> list[Change]:
    old, new = str(before.get(name, "") or ""), str(after.get(name, "") or "")
    if old == new:
        return []
    label = field_labels()[name]
    return [Change("changed", label, label, word_diff(old, new))]


def describe_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    """Every change from one saved plan to the next (or from nothing to the first), in the
    order the plan reads."""
    before = before or {}
    return [
        *_section(before, after, "what_we_want"),
        *_list_changes(
            before.get("goals", []),
            after.get("goals", []),
            GOAL_FIELDS,
            lambda n, g: (
                _("Goal %(number)s: “%(text)s”") % {"number": n, "text": _short(g["text"])}
            ),
            _("Was goal %(old)s, now goal %(new)s."),
        ),
        *_list_changes(
            before.get("actions", []),
            after.get("actions", []),
            ACTION_FIELDS,
            lambda n, a: (
                _("Action %(number)s: “%(text)s”") % {"number": n, "text": _short(a["what"])}
            ),
            _("Was action %(old)s, now action %(new)s."),
        ),
        *_section(before, after, "if_things_go_wrong"),
        *_list_changes(
            before.get("requests", []),
            after.get("requests", []),
            REQUEST_FIELDS,
            lambda n, r: _("We ask: “%(text)s”") % {"text": _short(r["what_we_ask"])},
            _("Was number %(old)s, now number %(new)s."),
        ),
        *_section(before, after, "people_to_call"),
        *_section(before, after, "review_date"),
    ]
