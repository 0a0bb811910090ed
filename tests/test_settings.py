"""config.Settings reads every variable; the cookie-key rule of contracts.md applied once (config.cookie_key)."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import config
import manage
from cli import common
from exports import format as fmt
from services import users


def test_settings_read_the_day_the_hash_cost_and_the_cli_language() -> None:
    blank = config.load_settings({})
    assert (blank.today, blank.bcrypt_rounds, blank.cli_language) == (None, 12, "zh_CN")
    s = config.load_settings({"COBUILD_TODAY": "2026-11-24", "COBUILD_BCRYPT_ROUNDS": "5", "COBUILD_LANG": "en_US"})
    assert (s.today, s.bcrypt_rounds, s.cli_language) == (date(2026, 11, 24), 5, "en")
    assert config.load_settings({"COBUILD_TODAY": "not a day"}).today is None
    with pytest.raises(ValueError):
        config.load_settings({"COBUILD_BCRYPT_ROUNDS": "99"})


def test_the_pinned_day_reaches_screens_and_commands_through_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COBUILD_TODAY", "2031-02-03")
    monkeypatch.setenv("COBUILD_LANG", "en")
    monkeypatch.setenv("COBUILD_BCRYPT_ROUNDS", "5")
    assert fmt.today_local() == common.local_today() == date(2031, 2, 3)
    assert common.cli_language() == "en"
    assert users.bcrypt_rounds() == 5


def _settings(tmp_path: Path, key: str | None) -> config.Settings:
    return replace(config.load_settings({}), cookie_key=key, data_dir=tmp_path / "data")


def test_the_cookie_key_is_the_environment_s_when_set(tmp_path: Path) -> None:
    for demo in (True, False):
        assert config.cookie_key(_settings(tmp_path, "from-the-environment"), demo=demo) == "from-the-environment"
    assert not (tmp_path / "data").exists()


def test_a_demo_database_gets_a_generated_key_kept_in_data(tmp_path: Path) -> None:
    first = config.cookie_key(_settings(tmp_path, None), demo=True)
    path = tmp_path / "data" / "cookie_key"
    assert path.read_text() == first and len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.cookie_key(_settings(tmp_path, None), demo=True) == first  # made once


def test_a_real_database_without_a_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(config.CookieKeyMissing):
        config.cookie_key(_settings(tmp_path, None), demo=False)
    assert not (tmp_path / "data" / "cookie_key").exists()


def test_migrate_on_an_empty_machine_needs_no_cookie_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "fresh.db"
    monkeypatch.delenv("COBUILD_COOKIE_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))
    assert manage.main(["migrate"]) == 0
    assert db.exists()
    assert not (tmp_path / "data" / "cookie_key").exists(), "migrate neither needs nor makes a cookie key"
    with pytest.raises(config.CookieKeyMissing):  # while the app, on this non-demo database, would refuse
        config.cookie_key(config.load_settings(), demo=False)
