"""The layout of a Chinese official document (党政机关公文格式, GB/T 9704-2012) for python-docx:
A4 with the standard's margins, 方正小标宋简体 二号 titles, 仿宋 三号 body at 22 lines a page,
黑体 / 楷体 headings, the red 版头 with its 发文字号 line, page numbers "— 1 —" in 四号宋体 on the
outside edges, and the 版记. Used by the 情况通报 (report_docx) and the 会议纪要 (minutes_docx).

A .docx run names one East-Asian font; where it is missing, Word and WPS take the ``w:altName`` of the
font table and LibreOffice its own replacement table, then fontconfig. Each font below is written as
its first name with the next one as ``altName``, and the whole chain is kept here so that the
choice is stated once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from domain.doc_number import format_number as format_number
from domain.doc_number import parse_number as parse_number

# --- the standard's numbers ----------------------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26  # 版心 156 × 225 mm
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM
FOOTER_DISTANCE_MM = 28  # the page number's lower edge 7 mm below the 版心
BODY_PT = 16.0  # 三号
TITLE_PT = 22.0  # 二号
MASTHEAD_PT = 36.0  # 发文机关标志: the standard leaves its size to the issuer, smaller than 22 × 15 mm a character
PAGE_NUMBER_PT = 14.0  # 四号
TABLE_PT = 12.0  # 小四 in tables, so that four columns fit the 156 mm
LINE_PT = 28.95  # 225 mm / 22 lines
RED = RGBColor(0xE6, 0x00, 0x12)  # 版头 red
BLACK = RGBColor(0, 0, 0)

# --- fonts: each chain's first name is written, the second as its altName -------------------------

TITLE_FONT: tuple[str, ...] = ("方正小标宋简体", "华文中宋", "宋体", "Noto Serif CJK SC")
BODY_FONT: tuple[str, ...] = ("仿宋_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC")
HEI_FONT: tuple[str, ...] = ("黑体", "SimHei", "Noto Sans CJK SC")
KAI_FONT: tuple[str, ...] = ("楷体_GB2312", "楷体", "KaiTi", "Noto Serif CJK SC")
SONG_FONT: tuple[str, ...] = ("宋体", "SimSun", "Noto Serif CJK SC")
LATIN_FONT = "Times New Roman"
FONT_CHAINS = (TITLE_FONT, BODY_FONT, HEI_FONT, KAI_FONT, SONG_FONT)


def set_font(target: Any, chain: Sequence[str], size: float | None = None, *, bold: bool | None = None) -> None:
    """East-Asian font ``chain[0]`` (w:eastAsia) on a run or style, Latin and digits in Times New Roman."""
    font = target.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = target.element if hasattr(target, "element") else target._element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), chain[0])
    fonts.set(qn("w:hint"), "eastAsia")


def _font_table(doc: DocxDocument) -> None:
    """Declare each chain's font in word/fontTable.xml with its fallback (w:altName) and the
    GB2312 character set, so that Word and WPS substitute the named font, not any font."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for chain in FONT_CHAINS:
        name = chain[0]
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        serif = chain is not HEI_FONT
        font = parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}">'
            f'<w:altName w:val="{chain[1]}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{"roman" if serif else "modern"}"/><w:pitch w:val="variable"/>'
            "</w:font>"
        )
        root.append(font)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def new_document(doc: DocxDocument) -> None:
    """A4, the standard's margins, 仿宋 三号 body at 28.95 pt lines, odd and even page numbers."""
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.footer_distance = Mm(FOOTER_DISTANCE_MM)
    section.header_distance = Mm(15)
    normal = doc.styles["Normal"]
    set_font(normal, BODY_FONT, BODY_PT)
    normal.font.color.rgb = BLACK
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.widow_control = True
    _font_table(doc)
    _doc_defaults(doc)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _doc_defaults(doc: DocxDocument) -> None:
    """Document defaults without theme fonts (a theme font would win over the named one) and with
    Chinese as the East-Asian language, so that CJK fonts pick their Simplified Chinese glyphs."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), BODY_FONT[0])
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (w:fldChar … w:instrText … w:fldChar) in the paragraph's font."""

    def run_with(child: Any) -> None:
        run = paragraph.add_run()
        set_font(run, SONG_FONT, PAGE_NUMBER_PT)
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    shown = paragraph.add_run(placeholder)
    set_font(shown, SONG_FONT, PAGE_NUMBER_PT)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _page_number(paragraph: Paragraph, *, odd: bool) -> None:
    """ "— 1 —" in 四号宋体: odd pages on the right, even pages on the left, one character in."""
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if odd:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        fmt.right_indent = Pt(PAGE_NUMBER_PT)
    else:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.left_indent = Pt(PAGE_NUMBER_PT)
    set_font(paragraph.add_run("— "), SONG_FONT, PAGE_NUMBER_PT)
    _field(paragraph, "PAGE", "1")
    set_font(paragraph.add_run(" —"), SONG_FONT, PAGE_NUMBER_PT)


# --- blocks -------------------------------------------------------------------------------------


def paragraph(
    doc: Any,
    text: str = "",
    *,
    chain: Sequence[str] = BODY_FONT,
    size: float = BODY_PT,
    indent: bool = True,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    bold: bool = False,
    color: RGBColor | None = None,
    exact: bool = True,
) -> Paragraph:
    """A paragraph of the body: first line indented two characters, exact 22-lines-a-page spacing."""
    para = doc.add_paragraph()
    para.alignment = align
    fmt = para.paragraph_format
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if not exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if text:
        run = para.add_run(text)
        set_font(run, chain, size, bold=bold)
        if color is not None:
            run.font.color.rgb = color
    return para


def heading(doc: Any, text: str, level: int = 1) -> Paragraph:
    """一级 "一、" in 黑体, 二级 "（一）" in 楷体, 三级 "1." in 仿宋 bold — all 三号, indented like the body."""
    chain = {1: HEI_FONT, 2: KAI_FONT}.get(level, BODY_FONT)
    para = paragraph(doc, text, chain=chain, bold=level >= 3)
    para.paragraph_format.keep_with_next = True
    return para


def blank(doc: Any, lines: int = 1, *, keep_with_next: bool = False) -> None:
    for _ in range(lines):
        paragraph(doc, indent=False).paragraph_format.keep_with_next = keep_with_next


def title(doc: Any, text: str) -> Paragraph:
    """The 标题: 二号方正小标宋简体, centred (a long title wraps on its own)."""
    para = paragraph(doc, text, chain=TITLE_FONT, size=TITLE_PT, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    para.paragraph_format.line_spacing = Pt(TITLE_PT * 1.6)
    return para


def _bottom_border(para: Paragraph, *, color: str, size_eighths: int, space: int = 1) -> None:
    ppr = para._p.get_or_add_pPr()
    borders = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="{size_eighths}" w:space="{space}" '
        f'w:color="{color}"/></w:pBdr>'
    )
    ppr.append(borders)


def masthead(doc: Any, issuer_mark: str, number: str | None, *, left: str = "", right: str = "") -> None:
    """The 版头: the issuer's mark in red 小标宋, the 发文字号 centred below it (or, for minutes, the
    issuer on the left and the date on the right), then the red separator line the width of the 版心."""
    para = paragraph(
        doc,
        issuer_mark,
        chain=TITLE_FONT,
        size=MASTHEAD_PT,
        indent=False,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        color=RED,
        exact=False,
    )
    para.paragraph_format.space_before = Pt(LINE_PT)
    para.paragraph_format.space_after = Pt(LINE_PT)
    fmt_para = paragraph(doc, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    if number:
        set_font(fmt_para.add_run(number), BODY_FONT, BODY_PT)
    elif left or right:
        fmt_para.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt_para.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), alignment=2)  # right tab
        set_font(fmt_para.add_run(f"{left}\t{right}"), BODY_FONT, BODY_PT)
    _bottom_border(fmt_para, color="E60012", size_eighths=12, space=4)
    blank(doc)


def text_width(text: str) -> float:
    """Width in characters of 三号 text: a CJK character 1, a half-width digit or letter ½."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def signature(doc: Any, issuer: str, dated: str) -> None:
    """发文机关署名 centred over the 成文日期, the date right-aligned four characters in (7.3.5.1)."""
    blank(doc, 2, keep_with_next=True)
    para = paragraph(doc, issuer, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para.paragraph_format.keep_with_next = True
    para.paragraph_format.right_indent = Pt(BODY_PT * max(0.0, 4 + (text_width(dated) - text_width(issuer)) / 2))
    para = paragraph(doc, dated, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para.paragraph_format.right_indent = Pt(BODY_PT * 4)


def imprint(doc: Any, printer: str, printed_on: str) -> None:
    """The 版记 at the end: 印发机关 and 印发日期 between two lines, in 四号仿宋."""
    blank(doc)
    top = paragraph(doc, indent=False, exact=False)
    _bottom_border(top, color="000000", size_eighths=8)
    line = paragraph(doc, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT, size=PAGE_NUMBER_PT)
    line.paragraph_format.left_indent = Pt(PAGE_NUMBER_PT)
    line.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM) - Pt(PAGE_NUMBER_PT * 2), alignment=2)
    set_font(line.add_run(f"{printer}\t{printed_on}"), BODY_FONT, PAGE_NUMBER_PT)
    _bottom_border(line, color="000000", size_eighths=8)


def table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_mm: Sequence[float],
    *,
    centre: Sequence[int] = (),
) -> None:
    """A grid table the width of the 版心: 黑体 header, 仿宋 小四 cells, single-spaced; the columns
    in ``centre`` (figures) centred."""
    tbl = doc.add_table(rows=1, cols=len(header))
    tbl.style = "Table Grid"
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl.autofit = False
    scale = TEXT_WIDTH_MM / sum(widths_mm)

    def fill(cell: Any, text: str, chain: Sequence[str], align: Any = WD_ALIGN_PARAGRAPH.LEFT) -> None:
        cell.text = ""
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        para = cell.paragraphs[0]
        para.alignment = align
        para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        para.paragraph_format.first_line_indent = Pt(0)
        set_font(para.add_run(text), chain, TABLE_PT)

    for i, text in enumerate(header):
        fill(tbl.rows[0].cells[i], text, HEI_FONT, WD_ALIGN_PARAGRAPH.CENTER)
    for values in rows:
        cells = tbl.add_row().cells
        for i, text in enumerate(values):
            centred = i in centre
            fill(cells[i], text, BODY_FONT, WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT)
    for i, w in enumerate(widths_mm):
        tbl.columns[i].width = Mm(w * scale)
    for row in tbl.rows:
        for i, w in enumerate(widths_mm):
            row.cells[i].width = Mm(w * scale)
    blank(doc)


def fontconfig_xml() -> str:
    """A fontconfig file giving each chain's first name its fallbacks, in order, for converters
    that use fontconfig (LibreOffice on Linux does, and reads no altName): put it in
    /etc/fonts/conf.d/ or point FONTCONFIG_FILE at it (deploy/fontconfig/)."""
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<!-- Generated from exports/gbt9704.py FONT_CHAINS: GB/T 9704 fonts and their named fallbacks. -->",
        "<fontconfig>",
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
    ]
    for chain in FONT_CHAINS:
        prefer = "".join(f"<family>{name}</family>" for name in chain[1:])
        lines.append(f'  <alias binding="same"><family>{chain[0]}</family><prefer>{prefer}</prefer></alias>')
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"
