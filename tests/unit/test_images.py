"""Uploaded pictures are accepted by what is in the file, never by its name; anything that
is not a JPEG, PNG or WebP picture, is too big, is a decompression bomb or is damaged is
refused with a plain message; what is kept is redrawn from the pixels with no metadata."""

from __future__ import annotations

import io
import struct
import sys
import zlib

import pytest
from PIL import Image, PngImagePlugin

import fgdm.plans.pdf  # noqa: F401 - loads WeasyPrint, as the running app does
from fgdm.stories import images
from fgdm.stories.images import CleanImage, UploadError, clean_upload

NOT_A_PHOTO = "That file is not a photo. Choose a JPEG, PNG or WebP picture."
GPS_IFD = 0x8825
ORIENTATION = 0x0112
# Distinctive numbers, so finding their bytes in the output cannot be a coincidence.
LATITUDE = ((51, 1), (30, 1), (1234567, 100000))
LONGITUDE = ((0, 1), (7, 1), (3918273, 100000))


def picture(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), mode: str = "RGB", **save_args
) -> bytes:
    """A small picture with some detail in it, so that encoders have real work to do."""
    image = Image.new(mode, size, "white" if mode != "RGBA" else (255, 255, 255, 0))
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            colour = ((x * 7) % 256, (y * 5) % 256, ((x + y) * 3) % 256)
            fill = colour + (255,) if mode == "RGBA" else colour
            image.paste(fill, (x, y, min(x + 4, size[0]), min(y + 4, size[1])))
    out = io.BytesIO()
    image.save(out, format=fmt, **save_args)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def refusal(data: bytes, **limits) -> str:
    with pytest.raises(UploadError) as caught:
        clean_upload(data, **limits)
    return caught.value.message


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_a_plain_jpeg_comes_back_as_a_jpeg_of_the_same_size():
    result = clean_upload(picture("JPEG", (64, 48)))
    assert isinstance(result, CleanImage)
    assert result.mime == "image/jpeg"
    assert (result.width, result.height) == (64, 48)
    assert opened(result.content).format == "JPEG"


def test_a_png_stays_a_png_and_keeps_its_see_through_parts():
    result = clean_upload(picture("PNG", (40, 40), mode="RGBA"))
    assert result.mime == "image/png"
    back = opened(result.content)
    assert back.format == "PNG"
    assert back.mode == "RGBA"
    assert back.getpixel((6, 6))[3] == 0


def test_a_webp_stays_a_webp():
    result = clean_upload(picture("WEBP", (50, 30)))
    assert result.mime == "image/webp"
    assert opened(result.content).format == "WEBP"
    assert (result.width, result.height) == (50, 30)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, id="windows-program"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200, id="linux-program"),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
            b'onload="alert(1)"><script>alert(1)</script></svg>',
            id="svg",
        ),
        pytest.param(b"Dear social worker,\nthis is only a letter.\n", id="text"),
        pytest.param(b"<!doctype html><html><script>alert(1)</script></html>", id="html"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", id="pdf"),
    ],
)
def test_a_file_that_is_not_a_picture_is_refused_whatever_it_is_called(data):
    # There is no file name to trust: a program saved as photo.jpg is still a program.
    assert refusal(data) == NOT_A_PHOTO


def test_a_gif_is_refused():
    assert refusal(picture("GIF", mode="RGB")) == NOT_A_PHOTO


def test_a_bmp_is_refused():
    assert refusal(picture("BMP")) == NOT_A_PHOTO


def test_an_empty_file_is_refused():
    assert "empty" in refusal(b"")


def test_a_file_that_starts_like_a_png_but_is_not_one_is_refused():
    fake = b"\x89PNG\r\n\x1a\n" + picture("JPEG")
    assert refusal(fake) == NOT_A_PHOTO


def test_a_file_over_the_size_limit_is_refused_before_it_is_decoded(monkeypatch):
    def must_not_decode(*args, **kwargs):
        raise AssertionError("a file over the limit was decoded")

    monkeypatch.setattr(images.Image, "open", must_not_decode)
    too_big = b"\xff\xd8\xff\xe0" + b"\x00" * (5 * 1024 * 1024)
    assert refusal(too_big) == "That picture is too big. Choose one smaller than 5 MB."


def test_the_size_limit_in_the_message_follows_the_limit_used():
    just_over = b"\xff\xd8\xff\xe0" + b"\x00" * (2 * 1024 * 1024)
    message = refusal(just_over, max_bytes=2 * 1024 * 1024)
    assert message == "That picture is too big. Choose one smaller than 2 MB."


def test_a_decompression_bomb_is_refused():
    # A 30000 x 30000 PNG of zeros: about 110 kB on disk, 900 million pixels when opened.
    side = 30000
    row = b"\x00" * (1 + side // 8)
    squash = zlib.compressobj(9)
    body = b"".join(squash.compress(row * 1000) for _ in range(side // 1000)) + squash.flush()
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )
    assert len(bomb) < 5 * 1024 * 1024
    assert "too large to open safely" in refusal(bomb)


def test_a_picture_with_more_pixels_than_allowed_is_refused_without_decoding_it():
    assert "too large to open safely" in refusal(picture("PNG", (20, 20)), max_pixels=399)
    assert clean_upload(picture("PNG", (20, 20)), max_pixels=400).width == 20


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_picture_cut_short_is_refused(fmt, monkeypatch):
    # Even with the PDF library loaded in the same process (it relaxes Pillow on import),
    # and even if anything else relaxed Pillow after that.
    from PIL import ImageFile

    from fgdm.plans import pdf

    pdf._weasyprint()
    assert "weasyprint" in sys.modules
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = picture(fmt, (200, 150))
    message = refusal(whole[: len(whole) // 2])
    assert "damaged" in message


def gps_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretPhoneMaker"
    exif[0x0110] = "SecretPhoneModel"
    exif[GPS_IFD] = {
        1: "N",
        2: tuple(num / den for num, den in LATITUDE),
        3: "W",
        4: tuple(num / den for num, den in LONGITUDE),
    }
    return picture(
        "JPEG",
        (80, 60),
        exif=exif,
        comment=b"taken at 12 Secret Road",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>SecretXmpPlace</x:xmpmeta>",
    )


def test_the_test_photo_really_carries_gps_and_other_metadata():
    original = gps_photo()
    assert opened(original).getexif().get_ifd(GPS_IFD)
    assert b"Exif" in original
    assert b"SecretPhoneMaker" in original
    assert b"SecretXmpPlace" in original
    assert b"12 Secret Road" in original


def test_a_photo_with_gps_comes_back_with_no_location_or_other_metadata():
    result = clean_upload(gps_photo())
    back = opened(result.content)
    assert dict(back.getexif()) == {}
    assert back.getexif().get_ifd(GPS_IFD) == {}
    assert "exif" not in back.info
    assert "xmp" not in back.info
    assert "comment" not in back.info
    for secret in (b"Exif", b"SecretPhoneMaker", b"SecretXmpPlace", b"Secret Road"):
        assert secret not in result.content
    for num, den in LATITUDE + LONGITUDE:
        if num > 100:
            assert struct.pack(">II", num, den) not in result.content
            assert struct.pack("<II", num, den) not in result.content


def test_a_photo_taken_sideways_is_turned_the_right_way_up():
    # Stored 40 wide and 20 high, left half red, right half blue, with orientation 6:
    # "turn a quarter clockwise to show". Shown properly it is 20 wide, 40 high, red on top.
    image = Image.new("RGB", (40, 20), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    result = clean_upload(out.getvalue())
    assert (result.width, result.height) == (20, 40)
    back = opened(result.content).convert("RGB")
    top, bottom = back.getpixel((10, 8)), back.getpixel((10, 32))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60
    assert ORIENTATION not in back.getexif()


def test_a_large_picture_is_made_smaller_keeping_its_shape():
    result = clean_upload(picture("JPEG", (3000, 1500)))
    assert (result.width, result.height) == (2048, 1024)
    assert opened(result.content).size == (2048, 1024)


def test_the_longest_side_limit_can_be_chosen():
    result = clean_upload(picture("PNG", (300, 600)), max_side=100)
    assert (result.width, result.height) == (50, 100)


def test_a_png_loses_its_text_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "SecretPngComment")
    info.add_itxt("Location", "SecretPngPlace")
    original = picture("PNG", pnginfo=info)
    assert b"SecretPngComment" in original
    result = clean_upload(original)
    back = opened(result.content)
    assert back.text == {}
    assert b"tEXt" not in result.content
    assert b"iTXt" not in result.content
    assert b"SecretPng" not in result.content


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00secret.exe" + b"\x00" * 40, id="zip"),
        pytest.param(b"<html><script>alert('hidden')</script></html>", id="html"),
    ],
)
def test_a_picture_with_something_hidden_after_it_comes_back_without_it(tail):
    result = clean_upload(picture("JPEG") + tail)
    assert result.mime == "image/jpeg"
    assert tail not in result.content
    assert b"PK\x03\x04" not in result.content
    assert b"<script" not in result.content
    assert result.content.endswith(b"\xff\xd9")


def test_a_png_with_something_hidden_after_it_comes_back_without_it():
    tail = b"<html><script>alert('hidden')</script></html>"
    result = clean_upload(picture("PNG") + tail)
    assert b"<script" not in result.content
    assert result.content.endswith(png_chunk(b"IEND", b""))


def test_a_palette_png_with_a_see_through_colour_keeps_it():
    image = Image.new("P", (10, 10), 0)
    image.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    image.paste(1, (5, 0, 10, 10))
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)
    back = opened(clean_upload(out.getvalue()).content)
    assert back.mode == "RGBA"
    assert back.getpixel((2, 2))[3] == 0
    assert back.getpixel((7, 2)) == (0, 255, 0, 255)
