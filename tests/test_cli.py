"""manage.py as contracts.md says: commands, messages and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from db.engine import make_engine
from db.models import User

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], db: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", COBUILD_BCRYPT_ROUNDS="4")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_creates_the_schema_on_a_new_file(tmp_path: Path) -> None:
    result = _run(["migrate"], tmp_path / "new.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.db").exists()


def test_seed_demo_refuses_a_non_empty_database(db_file: Path) -> None:
    result = _run(["seed", "--demo"], db_file)
    assert result.returncode == 1
    assert "已有数据" in result.stderr


def test_seed_demo_if_empty_leaves_a_seeded_database_alone(db_file: Path) -> None:
    result = _run(["seed", "--demo", "--if-empty"], db_file)
    assert result.returncode == 0, result.stderr


def test_seed_demo_fills_an_empty_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    result = _run(["seed", "--demo"], db)
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        names = set(conn.scalars(select(User.username)))
    engine.dispose()
    assert {"admin", "community1", "liaison1", "leader"} <= names


def test_create_user_reads_the_password_from_stdin(db_file: Path) -> None:
    result = _run(["create-user", "wangli", "--role", "leader", "--password-stdin"], db_file, "secret-pass-9\n")
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        assert conn.scalar(select(User.role).where(User.username == "wangli")) == "leader"
    engine.dispose()


def test_create_user_rejects_a_weak_password_with_exit_1(db_file: Path) -> None:
    result = _run(["create-user", "zhaomin", "--role", "leader", "--password-stdin"], db_file, "short\n")
    assert result.returncode == 1
    assert "密码" in result.stderr


def test_create_user_liaison_needs_a_known_unit(db_file: Path) -> None:
    result = _run(
        ["create-user", "liming", "--role", "liaison", "--unit", "不存在的单位", "--password-stdin"],
        db_file,
        "secret-pass-9\n",
    )
    assert result.returncode == 1
    assert "不存在的单位" in result.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    result = _run(["create-user", "x", "--role", "king"], tmp_path / "u.db")
    assert result.returncode == 2
