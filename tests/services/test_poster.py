"""The residents' QR poster (exports/poster.py, services/posters.py): the QR code read back from the PNG
and from the printed PDF page holds the community's public address; the PDF is one A4 page; Chinese is
set in a CJK font, and without one (or with one lacking a character) the poster is refused, never boxes;
only those who keep a community print its poster."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from PIL import Image, ImageFont
from sqlalchemy.orm import Session

from db.models import Community
from domain.actor import Actor
from domain.errors import NotFound, PermissionDenied
from exports import poster
from locales import translate
from services import posters
from tests.qr import read_qr

PUBLIC = "https://gongjian.example.gov.cn"
A4_PT = (595.28, 841.89)
DEJAVU = next(iter(sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf"))), None)


def text_of(community: str = "安澜社区", street: str = "文昌街道", community_id: int = 7, lang: str = "zh_CN"):  # type: ignore[no-untyped-def]
    return poster.poster_text(community=community, street=street, url=poster.wall_url(PUBLIC, community_id), lang=lang)


@pytest.fixture(scope="module")
def fonts() -> poster.PosterFonts:
    found = poster.find_cjk_fonts()
    if found is None:
        pytest.skip("no CJK font on this machine (CI installs fonts-noto-cjk)")
    return found


@pytest.fixture(scope="module")
def png(fonts: poster.PosterFonts) -> bytes:
    return poster.poster_png(text_of(), fonts)


@pytest.fixture(scope="module")
def pdf(fonts: poster.PosterFonts) -> bytes:
    return poster.poster_pdf(text_of(), fonts)


# --- the address ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://gongjian.example.gov.cn", "https://gongjian.example.gov.cn/wall?c=3"),
        ("https://gongjian.example.gov.cn/", "https://gongjian.example.gov.cn/wall?c=3"),
        (" https://x.org/cobuild/ ", "https://x.org/cobuild/wall?c=3"),  # served under a path
    ],
)
def test_wall_url_is_the_public_address_plus_the_community(base: str, expected: str) -> None:
    assert poster.wall_url(base, 3) == expected


# --- what the poster holds -------------------------------------------------------------------------


def test_png_is_a4_at_300_dpi_and_its_qr_code_opens_the_community_page(png: bytes) -> None:
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.size == (2480, 3508)
    assert [round(d) for d in img.info["dpi"]] == [300, 300]
    assert read_qr(img) == f"{PUBLIC}/wall?c=7"


def test_pdf_is_one_a4_page_titled_for_the_community(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - A4_PT[0]) < 1 and abs(float(box.height) - A4_PT[1]) < 1
    assert reader.metadata is not None and reader.metadata.title == "安澜社区居民码海报"


def test_the_pdf_page_carries_the_poster_and_its_qr_code(pdf: bytes) -> None:
    """The picture on the page (as a printer gets it) reads back to the same address."""
    images = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    img = images[0].image
    assert img is not None and img.size == (2480, 3508)
    assert read_qr(img) == f"{PUBLIC}/wall?c=7"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_rendered_pdf_page_scans(pdf: bytes, tmp_path: Path) -> None:
    """The page as a PDF viewer draws it (poppler, 150 dpi) scans to the community's address."""
    src = tmp_path / "poster.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(src), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    page = Image.open(pages[0])
    assert abs(page.width - 1240) <= 2 and abs(page.height - 1754) <= 2  # A4 at 150 dpi
    assert read_qr(page) == f"{PUBLIC}/wall?c=7"


def test_an_english_poster_and_a_long_name_still_scan(fonts: poster.PosterFonts) -> None:
    text = text_of(community="青溪县文昌街道建设路第二社区居民委员会", street="", community_id=123, lang="en")
    img = poster.render(text, fonts)
    assert img.size == poster.SIZE
    assert read_qr(img) == f"{PUBLIC}/wall?c=123"


def test_the_poster_is_drawn_in_a_chinese_face(fonts: poster.PosterFonts) -> None:
    for face in (fonts.regular, fonts.bold):
        font = ImageFont.truetype(str(face.path), 48, index=face.index)
        assert poster.missing_characters(font, "安澜社区扫码提需求微心愿") == []


def test_the_chosen_faces_are_regular_and_bold_when_both_are_installed(fonts: poster.PosterFonts) -> None:
    regular = ImageFont.truetype(str(fonts.regular.path), 48, index=fonts.regular.index).getname()
    bold = ImageFont.truetype(str(fonts.bold.path), 48, index=fonts.bold.index).getname()
    if Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc").exists():
        assert regular == ("Noto Sans CJK SC", "Regular") and bold == ("Noto Sans CJK SC", "Bold")


def test_the_font_folders_are_searched_when_fontconfig_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    if not list(Path("/usr/share/fonts").rglob("NotoSansCJK*")):
        pytest.skip("fonts-noto-cjk is not installed")
    monkeypatch.setattr(poster.shutil, "which", lambda name: None)
    poster.find_cjk_fonts.cache_clear()
    try:
        found = poster.find_cjk_fonts()
        assert found is not None
        family = ImageFont.truetype(str(found.regular.path), 12, index=found.regular.index).getname()[0]
        assert family == "Noto Sans CJK SC"  # the Simplified Chinese face of the collection
    finally:
        poster.find_cjk_fonts.cache_clear()


# --- no boxes -------------------------------------------------------------------------------------


def test_no_cjk_font_refuses_with_a_message_in_the_users_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(poster, "find_cjk_fonts", lambda: None)
    with pytest.raises(poster.NoCJKFont) as err:
        poster.make_poster(community="安澜社区", street="", public_url=PUBLIC, community_id=1, fmt="pdf", lang="zh_CN")
    zh = translate("zh_CN", err.value.code)
    assert "中文字体" in zh and "fonts-noto-cjk" in zh and "方框" in zh
    assert "Chinese" in translate("en", err.value.code)


@pytest.mark.skipif(DEJAVU is None, reason="DejaVu Sans is not installed")
def test_a_font_without_chinese_is_refused_naming_the_characters() -> None:
    assert DEJAVU is not None
    latin = poster.PosterFonts(regular=poster.FontFace(DEJAVU), bold=poster.FontFace(DEJAVU))
    with pytest.raises(poster.MissingGlyphs) as err:
        poster.render(text_of(), latin)
    assert "安" in err.value.params["chars"] and "社" in err.value.params["chars"]
    assert "a" not in err.value.params["chars"]  # Latin letters it does have
    assert "{chars}" not in translate("zh_CN", err.value.code, **err.value.params)


@pytest.mark.skipif(DEJAVU is None, reason="DejaVu Sans is not installed")
def test_the_lookup_passes_over_a_face_that_draws_no_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """fontconfig may claim Chinese for a face that draws boxes: such a face is not chosen."""
    assert DEJAVU is not None
    fake = [(poster.FontFace(DEJAVU), "DejaVu Sans", "Book")]
    monkeypatch.setattr(poster, "_fontconfig_faces", lambda: fake)
    poster.find_cjk_fonts.cache_clear()
    try:
        assert poster.find_cjk_fonts() is None
    finally:
        poster.find_cjk_fonts.cache_clear()


def test_a_character_the_chinese_font_lacks_is_named(fonts: poster.PosterFonts) -> None:
    rare = "\U000f0000"  # a private-use character: no font draws it
    with pytest.raises(poster.MissingGlyphs) as err:
        poster.check_renderable(text_of(community=f"安澜{rare}社区"), fonts)
    assert err.value.params["chars"] == rare


# --- line breaking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "用手机微信或浏览器扫描下方二维码，即可向社区提出您身边的需求和微心愿，无需注册登录。",
        "称呼和电话可不填。社区工作人员审核后，采纳的需求将在社区公示栏公开办理进展。",
        "请访问 https://gongjian.example.gov.cn/wall?c=12 提交需求。",
    ],
)
@pytest.mark.parametrize("width", [300, 520, 1100])
def test_wrapping_keeps_marks_off_line_starts_and_loses_nothing(
    fonts: poster.PosterFonts, text: str, width: int
) -> None:
    font = ImageFont.truetype(str(fonts.regular.path), 48, index=fonts.regular.index)
    for wrap in (poster.wrap, poster.wrap_balanced):
        lines = wrap(text, font, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line[0] in poster.NO_LINE_START for line in lines)
        if width >= 1100:  # the address (about 960 px at this size) is kept whole where it fits
            assert all("gongjian" not in line or "wall?c=12" in line for line in lines)


def test_balanced_lines_break_after_a_comma_and_leave_no_orphan(fonts: poster.PosterFonts) -> None:
    font = ImageFont.truetype(str(fonts.regular.path), 70, index=fonts.regular.index)
    lines = poster.wrap_balanced(text_of().instruction, font, 2080 - 120)
    assert lines == ["用手机微信或浏览器扫描下方二维码，", "即可向社区提出您身边的需求和微心愿，无需注册登录。"]
    note = poster.wrap_balanced(text_of().note, ImageFont.truetype(str(fonts.regular.path), 54, index=2), 1960)
    assert min(len(line) for line in note) > 4


def test_file_names_carry_the_community_and_no_path() -> None:
    assert poster.file_name("安澜社区", "pdf", lang="zh_CN") == "安澜社区居民码海报.pdf"
    assert "/" not in poster.file_name("../a/b", "png", lang="zh_CN")


# --- who prints which community's poster ----------------------------------------------------------


def test_a_community_worker_prints_only_their_own_community(session: Session, community_worker: Actor) -> None:
    mine = posters.list_poster_communities(session, community_worker)
    assert [c.id for c in mine] == [community_worker.community_id]
    got = posters.get_poster_community(session, community_worker, community_id=mine[0].id)
    assert got.name == "安澜社区" and got.street == "文昌街道"


def test_a_community_worker_may_not_print_another_community(
    session: Session, community_worker: Actor, other_community_id: int
) -> None:
    with pytest.raises(PermissionDenied):
        posters.get_poster_community(session, community_worker, community_id=other_community_id)


def test_the_secretariat_prints_any_community(session: Session, admin: Actor) -> None:
    names = [c.name for c in posters.list_poster_communities(session, admin)]
    assert names == ["安澜社区", "红星社区", "建设路社区"]  # pinyin order: an, hong, jian


@pytest.mark.parametrize("who", ["liaison", "leader"])
def test_liaisons_and_leaders_print_none(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(who)
    assert posters.list_poster_communities(session, actor) == []
    some = posters.list_poster_communities(session, request.getfixturevalue("admin"))[0]
    with pytest.raises(PermissionDenied):
        posters.get_poster_community(session, actor, community_id=some.id)


def test_an_unknown_or_deleted_community_is_not_found(session: Session, admin: Actor) -> None:
    with pytest.raises(NotFound):
        posters.get_poster_community(session, admin, community_id=999_999)
    community = session.get(Community, posters.list_poster_communities(session, admin)[-1].id)
    assert community is not None
    community.deleted_at = datetime.now(UTC)
    session.flush()
    with pytest.raises(NotFound):
        posters.get_poster_community(session, admin, community_id=community.id)
    assert community.id not in [c.id for c in posters.list_poster_communities(session, admin)]
