"""Draws the app's PNG icons (for phones' home screens) from the shapes of
src/fgdm/static/icons/icon.svg, with Pillow, and writes them small.

Run it after changing icon.svg: `.venv/bin/python scripts/make_icons.py`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "src" / "fgdm" / "static" / "icons"
BRAND = "#1d4e89"
WHITE = "#ffffff"
YELLOW = "#ffdd00"
# The drawing inside icon.svg's 64 x 64 box: circles (x, y, radius, colour) and lines.
CIRCLES = [(32, 30, 8, WHITE)] + [(x, y, 5, YELLOW) for x in (15, 49) for y in (18, 46)]
LINES = [((19, 21), (26, 26)), ((45, 21), (38, 26)), ((19, 43), (26, 37)), ((45, 43), (38, 37))]
SUPERSAMPLE = 4


def draw(size: int, *, rounded: bool, content: float) -> Image.Image:
    """The icon at `size` pixels. `content` is how much of the square the drawing fills
    (a maskable icon keeps it inside the middle 80% circle that every mask shows)."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if rounded:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 12 // 64, fill=BRAND)
    else:
        pen.rectangle((0, 0, big - 1, big - 1), fill=BRAND)
    scale = big * content / 64
    offset = big * (1 - content) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return offset + x * scale, offset + y * scale

    width = max(1, round(3 * scale))
    for start, end in LINES:
        pen.line((at(*start), at(*end)), fill=WHITE, width=width)
        for x, y in (start, end):  # round line ends, as stroke-linecap="round"
            cx, cy = at(x, y)
            pen.ellipse((cx - width / 2, cy - width / 2, cx + width / 2, cy + width / 2), WHITE)
    for x, y, radius, colour in CIRCLES:
        cx, cy = at(x, y)
        r = radius * scale
        pen.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def save(image: Image.Image, name: str, *, opaque: bool = False) -> None:
    if opaque:
        image = image.convert("RGB")
    # 64 colours are plenty for four flat colours with smooth edges, and keep files small.
    small = image.quantize(colors=64, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    small.save(ICONS / name, optimize=True)


def main() -> None:
    save(draw(192, rounded=True, content=1.0), "icon-192.png")
    save(draw(512, rounded=True, content=1.0), "icon-512.png")
    # Maskable: the whole square is background; the drawing sits inside the safe zone.
    save(draw(512, rounded=False, content=0.72), "icon-maskable-512.png", opaque=True)
    # iOS rounds the corners itself and shows transparency as black.
    save(draw(180, rounded=False, content=0.9), "apple-touch-icon.png", opaque=True)
    for path in sorted(ICONS.glob("*.png")):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
