"""Receipt files: what may be uploaded, checked on the model field so every way in (pages,
API, import) gets the same rule; and they are served only through a tenant-scoped view,
never as public media.

The stored name's extension and the served Content-Type are those of the *detected* kind,
never the client's filename: a file starting `%PDF-` named `poly.html` is `….pdf`, served
as application/pdf (and rows stored before this rule are served by their content too)."""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.http import HttpResponse
from django.utils.http import content_disposition_header

RECEIPT_MAX_BYTES = 10 * 1024 * 1024
RECEIPT_TYPES = "PDF, PNG, JPEG, WebP or HEIC"
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "heic": "image/heic",
}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def receipt_kind(head: bytes) -> str | None:
    """The file's type from its first bytes (the name and Content-Type are the client's
    word; the content is what a reader will open)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return None


def read_head(file: File[bytes]) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head: bytes = file.read(16)
    file.seek(position)
    return head


def validate_receipt(file: File[bytes] | None) -> None:
    if not file:
        return
    if file.size is not None and file.size > RECEIPT_MAX_BYTES:
        raise ValidationError("The receipt is larger than 10 MB.", code="file_too_large")
    if receipt_kind(read_head(file)) is None:
        raise ValidationError(f"A receipt must be a {RECEIPT_TYPES} file.", code="invalid")


def receipt_named_by_content(file: File[bytes]) -> File[bytes]:
    """The upload renamed `<client's stem>.<detected kind>`, so the name on disk says what
    the bytes are. A file of no receipt kind keeps its name: the validator refuses it."""
    kind = receipt_kind(read_head(file))
    if kind is not None:
        stem = os.path.splitext(os.path.basename(file.name or ""))[0] or "receipt"
        file.name = f"{stem}.{kind}"
    return file


def receipt_response(receipt: FieldFile) -> HttpResponse:
    """The stored receipt as an attachment typed by its content (the page and the API both
    answer with this, after their own workspace check)."""
    # Receipts are small (capped at 10 MB): read and close the file here rather than leave
    # a streaming response holding it open.
    with receipt.open("rb") as stored:
        content = stored.read()
    kind = receipt_kind(content[:16])
    stem = os.path.splitext(os.path.basename(receipt.name or ""))[0] or "receipt"
    response = HttpResponse(
        content, content_type=CONTENT_TYPES[kind] if kind else "application/octet-stream"
    )
    filename = f"{stem}.{kind}" if kind else stem
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
