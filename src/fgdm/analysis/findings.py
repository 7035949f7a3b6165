"""What the gap analysis finds in the village around the child: a code, how serious it is,
who is involved, and plain words to explain it and to ask the family about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from fgdm.network.vocabulary import Need


class Severity(IntEnum):
    """How much a finding matters for the child's safety; compared in this order."""

    info = 1
    warning = 2
    serious = 3


class FindingCode(StrEnum):
    """The kinds of gap the analysis can find (gaps.py explains each rule)."""

    too_few_trusted_adults = "too_few_trusted_adults"
    single_link = "single_link"
    need_uncovered = "need_uncovered"
    need_single_provider = "need_single_provider"
    need_not_sure = "need_not_sure"
    time_uncovered = "time_uncovered"
    overloaded = "overloaded"
    worry_in_safety_role = "worry_in_safety_role"
    only_professionals = "only_professionals"
    no_own_community = "no_own_community"
    nobody_near = "nobody_near"
    conflict_in_need = "conflict_in_need"
    rule_without_person = "rule_without_person"
    does_not_know_the_worries = "does_not_know_the_worries"
    action_without_person = "action_without_person"


@dataclass(frozen=True)
class Finding:
    """One gap in the network, explained for the family and with a question to ask them."""

    code: FindingCode
    severity: Severity
    people: tuple[int, ...]  # ids of the people involved, sorted
    explanation: str
    question: str
    need: Need | None = None
    rule_id: int | None = None  # the safety plan rule a rule_without_person is about
    action_id: int | None = None  # the family plan action an action_without_person is about

    def sort_key(self) -> tuple[int, str, tuple[int, ...], str, bool, int, int, str, str]:
        """Serious first, then by code and people; the texts only break exact ties."""
        return (
            -self.severity,
            self.code.value,
            self.people,
            self.need.value if self.need else "",
            self.rule_id is not None,
            self.rule_id or 0,
            self.action_id or 0,
            self.explanation,
            self.question,
        )


def in_order(findings: list[Finding]) -> list[Finding]:
    """The findings in the one order every page shows, whatever order they were found in."""
    return sorted(findings, key=Finding.sort_key)
