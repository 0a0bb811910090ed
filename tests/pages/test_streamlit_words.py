"""Streamlit's own English in the user's language (issue 20, item 4): the CSS ui/kit/chrome.py injects
is built from the catalogs, per language, with the upload limit from the server's setting."""

from __future__ import annotations

import streamlit as st

from tests.pages.conftest import OpenPage, assert_clean
from ui.kit.chrome import css_string, words_css

CHINESE = ["上传", "单个文件不超过 10 MB", "把文件拖到这里", "按回车键提交", "按回车键确认", "全选", "没有匹配的选项"]


def test_chinese_words_replace_streamlits() -> None:
    css = words_css("zh_CN")
    for word in CHINESE:
        assert css_string(word) in css, word
    assert 'data-testid="stFileUploaderDropzoneInstructions"' in css
    assert '[data-key="__select_all__"]' in css


def test_english_keeps_streamlits_words() -> None:
    assert words_css("en") == ""


def test_the_limit_follows_the_server_setting(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = st.get_option
    monkeypatch.setattr(st, "get_option", lambda name: 25 if name == "server.maxUploadSize" else real(name))
    assert css_string("单个文件不超过 25 MB") in words_css("zh_CN")


def test_css_strings_are_escaped() -> None:
    assert css_string('a"b\\c') == '"a\\"b\\\\c"'


def test_the_page_carries_the_words_in_chinese_only(open_page: OpenPage) -> None:
    at = open_page("liaison1", "app_pages/activities.py")
    assert_clean(at)
    assert any(css_string("上传") in h.proto.body for h in at.get("html"))
    at = open_page("liaison1", "app_pages/activities.py", lang="en")
    assert not any("Upload" in h.proto.body or "上传" in h.proto.body for h in at.get("html"))
