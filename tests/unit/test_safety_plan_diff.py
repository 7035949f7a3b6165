"""The safety plan's readable history: what changed between two saved versions."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fgdm.safety.plan_diff import Words, describe_changes, word_diff


def rule(rule_id: int, what: str, **parts: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "what": what,
        "who": parts.get("who", []),
        "when": parts.get("when", ""),
        "how_child_knows": parts.get("how_child_knows", ""),
        "if_broken": parts.get("if_broken", ""),
        "child_words": parts.get("child_words", ""),
        "pictogram": parts.get("pictogram", ""),
    }


def helper(person_id: int, name: str, knows: bool = False, does: str = "") -> dict[str, Any]:
    return {
        "person_id": person_id,
        "name": name,
        "what_they_do": does,
        "knows_the_worries": knows,
    }


def plan(rules=(), network=(), if_not_working: str = "") -> dict[str, Any]:
    return {"if_not_working": if_not_working, "rules": list(rules), "network": list(network)}


def shown(words: tuple[Words, ...]) -> list[tuple[str, str]]:
    return [(w.change, w.text) for w in words]


def test_an_unchanged_plan_has_no_changes():
    same = plan([rule(1, "Nan collects the children")], [helper(5, "Nan", knows=True)], "Ring")
    assert describe_changes(same, same) == []


def test_the_first_version_lists_each_part_of_each_rule_as_added():
    changes = describe_changes(
        None, plan([rule(1, "Nan collects the children", who=["Nan"], when="After school")])
    )
    assert {c.kind for c in changes} == {"added"}
    assert [c.field for c in changes] == ["What will happen", "Who does it", "When"]
    assert changes[0].subject == "Rule 1: “Nan collects the children”"
    assert shown(changes[2].words) == [("added", "After school")]


def test_a_changed_sentence_marks_only_the_words_that_changed():
    before = plan([rule(1, "Nan collects the children after school")])
    after = plan([rule(1, "Nan or Dev collects the children from school")])
    [change] = describe_changes(before, after)
    assert change.kind == "changed"
    assert change.field == "What will happen"
    assert shown(change.words) == [
        ("same", "Nan"),
        ("added", "or Dev"),
        ("same", "collects the children"),
        ("removed", "after"),
        ("added", "from"),
        ("same", "school"),
    ]


def test_a_person_added_to_a_rule_is_shown_as_a_whole_name():
    before = plan([rule(1, "Collect the children", who=["Nan"])])
    after = plan([rule(1, "Collect the children", who=["Dev", "Nan"])])
    [change] = describe_changes(before, after)
    assert change.field == "Who does it"
    assert shown(change.words) == [("added", "Dev"), ("same", "Nan")]


def test_a_removed_rule_is_named_with_its_old_number():
    before = plan([rule(1, "First"), rule(2, "Second")])
    after = plan([rule(1, "First")])
    [change] = describe_changes(before, after)
    assert (change.kind, change.subject) == ("removed", "Rule 2: “Second”")
    assert shown(change.words) == [("removed", "Second")]


def test_moving_one_rule_to_the_end_moves_only_that_rule():
    before = plan([rule(1, "A"), rule(2, "B"), rule(3, "C")])
    after = plan([rule(2, "B"), rule(3, "C"), rule(1, "A")])
    [change] = describe_changes(before, after)
    assert change.kind == "moved"
    assert change.subject == "Rule 3: “A”"
    assert shown(change.words) == [("same", "Was rule 1, now rule 3.")]


def test_the_childrens_picture_is_described_by_its_label():
    before = plan([rule(1, "A", pictogram="home")])
    after = plan([rule(1, "A", pictogram="school")])
    [change] = describe_changes(before, after)
    assert change.field == "Picture for the children"
    assert [w.change for w in change.words] == ["removed", "added"]
    assert "school" in change.words[1].text.lower()


def test_safety_network_changes_say_who_and_what():
    before = plan(network=[helper(5, "Nan"), helper(6, "Dev")])
    after = plan(network=[helper(5, "Nan", knows=True), helper(7, "Mrs Patel", does="Checks in")])
    changes = describe_changes(before, after)
    assert [(c.kind, c.subject, c.field) for c in changes] == [
        ("changed", "Nan (safety network)", "Knows the worries"),
        ("added", "Mrs Patel (safety network)", "What they will do"),
        ("added", "Mrs Patel (safety network)", "Knows the worries"),
        ("removed", "Dev (safety network)", "Knows the worries"),
    ]
    assert shown(changes[0].words) == [("removed", "Not yet"), ("added", "Yes")]


def test_what_happens_if_the_plan_is_not_working_is_compared_too():
    [change] = describe_changes(plan(if_not_working="Ring Sam"), plan(if_not_working="Ring Nan"))
    assert change.subject == "If the plan is not working"
    assert shown(change.words) == [("same", "Ring"), ("removed", "Sam"), ("added", "Nan")]


def test_a_long_rule_is_shortened_in_the_heading_but_not_in_the_words():
    long = "Nan " + "will collect the children every single day " * 5
    [*changes] = describe_changes(None, plan([rule(1, long.strip())]))
    assert changes[0].subject.endswith("…”")
    assert len(changes[0].subject) < 80
    assert changes[0].words[0].text == " ".join(long.split())


sentences = st.lists(st.sampled_from(["Nan", "Dev", "will", "collect", "the", "children"]))


@given(sentences, sentences)
def test_word_diff_keeps_every_word_of_both_versions_in_order(old, new):
    words = word_diff(" ".join(old), " ".join(new))
    kept_new = " ".join(w.text for w in words if w.change != "removed").split()
    kept_old = " ".join(w.text for w in words if w.change != "added").split()
    assert kept_new == new
    assert kept_old == old


def test_changes_to_one_rule_read_under_one_heading():
    from fgdm.safety.plan_diff import grouped

    before = plan([rule(1, "A", when="Mondays"), rule(2, "B")])
    after = plan([rule(2, "B", when="Fridays"), rule(1, "A", when="Tuesdays", who=["Nan"])])
    groups = grouped(describe_changes(before, after))
    assert [(g.kind, g.subject, len(g.changes)) for g in groups] == [
        ("changed", "Rule 1: “B”", 2),  # moved up, and its time changed
        ("changed", "Rule 2: “A”", 2),
    ]
    added = grouped(describe_changes(None, plan([rule(3, "C", when="Daily", who=["Nan"])])))
    assert [(g.kind, [c.field for c in g.changes]) for g in added] == [
        ("added", ["What will happen", "Who does it", "When"])
    ]
