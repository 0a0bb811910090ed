"""The residents' QR poster (居民码海报): a community's name, a line of instructions and a QR code of its
public page (``COBUILD_PUBLIC_URL`` + ``/wall?c=<id>``), as an A4 PNG at 300 dpi and a one-page A4 PDF.

Bytes out, no Streamlit. Chinese needs a CJK font: it is looked up on the machine (fontconfig, else
the usual font folders). When none is found, or the found one lacks a character of the poster's text,
the poster is refused with a message in the user's language instead of being drawn with boxes."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache
from math import ceil
from pathlib import Path
from typing import Literal

import segno
from PIL import Image, ImageDraw, ImageFont

from domain.errors import AppError
from exports.png import FONT_DIRS  # the folders where fonts are looked for, as for the charts
from locales import translate

Format = Literal["png", "pdf"]
FORMATS: tuple[Format, ...] = ("png", "pdf")
MIME = {"png": "image/png", "pdf": "application/pdf"}

DPI = 300
A4_MM = (210, 297)
SIZE: tuple[int, int] = (round(A4_MM[0] / 25.4 * DPI), round(A4_MM[1] / 25.4 * DPI))  # (2480, 3508) pixels
W, H = SIZE
MARGIN = 200  # about 17 mm: inside what every office printer can print
QR_PAD = 12  # between the frame and the QR code's own white quiet zone

RED = (190, 22, 34)  # the red of Party-building notices
PALE_RED = (252, 237, 236)
INK = (28, 28, 28)
GREY = (96, 96, 96)
RULE = (200, 200, 200)
WHITE = (255, 255, 255)

# best first: sans faces read better from a distance on a notice board
FONT_PATTERNS = (
    "NotoSansCJK*",
    "SourceHanSans*",
    "NotoSansSC*",
    "wqy-zenhei*",
    "wqy-microhei*",
    "msyh*",
    "PingFang*",
    "NotoSerifCJK*",
    "SourceHanSerif*",
    "simsun*",
)
CJK_PROBE = "社区居民需求"  # a face must draw these to count as Chinese


class NoCJKFont(AppError):
    """No font with Chinese characters is installed: the poster would show boxes."""

    code = "poster.error.no_font"


class MissingGlyphs(AppError):
    """The Chinese font lacks some characters of this poster's text (``chars``)."""

    code = "poster.error.missing_glyphs"


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (a .ttc collection holds several: ``index``)."""

    path: Path
    index: int = 0


@dataclass(frozen=True)
class PosterFonts:
    """The faces the poster is set in: regular text and bold headings (the regular one when no bold)."""

    regular: FontFace
    bold: FontFace


@dataclass(frozen=True)
class PosterText:
    """Everything the poster says, already in its language."""

    community: str
    street: str
    url: str
    headline: str
    instruction: str
    steps: tuple[str, str, str]
    note: str
    footer: str
    title: str

    def characters(self) -> str:
        """Every character that will be drawn (the glyph check runs over these)."""
        return "".join(
            (self.community, self.street, self.url, self.headline, self.instruction, *self.steps, self.note)
        ) + "".join((self.footer, "①②③"))


def wall_url(public_url: str, community_id: int) -> str:
    """The address of a community's public page, which the poster's QR code holds."""
    return f"{public_url.strip().rstrip('/')}/wall?c={int(community_id)}"


def poster_text(*, community: str, street: str, url: str, lang: str) -> PosterText:
    """The poster's wording in ``lang``, for the community ``community`` of ``street``."""

    def t(key: str, **params: object) -> str:
        return translate(lang, f"poster.{key}", **params)

    return PosterText(
        community=community.strip(),
        street=street.strip(),
        url=url,
        headline=t("headline"),
        instruction=t("instruction"),
        steps=(t("step1"), t("step2"), t("step3")),
        note=t("note"),
        footer=t("footer"),
        title=t("pdf_title", community=community.strip()),
    )


def file_name(community: str, fmt: Format, *, lang: str) -> str:
    """The download's file name, e.g. ``安澜社区居民码海报.pdf`` (no path separators)."""
    stem = re.sub(r"[\\/:*?\"<>|\s]+", "_", translate(lang, "poster.file_stem", community=community.strip()))
    return f"{stem}.{fmt}"


# --- fonts -----------------------------------------------------------------------------------------


def _fontconfig_faces() -> list[tuple[FontFace, str, str]]:
    """(face, family, style) of every installed face that fontconfig says covers Simplified Chinese."""
    if not shutil.which("fc-list"):
        return []
    try:
        out = subprocess.run(
            ["fc-list", "-f", "%{file}|%{index}|%{family[0]}|%{style[0]}\n", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 4 and parts[0] and parts[1].isdigit():
            faces.append((FontFace(Path(parts[0]), int(parts[1])), parts[2], parts[3]))
    return faces


def _file_faces() -> list[tuple[FontFace, str, str]]:
    """(face, family, style) of the faces of known Chinese font files in the usual folders."""
    faces = []
    for pattern in FONT_PATTERNS:
        for folder in FONT_DIRS:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob(pattern)):
                if path.suffix.lower() not in (".ttc", ".otc", ".ttf", ".otf"):
                    continue
                for index in range(16):  # the faces of a collection, until there are no more
                    try:
                        family, style = ImageFont.truetype(str(path), 12, index=index).getname()
                    except OSError:
                        break
                    faces.append((FontFace(path, index), family or "", style or ""))
    return faces


def _rank(family: str, path: Path) -> tuple[int, int]:
    """Lower is better: a sans face before a serif one, the Simplified Chinese face of a collection first."""
    name = f"{family} {path.name}".lower()
    serif = "serif" in name or "song" in name or "simsun" in name or "ming" in name
    mono = "mono" in name
    simplified = bool(re.search(r"\b(sc|cn|gb)\b|simplified|hans|zenhei|microhei|yahei|msyh", name))
    return (int(serif) * 2 + int(mono), 0 if simplified else 1)


def _draws_chinese(face: FontFace) -> bool:
    try:
        font = _font(face, 48)
    except OSError:
        return False
    return not missing_characters(font, CJK_PROBE)


@cache
def find_cjk_fonts() -> PosterFonts | None:
    """The Chinese faces installed on this machine (best first), or ``None`` when there is none."""
    candidates = _fontconfig_faces() or _file_faces()
    candidates.sort(key=lambda c: _rank(c[1], c[0].path))
    regular = bold = None
    for face, _family, style in candidates:
        is_bold = "bold" in style.lower() or "bold" in face.path.name.lower()
        if regular is not None and bold is not None:
            break
        if is_bold and bold is None and _draws_chinese(face):
            bold = face
        elif not is_bold and "light" not in style.lower() and regular is None and _draws_chinese(face):
            regular = face
    if regular is None and bold is None:
        return None
    return PosterFonts(regular=regular or bold, bold=bold or regular)  # type: ignore[arg-type]


@lru_cache(maxsize=64)
def _font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(face.path), size, index=face.index)


def missing_characters(font: ImageFont.FreeTypeFont, text: str) -> list[str]:
    """The characters of ``text`` that ``font`` would draw as its "missing" box (.notdef)."""
    notdef = _mask(font, "\U0010fffd")  # a private-use character no font draws
    missing: list[str] = []
    for ch in dict.fromkeys(text):
        if ch.isspace():
            continue
        if _mask(font, ch) == notdef and ch not in missing:
            missing.append(ch)
    return missing


def _mask(font: ImageFont.FreeTypeFont, ch: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(ch)
    return mask.size, bytes(mask)


def check_renderable(text: PosterText, fonts: PosterFonts | None = None) -> PosterFonts:
    """The fonts to set ``text`` in; refuses (``NoCJKFont``, ``MissingGlyphs``) when Chinese would show
    as boxes."""
    fonts = fonts if fonts is not None else find_cjk_fonts()
    if fonts is None:
        raise NoCJKFont()
    chars = text.characters()
    missing = [
        ch
        for ch in dict.fromkeys(
            missing_characters(_font(fonts.regular, 48), chars) + missing_characters(_font(fonts.bold, 48), chars)
        )
    ]
    if missing:
        raise MissingGlyphs(chars="".join(missing))
    return fonts


# --- layout ----------------------------------------------------------------------------------------

NO_LINE_START = set("，。、；：？！）》」』”’…—·,.;:?!)]}%")  # closing marks stay with the line before


def _tokens(text: str) -> list[str]:
    """Words that must not be broken (Latin words, numbers, addresses) and single CJK characters."""
    return re.findall(r"[A-Za-z0-9_\-./:?=&%#@+~]+|\s+|.", text)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (a word wider than that is cut by characters);
    closing punctuation never starts a line (it hangs at the end of the line before)."""
    lines: list[str] = []
    line = ""

    def fits(s: str) -> bool:
        return font.getlength(s) <= width

    def hangs(s: str) -> bool:
        return s[0] in NO_LINE_START and bool(line.strip())

    for token in _tokens(text):
        if not line and token.isspace():
            continue
        if fits(line + token) or hangs(token):
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = ""
        if token.isspace():
            continue
        if fits(token):
            line = token
            continue
        for ch in token:  # a word wider than the line: cut it by characters
            if line and not fits(line + ch) and not hangs(ch):
                lines.append(line)
                line = ""
            line += ch
    if line.strip():
        lines.append(line.rstrip())
    return lines


def wrap_balanced(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """As ``wrap``, in as few lines, but broken after a phrase (at a comma or a full stop) where that
    takes no more lines, else of even lengths: no word torn apart needlessly, no last line of one or
    two characters."""
    lines = wrap(text, font, width)
    if len(lines) < 2:
        return lines
    by_phrase = _wrap_phrases(text, font, width)
    if by_phrase is not None and len(by_phrase) <= len(lines):
        return by_phrase
    widest_word = max((font.getlength(tok) for tok in _tokens(text)), default=0)
    lo, hi = max(width // 2, min(width, ceil(widest_word))), width
    while lo < hi:  # the narrowest measure that still needs no more lines and cuts no word that fits
        mid = (lo + hi) // 2
        if len(wrap(text, font, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid + 1
    return wrap(text, font, lo)


def _wrap_phrases(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str] | None:
    """Whole phrases packed into lines; ``None`` when a phrase alone is wider than ``width``."""
    # a phrase ends at a Chinese mark, or at a Latin one followed by a space (not the dots of an address)
    phrases = [p for p in re.split(r"(?<=[，。；：！？])|(?<=[,.;:!?]\s)", text) if p]
    lines: list[str] = []
    line = ""
    for phrase in phrases:
        if font.getlength(phrase.rstrip()) > width:
            return None
        if line and font.getlength((line + phrase).rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += phrase
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit(face: FontFace, text: str, width: int, size: int, smallest: int) -> ImageFont.FreeTypeFont:
    """The largest size (from ``size`` down to ``smallest``) at which ``text`` fits in one line."""
    while size > smallest and _font(face, size).getlength(text) > width:
        size = max(smallest, int(size * 0.92))
    return _font(face, size)


@dataclass
class _Block:
    """A piece of the poster: its height, and how to draw it with its top at ``y``."""

    height: int
    lines: list[str]
    font: ImageFont.FreeTypeFont
    fill: tuple[int, int, int]
    leading: float = 1.35


def _text_block(lines: list[str], font: ImageFont.FreeTypeFont, fill: tuple[int, int, int], leading: float) -> _Block:
    size = font.size
    height = round(size * leading * (len(lines) - 1) + size * 1.1) if lines else 0
    return _Block(height=height, lines=lines, font=font, fill=fill, leading=leading)


def _draw_block(draw: ImageDraw.ImageDraw, block: _Block, y: int) -> None:
    for n, line in enumerate(block.lines):
        draw.text(
            (W // 2, y + round(n * block.font.size * block.leading)),
            line,
            font=block.font,
            fill=block.fill,
            anchor="mt",
        )


def _qr_image(url: str, side: int) -> Image.Image:
    """The QR code of ``url``, with its quiet zone, as a square about ``side`` pixels wide."""
    qr = segno.make(url, error="q", micro=False)
    rows = list(qr.matrix_iter(border=4))
    module = max(1, side // len(rows))
    img = Image.new("RGB", (module * len(rows),) * 2, WHITE)
    d = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                d.rectangle((x * module, y * module, (x + 1) * module - 1, (y + 1) * module - 1), fill=INK)
    return img


def render(text: PosterText, fonts: PosterFonts | None = None) -> Image.Image:
    """The poster as an A4 RGB image at 300 dpi."""
    fonts = check_renderable(text, fonts)
    reg, bold = fonts.regular, fonts.bold
    inner = W - 2 * MARGIN
    img = Image.new("RGB", SIZE, WHITE)
    draw = ImageDraw.Draw(img)

    # the red band with the call to act
    band = 400
    draw.rectangle((0, 0, W, band), fill=RED)
    headline = _fit(bold, text.headline, inner, 150, 80)
    draw.text((W // 2, band // 2), text.headline, font=headline, fill=WHITE, anchor="mm")

    # the foot: a hairline and the alliance, small
    foot = _fit(reg, text.footer, inner, 46, 30)
    foot_y = H - MARGIN + 40
    draw.line((MARGIN, foot_y - 70, W - MARGIN, foot_y - 70), fill=RULE, width=3)
    draw.text((W // 2, foot_y), text.footer, font=foot, fill=GREY, anchor="mm")

    # the community: the big title (shrunk to one line while it can be read, else wrapped)
    title_font = _fit(bold, text.community, inner, 300, 170)
    blocks_above: list[_Block] = []
    if text.street:
        blocks_above.append(_text_block([text.street], _fit(reg, text.street, inner, 84, 50), GREY, 1.2))
    blocks_above.append(_text_block(wrap_balanced(text.community, title_font, inner), title_font, INK, 1.15))
    instruction_font = _font(reg, 70)
    blocks_above.append(
        _text_block(wrap_balanced(text.instruction, instruction_font, inner - 120), instruction_font, INK, 1.5)
    )

    url_font = _fit(reg, text.url, inner, 48, 34)
    url_block = _text_block(wrap(text.url, url_font, inner), url_font, GREY, 1.3)
    step_font = _font(bold, 58)
    step_w = (inner - 2 * 50) // 3
    step_lines = [wrap_balanced(f"{n} {s}", step_font, step_w - 80) for n, s in zip("①②③", text.steps, strict=True)]
    step_h = max(len(lines) for lines in step_lines) * round(58 * 1.35) + 110
    note_font = _font(reg, 54)
    note_block = _text_block(wrap_balanced(text.note, note_font, inner - 120), note_font, GREY, 1.5)

    top, bottom = band + 110, foot_y - 70 - 90
    gap = 80
    fixed = sum(b.height for b in blocks_above) + url_block.height + step_h + note_block.height
    gaps = len(blocks_above) + 4  # between the blocks: above, the QR, the address, the steps, the note
    qr_side = min(1500, bottom - top - fixed - gaps * gap)
    qr = _qr_image(text.url, qr_side - 2 * QR_PAD)
    frame = qr.width + 2 * QR_PAD
    spare = bottom - top - fixed - frame
    gap = max(40, spare // gaps)

    y = top
    for block in blocks_above:
        _draw_block(draw, block, y)
        y += block.height + gap
    # the QR code, centred in a thin red frame with a little white around it
    x0 = (W - frame) // 2
    draw.rounded_rectangle((x0, y, x0 + frame, y + frame), radius=28, outline=RED, width=8, fill=WHITE)
    img.paste(qr, (x0 + QR_PAD, y + QR_PAD))
    y += frame + gap // 2
    _draw_block(draw, url_block, y)
    y += url_block.height + gap
    # three steps side by side
    for n, lines in enumerate(step_lines):
        sx = MARGIN + n * (step_w + 50)
        draw.rounded_rectangle((sx, y, sx + step_w, y + step_h), radius=24, fill=PALE_RED)
        ty = y + (step_h - len(lines) * round(58 * 1.35)) // 2 + 8
        for k, line in enumerate(lines):
            draw.text((sx + step_w // 2, ty + k * round(58 * 1.35)), line, font=step_font, fill=RED, anchor="mt")
    y += step_h + gap
    _draw_block(draw, note_block, y)
    return img


def poster_png(text: PosterText, fonts: PosterFonts | None = None) -> bytes:
    """The poster as a PNG, A4 at 300 dpi."""
    buf = io.BytesIO()
    render(text, fonts).save(buf, format="PNG", dpi=(DPI, DPI), optimize=True)
    return buf.getvalue()


def poster_pdf(text: PosterText, fonts: PosterFonts | None = None) -> bytes:
    """The poster as a one-page A4 PDF (the 300 dpi picture on the page)."""
    buf = io.BytesIO()
    render(text, fonts).save(
        buf, format="PDF", resolution=DPI, quality=92, title=text.title, author=text.footer, subject=text.url
    )
    return buf.getvalue()


def poster_preview(text: PosterText, fonts: PosterFonts | None = None, *, width: int = 600) -> bytes:
    """A small PNG of the poster, ``width`` pixels wide, to look at before printing."""
    img = render(text, fonts)
    img = img.resize((width, round(width * H / W)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def make_poster(*, community: str, street: str, public_url: str, community_id: int, fmt: Format, lang: str) -> bytes:
    """The poster of one community in ``fmt`` (``png`` or ``pdf``), worded in ``lang``."""
    text = poster_text(community=community, street=street, url=wall_url(public_url, community_id), lang=lang)
    return poster_png(text) if fmt == "png" else poster_pdf(text)
