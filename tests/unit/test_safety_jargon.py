"""The plain-words check for danger statements and safety goals."""

from __future__ import annotations

import pytest

from fgdm.safety.jargon import find_jargon


def test_finds_a_jargon_word_whatever_its_case():
    assert find_jargon("There is NEGLECT at home") == ["neglect"]
    assert find_jargon("Chaotic home") == ["chaotic"]


def test_finds_multi_word_phrases_across_spaces_line_breaks_and_hyphens():
    assert find_jargon("ongoing domestic\nviolence") == ["domestic violence"]
    assert find_jargon("Risk  factors include it") == ["risk factors"]
    assert find_jargon("Mum shows disguised-compliance") == ["disguised compliance"]


def test_names_each_term_once_in_the_order_it_appears():
    text = "Substance misuse, neglect, more substance misuse and the toxic trio."
    assert find_jargon(text) == ["substance misuse", "neglect", "toxic trio"]


def test_a_longer_term_wins_over_the_word_inside_it():
    assert find_jargon("a chaotic lifestyle") == ["chaotic lifestyle"]
    assert find_jargon("the children were neglected") == ["neglected"]


@pytest.mark.parametrize(
    "plain",
    [
        "The risk is negligible",
        "Dad drinks until he falls asleep and Amir (4) is left alone at night.",
        "Mum hits Dad when they argue; the children could be hurt.",
        "neglectfulness of a garden",  # a longer word is not the label
        "engagement party",
        "",
    ],
)
def test_plain_words_are_not_flagged(plain):
    assert find_jargon(plain) == []


def test_non_engagement_is_found_with_or_without_the_hyphen():
    assert find_jargon("non-engagement") == ["non-engagement"]
    assert find_jargon("Non engagement with services") == ["non-engagement"]
