"""Pictures families upload (photos of drawings): checked by what is in the file, not its
name, then redrawn from the pixels alone so that nothing else in the file is kept."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from fgdm.i18n import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000
MAX_SIDE = 2048
JPEG_QUALITY = 85
WEBP_QUALITY = 85

MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Held while an upload is decoded, and while anything that changes Pillow's settings for the
# whole process runs (importing WeasyPrint does: plans/pdf.py), so no upload is ever decoded
# with those settings changed.
PILLOW_SETTINGS = threading.Lock()
# Everything Pillow may raise while reading a damaged or hostile file.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


class UploadError(ValueError):
    """An upload that cannot be used, with a message to show the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class CleanImage:
    """A picture that is safe to store and show: re-encoded, with no metadata at all."""

    content: bytes
    mime: str
    width: int
    height: int


def _not_a_picture() -> UploadError:
    return UploadError(_("That file is not a photo. Choose a JPEG, PNG or WebP picture."))


def _damaged() -> UploadError:
    return UploadError(
        _("That picture is damaged or did not arrive in full. Try again, or choose another one.")
    )


def _too_many_pixels() -> UploadError:
    return UploadError(
        _("That picture is too large to open safely. Choose a smaller picture or take a new photo.")
    )


def sniff_format(data: bytes) -> str | None:
    """The picture format the file's first bytes announce (JPEG, PNG or WEBP), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _plain_mode(image: Image.Image, kind: str) -> Image.Image:
    """The image in a mode the output format can hold, keeping see-through parts for PNG
    and WebP; palettes and odd modes become plain colour."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if kind == "JPEG":
        wanted = "L" if image.mode in ("1", "L", "LA", "I;16", "I") else "RGB"
    elif has_alpha:
        wanted = "RGBA"
    else:
        wanted = "RGB"
    return image if image.mode == wanted else image.convert(wanted)


def clean_upload(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    max_side: int = MAX_SIDE,
) -> CleanImage:
    """Checks an uploaded picture and returns it re-encoded with no metadata, turned the
    right way up and no bigger than max_side; raises UploadError if it cannot be used."""
    if not data:
        raise UploadError(_("That file is empty. Choose a JPEG, PNG or WebP picture."))
    # Refuse before Pillow sees a byte: a huge file costs memory and time to decode.
    if len(data) > max_bytes:
        raise UploadError(
            _("That picture is too big. Choose one smaller than %(megabytes)s MB.")
            % {"megabytes": f"{max_bytes / (1024 * 1024):g}"}
        )
    kind = sniff_format(data)
    if kind is None:
        raise _not_a_picture()

    with PILLOW_SETTINGS:
        # A picture cut short is refused, whatever else in the process asked Pillow for.
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        return _decoded(data, kind, max_pixels=max_pixels, max_side=max_side)


def _decoded(data: bytes, kind: str, *, max_pixels: int, max_side: int) -> CleanImage:
    """The upload decoded, checked and drawn again from its pixels alone."""
    try:
        # formats= stops Pillow trying every other decoder it knows on a file that lies.
        with Image.open(io.BytesIO(data), formats=[kind]) as probe:
            width, height = probe.size
            # Opening reads only the header, so a decompression bomb is caught here, before
            # any pixels are unpacked.
            if width * height > max_pixels:
                raise _too_many_pixels()
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[kind]) as image:
            if image.format != kind:
                raise _not_a_picture()
            image.load()
            upright = ImageOps.exif_transpose(image)
            plain = _plain_mode(upright, kind)
            # A new image from the pixels alone: no EXIF (GPS), XMP, ICC, comments, text
            # chunks or trailing bytes can come along.
            clean = Image.frombytes(plain.mode, plain.size, plain.tobytes())
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels() from error
    except UnidentifiedImageError as error:
        raise _not_a_picture() from error
    except _DECODE_ERRORS as error:
        raise _damaged() from error

    if max(clean.size) > max_side:
        clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)

    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    elif kind == "PNG":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="WEBP", quality=WEBP_QUALITY)
    return CleanImage(
        content=out.getvalue(), mime=MIME_TYPES[kind], width=clean.width, height=clean.height
    )
