"""manage.py as contracts.md says: commands, messages and exit codes — run in process through
``manage.main`` (the ``cli`` fixture of tests/conftest.py). Only ``--help`` runs as a process of its own:
what it imports is the point, and a fresh interpreter is the only place to see that."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from db.engine import make_engine
from db.models import User
from tests.manage_cli import CliResult, CliRun

ROOT = Path(__file__).resolve().parents[1]

# What --help must not pull in: the data, document and chart libraries, the ORM, the Chinese text tools,
# and every layer below cli/ that brings them (contracts.md's command table; issue 21 item 10).
HEAVY = (
    "pandas",
    "numpy",
    "altair",
    "openpyxl",
    "docx",
    "pptx",
    "PIL",
    "qrcode",
    "pypdf",
    "reportlab",
    "jieba",
    "pypinyin",
    "sqlalchemy",
    "alembic",
    "streamlit",
    "db",
    "services",
    "exports",
    "workbook",
    "seed",
    "ui",
)
COMMANDS = (
    "migrate",
    "seed",
    "create-user",
    "import",
    "export",
    "ledger",
    "minutes",
    "report",
    "notify",
    "erase-personal",
    "suggest",
    "poster",
    "backup",
    "restore",
    "check-attachments",
)


def _help(*argv: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``python manage.py ARGV`` as a shell runs it, and every module it imported (``-X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    imported = {
        line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert "cli.common" in imported, result.stderr[-2000:]  # the probe sees what manage.py imports
    return result, imported


def test_help_imports_no_heavy_module() -> None:
    """``manage.py --help`` builds the parser of every subcommand and imports none of what they run on."""
    result, imported = _help("--help")
    assert result.returncode == 0, result.stderr[-2000:]
    assert sorted(m for m in imported if m.split(".")[0] in HEAVY) == []
    for command in COMMANDS:
        assert re.search(rf"^    {re.escape(command)}\s", result.stdout, re.MULTILINE), command
    result, imported = _help("report", "quarterly", "--help")  # a sub-subcommand's parser, as light
    assert result.returncode == 0 and "--quarter" in result.stdout, result.stderr[-2000:]
    assert sorted(m for m in imported if m.split(".")[0] in HEAVY) == []


def test_the_poster_formats_of_the_parser_are_the_posters() -> None:
    from cli.poster_cmds import FORMATS
    from exports import poster

    assert FORMATS == poster.FORMATS


def _run(cli: CliRun, args: list[str], db: Path, stdin: str = "") -> CliResult:
    return cli(args, db=db, stdin=stdin, env={"COBUILD_BCRYPT_ROUNDS": "4"})


def test_migrate_creates_the_schema_on_a_new_file(tmp_path: Path, cli: CliRun) -> None:
    result = _run(cli, ["migrate"], tmp_path / "new.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "new.db").exists()


def test_seed_demo_refuses_a_non_empty_database(db_file: Path, cli: CliRun) -> None:
    result = _run(cli, ["seed", "--demo"], db_file)
    assert result.returncode == 1
    assert "已有数据" in result.stderr


def test_seed_demo_if_empty_leaves_a_seeded_database_alone(db_file: Path, cli: CliRun) -> None:
    result = _run(cli, ["seed", "--demo", "--if-empty"], db_file)
    assert result.returncode == 0, result.stderr


def test_seed_demo_fills_an_empty_database(tmp_path: Path, cli: CliRun) -> None:
    db = tmp_path / "demo.db"
    result = _run(cli, ["seed", "--demo"], db)
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        names = set(conn.scalars(select(User.username)))
    engine.dispose()
    assert {"admin", "community1", "liaison1", "leader"} <= names


def test_create_user_reads_the_password_from_stdin(db_file: Path, cli: CliRun) -> None:
    result = _run(cli, ["create-user", "wangli", "--role", "leader", "--password-stdin"], db_file, "secret-pass-9\n")
    assert result.returncode == 0, result.stderr
    engine = make_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        assert conn.scalar(select(User.role).where(User.username == "wangli")) == "leader"
    engine.dispose()


def test_create_user_rejects_a_weak_password_with_exit_1(db_file: Path, cli: CliRun) -> None:
    result = _run(cli, ["create-user", "zhaomin", "--role", "leader", "--password-stdin"], db_file, "short\n")
    assert result.returncode == 1
    assert "密码" in result.stderr


def test_create_user_liaison_needs_a_known_unit(db_file: Path, cli: CliRun) -> None:
    result = _run(
        cli,
        ["create-user", "liming", "--role", "liaison", "--unit", "不存在的单位", "--password-stdin"],
        db_file,
        "secret-pass-9\n",
    )
    assert result.returncode == 1
    assert "不存在的单位" in result.stderr


def test_usage_error_exits_2(tmp_path: Path, cli: CliRun) -> None:
    result = _run(cli, ["create-user", "x", "--role", "king"], tmp_path / "u.db")
    assert result.returncode == 2


# --- notify (the scheduler, issue 14) ----------------------------------------------------------


def _notify(cli: CliRun, db: Path, *args: str, url: str | None = None) -> CliResult:
    return cli(
        ["notify", *args],
        env={"DATABASE_URL": url or f"sqlite:///{db}", "COBUILD_LANG": "zh_CN", "COBUILD_SMTP_URL": None},
    )


def test_notify_pass_prints_one_summary_line_and_a_repeat_does_nothing(db_file: Path, cli: CliRun) -> None:
    first = _notify(cli, db_file, "--at", "2026-11-28T08:30")  # naive: China time
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().startswith("到期 ") and "入队 " in first.stdout and first.stdout.count("\n") == 1
    again = _notify(cli, db_file, "--at", "2026-11-28T00:30:00+00:00")  # the same moment, with an offset
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "到期 0，入队 0，已发送 0，失败 0，延后 0"


def test_notify_refuses_a_pass_earlier_than_the_last(db_file: Path, cli: CliRun) -> None:
    assert _notify(cli, db_file, "--at", "2026-11-28T08:30").returncode == 0
    earlier = _notify(cli, db_file, "--at", "2026-11-28T08:00")
    assert earlier.returncode == 2 and "早于上次" in earlier.stderr


def test_notify_dry_run_prints_each_notice_and_writes_nothing(db_file: Path, cli: CliRun) -> None:
    def counts() -> tuple[object, ...]:  # the demo's own (delivered) notices are there before the pass
        engine = make_engine(f"sqlite:///{db_file}")
        with engine.connect() as conn:
            got = tuple(
                conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                for table in ("notice", "notice_attempt", "scheduler_state")
            )
        engine.dispose()
        return got

    before = counts()
    dry = _notify(cli, db_file, "--dry-run", "--at", "2026-11-28T08:30")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.strip().splitlines()
    assert any(line.split("\t")[1:3] == ["inbox", "chair_upcoming"] for line in lines[:-1]), lines
    assert counts() == before and before[2] == 0


def test_notify_usage_errors_exit_2(db_file: Path, cli: CliRun) -> None:
    for args in (["--at", "yesterday"], ["--every", "0"], ["--every", "x"], ["--every", "60", "--at", "2026-11-28"]):
        result = _notify(cli, db_file, *args)
        assert result.returncode == 2, (args, result.stderr)


def test_notify_exits_1_when_the_database_cannot_be_reached(tmp_path: Path, cli: CliRun) -> None:
    result = _notify(cli, tmp_path / "x.db", url="postgresql+psycopg://nobody@127.0.0.1:9/nothing")
    assert result.returncode == 1
    assert "无法连接数据库" in result.stderr and "Traceback" not in result.stderr
