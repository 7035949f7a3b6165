"""The pictograms that ship with the app are safe, self-contained SVG drawings, each listed
in the index with alt text, and their labels follow the reader's language."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.support import NullTranslations

from fgdm import i18n
from fgdm.stories import pictograms
from fgdm.stories.pictograms import INDEX_FILE, PICTOGRAM_DIR, all_pictograms, get_pictogram

SVG_NS = "{http://www.w3.org/2000/svg}"
FILES = sorted(PICTOGRAM_DIR.glob("*.svg"))
# Plain drawing elements only: nothing that runs, embeds, links, animates or shows text.
DRAWING_ELEMENTS = {"svg", "g", "path", "circle", "ellipse", "rect", "line", "polyline", "polygon"}


def _index() -> list[dict[str, str]]:
    return json.loads(INDEX_FILE.read_text(encoding="utf-8"))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


@pytest.fixture(params=FILES, ids=lambda path: path.stem)
def svg(request) -> tuple[str, ET.Element]:
    path: Path = request.param
    text = path.read_text(encoding="utf-8")
    # The app's own files, and a test below refuses any DOCTYPE or entity in them.
    return text, ET.fromstring(text)  # noqa: S314


def test_at_least_forty_pictograms_ship_with_the_app():
    assert len(FILES) >= 40
    assert len(all_pictograms()) >= 40


def test_each_file_is_an_svg_drawing_on_a_64_square(svg):
    _, root = svg
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 64 64"


def test_no_file_has_a_doctype_or_entities(svg):
    text, _ = svg
    assert "<!DOCTYPE" not in text.upper()
    assert "<!ENTITY" not in text.upper()


def test_no_file_has_scripts_foreign_content_or_text(svg):
    _, root = svg
    tags = {_local(element.tag) for element in root.iter()}
    assert "script" not in tags
    assert "foreignObject" not in tags
    assert "text" not in tags
    assert tags <= DRAWING_ELEMENTS


def test_no_file_has_event_handlers_or_style(svg):
    text, root = svg
    for element in root.iter():
        for attribute in element.attrib:
            name = _local(attribute).lower()
            assert not name.startswith("on"), f"{name} on <{_local(element.tag)}>"
            assert name != "style"
    assert "style=" not in text


def test_no_file_refers_to_anything_outside_itself(svg):
    text, root = svg
    for element in root.iter():
        for attribute, value in element.attrib.items():
            if _local(attribute) == "href":
                assert value.startswith("#")
            assert "url(" not in value or value.startswith("url(#")
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    assert "data:" not in text


def test_every_file_is_in_the_index_and_every_entry_has_a_file():
    names_in_index = [entry["name"] for entry in _index()]
    assert len(names_in_index) == len(set(names_in_index))
    assert set(names_in_index) == {path.stem for path in FILES}


def test_names_are_lowercase_words_joined_by_hyphens():
    for entry in _index():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", entry["name"]), entry["name"]


def test_every_index_entry_has_alt_text():
    for entry in _index():
        assert set(entry) == {"name", "label"}
        assert entry["label"].strip()


def test_the_labels_are_marked_for_translation_in_the_same_order_as_the_index():
    assert tuple(entry["label"] for entry in _index()) == pictograms.LABELS


def test_the_list_follows_the_index_order_with_labels_in_the_current_language(monkeypatch):
    class Shouting(NullTranslations):
        def gettext(self, message: str) -> str:
            return message.upper()

    assert all_pictograms()[0].label == _index()[0]["label"]
    monkeypatch.setattr(i18n, "translations", lambda locale: Shouting())
    listed = all_pictograms()
    assert [p.name for p in listed] == [entry["name"] for entry in _index()]
    assert [p.label for p in listed] == [entry["label"].upper() for entry in _index()]


def test_a_pictogram_is_found_by_name_with_its_static_path():
    home = get_pictogram("home")
    assert home is not None
    assert home.label == "Home"
    assert home.static_path == "pictograms/home.svg"
    assert (PICTOGRAM_DIR / "home.svg").is_file()


@pytest.mark.parametrize("name", ["not-a-pictogram", "../index", "home.svg", "", "HOME"])
def test_an_unknown_name_finds_no_pictogram(name):
    assert get_pictogram(name) is None
