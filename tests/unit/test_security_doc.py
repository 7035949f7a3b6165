"""docs/security.md names the tests that prove each promise; those tests must exist, so
the page cannot go on naming a proof that was renamed or deleted."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def _all_test_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(), flags=re.M))
    return names


def test_every_test_file_named_in_docs_security_md_exists():
    files = set(re.findall(r"`?(tests/[\w/]+(?:\.py)?)", DOC.read_text()))
    assert files, "the page names no test files"
    missing = sorted(f for f in files if not (ROOT / f).exists())
    assert missing == []


def test_every_test_named_in_docs_security_md_exists():
    named = set(re.findall(r"\b(test_\w+)`", DOC.read_text())) - {"test_"}
    named = {n for n in named if not n.endswith(".py")}
    assert len(named) > 20
    missing = sorted(named - _all_test_names())
    assert missing == []
