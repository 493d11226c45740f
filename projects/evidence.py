"""What a file must be to be kept as evidence (SPEC §10), checked before anything is stored:
its name, its size, and its type — read from its content, never from its extension alone.
Also: finding files in storage that no row names, and rows whose file is gone."""

import hashlib
import unicodedata
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from projects.formats import size
from projects.models.evidence import ATTACHMENTS_DIR, Attachment

# Detected type -> the extensions a file of that type may carry.
ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    "application/zip": ("zip",),
    "text/plain": ("txt", "csv", "md", "log"),
}
ALLOWED_NAMES = "PDF, PNG, JPEG, GIF, WebP, Word, Excel, PowerPoint, OpenDocument, ZIP, text, CSV"
NAME_MAX_LENGTH = 200
# Text that a browser could take for a page or a picture: never kept as "text".
MARKUP = (b"<html", b"<script", b"<svg", b"<!doctype", b"<?xml", b"<body", b"<iframe", b"<head")


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_MB * 1024 * 1024


@dataclass(frozen=True)
class Checked:
    name: str
    size: int
    sha256: str
    mime_type: str


def check_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise ValidationError("The file has no name.", code="no_name")
    if "/" in name or "\\" in name:
        raise ValidationError(
            "A file name cannot contain “/” or “\\”: rename the file.", code="path"
        )
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        raise ValidationError(
            "The file name contains control characters: rename the file.", code="control"
        )
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"File names are kept up to {NAME_MAX_LENGTH} characters: rename the file.",
            code="long_name",
        )
    return name


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut by the sample's end
            return False
    lowered = head.lower()
    return not any(tag in lowered for tag in MARKUP)


def detect(head: bytes) -> str | None:
    """The type of a file from its first bytes, among the allowed ones (None otherwise)."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime if kind.mime in ALLOWED else None
    return "text/plain" if _is_text(head) else None


def check_upload(upload: UploadedFile) -> Checked:
    """Refuse, with the reason, a file that must not be kept; else its name, size, hash and
    type (nothing is stored here)."""
    name = check_name(upload.name)
    limit = settings.ATTACHMENT_MAX_MB
    if upload.size is not None and upload.size > max_bytes():
        raise ValidationError(
            f"The file is {size(upload.size)}; files are kept up to {limit} MB.",
            code="too_large",
        )
    if not upload.size:
        raise ValidationError("The file is empty (0 bytes).", code="empty")
    upload.seek(0)
    head = upload.read(8192)
    mime = detect(head)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if mime is None:
        raise ValidationError(
            f"“{name}” is not a kind of file kept here (its content was read, not its name). "
            f"Allowed: {ALLOWED_NAMES}.",
            code="type",
        )
    if extension not in ALLOWED[mime]:
        raise ValidationError(
            f"“{name}” does not contain what its name says: its content is "
            f"{mime.split('/')[-1].split('.')[-1].upper()}. Rename it, or attach the right file.",
            code="mismatch",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return Checked(name=name, size=upload.size, sha256=digest.hexdigest(), mime_type=mime)


@dataclass(frozen=True)
class Orphans:
    files: list[str]  # stored, named by no row
    rows: list[int]  # rows whose file is gone


def find_orphans() -> Orphans:
    """Compare storage with the rows: both kinds of stray, for the PMO to look into."""
    try:
        _, names = default_storage.listdir(ATTACHMENTS_DIR)
    except FileNotFoundError:
        names = []
    stored = {f"{ATTACHMENTS_DIR}/{name}" for name in names}
    rows = dict(Attachment.objects.values_list("file", "pk"))
    return Orphans(
        files=sorted(stored - rows.keys()),
        rows=sorted(pk for name, pk in rows.items() if name not in stored),
    )
