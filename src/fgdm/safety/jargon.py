"""The plain-words check for danger statements and safety goals (Signs of Safety): finds
professional jargon and labels, so the page can suggest saying what the adult does and
what could happen to the child instead. It warns; it never blocks saving."""

from __future__ import annotations

import re

# Labels and professional shorthand a parent cannot picture. Longer phrases first, so
# "domestic violence" is named as a phrase, not as two words.
JARGON: tuple[str, ...] = (
    "disguised compliance",
    "non-engagement",
    "lack of engagement",
    "risk factors",
    "risk factor",
    "protective factors",
    "substance misuse",
    "substance abuse",
    "domestic violence",
    "domestic abuse",
    "safeguarding concerns",
    "safeguarding concern",
    "toxic trio",
    "neglect",
    "neglectful",
    "neglected",
    "chaotic",
    "chaotic lifestyle",
    "emotional abuse",
    "parental capacity",
    "inappropriate",
    "concerns around",
    "significant harm",
    "failure to thrive",
    "hostile",
    "uncooperative",
    "volatile",
)


def _pattern(term: str) -> str:
    # Whole words only, any run of spaces or hyphens between the words of a phrase.
    words = re.split(r"[\s\-]+", term)
    return r"(?<![\w-])" + r"[\s\-]+".join(re.escape(w) for w in words) + r"(?![\w-])"


_CHECKS = sorted(
    ((term, re.compile(_pattern(term), re.IGNORECASE)) for term in JARGON),
    key=lambda pair: len(pair[0]),
    reverse=True,
)


def find_jargon(text: str) -> list[str]:
    """The jargon terms in the text, each once, in the order they first appear. A word
    inside a longer term already found (neglect in "neglected") is not named again."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for term, check in _CHECKS:
        for match in check.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            if term not in (t for _, t in found):
                found.append((start, term))
    found.sort()
    return [term for _, term in found]
