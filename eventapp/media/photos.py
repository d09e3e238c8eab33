"""Speaker photos: checked to be real images, re-encoded without metadata, stored by random name.

An upload is never kept as sent. It must open in Pillow as JPEG, PNG, WebP or GIF (whatever
its file name says), its pixel count is checked from the header before any pixel is decoded,
and only the picture itself is written back: turned upright, at most 800 px on its longest
side, in sRGB, with no EXIF (GPS included), XMP, ICC profile or comments. Opaque pictures
are saved as JPEG; pictures that really use transparency as WebP, which keeps the alpha
channel (JPEG cannot) and which every current browser and WeasyPrint read.

Files live in ``<instance>/uploads/photos/`` under a name made of 144 random bits, so a name
cannot be guessed and is never reused (the route may let browsers cache a photo forever).
"""

import io
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps

MAX_BYTES = 5 * 1024 * 1024
#: Largest accepted picture, from its header: a 40-megapixel photo still decodes in about
#: 160 MB; beyond that a small file can be a decompression bomb.
MAX_PIXELS = 40_000_000
#: Longest side of the stored copy: enough for the large avatar on high-density screens and
#: for printed badges.
MAX_SIDE = 800
JPEG_QUALITY = 85
WEBP_QUALITY = 85
#: Formats Pillow may try; anything else (TIFF, BMP, SVG, PDF...) is refused unopened.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
TOKEN_BYTES = 18  # 144 bits: token_urlsafe gives 24 characters
MIMETYPES = {".jpg": "image/jpeg", ".webp": "image/webp"}
#: Exactly the names store_photo makes: no dot, slash or backslash can reach the file system.
_NAME = re.compile(r"[A-Za-z0-9_-]{24}\.(?:jpg|webp)")
#: Modes Pillow resizes well as they are; others (palette, 1-bit, 16-bit) are converted first.
_RESIZABLE_MODES = ("RGB", "RGBA", "L", "LA", "CMYK")

NOT_AN_IMAGE = _l("This file is not an image we can read (JPEG, PNG, WebP or GIF).")


class PhotoError(ValueError):
    """An upload refused; str() of it is a sentence to show the person who sent it."""


def too_large_message(max_bytes: int = MAX_BYTES):
    """The refusal for a file over the size limit."""
    # format(), not an f-string: the extractor warns about any f-string in a call of _l.
    return _l("The photo is larger than %(size)s MB.", size=format(max_bytes / 1024 / 1024, "g"))


def too_many_pixels_message():
    """The refusal for a picture with too many pixels (or a decompression bomb)."""
    return _l(
        "The image is too large (more than %(count)s million pixels).",
        count=MAX_PIXELS // 1_000_000,
    )


def store_photo(
    stream: BinaryIO,
    *,
    max_bytes: int = MAX_BYTES,
    folder: Path | None = None,
    max_side: int = MAX_SIDE,
) -> str:
    """Check an uploaded photo, store a clean re-encoded copy and return its file name.

    Raises PhotoError, whose message is meant for the person uploading. Needs an app
    context (the instance folder); the message is translated when it is turned into text.
    Other images go through the same checks into a folder of their own (`folder`: logos,
    signatures, receipts), with a larger `max_side` where details must stay legible.
    """
    data = read_at_most(stream, max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError(too_large_message(max_bytes))
    return store_image_bytes(data, folder=folder, max_side=max_side)


def store_image_bytes(data: bytes, *, folder: Path | None = None, max_side: int = MAX_SIDE) -> str:
    """store_photo for an upload already read (and its size checked)."""
    image = open_image(data, max_side=max_side)
    clean = clean_copy(image, max_side=max_side)
    return _write(clean, "webp" if clean.mode == "RGBA" else "jpg", folder)


def open_image(data: bytes, *, max_side: int = MAX_SIDE) -> Image.Image:
    """The decoded first frame of a real JPEG, PNG, WebP or GIF; its size checked first."""
    try:
        # verify() reads the whole file's structure (PNG checksums, chunk order) without
        # decoding pixels; a verified image cannot be used any more, so open it again.
        with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard in Image.open (the warning is an exception only where warnings
        # are errors, as in the tests; elsewhere the check below refuses the file).
        raise PhotoError(too_many_pixels_message()) from exc
    except Exception as exc:
        # A malformed file can make a parser raise nearly anything (OSError, SyntaxError,
        # struct.error...); to the person uploading it is all the same thing.
        raise PhotoError(NOT_AN_IMAGE) from exc
    # width and height come from the header: nothing has been decoded yet.
    if image.width * image.height > MAX_PIXELS:
        raise PhotoError(too_many_pixels_message())
    # JPEG only: let the decoder scale down by 1/2, 1/4 or 1/8 while still leaving at least
    # MAX_SIDE px, which saves most of the memory and time of a big camera photo.
    image.draft(None, (max_side, max_side))
    try:
        image.load()
    except Exception as exc:  # truncated or corrupt pixel data
        raise PhotoError(NOT_AN_IMAGE) from exc
    return image


def clean_copy(image: Image.Image, *, max_side: int = MAX_SIDE) -> Image.Image:
    """The picture alone: upright, at most MAX_SIDE px, sRGB, RGB or RGBA, no metadata."""
    if image.mode not in _RESIZABLE_MODES:
        # Palettes and 1-bit images resize badly (nearest neighbour) and 16-bit ones not at
        # all; converting first keeps their transparency (and .info, for EXIF and ICC).
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    # A square box: the long side is limited whichever way the EXIF turns the picture, so
    # shrinking can come before the (full-size) rotation.
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    image = upright(image)
    image = to_srgb(image)
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")  # an alpha channel nobody uses: store a JPEG
    # A new image carries nothing over: no EXIF (GPS), XMP, ICC, comments or text chunks,
    # whatever each encoder would otherwise copy from .info.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    return clean


def upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says, since the EXIF itself is dropped."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # A damaged EXIF block only costs the rotation hint, not the photo.
        return image


def to_srgb(image: Image.Image) -> Image.Image:
    """RGB or RGBA in sRGB: an embedded profile (Display P3, Adobe RGB, CMYK) is applied,
    not kept, so colours stay right once the profile is gone."""
    mode = "RGBA" if image.has_transparency_data else "RGB"
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=mode
            )
            if converted is not None:  # None only when converting in place
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unreadable profile, or one that does not fit the mode: plain numbers
    return image if image.mode == mode else image.convert(mode)


def photos_folder() -> Path:
    """Where stored photos live: <instance>/uploads/photos."""
    return Path(current_app.instance_path) / "uploads" / "photos"


def photo_path(name: str) -> Path | None:
    """The stored file for a name, or None when the name is not one we make or is gone."""
    if not _NAME.fullmatch(name):
        return None
    path = photos_folder() / name
    return path if path.is_file() else None


def delete_photo(name: str | None) -> None:
    """Remove a stored photo; a missing file or a name that is not ours is ignored."""
    path = photo_path(name) if name else None
    if path is not None:
        path.unlink(missing_ok=True)


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to limit bytes; stops there, so an oversized upload is never read whole."""
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(min(64 * 1024, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def copy_photo(name: str | None) -> str | None:
    """The stored photo copied under a new name of its own (a copied event's speaker), so
    that deleting either never removes the other; None when there is no such photo."""
    source = photo_path(name) if name else None
    if source is None:
        return None

    def write(f: BinaryIO) -> None:
        with source.open("rb") as original:
            shutil.copyfileobj(original, f)

    return _save_new(source.suffix.lstrip("."), write)


def _write(image: Image.Image, extension: str, folder: Path | None = None) -> str:
    """Save under a new random name."""

    def write(f: BinaryIO) -> None:
        if extension == "webp":
            image.save(f, "WEBP", quality=WEBP_QUALITY)
        else:
            image.save(f, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)

    return _save_new(extension, write, folder)


def _save_new(extension: str, write: Callable[[BinaryIO], None], folder: Path | None = None) -> str:
    """A new random name whose file `write` fills, atomically: a reader never sees half
    a file."""
    folder = folder or photos_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(TOKEN_BYTES)}.{extension}"
    # The temporary name starts with a dot, so photo_path() never serves it.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name
