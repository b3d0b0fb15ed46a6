"""Receipt files: what may be uploaded, checked on the model field so every way in (pages,
API, import) gets the same rule; and they are served only through a tenant-scoped view,
never as public media."""

from django.core.exceptions import ValidationError

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


def read_head(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    return head


def validate_receipt(file) -> None:
    if not file:
        return
    if file.size > RECEIPT_MAX_BYTES:
        raise ValidationError("The receipt is larger than 10 MB.", code="file_too_large")
    if receipt_kind(read_head(file)) is None:
        raise ValidationError(
            f"A receipt must be a {RECEIPT_TYPES} file.", code="invalid_file_type"
        )
