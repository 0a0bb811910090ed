"""What an uploaded file becomes before it is stored: decoded in full and rewritten, or refused.

No database here: ``attachments`` calls :func:`clean_file` for every upload and ``check-attachments``
(manage.py) for every stored file.

- **Images** (JPEG, PNG, GIF, WebP) are decoded in full with Pillow — at most ``MAX_PIXELS`` pixels,
  checked from the header before any pixel is decoded (a decompression bomb never gets that far) —
  turned upright by their EXIF orientation, and encoded anew in their own format from the pixels
  alone: bytes after the image's end (an appended HTML page or ZIP), EXIF (GPS, camera), XMP,
  comments and text chunks do not survive. An animated GIF or WebP keeps its first frame.
- **PDFs** are parsed strictly with pypdf and written anew from the objects reachable from the
  trailer, so nothing after the last ``%%EOF`` (nor between objects) survives; a file that does not
  parse, is encrypted, or carries JavaScript, launch, form-submission or embedded-file actions
  (anywhere: the catalogue's ``/OpenAction`` and ``/Names``, a page's or an annotation's action) is
  refused.
- **Names** lose any path, markup and control or format characters (Chinese stays) and end with the
  extension of the stored type.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

log = logging.getLogger(__name__)

MAX_PIXELS = 50_000_000  # a 50-megapixel photo (8,660 × 5,773); larger is refused before decoding
# Pillow's own guard, for every image this process opens: it warns above this and refuses above twice it.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
PDF_TYPE = "application/pdf"
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    PDF_TYPE: (".pdf",),
    "application/octet-stream": (".bin",),  # how a stored file of an unknown type is offered
}
JPEG_QUALITY = 90
WEBP_QUALITY = 90

# Keys whose presence anywhere in a PDF's object graph refuses it: scripts, launchers, embedded files,
# rich media and XFA forms (which carry their own scripts).
_PDF_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
)
# Action types (``/S``) refused wherever an action sits (``/OpenAction``, ``/A``, ``/AA``, ``/Next``).
_PDF_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/GoToR",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
        "/Movie",
        "/Sound",
    }
)
_PDF_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Sound", "/Movie", "/Screen"})


class Refused(Exception):
    """The file cannot be stored; ``code`` is the locale key of the reason (``error.…``)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code, params)


def sniff(data: bytes) -> str | None:
    """The MIME type the file's first bytes announce (images and PDF only), else ``None``. Only a
    first guess: :func:`clean_file` decodes the whole file as that type."""
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if data[:1024].lstrip(b"\r\n\t ").startswith(b"%PDF-"):
        return PDF_TYPE
    return None


# --- names -----------------------------------------------------------------------------------------

_TAG = re.compile(r"<[^<>]*>?")
_UNSAFE_CHARS = re.compile(r"[<>:\"/\\|?*`'&;$%{}\[\]^=]")
_EXT = re.compile(r"\.(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,8}$")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
MAX_STEM = 120


def safe_filename(raw: str | None, mime: str) -> str:
    """The name a file is stored and offered under: the last part of ``raw`` without markup,
    control or format characters (bidirectional overrides included) or characters a file system
    or a header would misread; Chinese and ordinary punctuation stay; the extension is the stored
    type's (``照片.JPEG`` → ``照片.jpeg``, ``x.png.exe`` with a PNG inside → ``x.png.png``)."""
    name = unicodedata.normalize("NFKC", raw or "")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" or ch in "\\/")
    name = _TAG.sub("", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_CHARS.sub("", name)
    name = re.sub(r"\s+", " ", name).strip()
    allowed = EXTENSIONS.get(mime, ())
    stem, ext = name, ""
    found = _EXT.search(name)
    if found:
        stem, ext = name[: found.start()], found.group()
    if not allowed:  # no type (a name shown in a refusal): the extension as typed
        pass
    elif ext.lower() in allowed:
        ext = ext.lower()
    else:
        ext = allowed[0]
    stem = stem.strip(" .")[:MAX_STEM].strip(" .")
    if not stem or _RESERVED.match(stem):
        stem = f"file_{stem}" if stem else "file"
    return stem + ext


# --- the whole file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanFile:
    """A file as it is stored: its type, the rewritten bytes, and a thumbnail for an image."""

    mime_type: str
    data: bytes
    thumbnail: bytes | None


def clean_file(data: bytes, allowed: tuple[str, ...]) -> CleanFile:
    """Decode ``data`` in full as the type its first bytes announce (one of ``allowed``) and write
    it anew; raise :class:`Refused` (``error.file_type``, ``error.image_too_large``,
    ``error.pdf_active``, ``error.pdf_encrypted``) otherwise."""
    mime = sniff(data)
    if mime is None or mime not in allowed:
        raise Refused("error.file_type")
    if mime == PDF_TYPE:
        return CleanFile(mime, clean_pdf(data), None)
    return clean_image(data, mime)


def is_clean(data: bytes, mime: str) -> bool:
    """Whether stored bytes are already what :func:`clean_file` writes (so a re-check can leave them
    as they are): a PNG, GIF or PDF is its own rewrite; a JPEG or WebP holds nothing but the
    image's own segments up to its end. The caller has checked that ``data`` is accepted."""
    if mime in ("image/png", "image/gif"):
        return clean_image(data, mime).data == data
    if mime == PDF_TYPE:
        return clean_pdf(data) == data
    if mime == "image/jpeg":
        return _jpeg_is_bare(data)
    if mime == "image/webp":
        return _webp_is_bare(data)
    return False


# --- images ----------------------------------------------------------------------------------------

THUMB_SIZE = (320, 320)


def clean_image(data: bytes, mime: str) -> CleanFile:
    fmt = PIL_FORMATS[mime]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                if img.format != fmt:
                    raise Refused("error.file_type")
                width, height = img.size
                if width < 1 or height < 1:
                    raise Refused("error.file_type")
                if width * height > MAX_PIXELS:
                    raise Refused("error.image_too_large", max_mp=MAX_PIXELS // 1_000_000)
                img.seek(0)
                img.load()
                pic = _pixels_only(img, mime)
    except Refused:
        raise
    except Image.DecompressionBombError as err:
        raise Refused("error.image_too_large", max_mp=MAX_PIXELS // 1_000_000) from err
    except Exception as err:  # any failure to decode hostile input is a refusal, never a traceback
        log.info("image refused: %s", err)
        raise Refused("error.file_type") from err
    thumbnail = _thumbnail(pic)
    out = io.BytesIO()
    if mime == "image/jpeg":
        pic.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif mime == "image/png":
        pic.save(out, "PNG", optimize=False)
    elif mime == "image/gif":
        extra = {"transparency": pic.info["transparency"]} if "transparency" in pic.info else {}
        pic.info = {}
        pic.save(out, "GIF", **extra)
    else:
        pic.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    return CleanFile(mime, out.getvalue(), thumbnail)


def _pixels_only(img: Image.Image, mime: str) -> Image.Image:
    """A new image of ``img``'s first frame, upright, in sRGB, in a mode its format writes, with
    no ``info`` (metadata) at all."""
    icc = img.info.get("icc_profile")
    transparency = img.info.get("transparency")
    pic = ImageOps.exif_transpose(img) or img
    if mime == "image/gif":
        if pic.mode != "P":
            pic = pic.convert("RGBA").convert("P", palette=Image.Palette.ADAPTIVE)
            transparency = None
        clean = pic.copy()
        clean.info = {"transparency": transparency} if transparency is not None else {}
        return clean
    alpha = pic.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (pic.mode == "P" and transparency is not None)
    if mime == "image/jpeg":
        target = "L" if pic.mode in ("1", "L", "I", "I;16", "F") else "RGB"
    elif mime == "image/png":
        target = pic.mode if pic.mode in ("1", "L", "LA", "RGB", "RGBA") else ("RGBA" if alpha else "RGB")
    else:
        target = "RGBA" if alpha else "RGB"
    if icc and pic.mode in ("RGB", "RGBA", "CMYK"):
        pic = _to_srgb(pic, icc)
    if pic.mode != target:
        if mime == "image/jpeg" and alpha:
            rgba = pic.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            pic = flat if target == "RGB" else flat.convert(target)
        else:
            pic = pic.convert(target)
    clean = Image.frombytes(pic.mode, pic.size, pic.tobytes())
    return clean


def _to_srgb(pic: Image.Image, icc: bytes) -> Image.Image:
    """Colours as the embedded profile meant them, in sRGB (the profile itself is not kept)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if pic.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(pic, source, ImageCms.createProfile("sRGB"), outputMode=out_mode)
        return converted if converted is not None else pic
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return pic


def _thumbnail(pic: Image.Image) -> bytes:
    thumb = pic.copy()
    thumb.thumbnail(THUMB_SIZE)
    if thumb.mode not in ("RGB", "L"):
        rgba = thumb.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        thumb = flat
    out = io.BytesIO()
    thumb.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _jpeg_is_bare(data: bytes) -> bool:
    """A JPEG whose segments are only a JFIF header and the image's own (tables, frame, scans),
    ending at its end-of-image marker: no EXIF, XMP, ICC profile, comment or trailing bytes."""
    n = len(data)
    if not data.startswith(b"\xff\xd8"):
        return False
    i = 2
    while i < n:
        if data[i] != 0xFF:
            return False
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            return False
        marker = data[i]
        i += 1
        if marker == 0xD9:
            return i == n
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue
        if i + 2 > n:
            return False
        length = int.from_bytes(data[i : i + 2], "big")
        if 0xE1 <= marker <= 0xEF or marker == 0xFE:
            return False
        if marker == 0xE0 and data[i + 2 : i + 7] != b"JFIF\x00":
            return False
        i += length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not a stuffed 0xFF or a restart
            while True:
                j = data.find(b"\xff", i)
                if j < 0 or j + 1 >= n:
                    return False
                following = data[j + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    i = j + 2
                    continue
                if following == 0xFF:
                    i = j + 1
                    continue
                i = j
                break
    return False


def _webp_is_bare(data: bytes) -> bool:
    """A still WebP whose RIFF container holds the image chunks alone and ends where it says."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    if int.from_bytes(data[4:8], "little") + 8 != len(data):
        return False
    i = 12
    while i < len(data):
        if i + 8 > len(data):
            return False
        kind, size = data[i : i + 4], int.from_bytes(data[i + 4 : i + 8], "little")
        if kind not in (b"VP8 ", b"VP8L", b"VP8X", b"ALPH"):
            return False
        if kind == b"VP8X" and (size < 1 or data[i + 8] & 0x2E):  # the ICC, EXIF, XMP or animation flag
            return False
        i += 8 + size + (size & 1)
    return i == len(data)


# --- PDF -------------------------------------------------------------------------------------------


def clean_pdf(data: bytes) -> bytes:
    """The PDF parsed strictly and written anew by pypdf; refused if it does not parse, is
    encrypted, or carries active content (``error.pdf_active``)."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise Refused("error.pdf_encrypted")
        if len(reader.pages) < 1:
            raise Refused("error.file_type")
        _refuse_active_content(reader.trailer)
        writer = PdfWriter(clone_from=reader)
        out = io.BytesIO()
        writer.write(out)
        rewritten = out.getvalue()
        check = PdfReader(io.BytesIO(rewritten), strict=True)
        if len(check.pages) != len(reader.pages):
            raise Refused("error.file_type")
    except Refused:
        raise
    except RecursionError as err:
        raise Refused("error.file_type") from err
    except Exception as err:  # pypdf raises many kinds on hostile input; each is a refusal
        log.info("PDF refused: %s", err)
        raise Refused("error.file_type") from err
    return rewritten


def _refuse_active_content(trailer: DictionaryObject) -> None:
    """Walk every object reachable from the trailer (what the rewrite keeps), iteratively."""
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            target = obj.get_object()
            if target is not None:
                stack.append(target)
        elif isinstance(obj, DictionaryObject):  # streams too: their dictionary
            for key, value in obj.items():
                if key in _PDF_ACTIVE_KEYS:
                    raise Refused("error.pdf_active")
                if key in ("/S", "/Type", "/Subtype"):
                    name = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(name, NameObject) and name in (
                        _PDF_ACTIVE_ACTIONS if key == "/S" else _PDF_ACTIVE_TYPES
                    ):
                        raise Refused("error.pdf_active")
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
