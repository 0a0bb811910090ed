"""An uploaded .xlsx checked as a zip archive before anything parses it (zip bombs).

An .xlsx is a zip of XML files. A few hundred KB of deflated XML can stand for gigabytes, and a
parser asked to read it spends minutes and gigabytes (a 613 KB file took 26.9 s and 1.26 GB). So the
archive's central directory is read first — no entry is decompressed — and the file is refused when
it declares too many entries, too much uncompressed content, or an entry (or the whole) compressed
far more than real workbooks are. The declared sizes are a sound bound: ``zipfile``, which openpyxl
reads through, never returns more bytes of an entry than its declared size.

The limits leave ample room for real workbooks: the 20,000-row lists workbook of the benchmark is
about 12 MB uncompressed in 13 entries, compressed about 16:1."""

from __future__ import annotations

import io
import logging
import zipfile

from domain.errors import ValidationError

log = logging.getLogger(__name__)

MAX_ENTRIES = 1_000
MAX_UNCOMPRESSED_MB = 128
MAX_UNCOMPRESSED = MAX_UNCOMPRESSED_MB * 1024 * 1024
MAX_RATIO = 100  # uncompressed : compressed, per entry and overall (Apache POI's default too)
RATIO_FROM = 1024 * 1024  # smaller entries (styles, themes) may compress better without harm
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what Excel, WPS and LibreOffice write


class ArchiveRefused(ValueError):
    """The upload is not a readable zip (``reason == "not_zip"``) or is too large / too compressed
    to be a real workbook (``reason == "too_large"``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason, self.detail = reason, detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def check_archive(data: bytes) -> None:
    """Raise ``ArchiveRefused`` unless ``data`` is a zip within the limits above."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ArchiveRefused("not_zip")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ArchiveRefused("not_zip", str(exc)) from None
    if len(entries) > MAX_ENTRIES:
        raise ArchiveRefused("too_large", f"{len(entries)} entries")
    total = compressed = 0
    for entry in entries:
        if entry.compress_type not in METHODS or entry.flag_bits & 0x1:  # other methods, or encrypted
            raise ArchiveRefused("not_zip", f"{entry.filename}: method {entry.compress_type}")
        total += entry.file_size
        compressed += entry.compress_size
        if entry.file_size > RATIO_FROM and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise ArchiveRefused("too_large", f"{entry.filename}: {entry.file_size} from {entry.compress_size}")
    if total > MAX_UNCOMPRESSED:
        raise ArchiveRefused("too_large", f"{total} bytes uncompressed")
    if total > RATIO_FROM and total > MAX_RATIO * max(compressed, 1):
        raise ArchiveRefused("too_large", f"{total} bytes from {compressed}")


def check_upload(data: bytes, *, field: str, not_a_workbook: str) -> None:
    """``check_archive`` for a form field: a ``ValidationError`` on ``field`` in the user's words —
    ``not_a_workbook`` (a locale key) for a file that is no zip, ``error.workbook_too_large`` for a
    bomb or an oversized workbook."""
    try:
        check_archive(data)
    except ArchiveRefused as err:
        log.warning("upload refused before parsing: %s", err)
        if err.reason == "too_large":
            raise ValidationError(field, "error.workbook_too_large", max_mb=MAX_UNCOMPRESSED_MB) from None
        raise ValidationError(field, not_a_workbook) from None
