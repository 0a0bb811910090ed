"""manage.py suggest, in process through manage.main (contracts.md's command table)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import manage


def _run(
    argv: list[str], db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, lang: str = "zh_CN"
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COBUILD_LANG", lang)
    code = manage.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_every_open_need_sorted_with_reasons(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(["suggest", "--json"], db_file, capsys, monkeypatch)
    assert code == 0
    rows = json.loads(out)  # stdout holds only the JSON list
    assert rows == sorted(rows, key=lambda r: (r["community"], r["need"]))
    assert {r["community"] for r in rows} == {"安澜社区", "红星社区", "建设路社区"}
    by_need = {r["need"]: r for r in rows}
    assert by_need["加装电梯政策咨询"]["suggestions"] == []
    assert {"陈大爷的轮椅需要修理", "李伯伯希望有人读报"} <= set(by_need)  # unclaimed 微心愿
    assert "刘奶奶想要一台收音机" not in by_need  # a claimed one
    assert by_need["防范电信诈骗宣传"]["suggestions"][0]["resource"] in {"反诈宣传小分队", "金融知识宣讲员"}
    for r in rows:
        assert len(r["suggestions"]) <= 3
        scores = [s["score"] for s in r["suggestions"]]
        assert scores == sorted(scores, reverse=True)
        for s in r["suggestions"]:
            assert set(s) == {"unit", "resource", "score", "reasons"}
            assert isinstance(s["score"], int) and 0 <= s["score"] <= 100
            assert s["reasons"][0].startswith("内容相关（共有：") and "：）" not in s["reasons"][0]


def test_community_top_and_english(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(
        ["suggest", "--community", "红星社区", "--top", "1", "--json"], db_file, capsys, monkeypatch, "en"
    )
    assert code == 0
    rows = json.loads(out)
    assert rows and {r["community"] for r in rows} == {"红星社区"}
    assert all(len(r["suggestions"]) <= 1 for r in rows)
    reasons = [x for r in rows for s in r["suggestions"] for x in s["reasons"]]
    assert reasons and any(x.startswith("About the need (shared: ") for x in reasons)


def test_table_without_json(db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(["suggest", "--community", "安澜社区"], db_file, capsys, monkeypatch)
    assert code == 0
    assert "安澜社区 · 加装电梯政策咨询" in out and "没有与该需求内容相关的资源" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_unknown_community_exits_1(
    db_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(["suggest", "--community", "不存在的社区", "--json"], db_file, capsys, monkeypatch)
    assert code == 1 and out == ""
    assert "不存在的社区" in err
