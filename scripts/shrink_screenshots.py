"""Shrinks the README's screenshots so the repository stays small: each PNG is cut to a
palette of at most 128 colours (plenty for text and flat colours) and saved optimised.

Run: .venv/bin/python scripts/shrink_screenshots.py docs/screenshots"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

COLOURS = 128


def shrink(path: Path) -> tuple[int, int]:
    """Rewrites one PNG with a small palette; returns its size before and after."""
    before = path.stat().st_size
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=COLOURS, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return before, path.stat().st_size


def main(folder: str) -> int:
    pictures = sorted(Path(folder).glob("*.png"))
    if not pictures:
        print(f"no screenshots in {folder}", file=sys.stderr)
        return 1
    for path in pictures:
        before, after = shrink(path)
        print(f"{path}: {before / 1024:.0f} KB -> {after / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
