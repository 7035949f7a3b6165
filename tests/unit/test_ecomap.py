"""The ecomap: the drawing of the village around the child, checked by what a reader of
the SVG sees: who is where, how lines look, what the title and description say."""

from __future__ import annotations

import itertools
import math
import random
import re
import xml.etree.ElementTree as ET

import pytest

from fgdm.analysis.snapshot import PersonNode, Snapshot, Tie
from fgdm.network.ecomap import layout, shorten
from fgdm.network.ecomap import render_ecomap as _render_ecomap
from fgdm.network.vocabulary import Closeness, PersonKind
from fgdm.web import TEMPLATE_DIR

SVG = "{http://www.w3.org/2000/svg}"
CHAR_WIDTH = 0.6  # of the font size, for the approximate width of a label

NAMES = (
    "Mum", "Dad", "Nan", "Grandad Joe", "Uncle Dev", "Auntie Samira", "Cousin Lily",
    "Mrs Okafor", "Mr Khan next door", "Imam Yusuf", "Coach Rita", "Ms Brown (teacher)",
    "Dr Ahmed", "Health visitor Jo", "Social worker Kim", "Food bank", "Pastor Grace",
    "Mia", "Tom", "Great Nan Rose",
)  # fmt: skip
CLOSENESS_MIX = (
    Closeness.close,
    Closeness.some_contact,
    Closeness.close,
    Closeness.distant,
    Closeness.some_contact,
    Closeness.conflict,
    Closeness.no_contact,
)


def network(size: int, *, children: tuple[str, ...] = ("Aisha",)) -> Snapshot:
    """A child and `size` people of every kind and closeness, some knowing each other."""
    kinds = list(PersonKind)
    people = [PersonNode(id=i + 1, name=name, is_child=True) for i, name in enumerate(children)]
    ties = []
    for i in range(size):
        person_id = 100 + i
        name = NAMES[i % len(NAMES)] + (f" {i}" if i >= len(NAMES) else "")
        people.append(PersonNode(id=person_id, name=name, kind=kinds[(i * 5) % len(kinds)]))
        if i % 10 != 9:  # a few people are linked only through others
            ties.append(Tie(1, person_id, CLOSENESS_MIX[i % len(CLOSENESS_MIX)]))
        if i % 4 == 3:
            ties.append(Tie(person_id, person_id - 2, Closeness.some_contact))
    return Snapshot(people=tuple(people), ties=tuple(ties))


def render_ecomap(snapshot: Snapshot, **options) -> str:
    """The SVG text a page gets for this network map."""
    return str(_render_ecomap(snapshot, **options))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the app's own output, parsed to check it


def people_in(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "ecomap__person" in g.get("class", "").split()]


def node_of(person: ET.Element) -> ET.Element:
    return next(c for c in person.iter(f"{SVG}circle") if "ecomap__node" in c.get("class", ""))


def label_of(person: ET.Element) -> ET.Element:
    return next(t for t in person.iter(f"{SVG}text") if "ecomap__label" in t.get("class", ""))


def label_box(text: ET.Element, font_size: float) -> tuple[float, float, float, float]:
    """Left, top, right, bottom of a centred label, from its baseline."""
    assert text.get("text-anchor") == "middle"
    x, y = float(text.get("x")), float(text.get("y"))
    half = CHAR_WIDTH * font_size * len(text.text) / 2
    return x - half, y - font_size, x + half, y + 0.25 * font_size


def boxes_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def lines_in(root: ET.Element, closeness: Closeness) -> list[ET.Element]:
    wanted = f"ecomap__line--{closeness.value}"
    lines = root.find(f"{SVG}g[@class='ecomap__lines']")
    return [p for p in lines.iter(f"{SVG}path") if wanted in p.get("class", "").split()]


def path_points(path: ET.Element) -> int:
    return sum(1 for part in path.get("d").replace("M", "L").split("L") if part.strip())


def test_same_network_in_any_order_gives_the_same_drawing_byte_for_byte():
    snapshot = network(30)
    shuffler = random.Random(7)
    people, ties = list(snapshot.people), list(snapshot.ties)
    shuffler.shuffle(people)
    shuffler.shuffle(ties)
    # The same ties written the other way round are the same relationships.
    flipped = [Tie(t.b, t.a, t.closeness, t.kind) for t in ties]
    reordered = Snapshot(people=tuple(people), ties=tuple(flipped))

    first = render_ecomap(snapshot, title_name="Aisha")
    assert render_ecomap(reordered, title_name="Aisha") == first
    assert render_ecomap(snapshot, title_name="Aisha") == first


def test_every_person_appears_once_with_a_short_label_and_their_full_name_in_a_tooltip():
    snapshot = network(25)
    root = parse(render_ecomap(snapshot, title_name="Aisha"))
    drawn = people_in(root)

    assert sorted(int(g.get("data-person-id")) for g in drawn) == sorted(
        p.id for p in snapshot.people
    )
    by_id = {int(g.get("data-person-id")): g for g in drawn}
    for person in snapshot.people:
        group = by_id[person.id]
        assert group.find(f"{SVG}title").text.startswith(person.name)
        assert label_of(group).text == shorten(person.name)
    assert label_of(by_id[111]).text == "Ms Brown (t…"  # "Ms Brown (teacher)"
    assert (
        by_id[111].find(f"{SVG}title").text
        == "Ms Brown (teacher) (Voluntary organisation, Some contact)"
    )
    assert all(len(label_of(g).text) <= 12 for g in drawn)


def test_line_styles_differ_by_width_dashes_or_shape_not_only_colour():
    people = [PersonNode(id=1, name="Aisha", is_child=True)]
    ties = []
    for i, closeness in enumerate(Closeness, start=10):
        people.append(PersonNode(id=i, name=f"Person {i}"))
        ties.append(Tie(1, i, closeness))
    root = parse(render_ecomap(Snapshot(tuple(people), tuple(ties)), title_name="Aisha"))

    styles = {}
    for closeness in Closeness:
        (line,) = lines_in(root, closeness)
        styles[closeness] = (
            float(line.get("stroke-width")),
            line.get("stroke-dasharray", ""),
            line.get("stroke-linecap"),
            path_points(line) > 2,
        )
    assert len(set(styles.values())) == len(Closeness)
    assert styles[Closeness.close][0] > styles[Closeness.some_contact][0]  # thick solid
    assert styles[Closeness.some_contact][1:] == ("", "butt", False)  # thin solid
    assert styles[Closeness.distant][1] != ""  # dashed
    assert styles[Closeness.conflict][3] is True  # a zig-zag path
    assert styles[Closeness.no_contact][1:3] == ("0.1 5", "round")  # dots


def test_the_key_shows_every_line_style_in_words():
    root = parse(render_ecomap(network(8), title_name="Aisha"))
    legend = root.find(f"{SVG}g[@class='ecomap__legend']")
    words = [t.text for t in legend.iter(f"{SVG}text")]

    for label in ("Close", "Some contact", "Distant", "Conflict", "No contact"):
        assert label in words
    assert "Nearer the middle means closer to Aisha." in words
    samples = [p.get("class") for p in legend.iter(f"{SVG}path")]
    assert len(samples) == len(Closeness)


def test_title_and_description_name_the_child_and_count_people_by_closeness():
    people = [PersonNode(id=1, name="Aisha", is_child=True)]
    ties = []
    for i, closeness in enumerate(
        [Closeness.close] * 4 + [Closeness.some_contact] * 2 + [Closeness.conflict], start=10
    ):
        people.append(PersonNode(id=i, name=f"Person {i}"))
        ties.append(Tie(i, 1, closeness))
    root = parse(render_ecomap(Snapshot(tuple(people), tuple(ties)), title_name="Aisha"))

    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text == "Network map for Aisha"
    assert desc.text == (
        "Aisha is in the middle. 4 people are close, 2 people have some contact, "
        "1 person is in conflict."
    )


def test_description_counts_people_not_linked_to_the_children_and_names_all_children():
    snapshot = Snapshot(
        people=(
            PersonNode(id=1, name="Aisha", is_child=True),
            PersonNode(id=2, name="Sam", is_child=True),
            PersonNode(id=3, name="Nan"),
            PersonNode(id=4, name="Nan's friend"),
        ),
        ties=(Tie(1, 3, Closeness.distant), Tie(2, 3, Closeness.close), Tie(3, 4, Closeness.close)),
    )
    desc = parse(render_ecomap(snapshot, title_name="Aisha and Sam")).find(f"{SVG}desc")

    assert desc.text == (
        "Aisha and Sam are in the middle. 1 person is close, "
        "1 person is not linked to the children directly."
    )


def test_a_map_with_only_the_child_says_nobody_else_is_on_it():
    snapshot = Snapshot(people=(PersonNode(id=1, name="Aisha", is_child=True),))
    root = parse(render_ecomap(snapshot, title_name="Aisha"))

    assert root.find(f"{SVG}desc").text == "Aisha is in the middle. Nobody else is on the map yet."
    assert len(people_in(root)) == 1


def test_sixty_people_on_a_phone_neither_overlap_nor_shrink_their_names_below_11px():
    root = parse(render_ecomap(network(60), title_name="Aisha"))
    view_width = float(root.get("viewBox").split()[2])
    font_size = float(root.get("font-size"))
    drawn = people_in(root)
    assert len(drawn) == 61

    # Shown 360 px wide, the names keep at least 11 px.
    assert font_size * 360 / view_width >= 11
    circles = [
        (float(c.get("cx")), float(c.get("cy")), float(c.get("r"))) for c in map(node_of, drawn)
    ]
    for (x1, y1, r1), (x2, y2, r2) in itertools.combinations(circles, 2):
        assert math.hypot(x1 - x2, y1 - y2) >= r1 + r2
    labels = [label_box(label_of(g), font_size) for g in drawn]
    for a, b in itertools.combinations(labels, 2):
        assert not boxes_overlap(a, b), (a, b)
    node_boxes = [(x - r, y - r, x + r, y + r) for x, y, r in circles]
    for label, node in itertools.product(labels, node_boxes):
        assert not boxes_overlap(label, node)
    assert all(box[0] >= 0 and box[2] <= view_width for box in labels)


def test_the_drawing_grows_taller_with_more_people_but_keeps_its_width():
    small, large = layout(network(8)), layout(network(60))

    assert small.width == large.width == 360
    assert large.height > small.height


def test_the_child_is_in_the_middle_of_the_rings():
    root = parse(render_ecomap(network(20), title_name="Aisha"))
    child = next(g for g in people_in(root) if g.get("data-person-id") == "1")
    ring = next(e for e in root.iter(f"{SVG}ellipse") if e.get("class") == "ecomap__ring")
    view_width = float(root.get("viewBox").split()[2])

    assert "ecomap__person--child" in child.get("class")
    node = node_of(child)
    assert float(node.get("cx")) == view_width / 2 == float(ring.get("cx"))
    assert float(node.get("cy")) == float(ring.get("cy"))


def test_closer_people_sit_nearer_the_middle_by_their_nearest_child():
    snapshot = network(40, children=("Aisha", "Sam"))
    # Sam is close to someone Aisha hardly sees: they belong on the close band.
    snapshot = Snapshot(people=snapshot.people, ties=(*snapshot.ties, Tie(2, 103, Closeness.close)))
    drawing = layout(snapshot)
    ring = drawing.rings[0]
    stretch = ring.ry / ring.rx

    def spread(person_x: float, person_y: float) -> float:
        return math.hypot(person_x - drawing.cx, (person_y - drawing.cy) / stretch)

    by_band: dict[int, list[float]] = {}
    band_of = {
        Closeness.close: 0,
        Closeness.some_contact: 1,
        Closeness.distant: 2,
        Closeness.conflict: 3,
        Closeness.no_contact: 3,
        None: 3,
    }
    for person in drawing.people:
        if not person.is_child:
            by_band.setdefault(band_of[person.closeness], []).append(spread(person.x, person.y))
    for inner, outer in itertools.pairwise(sorted(by_band)):
        assert max(by_band[inner]) < min(by_band[outer])
    nearest = next(p for p in drawing.people if p.id == 103)
    assert nearest.closeness == Closeness.close


def test_each_kind_of_person_has_a_labelled_sector():
    snapshot = network(16)
    root = parse(render_ecomap(snapshot, title_name="Aisha"))
    labels = root.find(f"{SVG}g[@class='ecomap__sector-labels']")
    words = " ".join(t.text for t in labels.iter(f"{SVG}text"))

    for kind_words in ("Family", "Friend", "Neighbour", "Health", "Voluntary"):
        assert kind_words in words
    sectors = [p for p in root.iter(f"{SVG}path") if "ecomap__sector" in p.get("class", "")]
    assert len(sectors) == len({p.kind for p in snapshot.people if not p.is_child})


def test_a_name_with_markup_is_shown_as_text_and_never_runs():
    attack = '<script>alert(1)</script>"&'
    snapshot = Snapshot(
        people=(
            PersonNode(id=1, name="Aisha", is_child=True),
            PersonNode(id=2, name=attack),
        ),
        ties=(Tie(1, 2, Closeness.close),),
    )
    svg = render_ecomap(snapshot, title_name=attack)
    root = parse(svg)

    assert "<script" not in svg
    assert not list(root.iter(f"{SVG}script"))
    person = next(g for g in people_in(root) if g.get("data-person-id") == "2")
    assert person.find(f"{SVG}title").text.startswith(attack)
    assert label_of(person).text == shorten(attack)
    assert root.find(f"{SVG}title").text == f"Network map for {attack}"


def test_a_map_of_sixty_people_is_well_formed_svg_without_style_attributes():
    svg = render_ecomap(network(60), title_name="Aisha")
    root = parse(svg)

    assert root.tag == f"{SVG}svg"
    assert not [e for e in root.iter() if "style" in e.attrib]
    assert not list(root.iter(f"{SVG}style"))


@pytest.mark.parametrize("direction", ["ltr", "rtl"])
def test_text_direction_is_set_and_names_stay_centred_under_their_node(direction):
    snapshot = Snapshot(
        people=(
            PersonNode(id=1, name="عائشہ", is_child=True),
            PersonNode(id=2, name="نانی"),
            PersonNode(id=3, name="Uncle Dev"),
        ),
        ties=(Tie(1, 2, Closeness.close), Tie(1, 3, Closeness.distant)),
    )
    root = parse(render_ecomap(snapshot, title_name="عائشہ", direction=direction))

    assert root.get("direction") == direction
    for person in people_in(root):
        assert label_of(person).get("text-anchor") == "middle"
    assert root.find(f"{SVG}title").text == "Network map for عائشہ"


def test_right_to_left_mirrors_the_drawing():
    snapshot = network(12)
    ltr, rtl = layout(snapshot), layout(snapshot, rtl=True)

    for left, right in zip(ltr.people, rtl.people, strict=True):
        assert right.x == pytest.approx(ltr.width - left.x, abs=0.11)
        assert right.y == left.y


def test_the_template_never_marks_output_safe_nor_uses_inline_style():
    source = (TEMPLATE_DIR / "network" / "_ecomap.svg").read_text()

    assert not re.search(r"\|\s*safe\b|Markup|style=|<style|<script", source)


def test_a_change_that_moves_nobody_on_the_map_does_not_draw_it_again():
    """Laying the map out is the dearest part of the network page: a new plan action, an
    offer, a rule or where someone lives changes nothing drawn, so the drawing is kept."""
    from dataclasses import replace

    from fgdm.analysis.snapshot import Offer, PlanAction, Rule
    from fgdm.network import ecomap
    from fgdm.network.vocabulary import Need

    before = network(12)
    first = layout(before)
    misses = ecomap._cached_layout.cache_info().misses
    helper = before.people[1]
    changed = replace(
        before,
        people=(before.people[0], replace(helper, area="LS6", is_worry=True), *before.people[2:]),
        offers=(Offer(person_id=helper.id, need=next(iter(Need))),),
        rules=(Rule(id=1, text="Mum checks in", responsible_ids=frozenset({helper.id})),),
        actions=(PlanAction(id=1, text="School run", doer_ids=frozenset({helper.id})),),
    )

    assert layout(changed) == first
    assert ecomap._cached_layout.cache_info().misses == misses

    renamed = replace(
        before, people=(before.people[0], replace(helper, name="Nan"), *before.people[2:])
    )
    assert "Nan" in {p.label for p in layout(renamed).people}
    assert ecomap._cached_layout.cache_info().misses == misses + 1


def test_the_same_map_is_drawn_once_and_a_change_or_another_language_draws_it_again():
    """Drawing the SVG costs a network page more than reading the network: the same map
    for the same reader's language is kept, and anything drawn differently is not."""
    from dataclasses import replace

    from fgdm import i18n
    from fgdm.network import ecomap

    before = network(12)
    first = render_ecomap(before, title_name="Aisha")
    hits = ecomap._drawn_svg.cache_info().hits
    assert render_ecomap(before, title_name="Aisha") == first
    assert ecomap._drawn_svg.cache_info().hits == hits + 1

    helper = before.people[1]
    renamed = replace(
        before, people=(before.people[0], replace(helper, name="Nan Rosa"), *before.people[2:])
    )
    assert "Nan Rosa" in render_ecomap(renamed, title_name="Aisha")
    assert "Nan Rosa" not in render_ecomap(before, title_name="Aisha")

    i18n.set_locale("pl")
    try:
        polish = parse(render_ecomap(before, title_name="Aisha"))
    finally:
        i18n.set_locale("en")
    assert polish.find(f"{SVG}title").text == "Mapa kręgu wsparcia: Aisha"
    assert parse(first).find(f"{SVG}title").text == "Network map for Aisha"
