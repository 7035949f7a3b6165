"""The pictograms that ship with the app, for the pages of a words-and-pictures story."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fgdm.i18n import gettext as _

PICTOGRAM_DIR = Path(__file__).resolve().parent.parent / "static" / "pictograms"
INDEX_FILE = PICTOGRAM_DIR / "index.json"


def N_(message: str) -> str:  # noqa: N802 - Babel's default keyword for "translate later"
    """Marks a message for translation without translating it now."""
    return message


# The labels from index.json again, so that pybabel extract finds them; a test keeps the
# two the same.
LABELS: tuple[str, ...] = (
    N_("A child"),
    N_("A baby"),
    N_("Mum"),
    N_("Dad"),
    N_("A grandparent"),
    N_("A family"),
    N_("A friend"),
    N_("A teacher"),
    N_("A social worker"),
    N_("A police officer"),
    N_("A doctor"),
    N_("A nurse"),
    N_("Home"),
    N_("School"),
    N_("Hospital"),
    N_("Police station"),
    N_("Park"),
    N_("Car"),
    N_("Bus"),
    N_("A worry"),
    N_("Happy"),
    N_("Sad"),
    N_("Angry"),
    N_("Scared"),
    N_("Love"),
    N_("Safe"),
    N_("Talk"),
    N_("Listen"),
    N_("Phone"),
    N_("Calendar"),
    N_("Clock"),
    N_("Bed"),
    N_("Food"),
    N_("Medicine"),
    N_("Baby bottle"),
    N_("Locked door"),
    N_("A rule"),
    N_("Star"),
    N_("Sun"),
    N_("Night"),
    N_("Rain"),
    N_("A hug"),
    N_("Helping hands"),
    N_("A question"),
)


@dataclass(frozen=True, slots=True)
class Pictogram:
    """One pictogram: its file name (without .svg) and its alt text in the current language."""

    name: str
    label: str

    @property
    def static_path(self) -> str:
        """The path under /static, for url_for("static", path=...)."""
        return f"pictograms/{self.name}.svg"


@cache
def _index() -> tuple[tuple[str, str], ...]:
    """The index file, read once: (name, English label) pairs in display order."""
    entries = json.loads(INDEX_FILE.read_text(encoding="utf-8"))
    return tuple((entry["name"], entry["label"]) for entry in entries)


def all_pictograms() -> list[Pictogram]:
    """Every pictogram in display order, with its label in the current language."""
    return [Pictogram(name=name, label=_(label)) for name, label in _index()]


def get_pictogram(name: str) -> Pictogram | None:
    """The pictogram with this name, or None if the app has no such pictogram."""
    for entry_name, label in _index():
        if entry_name == name:
            return Pictogram(name=entry_name, label=_(label))
    return None
