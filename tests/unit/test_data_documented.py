"""docs/data.md explains every stored table and column, and nothing that is not stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import SQLModel

import fgdm.models  # noqa: F401  (imports every table into SQLModel.metadata)

DATA_MD = Path(__file__).resolve().parents[2] / "docs" / "data.md"
HEADER = ("Field", "What it holds", "Why it is needed")
# A cell boundary is a pipe that is not escaped as \|.
CELL_SPLIT = re.compile(r"(?<!\\)\|")
SEPARATOR = re.compile(r"^:?-{3,}:?$")
FIELD_NAME = re.compile(r"^`([A-Za-z_][A-Za-z0-9_]*)`$")


@dataclass
class Documented:
    """What a data.md-style document says: field rows per table, and rows it cannot read."""

    tables: dict[str, list[list[str]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def columns(self, table: str) -> list[str]:
        names = []
        for cells in self.tables[table]:
            match = FIELD_NAME.match(cells[0])
            if match:
                names.append(match.group(1))
        return names


def parse(text: str) -> Documented:
    """Reads `## table` headings and the rows of the Markdown table under each."""
    doc = Documented()
    table: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("## "):
            table = stripped[3:].strip()
            if table in doc.tables:
                doc.problems.append(f"line {number}: table {table!r} has two sections")
            doc.tables.setdefault(table, [])
            continue
        if not stripped.startswith("|"):
            continue
        cells = [c.strip() for c in CELL_SPLIT.split(stripped.strip("|"))]
        if all(SEPARATOR.match(c) for c in cells):
            continue
        if table is None:
            doc.problems.append(f"line {number}: a table row outside any `## table` section")
            continue
        if tuple(cells) == HEADER:
            continue
        doc.tables[table].append(cells)
        if len(cells) != 3:
            doc.problems.append(f"line {number} ({table}): {len(cells)} cells instead of 3")
        elif not FIELD_NAME.match(cells[0]):
            doc.problems.append(
                f"line {number} ({table}): the Field cell {cells[0]!r} is not a `column_name`"
            )
        elif not cells[1]:
            doc.problems.append(f"line {number} ({table}.{cells[0]}): 'What it holds' is empty")
        elif not cells[2]:
            doc.problems.append(f"line {number} ({table}.{cells[0]}): 'Why it is needed' is empty")
    for name in doc.tables:
        seen: set[str] = set()
        for column in doc.columns(name):
            if column in seen:
                doc.problems.append(f"{name}.{column} is explained twice")
            seen.add(column)
    return doc


def stored() -> dict[str, set[str]]:
    """Every table the app defines, with its columns."""
    return {t.name: {c.name for c in t.columns} for t in SQLModel.metadata.tables.values()}


def documented() -> Documented:
    return parse(DATA_MD.read_text(encoding="utf-8"))


def test_every_stored_column_is_explained_in_docs_data_md() -> None:
    doc = documented()
    missing = []
    for table, columns in sorted(stored().items()):
        if table not in doc.tables:
            missing.append(f"table {table} (no `## {table}` section)")
            continue
        missing += [f"{table}.{c}" for c in sorted(columns - set(doc.columns(table)))]
    assert not missing, (
        "docs/data.md does not say why these are stored; add a row saying what each one "
        "holds and why it is needed:\n  " + "\n  ".join(missing)
    )


def test_docs_data_md_explains_only_tables_and_columns_that_exist() -> None:
    doc = documented()
    schema = stored()
    gone = []
    for table in sorted(doc.tables):
        if table not in schema:
            gone.append(f"table {table}")
            continue
        gone += [f"{table}.{c}" for c in sorted(set(doc.columns(table)) - schema[table])]
    assert not gone, (
        "docs/data.md explains these, but the app does not store them (renamed or removed?):"
        "\n  " + "\n  ".join(gone)
    )


def test_every_row_of_docs_data_md_says_what_it_holds_and_why_it_is_needed() -> None:
    doc = documented()
    assert doc.tables, "docs/data.md has no `## table` sections"
    empty = [f"table {t} lists no fields" for t, rows in sorted(doc.tables.items()) if not rows]
    assert not doc.problems + empty, "docs/data.md:\n  " + "\n  ".join(doc.problems + empty)


def test_the_check_reads_fields_under_their_table_and_flags_rows_without_a_reason() -> None:
    doc = parse(
        "# Title\n\nSome text | with a pipe.\n\n"
        "## person\n\nPurpose.\n\n"
        "| Field | What it holds | Why it is needed |\n| --- | --- | --- |\n"
        "| `known_as` | A name. Personal data. | Shown where the person appears. |\n"
        "| `area` | A town \\| district. | |\n\n"
        "## team\n\n| Field | What it holds | Why it is needed |\n| --- | --- | --- |\n"
        "| name | The team's name. | Shown to admins. |\n"
    )
    assert doc.columns("person") == ["known_as", "area"]
    assert doc.columns("team") == []
    assert doc.problems == [
        "line 12 (person.`area`): 'Why it is needed' is empty",
        "line 18 (team): the Field cell 'name' is not a `column_name`",
    ]
