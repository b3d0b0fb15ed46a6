"""The workspace logo: judged by its content, not its name, and stored small.

Every invoice PDF inlines the logo, and drafts re-render on each request: a 12,000 × 12,000
PNG of 140 KB once cost ~2 s and +250 MB per render. So a logo is refused when its header
announces more than LOGO_MAX_PIXELS (read by `Image.open`, which parses the header only;
the pixels are never decoded for a refused file), and what is stored is always a PNG at
most LOGO_MAX_SIDE on its long side. The model field's validator and the service both call
`logo_check`, so the page (a form error) and the API (a 400) refuse the same files."""

from __future__ import annotations

import io
import os
import warnings

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 1024
# 16 megapixels: decoding one to scale it down takes ~64 MB once, at upload; well below
# Pillow's own bomb threshold (Image.MAX_IMAGE_PIXELS, ~89 MP), which is not relied on.
LOGO_MAX_PIXELS = 4096 * 4096
LOGO_FORMATS = {"PNG", "JPEG"}


def _open(file: File[bytes]) -> Image.Image:
    """Opened from a copy (at most LOGO_MAX_BYTES, checked first): closing the image must
    not close the upload, which is still to be saved."""
    file.seek(0)
    content = io.BytesIO(file.read())
    file.seek(0)
    with warnings.catch_warnings():
        # Pillow warns past MAX_IMAGE_PIXELS and raises past twice that; either way the
        # image is far over our own cap: one clear answer for both.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(content)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ValidationError(
                f"The logo has too many pixels (at most {LOGO_MAX_PIXELS:,}).",
                code="logo_too_many_pixels",
            ) from exc
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise ValidationError("Upload a PNG or JPEG logo.", code="invalid") from exc


def logo_check(file: File[bytes]) -> None:
    """Refuse a logo over the byte cap, of another format than PNG or JPEG, or whose
    header announces more than LOGO_MAX_PIXELS: all without decoding the pixels."""
    if file.size is not None and file.size > LOGO_MAX_BYTES:
        raise ValidationError("The logo is larger than 512 KB.", code="file_too_large")
    image = _open(file)
    try:
        if image.format not in LOGO_FORMATS:
            raise ValidationError("Upload a PNG or JPEG logo.", code="invalid")
        width, height = image.size
        if width * height > LOGO_MAX_PIXELS:
            raise ValidationError(
                f"The logo has too many pixels ({width} × {height}; at most "
                f"{LOGO_MAX_PIXELS:,}). Scale it down first.",
                code="logo_too_many_pixels",
            )
    finally:
        image.close()


def logo_normalized(file: File[bytes]) -> ContentFile[bytes]:
    """The checked logo as a PNG at most LOGO_MAX_SIDE on its long side, proportions kept
    (a smaller one keeps its size); named `<client's stem>.png`."""
    logo_check(file)
    with _open(file) as image:
        image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE))  # JPEG: decodes at a reduced scale
        if image.mode not in ("RGB", "RGBA", "L", "LA", "1", "P"):
            image = image.convert("RGB")  # CMYK and other JPEG modes PNG cannot hold
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
    stem = os.path.splitext(os.path.basename(file.name or ""))[0] or "logo"
    return ContentFile(buffer.getvalue(), name=f"{stem}.png")
