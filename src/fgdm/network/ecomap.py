"""The ecomap (Signs of Safety / FGC network mapping): the village around the child drawn
as rings by closeness and sectors by kind of person, laid out as plain geometry and
rendered to SVG by a template."""

from __future__ import annotations

import bisect
import hashlib
import heapq
import math
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from babel.lists import format_list

from fgdm import i18n
from fgdm.analysis.snapshot import PersonNode, Snapshot, Tie
from fgdm.i18n import gettext as _
from fgdm.network.ecomap_fits import EcomapFits, private_folder
from fgdm.network.vocabulary import Closeness, PersonKind, closeness_label, person_kind_label

if TYPE_CHECKING:
    from jinja2.environment import TemplateModule

# Text and nodes keep their size whatever the width: a drawing 360 units wide is shown
# about 330 px wide on a small phone (inside the page's padding), where 13 units stay
# above 11 px. A wider drawing (for print or a desktop) gives the same text more room.
BASE_WIDTH = 360.0
MIN_WIDTH = 320.0
FONT_SIZE = 13.0
MARGIN = 4.0
LABEL_MAX_CHARS = 12  # including the ellipsis; about a quarter of a phone's width
CHAR_WIDTH = 0.6  # of the font size: a generous average, so real text fits its box
BOLD_CHAR_WIDTH = 0.68
LINE_HEIGHT = 1.25
NODE_RADIUS = 7.0
CHILD_RADIUS = 14.0
CHILD_SPACING = 48.0
# The rings are bands: people sit anywhere inside their band, between two ellipses.
INNER_RX = 26.0  # the least inside edge of the close band, clear of a child's circle
WEDGE_OUTSET = 4.0  # how far the sectors' shading reaches past the outer band
SECTOR_LABEL_OUTSET = 14.0
GAP = 2.0  # empty space kept between boxes
# The rings' height grows (as a multiple of their width) until everyone fits, then is
# narrowed down to about 6 % above the least that fits: each try places everyone, and
# finer steps cost more time than their few pixels are worth.
GROWTH = 1.25
REFINE_STEPS = 2
MAX_STRETCH = 12.0
# Where the search for the height starts, at BASE_WIDTH: a unit of stretch for each 16 people,
# or each 12 on the busiest ring, whichever is more (measured over a few hundred networks).
PEOPLE_PER_STRETCH = 16.0
RING_PEOPLE_PER_STRETCH = 12.0


def _stretch_steps() -> tuple[float, ...]:
    """The heights tried: the least, then each a step taller, up to the most."""
    steps = [1.0]
    while steps[-1] < MAX_STRETCH:
        steps.append(min(steps[-1] * GROWTH, MAX_STRETCH))
    return tuple(steps)


STRETCH_STEPS = _stretch_steps()

# Closeness from the nearest to the furthest, for "nearest child" and drawing order.
CLOSENESS_ORDER = tuple(Closeness)
RING_COUNT = 4
RING_OF = {
    Closeness.close: 0,
    Closeness.some_contact: 1,
    Closeness.distant: 2,
    Closeness.conflict: 3,
    Closeness.no_contact: 3,
}
UNLINKED_RING = 3
KIND_ORDER = tuple(PersonKind)

MIN_BAND = 2 * NODE_RADIUS + 4
LABEL_SHARE = 2.0  # room for a sector's name, counted in people
# How room for people is measured round a ring (see _Frame.angle).
ROOM_SAMPLES = 360
TYPICAL_LABEL_WIDTH = 64.0
TYPICAL_ROW_HEIGHT = 34.0
# Candidate places for a person, cheaper first so people stay near where they belong:
# steps along their band (anywhere in their sector), where across the band (0 its inside
# edge, 1 its outside edge), and which side of the node the name goes.
ARC_STEP = 10.0
BAND_SPOTS = (0.5, 0.3, 0.7, 0.15, 0.85)
LABEL_SLOTS = (("below", 0.0), ("above", 0.3), ("right", 0.7), ("left", 0.7))

# Line styles by closeness: width, dashes and a zig-zag, so no style is colour alone.
LINE_WIDTH = {
    Closeness.close: 4.0,
    Closeness.some_contact: 1.5,
    Closeness.distant: 1.5,
    Closeness.conflict: 1.5,
    Closeness.no_contact: 2.0,
}
LINE_DASHES = {
    Closeness.close: "",
    Closeness.some_contact: "",
    Closeness.distant: "7 5",
    Closeness.conflict: "",
    Closeness.no_contact: "0.1 5",
}
# Node colours by kind (Okabe-Ito, told apart by most colour-blind readers); the sector
# and its label say the kind too, so colour is never the only clue.
KIND_COLOURS = {
    PersonKind.family: "#e69f00",
    PersonKind.friend: "#56b4e9",
    PersonKind.neighbour: "#009e73",
    PersonKind.community: "#f0e442",
    PersonKind.school: "#0072b2",
    PersonKind.health: "#d55e00",
    PersonKind.professional: "#cc79a7",
    PersonKind.voluntary: "#999999",
}
ZIGZAG_STEP = 5.0
ZIGZAG_HEIGHT = 4.0
ZIGZAG_LENGTH = 40.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle, for keeping nodes and labels apart."""

    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.right + GAP <= other.left
            or other.right + GAP <= self.left
            or self.bottom + GAP <= other.top
            or other.bottom + GAP <= self.top
        )


@dataclass(frozen=True)
class PlacedPerson:
    id: int
    name: str  # in full, for the tooltip
    label: str  # shortened to fit
    kind: PersonKind
    is_child: bool
    closeness: Closeness | None  # to the nearest child; None if linked to no child
    hint: str  # kind and closeness in words, for the tooltip
    x: float
    y: float
    r: float
    label_x: float
    label_y: float  # the text's baseline; the text is centred on label_x
    label_box: tuple[float, float, float, float]  # room the label takes: x, y, width, height


@dataclass(frozen=True)
class Line:
    a: int
    b: int
    closeness: Closeness
    to_child: bool
    width: float
    dashes: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Ring:
    rx: float
    ry: float


@dataclass(frozen=True)
class Sector:
    kind: PersonKind
    label: str
    shaded: bool
    start: tuple[float, float]  # where the wedge's arc starts and ends
    end: tuple[float, float]
    large_arc: int
    sweep: int
    label_x: float
    label_lines: tuple[tuple[float, str], ...]  # (baseline, text)


@dataclass(frozen=True)
class LegendText:
    x: float
    y: float
    text: str
    is_heading: bool = False


@dataclass(frozen=True)
class LegendLine:
    closeness: Closeness
    width: float
    dashes: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class LegendSwatch:
    kind: PersonKind
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class Legend:
    texts: tuple[LegendText, ...]
    lines: tuple[LegendLine, ...]
    swatches: tuple[LegendSwatch, ...]


@dataclass(frozen=True)
class Ecomap:
    """A laid-out drawing: every coordinate rounded, the same for the same data."""

    width: float
    height: float
    font_size: float
    cx: float
    cy: float
    wedge: Ring  # the outline the sector wedges fill
    rings: tuple[Ring, ...]
    sectors: tuple[Sector, ...]
    lines: tuple[Line, ...]
    people: tuple[PlacedPerson, ...]
    legend: Legend
    child_names: tuple[str, ...]
    children_text: str  # the children's names as a list in words ("Aisha and Sam")
    counts: tuple[tuple[Closeness | None, int], ...]  # people per closeness, in order
    rtl: bool


def shorten(name: str, max_chars: int = LABEL_MAX_CHARS) -> str:
    """A name cut to fit a label, with an ellipsis when it was cut."""
    name = " ".join(name.split())
    if len(name) <= max_chars:
        return name
    return name[: max_chars - 1].rstrip() + "…"


def _text_width(text: str, font_size: float) -> float:
    return CHAR_WIDTH * font_size * len(text)


def _r(value: float) -> float:
    # Rounded, and never "-0.0", so equal data prints equal numbers.
    return round(value, 1) + 0.0


def _nearer(a: Closeness | None, b: Closeness) -> Closeness:
    if a is None or CLOSENESS_ORDER.index(b) < CLOSENESS_ORDER.index(a):
        return b
    return a


class _Grid:
    """Boxes already placed, bucketed by area so each check looks at a few neighbours."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box) -> Iterator[tuple[int, int]]:
        for i in range(math.floor(box.left / self.cell), math.floor(box.right / self.cell) + 1):
            for j in range(math.floor(box.top / self.cell), math.floor(box.bottom / self.cell) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)

    def hits(self, box: Box) -> bool:
        """Whether `box` overlaps a box already placed (Box.overlaps, written out: this is
        the innermost step of laying a map out)."""
        cell, cells = self.cell, self.cells
        left, top, right, bottom = box.left, box.top, box.right + GAP, box.bottom + GAP
        rows = range(math.floor(box.top / cell), math.floor(box.bottom / cell) + 1)
        for i in range(math.floor(box.left / cell), math.floor(box.right / cell) + 1):
            for j in rows:
                for other in cells.get((i, j), ()):
                    if (
                        right > other.left
                        and other.right + GAP > left
                        and bottom > other.top
                        and other.bottom + GAP > top
                    ):
                        return True
        return False


@dataclass(frozen=True)
class _Spot:
    x: float
    y: float
    r: float
    label_x: float
    label_y: float
    node: Box
    label: Box


def _spot(x: float, y: float, r: float, label: str, slot: str) -> _Spot:
    """A node at (x, y) with its label on one side."""
    fs, w = FONT_SIZE, _text_width(label, FONT_SIZE)
    if slot == "below":
        lx, ly = x, y + r + GAP + fs
    elif slot == "above":
        lx, ly = x, y - r - GAP - 0.25 * fs
    elif slot == "right":
        lx, ly = x + r + GAP + w / 2, y + 0.35 * fs
    else:
        lx, ly = x - r - GAP - w / 2, y + 0.35 * fs
    return _Spot(
        x=x,
        y=y,
        r=r,
        label_x=lx,
        label_y=ly,
        node=Box(x - r, y - r, x + r, y + r),
        label=Box(lx - w / 2, ly - fs, lx + w / 2, ly + 0.25 * fs),
    )


@dataclass(frozen=True)
class _Plan:
    """What the layout needs to know about one person before placing them."""

    person: PersonNode
    label: str
    closeness: Closeness | None
    ring: int
    # Where the person would ideally sit, and the sector they must stay in, as parts of
    # the way round the ring (see _Frame.angle).
    at: float
    lo: float
    hi: float


@dataclass(frozen=True)
class _Frame:
    """The rings' sizes for one drawing width and one stretch (height over width)."""

    width: float
    stretch: float
    band_weights: tuple[float, ...]  # how many people each band must hold, plus one
    children: int = 1

    @property
    def cx(self) -> float:
        return self.width / 2

    @cached_property
    def edges_rx(self) -> tuple[float, ...]:
        """The half-widths of the ellipses between the bands, from the middle out."""
        # The outer band leaves room at the sides for a centred label of the longest kind.
        outer = (
            (self.width / 2 - MARGIN - _text_width("x" * LABEL_MAX_CHARS, FONT_SIZE) / 2)
            + NODE_RADIUS
            + GAP
        )
        # The close band starts outside the children, stacked in the middle with names.
        stack = (max(self.children, 1) - 1) / 2 * CHILD_SPACING
        below = stack + CHILD_RADIUS + GAP + LINE_HEIGHT * FONT_SIZE
        # Many children in a short drawing do not fit yet: the drawing grows until they do.
        inner = min(max(INNER_RX, below / self.stretch), outer - RING_COUNT * MIN_BAND)
        return _band_edges(inner, outer, self.band_weights)

    def point(self, rx: float, angle: float) -> tuple[float, float]:
        """The point at `angle` on the ellipse `rx` wide (the drawing's middle is y=0)."""
        return self.cx + rx * math.sin(angle), -rx * self.stretch * math.cos(angle)

    def speed(self, rx: float, angle: float) -> float:
        """Length along the ellipse per radian at `angle`."""
        return max(math.hypot(rx * math.cos(angle), rx * self.stretch * math.sin(angle)), 1.0)

    @cached_property
    def _room(self) -> list[float]:
        # How many people fit from the top to each sampled angle, on all rings together.
        # A label is wide and short: along the tall sides of a stretched ring people stack
        # in rows but the rings there are too close for their labels to sit side by side;
        # at the top and bottom each ring has a row of its own.
        edges = self.edges_rx
        ring_gap = (edges[-1] - edges[0]) / RING_COUNT
        total, room = 0.0, [0.0]
        for i in range(ROOM_SAMPLES):
            angle = (i + 0.5) * 2 * math.pi / ROOM_SAMPLES
            tx, ty = math.cos(angle), self.stretch * math.sin(angle)
            length = math.hypot(tx, ty)
            tx, ty = abs(tx) / length, abs(ty) / length
            along = min(TYPICAL_LABEL_WIDTH / max(tx, 1e-9), TYPICAL_ROW_HEIGHT / max(ty, 1e-9))
            across = TYPICAL_LABEL_WIDTH * ty + TYPICAL_ROW_HEIGHT * tx
            rows = ring_gap * self.stretch / length / across
            total += length / along * rows
            room.append(total)
        return [value / total for value in room]

    def angle(self, fraction: float) -> float:
        """The angle (radians clockwise from the top) a fraction of the way round the ring,
        counted by room for people rather than by length."""
        room = self._room
        i = min(max(bisect.bisect_right(room, fraction) - 1, 0), ROOM_SAMPLES - 1)
        part = (fraction - room[i]) / max(room[i + 1] - room[i], 1e-12)
        return (i + part) * 2 * math.pi / ROOM_SAMPLES


def _band_edges(inner: float, outer: float, weights: tuple[float, ...]) -> tuple[float, ...]:
    """Band edges giving each band an area in proportion to the people it holds, so a
    network with many close people gets a wide close band; no band thinner than a node."""
    total = sum(weights)
    edges = [inner]
    for weight in weights:
        edges.append(math.sqrt(edges[-1] ** 2 + (outer**2 - inner**2) * weight / total))
    widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
    for _round in range(len(widths)):
        short = [i for i, w in enumerate(widths) if w < MIN_BAND]
        if not short:
            break
        wide = [i for i, w in enumerate(widths) if w > MIN_BAND]
        extra = sum(MIN_BAND - widths[i] for i in short)
        spare = sum(widths[i] - MIN_BAND for i in wide)
        for i in short:
            widths[i] = MIN_BAND
        for i in wide:
            widths[i] -= extra * (widths[i] - MIN_BAND) / spare
    result = [inner]
    for w in widths:
        result.append(result[-1] + w)
    return tuple(result)


def _sector_ranges(others: list[PersonNode]) -> list[tuple[PersonKind, float, float]]:
    counts = {kind: sum(1 for p in others if p.kind == kind) for kind in KIND_ORDER}
    present = [(kind, n) for kind, n in counts.items() if n]
    # Extra shares each, so a sector of one person still has room for its name.
    total = sum(n + LABEL_SHARE for _kind, n in present)
    ranges = []
    start = 0.0
    for kind, n in present:
        span = (n + LABEL_SHARE) / total
        ranges.append((kind, start, start + span))
        start += span
    return ranges


def _plans(
    others: list[PersonNode],
    nearest: dict[int, Closeness],
    ranges: list[tuple[PersonKind, float, float]],
) -> list[_Plan]:
    plans: list[_Plan] = []
    for kind, lo, hi in ranges:
        in_sector = [p for p in others if p.kind == kind]
        for ring in range(RING_COUNT):
            on_ring = [
                p for p in in_sector if RING_OF.get(nearest.get(p.id), UNLINKED_RING) == ring
            ]
            step = (hi - lo) / max(len(on_ring), 1)
            # Neighbouring rings start a little apart, so people do not line up in spokes.
            offset = 0.5 + (0.25 if ring % 2 and len(on_ring) > 1 else 0.0)
            for i, p in enumerate(on_ring):
                plans.append(
                    _Plan(
                        person=p,
                        label=shorten(p.name),
                        closeness=nearest.get(p.id),
                        ring=ring,
                        at=lo + (i + offset) * step,
                        lo=lo,
                        hi=hi,
                    )
                )
    plans.sort(key=lambda plan: (plan.ring, plan.lo, plan.at, plan.person.id))
    return plans


@dataclass(frozen=True)
class _SectorLabel:
    kind: PersonKind
    x: float
    lines: tuple[tuple[float, str], ...]  # (baseline, text)
    box: Box


def _place(
    frame: _Frame,
    children: list[PersonNode],
    plans: list[_Plan],
    ranges: list[tuple[PersonKind, float, float]],
    *,
    force: bool,
) -> tuple[dict[int, _Spot], list[_SectorLabel]] | None:
    """Puts everyone on the drawing without overlaps, or None if they do not fit."""
    edges = (MARGIN, frame.width - MARGIN)
    grid = _Grid(cell=40.0)
    spots: dict[int, _Spot] = {}

    for i, child in enumerate(children):
        y = (i - (len(children) - 1) / 2) * CHILD_SPACING
        spot = _spot(frame.cx, y, CHILD_RADIUS, shorten(child.name), "below")
        spots[child.id] = spot
        grid.add(spot.node)
        grid.add(spot.label)

    for plan in plans:
        spot = _fit(plan, grid, frame, edges)
        if spot is None:
            if not force:
                return None
            inside, outside = frame.edges_rx[plan.ring], frame.edges_rx[plan.ring + 1]
            x, y = frame.point((inside + outside) / 2, frame.angle(plan.at))
            spot = _spot(x, y, NODE_RADIUS, plan.label, "below")
        spots[plan.person.id] = spot
        grid.add(spot.node)
        grid.add(spot.label)

    labels: list[_SectorLabel] = []
    for kind, lo, hi in ranges:
        label = _fit_sector_label(kind, lo, hi, grid, frame, edges, force=force)
        if label is None:
            return None
        grid.add(label.box)
        labels.append(label)
    return spots, labels


def _fit_sector_label(
    kind: PersonKind,
    lo: float,
    hi: float,
    grid: _Grid,
    frame: _Frame,
    edges: tuple[float, float],
    *,
    force: bool,
) -> _SectorLabel | None:
    """A free place for a sector's name: just outside its rim if there is room, else
    further out or inside the sector, as near its middle as possible."""
    fs = FONT_SIZE
    text = person_kind_label(kind)
    lines = textwrap.wrap(text, width=14) or [text]
    height = len(lines) * LINE_HEIGHT * fs
    widest = max(len(line) for line in lines) * BOLD_CHAR_WIDTH * fs
    outer = frame.edges_rx[-1]
    radii = [outer + SECTOR_LABEL_OUTSET, outer + SECTOR_LABEL_OUTSET + fs]
    radii += [(a + b) / 2 for a, b in pairwise(reversed(frame.edges_rx))]
    a_lo, a_hi = frame.angle(lo), frame.angle(hi)
    mid = frame.angle((lo + hi) / 2)
    candidates = []
    for radius_index, rx in enumerate(radii):
        steps = int((a_hi - a_lo) / 2 * frame.speed(rx, mid) / ARC_STEP)
        for step in range(-steps, steps + 1):
            angle = mid + step * ARC_STEP / frame.speed(rx, mid)
            if not a_lo <= angle <= a_hi:
                continue
            candidates.append((abs(step) + 4 * radius_index, step < 0, angle, rx, radius_index))
    candidates.sort()
    boxes = []
    for _cost, _side, angle, rx, radius_index in candidates:
        x, y = frame.point(rx, angle)
        x = min(max(x, edges[0] + widest / 2), edges[1] - widest / 2)
        top = y - height / 2
        if radius_index < 2 and abs(y) > height / 2:
            # Outside the rim, above or below: grow away from the middle.
            top = y - height if y < 0 else y
        box = Box(x - widest / 2, top, x + widest / 2, top + height)
        boxes.append(box)
        if not grid.hits(box):
            break
    else:
        if not force or not boxes:
            return None
        box = boxes[0]
    baselines = [box.top + (i + 1) * LINE_HEIGHT * fs - 0.3 * fs for i in range(len(lines))]
    return _SectorLabel(
        kind, (box.left + box.right) / 2, tuple(zip(baselines, lines, strict=True)), box
    )


def _fit(plan: _Plan, grid: _Grid, frame: _Frame, edges: tuple[float, float]) -> _Spot | None:
    """The cheapest free place for a person near their ideal spot, inside their sector
    and their band."""
    inside, outside = frame.edges_rx[plan.ring], frame.edges_rx[plan.ring + 1]
    middle = (inside + outside) / 2
    lo, hi = frame.angle(plan.lo), frame.angle(plan.hi)
    start = frame.angle(plan.at)
    # Walkers along the band in equal lengths, one each way, until the sector ends: each
    # takes its next step only when places that far from the ideal spot are wanted, so a
    # person who fits near their spot never has the whole sector worked out. (A place's
    # cost is its step plus less than two, so the order is exactly that of working out and
    # sorting every place first.)
    walkers = {1: start, -1: start}

    def angles_at(level: int) -> list[tuple[int, float]]:
        if level == 0:
            return [(0, start)]
        found = []
        for direction in (1, -1):
            if direction not in walkers:
                continue
            angle = walkers[direction]
            angle += direction * ARC_STEP / frame.speed(middle, angle)
            margin = (NODE_RADIUS + GAP) / frame.speed(middle, angle)
            if not lo + margin <= angle <= hi - margin:
                del walkers[direction]  # this way, the sector has ended
                continue
            walkers[direction] = angle
            found.append((direction * level, angle))
        return found

    # A place waits with its cheapest label side only: the next side is queued when this one
    # is taken, and none when the node itself is not free there. Each side's cost is above
    # the one before, so places come out in the same order as if every side waited at once.
    waiting: list[tuple[float, tuple[int, bool, int, int], float, float, float]] = []

    def queue(level: int, step: int, spot_index: int, slot_index: int, angle: float) -> None:
        part = BAND_SPOTS[spot_index]
        cost = level + LABEL_SLOTS[slot_index][1] + 3 * abs(part - 0.5)
        order = (level, step < 0, spot_index, slot_index)
        heapq.heappush(waiting, (cost, order, angle, inside + part * (outside - inside), step))

    def add_places(level: int, angles: list[tuple[int, float]]) -> None:
        for step, angle in angles:
            # The band's width square to the ring here: wider at the top of a tall drawing.
            across = (outside - inside) * frame.stretch / frame.speed(1.0, angle)
            for spot_index, part in enumerate(BAND_SPOTS):
                if min(part, 1 - part) * across >= NODE_RADIUS + GAP:
                    queue(level, step, spot_index, 0, angle)

    level, more = 0, True
    while True:
        while more and (not waiting or waiting[0][0] > level):
            angles = angles_at(level)
            more = bool(angles)
            add_places(level, angles)
            level += 1
        if not waiting:
            return None
        _cost, (at_level, _back, spot_index, slot_index), angle, rx, step = heapq.heappop(waiting)
        x, y = frame.point(rx, angle)
        if slot_index == 0:  # the node's own place is checked once, with its first side
            node = Box(x - NODE_RADIUS, y - NODE_RADIUS, x + NODE_RADIUS, y + NODE_RADIUS)
            if node.left < edges[0] or node.right > edges[1] or grid.hits(node):
                continue
        spot = _spot(x, y, NODE_RADIUS, plan.label, LABEL_SLOTS[slot_index][0])
        if (
            spot.label.left >= edges[0]
            and spot.label.right <= edges[1]
            and not grid.hits(spot.label)
        ):
            return spot
        if slot_index + 1 < len(LABEL_SLOTS):
            queue(at_level, step, spot_index, slot_index + 1, angle)


def _fit_everyone(
    width: float,
    band_weights: tuple[float, ...],
    children: list[PersonNode],
    plans: list[_Plan],
    ranges: list[tuple[PersonKind, float, float]],
    known: float | None = None,
) -> tuple[_Frame, dict[int, _Spot], list[_SectorLabel]]:
    """The least stretched frame in which everyone fits: grow, then narrow down (or the
    stretch `known` to be the answer, when it still fits)."""

    def attempt(stretch: float) -> tuple[_Frame, dict[int, _Spot], list[_SectorLabel]] | None:
        frame = _Frame(
            width=width,
            stretch=round(stretch, 3),
            band_weights=band_weights,
            children=len(children),
        )
        placed = _place(frame, children, plans, ranges, force=stretch >= MAX_STRETCH)
        return None if placed is None else (frame, *placed)

    if known is not None:
        # Found by a worker that searched for this same drawing: the same answer in one try.
        found = attempt(known)
        if found is not None:
            return found
    # The search starts at the step a drawing of this many people at this width usually
    # needs, and walks up to the first step that fits or down to the last: the same
    # answer as walking up from the least, with a few tries rather than up to ten.
    at = min(_likely_step(len(plans), max(band_weights), width), len(STRETCH_STEPS) - 1)
    best = attempt(STRETCH_STEPS[at])
    if best is None:
        while best is None:
            at += 1
            best = attempt(STRETCH_STEPS[at])
    else:
        while at > 0 and (shorter := attempt(STRETCH_STEPS[at - 1])) is not None:
            at, best = at - 1, shorter
    if at == 0:
        return best
    low, high = STRETCH_STEPS[at - 1], STRETCH_STEPS[at]
    for _step in range(REFINE_STEPS):
        middle = (low + high) / 2
        found = attempt(middle)
        if found is None:
            low = middle
        else:
            high, best = middle, found
    return best


def _likely_step(people: int, busiest_ring: float, width: float) -> int:
    """The height step (see _fit_everyone) a drawing of this many people, with this many on
    its busiest ring, usually needs at this width (an area four times as large at twice the
    width)."""
    stretch = max(people / PEOPLE_PER_STRETCH, busiest_ring / RING_PEOPLE_PER_STRETCH)
    stretch *= (BASE_WIDTH / width) ** 2
    return max(round(math.log(stretch) / math.log(GROWTH)), 0) if stretch > 1 else 0


def _zigzag(
    start: tuple[float, float], end: tuple[float, float], trim: tuple[float, float]
) -> tuple[tuple[float, float], ...]:
    """A line with a zig-zag in the middle of the part between the two nodes."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1)
    free = length - trim[0] - trim[1]
    if free < 3 * ZIGZAG_STEP:
        return (start, end)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    zig = min(ZIGZAG_LENGTH, free * 0.8)
    first = trim[0] + (free - zig) / 2
    count = max(int(zig / ZIGZAG_STEP), 2)
    points = [start, (x1 + ux * first, y1 + uy * first)]
    for i in range(1, count):
        d = first + i * zig / count
        side = ZIGZAG_HEIGHT if i % 2 else -ZIGZAG_HEIGHT
        points.append((x1 + ux * d - uy * side, y1 + uy * d + ux * side))
    points += [(x1 + ux * (first + zig), y1 + uy * (first + zig)), end]
    return tuple(points)


def _legend(
    top: float, *, width: float, kinds: list[PersonKind], child_names: str, has_between: bool
) -> tuple[Legend, float]:
    """The key under the map: line styles, what the rings mean and the kinds of people."""
    fs = FONT_SIZE
    row = 22.0
    left = MARGIN + 2.0
    column = (width - 2 * left) / 2
    texts: list[LegendText] = [LegendText(left, top + fs, _("Key"), is_heading=True)]
    y = top + fs + row * 0.25
    lines: list[LegendLine] = []
    sample = 36.0
    for index, closeness in enumerate(CLOSENESS_ORDER):
        x0 = left + (index % 2) * column
        ly = y + (index // 2) * row + row / 2
        start, end = (x0, ly), (x0 + sample, ly)
        points = (
            _zigzag(start, end, (0.0, 0.0)) if closeness == Closeness.conflict else (start, end)
        )
        lines.append(LegendLine(closeness, LINE_WIDTH[closeness], LINE_DASHES[closeness], points))
        texts.append(LegendText(x0 + sample + 8, ly + 0.35 * fs, closeness_label(closeness)))
    y += math.ceil(len(CLOSENESS_ORDER) / 2) * row + row * 0.25
    chars = max(int((width - 2 * left) / (CHAR_WIDTH * fs)), 10)
    notes = [_("Nearer the middle means closer to %(name)s.") % {"name": child_names}]
    if has_between:
        notes.append(_("Grey lines show how other people get on with each other."))
    for note in notes:
        for text in textwrap.wrap(note, width=chars):
            y += fs * LINE_HEIGHT
            texts.append(LegendText(left, y, text))
    swatches: list[LegendSwatch] = []
    if kinds:
        y += row
        texts.append(LegendText(left, y, _("Kinds of people"), is_heading=True))
        swatch_gap = 2 * NODE_RADIUS + 8
        kind_chars = max(int((column - swatch_gap - 4) / (CHAR_WIDTH * fs)), 8)
        for pair in range(0, len(kinds), 2):
            row_top = y + row * 0.4
            deepest = 1
            for col, kind in enumerate(kinds[pair : pair + 2]):
                x0 = left + col * column
                wrapped = textwrap.wrap(person_kind_label(kind), width=kind_chars)
                deepest = max(deepest, len(wrapped))
                first = row_top + fs
                swatches.append(
                    LegendSwatch(kind, x0 + NODE_RADIUS, first - 0.35 * fs, NODE_RADIUS)
                )
                for i, text in enumerate(wrapped):
                    texts.append(LegendText(x0 + swatch_gap, first + i * LINE_HEIGHT * fs, text))
            y = row_top + fs + (deepest - 1) * LINE_HEIGHT * fs
    return Legend(tuple(texts), tuple(lines), tuple(swatches)), y + row * 0.5


def layout(snapshot: Snapshot, *, width: float = BASE_WIDTH, rtl: bool = False) -> Ecomap:
    """Lays out the ecomap: children in the middle, everyone else on a ring by how close
    they are to the nearest child and in a sector by kind; taller when more people. The
    same drawing wanted again (most page views: nobody was added, renamed, moved or linked
    since the last one) is taken from a cache, keyed by everything the drawing depends on
    and nothing else (a new plan action, offer or rule draws nothing new), the language
    too."""
    return _cached_layout(drawn_part(snapshot), width, rtl, i18n.current_locale())


def drawn_part(snapshot: Snapshot) -> Snapshot:
    """The part of a snapshot the drawing depends on: who is there (name, kind, child or
    not) and how close they are to each other."""
    return Snapshot(
        people=tuple(
            PersonNode(id=p.id, name=p.name, kind=p.kind, is_child=p.is_child)
            for p in snapshot.people
        ),
        ties=tuple(Tie(a=t.a, b=t.b, closeness=t.closeness) for t in snapshot.ties),
    )


# The stretch each drawing needs, as found by any worker on this machine. The key names this
# file's own code too, so a changed layout never takes an old answer.
FITS = EcomapFits(private_folder("ecomap"))
_CODE = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


@lru_cache(maxsize=128)
def _cached_layout(snapshot: Snapshot, width: float, rtl: bool, locale: str) -> Ecomap:
    key = repr((_CODE, snapshot, max(width, MIN_WIDTH), locale))
    return _layout(snapshot, width=width, rtl=rtl, fits_key=key)


def _layout(snapshot: Snapshot, *, width: float, rtl: bool, fits_key: str | None = None) -> Ecomap:
    width = max(width, MIN_WIDTH)
    people = sorted(snapshot.people, key=lambda p: p.id)
    by_id = {p.id: p for p in people}
    children = [p for p in people if p.is_child]
    others = [p for p in people if not p.is_child]
    child_ids = {p.id for p in children}

    # One line per pair of people: the nearest closeness if the pair has several ties.
    pairs: dict[tuple[int, int], Closeness] = {}
    for tie in snapshot.ties:
        if tie.a == tie.b or tie.a not in by_id or tie.b not in by_id:
            continue
        pair = (min(tie.a, tie.b), max(tie.a, tie.b))
        pairs[pair] = _nearer(pairs.get(pair), tie.closeness)
    nearest: dict[int, Closeness] = {}
    for (a, b), closeness in pairs.items():
        for child, other in ((a, b), (b, a)):
            if child in child_ids and other not in child_ids:
                nearest[other] = _nearer(nearest.get(other), closeness)

    ranges = _sector_ranges(others)
    plans = _plans(others, nearest, ranges)
    band_weights = tuple(
        1.0 + sum(1 for plan in plans if plan.ring == ring) for ring in range(RING_COUNT)
    )
    known = None if fits_key is None else FITS.get(fits_key, least=1.0, most=MAX_STRETCH)
    frame, spots, sector_labels = _fit_everyone(width, band_weights, children, plans, ranges, known)
    if fits_key is not None and frame.stretch != known:
        FITS.put(fits_key, frame.stretch)

    # Move everything down so the drawing starts at the top margin.
    wedge_rx = frame.edges_rx[-1] + WEDGE_OUTSET
    boxes = [s.node for s in spots.values()] + [s.label for s in spots.values()]
    boxes += [label.box for label in sector_labels]
    top = min([b.top for b in boxes] + [-wedge_rx * frame.stretch])
    bottom = max([b.bottom for b in boxes] + [wedge_rx * frame.stretch])
    dy = MARGIN - top

    child_names = [by_id[i].name for i in sorted(child_ids)]
    names_text = (
        format_list(child_names, locale=i18n.current_locale()) if child_names else _("the children")
    )
    legend, height = _legend(
        bottom + dy + 16,
        width=width,
        kinds=[kind for kind, _lo, _hi in ranges],
        child_names=names_text,
        has_between=any(a not in child_ids and b not in child_ids for a, b in pairs),
    )

    def x_of(x: float) -> float:
        # Right-to-left readers get the mirror image, so the key reads from the right.
        return _r(width - x if rtl else x)

    def pt(point: tuple[float, float], shift: float = dy) -> tuple[float, float]:
        return x_of(point[0]), _r(point[1] + shift)

    placed_people = []
    for p in people:
        s = spots[p.id]
        closeness = None if p.is_child else nearest.get(p.id)
        about = (
            closeness_label(closeness) if closeness else _("not linked to the children directly")
        )
        placed_people.append(
            PlacedPerson(
                id=p.id,
                name=p.name,
                label=shorten(p.name),
                kind=p.kind,
                is_child=p.is_child,
                closeness=closeness,
                hint=""
                if p.is_child
                else _("%(kind)s, %(closeness)s")
                % {"kind": person_kind_label(p.kind), "closeness": about},
                x=x_of(s.x),
                y=_r(s.y + dy),
                r=_r(s.r),
                label_x=x_of(s.label_x),
                label_y=_r(s.label_y + dy),
                label_box=(
                    x_of(s.label.right if rtl else s.label.left),
                    _r(s.label.top + dy),
                    _r(s.label.right - s.label.left),
                    _r(s.label.bottom - s.label.top),
                ),
            )
        )

    lines = []
    # Farther ties first, so the close ones are drawn on top.
    for (a, b), closeness in sorted(
        pairs.items(), key=lambda item: (-CLOSENESS_ORDER.index(item[1]), item[0])
    ):
        start, end = (spots[a].x, spots[a].y), (spots[b].x, spots[b].y)
        points = (
            _zigzag(start, end, (spots[a].r, spots[b].r))
            if closeness == Closeness.conflict
            else (start, end)
        )
        lines.append(
            Line(
                a=a,
                b=b,
                closeness=closeness,
                to_child=a in child_ids or b in child_ids,
                width=LINE_WIDTH[closeness],
                dashes=LINE_DASHES[closeness],
                points=tuple(pt(point) for point in points),
            )
        )

    counts: dict[Closeness | None, int] = {}
    for p in others:
        counts[nearest.get(p.id)] = counts.get(nearest.get(p.id), 0) + 1
    ordered_counts = tuple((c, counts[c]) for c in (*CLOSENESS_ORDER, None) if counts.get(c, 0) > 0)

    sectors = []
    for index, ((kind, lo, hi), label) in enumerate(zip(ranges, sector_labels, strict=True)):
        sectors.append(
            Sector(
                kind=kind,
                label=person_kind_label(kind),
                shaded=index % 2 == 1,
                start=pt(frame.point(wedge_rx, frame.angle(lo))),
                end=pt(frame.point(wedge_rx, frame.angle(hi))),
                large_arc=1 if frame.angle(hi) - frame.angle(lo) > math.pi else 0,
                sweep=0 if rtl else 1,
                label_x=x_of(label.x),
                label_lines=tuple((_r(y + dy), text) for y, text in label.lines),
            )
        )

    return Ecomap(
        width=_r(width),
        height=_r(height),
        font_size=FONT_SIZE,
        cx=_r(frame.cx),
        cy=_r(dy),
        wedge=Ring(_r(wedge_rx), _r(wedge_rx * frame.stretch)),
        rings=tuple(Ring(_r(rx), _r(rx * frame.stretch)) for rx in frame.edges_rx[1:]),
        sectors=tuple(sectors),
        lines=tuple(lines),
        people=tuple(placed_people),
        legend=Legend(
            texts=tuple(LegendText(x_of(t.x), _r(t.y), t.text, t.is_heading) for t in legend.texts),
            lines=tuple(
                LegendLine(
                    line.closeness,
                    line.width,
                    line.dashes,
                    tuple(pt(point, 0.0) for point in line.points),
                )
                for line in legend.lines
            ),
            swatches=tuple(
                LegendSwatch(s.kind, x_of(s.x), _r(s.y), _r(s.r)) for s in legend.swatches
            ),
        ),
        child_names=tuple(child_names),
        children_text=names_text,
        counts=ordered_counts,
        rtl=rtl,
    )


def render_ecomap(
    snapshot: Snapshot,
    *,
    title_name: str,
    id_prefix: str = "ecomap",
    direction: str | None = None,
    width: float = BASE_WIDTH,
) -> TemplateModule:
    """The ecomap as an SVG element for a page (placed with `{{ }}`; `str()` gives its
    text), with a title, a plain-words description and a key. Width 360 suits a phone;
    direction is 'ltr' or 'rtl' (default: the page's). The same drawing asked for again is
    taken from a cache, like its layout: drawing it costs a network page more than reading
    the network does."""
    direction = direction or i18n.text_direction()
    return _drawn_svg(
        drawn_part(snapshot), width, direction, title_name, id_prefix, i18n.current_locale()
    )


@lru_cache(maxsize=64)
def _drawn_svg(
    snapshot: Snapshot, width: float, direction: str, title_name: str, id_prefix: str, locale: str
) -> TemplateModule:
    # Imported here so the layout above stays free of the web layer (bench, analysis).
    from fgdm.web import templates

    # Rendered once by Jinja, escaping every value as on any page; a page that places it
    # with {{ }} gets Jinja's own rendered output as it is (the module's __html__), as when
    # the page included the template. Nothing here marks text as safe.
    return templates.env.get_template("network/_ecomap.svg").make_module(
        {
            "map": _cached_layout(snapshot, width, direction == "rtl", locale),
            "title_name": title_name,
            "id_prefix": id_prefix,
            "direction": direction,
            "closeness": Closeness,
            "kind_colours": KIND_COLOURS,
        }
    )
