"""Hostile uploads of issue 13 (finding 3), built here from scratch: polyglots, active PDFs, a
decompression bomb, a photo carrying GPS, a name carrying markup."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"
# The first bytes of a Windows program (an MZ header and the DOS stub's message).
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"This program cannot be run in DOS mode.\r\n"
)
MARKUP_NAME = "<img src=x onerror=alert(1)>.png"


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("payload.html", HTML)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 16, 46)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps_and_orientation() -> bytes:
    """An 80×40 photo, left half red and right half blue, stored sideways (EXIF orientation 6: shown
    turned 90° clockwise, so red on top), with GPS coordinates, a camera model and a comment."""
    img = Image.new("RGB", (80, 40), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x0110] = "Phone X"  # Model
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), comment=b"<script>alert(1)</script>", quality=95)
    return out.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A PNG that claims side × side pixels (900 megapixels at the default): a few hundred KB that
    would take gigabytes once decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\x00" * (1 + side // 8)  # 1-bit grey, filter byte + packed pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _pdf(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    return _pdf(writer)


def _link_annotation(writer: PdfWriter, action: DictionaryObject) -> PdfWriter:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(50), FloatObject(50), FloatObject(300), FloatObject(80)]),
            NameObject("/A"): action,
        }
    )
    page = writer.pages[0]
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return writer


def pdf_with_javascript() -> bytes:
    """A document-level script (the catalogue's /Names /JavaScript tree)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    script = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('pwned');")}
    )
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(script)])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): writer._add_object(tree)})
    return _pdf(writer)


def pdf_with_open_action_js() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    return _pdf(writer)


def pdf_with_launch() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    action = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    return _pdf(_link_annotation(writer, action))


def pdf_with_embedded_file() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("invoice.exe", EXE)
    return _pdf(writer)


def pdf_with_a_web_link() -> bytes:
    """An ordinary link to a web page: not active content."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://example.org/")}
    )
    return _pdf(_link_annotation(writer, action))
