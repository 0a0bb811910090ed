"""Every message exists in both languages, and the code asks only for keys that exist."""

from __future__ import annotations

import re
from pathlib import Path

from locales import LANGUAGES, catalog, translate

ROOT = Path(__file__).resolve().parents[1]
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z_][a-z0-9_.]*)["']""")


def test_catalogs_have_the_same_keys() -> None:
    zh, en = set(catalog("zh_CN")), set(catalog("en"))
    assert sorted(zh - en) == [], "missing in en"
    assert sorted(en - zh) == [], "missing in zh_CN"


def test_placeholders_agree_between_languages() -> None:
    field = re.compile(r"\{(\w+)\}")
    for key, zh_text in catalog("zh_CN").items():
        en_text = catalog("en").get(key, "")
        assert set(field.findall(zh_text)) == set(field.findall(en_text)), key


def test_literal_keys_in_code_exist() -> None:
    keys = set(catalog("zh_CN"))
    missing = []
    for folder in ("app.py", "app_pages", "ui"):
        path = ROOT / folder
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for f in files:
            for key in KEY_CALL.findall(f.read_text(encoding="utf-8")):
                if key not in keys and not key.endswith("."):
                    missing.append(f"{f.name}: {key}")
    assert missing == []


def test_enum_labels_exist_for_every_member() -> None:
    import domain.enums as enums

    for name in dir(enums):
        cls = getattr(enums, name)
        if isinstance(cls, type) and issubclass(cls, enums.StrEnum) and cls is not enums.StrEnum:
            for member in cls:
                for lang in LANGUAGES:
                    assert f"enum.{cls.__name__}.{member.value}" in catalog(lang), (lang, member)


def test_missing_key_falls_back_to_the_key() -> None:
    assert translate("zh_CN", "no.such.key") == "no.such.key"


def test_chinese_is_the_default_and_english_differs() -> None:
    assert translate("zh_CN", "auth.login") == "登录"
    assert translate("en", "auth.login") == "Login"
    assert translate("xx", "auth.logout") == "退出登录"


def test_navigation_titles_and_sections_exist() -> None:
    from ui.kit.navigation import PAGES

    for lang in LANGUAGES:
        for spec in PAGES:
            assert spec.title_key in catalog(lang), (lang, spec.title_key)
            assert f"nav.section_{spec.section}" in catalog(lang), (lang, spec.section)
