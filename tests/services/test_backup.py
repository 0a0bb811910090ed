"""backup / restore (contracts.md, quality.md "data safety"): a consistent copy while writers go on,
a restore that brings back exactly what was saved, and files that must be refused."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update

from db.engine import make_engine, make_session_factory, session_scope
from db.migrate import head_revision, upgrade
from db.models import Activity, AuditEntry, Project, Unit, User
from domain.enums import ActivityKind, AuditAction, Role
from services import activities, backup
from services.backup import BackupRefused
from services.users import actor_for
from tests.conftest import PG_URL, TODAY
from tests.manage_cli import CliResult, CliRun

PG_SCHEMA = "cobuild_backup_test"


@pytest.fixture(autouse=True)
def backup_key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No key from the environment: demo databases use a generated key in a private data dir."""
    monkeypatch.delenv("COBUILD_BACKUP_KEY", raising=False)
    monkeypatch.setenv("COBUILD_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return backup._table_counts(conn, backup._reflect(conn))


def _project_titles(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Project.id, Project.title)).all())  # type: ignore[arg-type]


def _change_everything(engine: Engine) -> None:
    """What happens between a backup and a restore: rows added, changed and removed."""
    factory = make_session_factory(engine)
    with session_scope(factory, write=True) as s:
        admin = actor_for(s.scalars(select(User).where(User.role == Role.ADMIN)).first())  # type: ignore[arg-type]
        unit = s.scalars(select(Unit).order_by(Unit.id)).first()
        assert unit is not None
        pid = s.scalars(select(Project.id).order_by(Project.id)).first()
        activities.log_activity(
            s,
            admin,
            unit_id=unit.id,
            community_id=1,
            held_on=TODAY,
            kind=ActivityKind.FORUM,
            title="备份之后才记的活动",
            today=TODAY,
        )
        s.execute(update(Project).where(Project.id == pid).values(title="被改掉的项目名"))
        s.execute(text("DELETE FROM project_unit"))


@pytest.fixture
def sqlite_engine(db_file: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{db_file}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("name", ["backup.db", "backup.jsonl", "backup.jsonl.gz"])
def test_restore_brings_back_what_the_backup_saved(sqlite_engine: Engine, tmp_path: Path, name: str) -> None:
    before_counts, before_titles = _counts(sqlite_engine), _project_titles(sqlite_engine)
    report = backup.backup_database(sqlite_engine, tmp_path / name)
    assert report.format == ("sqlite" if name.endswith(".db") else "jsonl")
    assert report.counts == before_counts and report.revision == head_revision()

    _change_everything(sqlite_engine)
    assert _counts(sqlite_engine) != before_counts

    restored = backup.restore_database(sqlite_engine, tmp_path / name)
    after = _counts(sqlite_engine)
    restore_writes = ("audit_entry", "data_version")  # the restore's audit row; every area's new version
    assert {k: v for k, v in after.items() if k not in restore_writes} == {
        k: v for k, v in before_counts.items() if k not in restore_writes
    }
    assert after["audit_entry"] == before_counts["audit_entry"] + 1  # the restore itself is recorded
    assert restored.counts == after
    assert _project_titles(sqlite_engine) == before_titles
    with sqlite_engine.connect() as conn:
        assert conn.scalar(select(func.count()).where(Activity.title == "备份之后才记的活动")) == 0
        assert conn.scalar(text("PRAGMA integrity_check")) == "ok"
        assert conn.scalar(text("PRAGMA journal_mode")) == "wal"
        last = conn.execute(select(AuditEntry.action, AuditEntry.entity).order_by(AuditEntry.id.desc())).first()
        assert tuple(last) == (AuditAction.IMPORT, "backup")  # type: ignore[arg-type]
        # Typed values survive the JSON round trip.
        when = conn.scalar(select(User.created_at).order_by(User.id))
        assert when is not None and when.tzinfo is not None
        assert isinstance(conn.scalar(select(Activity.held_on).limit(1)), date)


def test_a_backup_taken_while_writers_go_on_is_consistent(sqlite_engine: Engine, tmp_path: Path) -> None:
    """Every activity in the copy has its audit row: the copy is one moment, not a smear."""
    factory = make_session_factory(sqlite_engine)
    with session_scope(factory) as s:
        admin = actor_for(s.scalars(select(User).where(User.role == Role.ADMIN)).first())  # type: ignore[arg-type]
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        while not stop.is_set() and len(written) < 400:
            with session_scope(factory, write=True) as s:
                written.append(
                    activities.log_activity(
                        s,
                        admin,
                        unit_id=1,
                        community_id=1,
                        held_on=TODAY,
                        kind=ActivityKind.VISIT,
                        title=f"备份期间 {len(written)}",
                        today=TODAY,
                    )
                )

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            stop.wait(0.01)
        backup.backup_database(sqlite_engine, tmp_path / "live.db")
        backup.backup_database(sqlite_engine, tmp_path / "live.jsonl")
    finally:
        stop.set()
        thread.join(timeout=60)
    assert written, "the writer ran"
    for name in ("live.db", "live.jsonl"):
        check = make_engine(f"sqlite:///{tmp_path / ('check_' + name + '.db')}")
        upgrade(check)
        backup.restore_database(check, tmp_path / name, key=backup.signing_key(sqlite_engine))  # a fresh, non-demo file
        with check.connect() as conn:
            acts = conn.scalar(select(func.count()).where(Activity.title.like("备份期间 %")))
            logged = conn.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.entity == "activity",
                    AuditEntry.action == AuditAction.CREATE,
                    AuditEntry.after.like("%备份期间%"),
                )
            )
        check.dispose()
        assert acts == logged, name


def _set_revision(path: Path, revision: str) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    con.commit()
    con.close()


def test_a_file_from_a_newer_schema_is_refused_and_nothing_changes(sqlite_engine: Engine, tmp_path: Path) -> None:
    backup.backup_database(sqlite_engine, tmp_path / "future.db")
    _set_revision(tmp_path / "future.db", "9999_from_a_newer_release")
    _change_everything(sqlite_engine)
    counts = _counts(sqlite_engine)
    with pytest.raises(BackupRefused) as caught:
        backup.restore_database(sqlite_engine, tmp_path / "future.db")
    assert caught.value.code == "backup.error.newer_schema"
    assert caught.value.params["revision"] == "9999_from_a_newer_release"
    assert _counts(sqlite_engine) == counts


def test_a_newer_jsonl_file_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "future.jsonl"
    backup.backup_database(sqlite_engine, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace(head_revision(), "9999_from_a_newer_release")
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(BackupRefused, match="newer_schema"):
        backup.inspect_file(path)


def test_a_damaged_sqlite_file_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    backup.backup_database(sqlite_engine, path)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page, min(len(data), 12 * page)):  # scribble over table pages
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    with pytest.raises(BackupRefused) as caught:
        backup.inspect_file(path)
    assert caught.value.code in ("backup.error.corrupt", "backup.error.not_a_backup")


def test_a_cut_off_jsonl_file_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    backup.backup_database(sqlite_engine, path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    with pytest.raises(BackupRefused, match="truncated"):
        backup.inspect_file(path)


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("会议纪要", encoding="utf-8")
    with pytest.raises(BackupRefused, match="not_a_backup"):
        backup.inspect_file(path)


# --- the command line ---------------------------------------------------------------------------


def _manage(cli: CliRun, args: list[str], db: Path) -> CliResult:
    return cli(args, db=db, env={"COBUILD_LANG": "zh_CN"})


def test_manage_backup_and_restore_round_trip(db_file: Path, tmp_path: Path, cli: CliRun) -> None:
    target = tmp_path / "nightly.db"
    done = _manage(cli, ["backup", str(target)], db_file)
    assert done.returncode == 0, done.stderr
    assert "备份完成" in done.stdout
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        titles = _project_titles(engine)
        _change_everything(engine)
    finally:
        engine.dispose()
    restored = _manage(cli, ["restore", str(target), "--yes"], db_file)
    assert restored.returncode == 0, restored.stderr
    assert "恢复完成" in restored.stdout
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        assert _project_titles(engine) == titles
    finally:
        engine.dispose()


def test_manage_restore_refuses_a_newer_file_with_exit_1_and_a_chinese_message(
    db_file: Path, tmp_path: Path, cli: CliRun
) -> None:
    target = tmp_path / "future.db"
    assert _manage(cli, ["backup", str(target)], db_file).returncode == 0
    _set_revision(target, "9999_from_a_newer_release")
    refused = _manage(cli, ["restore", str(target), "--yes"], db_file)
    assert refused.returncode == 1
    assert "比当前程序支持的版本" in refused.stderr and "已拒绝恢复" in refused.stderr


# --- PostgreSQL (private schema; ``public`` is never touched) --------------------------------------


@pytest.fixture
def pg_engine(sqlite_template: Path) -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set")
    admin_engine = make_engine(PG_URL)
    with admin_engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={PG_SCHEMA}"})
    yield engine
    engine.dispose()
    with admin_engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    admin_engine.dispose()


def test_sqlite_backup_moves_to_postgresql_and_back(pg_engine: Engine, sqlite_engine: Engine, tmp_path: Path) -> None:
    """The app-level dump restores across backends: SQLite → PostgreSQL → SQLite."""
    counts, titles = _counts(sqlite_engine), _project_titles(sqlite_engine)
    backup.backup_database(sqlite_engine, tmp_path / "from_sqlite.jsonl.gz")
    backup.restore_database(
        pg_engine, tmp_path / "from_sqlite.jsonl.gz", key=backup.signing_key(sqlite_engine)
    )  # an empty schema is no demo
    pg_counts = _counts(pg_engine)
    restore_writes = ("audit_entry", "data_version")  # the restore's audit row; every area's new version
    assert {k: v for k, v in pg_counts.items() if k not in restore_writes} == {
        k: v for k, v in counts.items() if k not in restore_writes
    }
    assert _project_titles(pg_engine) == titles
    _change_everything(pg_engine)  # sequences were moved past the restored ids
    report = backup.backup_database(pg_engine, tmp_path / "from_pg.jsonl")
    assert report.format == "jsonl"
    backup.restore_database(sqlite_engine, tmp_path / "from_pg.jsonl")
    assert _counts(sqlite_engine)["activity"] == counts["activity"] + 1
    with pytest.raises(BackupRefused, match="sqlite_file_needs_sqlite"):
        backup.backup_database(sqlite_engine, tmp_path / "plain.db")
        backup.restore_database(pg_engine, tmp_path / "plain.db")


# --- signed backups (issue 13, finding 7) -----------------------------------------------------------


def _roles(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {u: str(r) for u, r in conn.execute(select(User.username, User.role)).all()}


def _make_leader_admin_in_db(path: Path) -> None:
    con = sqlite3.connect(path)
    with con:
        assert con.execute("UPDATE app_user SET role = 'admin' WHERE username = 'leader'").rowcount == 1
    con.close()


def _make_leader_admin_in_jsonl(path: Path) -> None:
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        lines = fh.readlines()
    hits = [n for n, line in enumerate(lines) if '"t": "app_user"' in line and '"username": "leader"' in line]
    assert len(hits) == 1
    role = json.loads(lines[hits[0]])["r"]["role"]
    lines[hits[0]] = lines[hits[0]].replace(f'"role": "{role}"', '"role": "admin"')
    with opener(path, "wt", encoding="utf-8") as fh:  # type: ignore[operator]
        fh.writelines(lines)


@pytest.mark.parametrize("name", ["tampered.db", "tampered.jsonl", "tampered.jsonl.gz"])
def test_a_tampered_backup_is_refused_and_nothing_changes(sqlite_engine: Engine, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    backup.backup_database(sqlite_engine, path)
    (_make_leader_admin_in_db if name.endswith(".db") else _make_leader_admin_in_jsonl)(path)
    _change_everything(sqlite_engine)
    counts, roles = _counts(sqlite_engine), _roles(sqlite_engine)
    assert roles["leader"] == Role.LEADER
    with pytest.raises(BackupRefused) as caught:
        backup.restore_database(sqlite_engine, path)
    assert caught.value.code == "backup.error.bad_signature"
    assert _counts(sqlite_engine) == counts and _roles(sqlite_engine) == roles


def _strip_signature(path: Path) -> None:
    if path.name.endswith(".db"):
        con = sqlite3.connect(path)
        con.execute("DROP TABLE backup_signature")
        con.commit()
        con.close()
        return
    import gzip

    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        lines = fh.readlines()
    assert '"signature"' in lines[-1]
    with opener(path, "wt", encoding="utf-8") as fh:  # type: ignore[operator]
        fh.writelines(lines[:-1])


def test_a_trigger_slipped_into_a_db_backup_is_refused(sqlite_engine: Engine, tmp_path: Path) -> None:
    """The schema is signed too: a trigger that would make everyone an admin after the restore."""
    path = tmp_path / "trigger.db"
    backup.backup_database(sqlite_engine, path)
    con = sqlite3.connect(path)
    con.execute("CREATE TRIGGER promote AFTER UPDATE ON app_user BEGIN UPDATE app_user SET role = 'admin'; END")
    con.commit()
    con.close()
    with pytest.raises(BackupRefused, match="bad_signature"):
        backup.restore_database(sqlite_engine, path)


@pytest.mark.parametrize("name", ["signed.db", "signed.jsonl", "signed.jsonl.gz"])
def test_an_untampered_backup_is_signed_and_restores(sqlite_engine: Engine, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    backup.backup_database(sqlite_engine, path)
    roles = _roles(sqlite_engine)
    info = backup.check_file(path, key=backup.signing_key(sqlite_engine))
    assert info.signed and info.key_id
    assert "backup_signature" not in info.counts
    _change_everything(sqlite_engine)
    report = backup.restore_database(sqlite_engine, path)
    assert report.source.signed
    assert _roles(sqlite_engine) == roles
    with sqlite_engine.connect() as conn:  # the signature belongs to the file, not to the restored database
        assert conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'backup_signature'")) == 0


@pytest.mark.parametrize("name", ["unsigned.db", "unsigned.jsonl.gz"])
def test_an_unsigned_backup_restores_only_when_allowed(sqlite_engine: Engine, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    backup.backup_database(sqlite_engine, path)
    titles = _project_titles(sqlite_engine)
    _strip_signature(path)
    _change_everything(sqlite_engine)
    counts = _counts(sqlite_engine)
    with pytest.raises(BackupRefused, match="unsigned"):
        backup.restore_database(sqlite_engine, path)
    assert _counts(sqlite_engine) == counts
    report = backup.restore_database(sqlite_engine, path, allow_unsigned=True)
    assert not report.source.signed
    assert _project_titles(sqlite_engine) == titles


@pytest.mark.parametrize("name", ["other_key.db", "other_key.jsonl"])
def test_a_backup_made_with_another_key_is_refused(sqlite_engine: Engine, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    backup.backup_database(sqlite_engine, path, key="the-key-of-another-installation")
    _change_everything(sqlite_engine)
    counts = _counts(sqlite_engine)
    with pytest.raises(BackupRefused, match="wrong_key"):
        backup.restore_database(sqlite_engine, path)  # this installation's (generated demo) key
    assert _counts(sqlite_engine) == counts
    backup.restore_database(sqlite_engine, path, key="the-key-of-another-installation")  # its own key opens it


def _not_a_demo(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM setting WHERE key = 'demo_database'"))


def test_a_real_database_is_not_backed_up_without_a_key(
    sqlite_engine: Engine, tmp_path: Path, backup_key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _not_a_demo(sqlite_engine)
    with pytest.raises(BackupRefused, match="no_key"):
        backup.backup_database(sqlite_engine, tmp_path / "nokey.db")
    assert not (tmp_path / "nokey.db").exists() and not (backup_key_dir / "backup_key").exists()
    monkeypatch.setenv("COBUILD_BACKUP_KEY", "a-deployment-key-0123456789")
    backup.backup_database(sqlite_engine, tmp_path / "withkey.db")
    assert backup.check_file(tmp_path / "withkey.db", key="a-deployment-key-0123456789").signed


def test_a_demo_database_signs_with_a_generated_key(
    sqlite_engine: Engine, tmp_path: Path, backup_key_dir: Path
) -> None:
    backup.backup_database(sqlite_engine, tmp_path / "demo.db")
    key_file = backup_key_dir / "backup_key"
    assert key_file.is_file() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert backup.check_file(tmp_path / "demo.db", key=key_file.read_text().strip()).signed


# --- manage.py, in process -----------------------------------------------------------------------


def _main(args: list[str], db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    import manage

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COBUILD_LANG", "zh_CN")
    code = manage.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_manage_restore_refuses_a_tampered_backup(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("cron.db", "cron.jsonl.gz"):
        path = tmp_path / name
        assert _main(["backup", str(path)], db_file, monkeypatch, capsys)[0] == 0
        (_make_leader_admin_in_db if name.endswith(".db") else _make_leader_admin_in_jsonl)(path)
        code, out, err = _main(["restore", str(path), "--yes"], db_file, monkeypatch, capsys)
        assert code == 1 and "签名校验未通过" in err and "已拒绝恢复" in err, (out, err)
        assert "检查通过" not in out
        code, out, err = _main(["restore", str(path), "--check-only"], db_file, monkeypatch, capsys)
        assert code == 1 and "检查通过" not in out
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        assert _roles(engine)["leader"] == Role.LEADER
    finally:
        engine.dispose()


def test_manage_restore_names_the_flag_for_an_unsigned_file(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.jsonl"
    assert _main(["backup", str(path)], db_file, monkeypatch, capsys)[0] == 0
    _strip_signature(path)
    code, _, err = _main(["restore", str(path), "--yes"], db_file, monkeypatch, capsys)
    assert code == 1 and "--allow-unsigned" in err
    code, out, err = _main(["restore", str(path), "--yes", "--allow-unsigned"], db_file, monkeypatch, capsys)
    assert code == 0 and "恢复完成" in out and "没有签名" in err


def test_manage_backup_of_a_real_database_needs_the_key(
    db_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{db_file}")
    _not_a_demo(engine)
    engine.dispose()
    code, _, err = _main(["backup", str(tmp_path / "x.db")], db_file, monkeypatch, capsys)
    assert code == 1 and "COBUILD_BACKUP_KEY" in err
    monkeypatch.setenv("COBUILD_LANG", "en")
    import manage

    assert manage.main(["backup", str(tmp_path / "x.db")]) == 1
    assert "COBUILD_BACKUP_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("COBUILD_BACKUP_KEY", "deployment-key-for-the-test")
    code, out, _ = _main(["backup", str(tmp_path / "x.db")], db_file, monkeypatch, capsys)
    assert code == 0 and "备份完成" in out
    monkeypatch.setenv("COBUILD_BACKUP_KEY", "a-different-key")
    code, _, err = _main(["restore", str(tmp_path / "x.db"), "--yes"], db_file, monkeypatch, capsys)
    assert code == 1 and "另一个备份密钥" in err


def test_tampered_postgresql_backup_is_refused(pg_engine: Engine, sqlite_engine: Engine, tmp_path: Path) -> None:
    backup.backup_database(sqlite_engine, tmp_path / "seed.jsonl.gz")
    backup.restore_database(
        pg_engine, tmp_path / "seed.jsonl.gz", key=backup.signing_key(sqlite_engine)
    )  # an empty schema is no demo
    path = tmp_path / "from_pg.jsonl.gz"
    backup.backup_database(pg_engine, path)
    assert backup.check_file(path, key=backup.signing_key(pg_engine)).signed
    _make_leader_admin_in_jsonl(path)
    _change_everything(pg_engine)
    counts, roles = _counts(pg_engine), _roles(pg_engine)
    with pytest.raises(BackupRefused, match="bad_signature"):
        backup.restore_database(pg_engine, path)
    assert _counts(pg_engine) == counts and _roles(pg_engine) == roles
    assert roles["leader"] == Role.LEADER
