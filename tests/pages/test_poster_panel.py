"""/lists' 居民码海报 panel (ui/lists/poster.py) through the page: a community's worker prints their own
community's poster, the secretariat any; the panel asks for COBUILD_PUBLIC_URL while it is unset and says
so when no Chinese font is installed; a liaison and a leader see no panel."""

from __future__ import annotations

import io

import pypdf
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from exports import poster
from locales import translate
from tests.pages.conftest import OpenPage, assert_clean
from tests.qr import read_qr
from ui.lists import poster as poster_panel

PAGE = "app_pages/lists.py"
PUBLIC = "https://gongjian.example.gov.cn"


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COBUILD_PUBLIC_URL", PUBLIC)
    return PUBLIC


@pytest.fixture
def cjk_font() -> None:
    if poster.find_cjk_fonts() is None:
        pytest.skip("no CJK font on this machine (CI installs fonts-noto-cjk)")


def _open_panel(open_page: OpenPage, username: str, lang: str = "zh_CN") -> AppTest:
    """/lists with the panel open on arrival (a rerun of /lists in English trips AppTest over the
    translated sort options, so the page runs once)."""
    at = open_page(username, lang=lang)
    at.session_state["lists_poster_open"] = True
    at.switch_page(PAGE)
    at.run()
    assert_clean(at)
    return at


def _downloads(at: AppTest) -> dict[str, str]:
    return {d.key: d.label for d in at.get("download_button") if d.key and d.key.startswith("lists_poster_")}


def _address(at: AppTest) -> str:
    """The address the panel shows (to copy into a residents' group)."""
    return "\n".join(c.value for c in at.code)


@pytest.mark.usefixtures("public_url", "cjk_font")
def test_a_community_worker_prints_their_own_communitys_poster(open_page: OpenPage) -> None:
    at = open_page("community1", PAGE)
    assert "居民码海报" in [e.label for e in at.expander]
    assert "lists_poster_community" not in [w.key for w in at.selectbox], "closed: the panel does not run"
    at = _open_panel(open_page, "community1")
    box = at.selectbox(key="lists_poster_community")
    assert box.options == ["安澜社区"] and box.disabled
    assert _address(at) == f"{PUBLIC}/wall?c={box.value}"
    assert _downloads(at) == {"lists_poster_png": "下载海报（PNG 图片）", "lists_poster_pdf": "下载海报（A4 PDF）"}
    assert len(at.get("image")) == 1, "the poster is shown before it is printed"


@pytest.mark.usefixtures("public_url", "cjk_font")
def test_the_secretariat_chooses_any_community(open_page: OpenPage) -> None:
    at = _open_panel(open_page, "admin")
    box = at.selectbox(key="lists_poster_community")
    assert box.options == ["安澜社区", "红星社区", "建设路社区"] and not box.disabled
    box.select_index(2)  # the options show names; the value is the id
    at.run()
    assert_clean(at)
    chosen = at.selectbox(key="lists_poster_community").value
    assert _address(at) == f"{PUBLIC}/wall?c={chosen}"
    assert set(_downloads(at)) == {"lists_poster_png", "lists_poster_pdf"}


@pytest.mark.usefixtures("public_url", "cjk_font")
def test_the_panel_in_english(open_page: OpenPage) -> None:
    at = _open_panel(open_page, "admin", lang="en")
    assert "Residents' QR poster" in [e.label for e in at.expander]
    assert set(_downloads(at).values()) == {"Download poster (PNG image)", "Download poster (A4 PDF)"}


@pytest.mark.parametrize(
    ("username", "advice"),
    [("admin", "在启动本系统的环境中设置 COBUILD_PUBLIC_URL"), ("community1", "请联系联盟秘书处")],
)
def test_an_unset_public_url_is_asked_for(
    open_page: OpenPage, monkeypatch: pytest.MonkeyPatch, username: str, advice: str
) -> None:
    monkeypatch.delenv("COBUILD_PUBLIC_URL", raising=False)
    at = _open_panel(open_page, username)
    assert any("COBUILD_PUBLIC_URL" in w.value for w in at.warning), [w.value for w in at.warning]
    assert any(advice in i.value for i in at.info), [i.value for i in at.info]
    assert _downloads(at) == {}


@pytest.mark.usefixtures("public_url")
def test_no_chinese_font_is_said_in_the_users_language(open_page: OpenPage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(poster, "find_cjk_fonts", lambda: None)
    at = open_page("community1")
    at.session_state["lists_poster_open"] = True
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [translate("zh_CN", "poster.error.no_font")]
    assert _downloads(at) == {}
    assert not at.get("image")


@pytest.mark.usefixtures("public_url")
@pytest.mark.parametrize("username", ["liaison1", "leader"])
def test_liaisons_and_leaders_see_no_poster_panel(open_page: OpenPage, username: str) -> None:
    at = open_page(username, PAGE)
    assert_clean(at)
    assert "居民码海报" not in [e.label for e in at.expander]


@pytest.mark.usefixtures("cjk_font")
def test_the_download_makes_the_poster_when_clicked() -> None:
    """What the two download buttons hand Streamlit (run on click, on Streamlit's own thread)."""
    text = poster.poster_text(community="安澜社区", street="文昌街道", url=f"{PUBLIC}/wall?c=1", lang="zh_CN")
    fonts = poster.check_renderable(text)
    png = poster_panel._maker(text, fonts, "png")()
    assert read_qr(Image.open(io.BytesIO(png))) == f"{PUBLIC}/wall?c=1"
    pdf = pypdf.PdfReader(io.BytesIO(poster_panel._maker(text, fonts, "pdf")()))
    assert len(pdf.pages) == 1
