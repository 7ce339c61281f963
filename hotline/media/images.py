"""Copies of reporters' pictures without their metadata (where and when a photo was taken,
the camera, thumbnails), for staff to look at; the original stays sealed as evidence.

Pillow decodes the picture and writes only its pixels again. Anything it cannot read, or
that is not a plain picture, has no cleaned copy.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

# A bound on what one picture may cost to decode (a crafted file can claim any size).
MAX_PIXELS = 40_000_000
_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/png", "WEBP": "image/png"}


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded picture carrying no metadata."""

    content_type: str
    content: bytes


def clean_image(original: bytes) -> CleanImage | None:
    """The picture re-encoded from its pixels alone, or None if it is not one we can read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(original)) as image:
                kind = image.format or ""
                if kind not in _FORMATS or image.width * image.height > MAX_PIXELS:
                    return None
                # Turn it the way the camera said, before that note is dropped with the rest.
                upright = ImageOps.exif_transpose(image)
                pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
                if pixels.mode not in {"RGB", "RGBA", "L", "LA"}:
                    pixels = pixels.convert("RGBA" if "A" in pixels.getbands() else "RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return None
    out = io.BytesIO()
    if kind == "JPEG" and pixels.mode in {"RGB", "L"}:
        pixels.save(out, "JPEG", quality=90)
        return CleanImage("image/jpeg", out.getvalue())
    pixels.save(out, "PNG")
    return CleanImage("image/png", out.getvalue())
