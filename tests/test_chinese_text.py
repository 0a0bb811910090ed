"""Chinese as it is written (issue 20, item 7): Chinese punctuation between Chinese characters, in the
zh_CN catalog and in the demo alliance's content; one term for each thing across the grid, the charts,
the deck and the report."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from domain.enums import SIX_ITEMS
from locales import LANGUAGES, catalog

ROOT = Path(__file__).resolve().parents[1]
CJK = r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e“”‘’]"
# an ASCII , : ; ( ) ? ! with a Chinese character (or Chinese punctuation) on either side
ASCII_BETWEEN_CJK = re.compile(rf"{CJK}[ \t]*[,:;()?!][ \t]*{CJK}")
URL = re.compile(r"\S+://\S+")  # smtp://用户名:密码@… is an address, not a sentence
PLACEHOLDER = re.compile(r"\{[^{}]*\}")  # {community}召开 reads as Chinese once filled in


def ascii_punctuation(text: str) -> list[str]:
    """Where ``text`` has ASCII punctuation between Chinese characters (with a little context)."""
    if not re.search(CJK, text):
        return []  # SQL, code: not a sentence
    text = PLACEHOLDER.sub("某", URL.sub(" ", text))
    return [text[max(0, m.start() - 6) : m.end() + 6] for m in ASCII_BETWEEN_CJK.finditer(text)]


def test_the_check_finds_ascii_punctuation() -> None:
    assert ascii_punctuation("需求已认领,正在对接") == ["需求已认领,正在对接"]
    assert ascii_punctuation("共建单位(甲)") and ascii_punctuation("是否认领?是") and ascii_punctuation("注意:明天")
    assert ascii_punctuation("需求已认领，正在对接（甲）：明天？") == []
    assert ascii_punctuation("共 1,500 家单位，2026-10") == []
    assert ascii_punctuation("例：smtp://用户名:密码@smtp.example.com") == []
    assert ascii_punctuation("{when},{community}召开例会") == ["某,某召开例会"]


def test_the_chinese_catalog_uses_chinese_punctuation() -> None:
    found = {key: hits for key, text in catalog("zh_CN").items() if (hits := ascii_punctuation(text))}
    assert found == {}


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """Every string of a module as it reads: adjacent literals joined, an f-string's fields as {}."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            out.append((node.lineno, str(text)))
    return out


@pytest.mark.parametrize("module", ["seed/demo_content.py", "seed/demo.py", "seed/county.py"])
def test_the_demo_content_uses_chinese_punctuation(module: str) -> None:
    found = [(line, hit) for line, text in _string_constants(ROOT / module) for hit in ascii_punctuation(text)]
    assert found == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_six_items_have_one_name_everywhere(lang: str) -> None:
    """The 六个一 items are activity kinds: the charts, the deck and the report name them as the grid,
    the log form and the lists do (认领微心愿, 志愿服务 — not 微心愿, 志愿者)."""
    messages = catalog(lang)
    for kind in SIX_ITEMS:
        assert messages[f"charts.six.{kind.value}"] == messages[f"enum.ActivityKind.{kind.value}"]


def test_volunteer_hours_have_one_name() -> None:
    """志愿服务时长 on the overview's metric, the charts, the grid and the report alike."""
    messages = catalog("zh_CN")
    names = {key: text for key, text in messages.items() if "志愿" in text and "时长" in text}
    assert names
    assert all("志愿服务时长" in text for text in names.values()), names
