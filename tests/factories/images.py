"""Pictures as phones send them: with EXIF metadata, including where they were taken."""

from __future__ import annotations

import io

from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F


def photo_with_location(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small JPEG whose EXIF names the camera and the GPS position it was taken at."""
    image = Image.new("RGB", (24, 16), colour)
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (42.0, 41.0, 53.0), 3: "E", 4: (23.0, 19.0, 21.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def exif_of(picture: bytes) -> dict[int, object]:
    """The EXIF tags a picture carries (empty when it has none)."""
    with Image.open(io.BytesIO(picture)) as image:
        return dict(image.getexif())
