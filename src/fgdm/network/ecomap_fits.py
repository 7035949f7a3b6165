"""How tall each network map was found to need, shared by the workers on one machine, so
the search for the least height that fits (the dearest part of drawing the village around
the child) is done once per change rather than once per worker, and a worker started after
another was lost draws its first maps in one try.

Only a digest of what was drawn and a number are kept, in a folder of this user's own under
the system's temporary folder: no name or other detail of a family. Nothing here is needed:
a folder that is missing, full or unreadable, or a file that is damaged, only means
searching again."""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import stat
import tempfile
from pathlib import Path

SLOTS_DIGITS = 3  # 4,096 files at most, each under 100 bytes; a clash only means a search


class EcomapFits:
    """The stretch found for each drawing, by a digest of everything the search depends
    on."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def _slot(self, digest: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{digest[:SLOTS_DIGITS]}.fit"

    def get(self, key: str, *, least: float, most: float) -> float | None:
        """The stretch a worker found for this drawing, if one is kept and believable."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        slot = self._slot(digest)
        if slot is None:
            return None
        try:
            kept_digest, value = slot.read_text(encoding="ascii").split()
            stretch = float(value)
        except (OSError, ValueError, UnicodeError):
            return None
        if kept_digest != digest or not math.isfinite(stretch) or not least <= stretch <= most:
            return None
        return stretch

    def put(self, key: str, stretch: float) -> None:
        """Keeps the stretch found for this drawing (written whole, then moved into place,
        so a reader never sees half of it)."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        slot = self._slot(digest)
        if slot is None:
            return
        try:
            handle, name = tempfile.mkstemp(dir=slot.parent, suffix=".part")
        except OSError:
            return
        try:
            with os.fdopen(handle, "w", encoding="ascii") as file:
                file.write(f"{digest} {stretch!r}\n")
            os.replace(name, slot)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(name)


def private_folder(name: str) -> Path | None:
    """A folder of this user's own under the system's temporary folder, made if needed;
    none if it cannot be made or another user could reach it."""
    folder = Path(tempfile.gettempdir()) / f"fgdm-{name}-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != os.getuid()
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        return None
    return folder
