"""Backups while the app runs, and restores that check the file before touching anything.

Two formats:

* ``sqlite`` — for a SQLite database: a page-by-page copy through SQLite's online backup API,
  taken inside one read snapshot, so writers may go on meanwhile. The copy is a self-contained
  file (journal mode DELETE) that ``sqlite3`` opens directly.
* ``jsonl`` — for any database (the only one for PostgreSQL): the app's own dump, one JSON line
  per row, every table in dependency order, read in one REPEATABLE READ snapshot, with a header
  (format, schema revision) and a trailer (row counts) so a cut-off file is noticed. Gzipped
  when the file name ends in ``.gz``. It restores into SQLite or PostgreSQL alike.

Every backup is signed: an HMAC-SHA256 keyed by ``COBUILD_BACKUP_KEY`` (on a demo database a
generated key in ``data/backup_key``) is stored inside the file (services/backup_signature.py); a
non-demo database without the key is not backed up.

A restore works on a private copy of the file. It refuses a file that fails ``PRAGMA
integrity_check``, is cut off, is not a backup of this app, comes from a newer schema than this code
knows, or whose signature does not match under this installation's key; a file without a signature
only with ``allow_unsigned``. It then replaces the whole database in one step and brings an older
schema up to date with the migrations.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, MetaData, func, insert, select, text
from sqlalchemy.orm import Session

from config import backup_key, load_settings
from db.areas import ALL_AREAS, bump
from db.engine import make_engine
from db.migrate import alembic_config, head_revision
from domain.enums import AuditAction
from domain.errors import AppError
from services import audit, settings_store
from services import backup_signature as sig

log = logging.getLogger(__name__)

FORMAT_MARK = "cobuild-backup"
FORMAT_VERSION = 1
VERSION_TABLE = "alembic_version"
SQLITE_MAGIC = b"SQLite format 3\x00"
BATCH = 1000


class BackupRefused(AppError):
    """A backup file that must not be restored (or a backup that cannot be taken)."""

    code = "backup.error.generic"


@dataclass(frozen=True)
class BackupReport:
    path: Path
    format: str  # "sqlite" / "jsonl"
    revision: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class FileInfo:
    """What a backup file holds, found by checking it (nothing is changed)."""

    path: Path
    format: str
    revision: str
    counts: dict[str, int]
    signed: bool = False  # its signature was checked and matches
    key_id: str = ""


def _is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupRefused("backup.error.memory_database")
    return database


def signing_key(engine: Engine) -> str | None:
    """The backup key for this database: ``COBUILD_BACKUP_KEY``, or on a demo database the
    generated one (config.backup_key); None when there is none."""
    try:
        with Session(bind=engine) as session:
            demo = settings_store.is_demo_database(session)
    except Exception:  # no settings table yet (an empty database): not a demo
        demo = False
    return backup_key(load_settings(), demo=demo)


def _table_counts(conn: Connection, metadata: MetaData) -> dict[str, int]:
    return {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in metadata.sorted_tables}


def _reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    if VERSION_TABLE in metadata.tables:
        metadata.remove(metadata.tables[VERSION_TABLE])
    return metadata


def _revision_of(conn: Connection) -> str:
    try:
        rev = conn.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    except Exception:  # no version table: not a database of this app
        rev = None
    if not rev:
        raise BackupRefused("backup.error.not_migrated")
    return str(rev)


# --- backing up -----------------------------------------------------------------------------------


def choose_format(engine: Engine, target: Path, requested: str = "auto") -> str:
    """``sqlite`` for a SQLite database unless the file is named ``*.jsonl[.gz]``; else ``jsonl``."""
    if requested == "sqlite" and not _is_sqlite(engine):
        raise BackupRefused("backup.error.sqlite_format_needs_sqlite")
    if requested in ("sqlite", "jsonl"):
        return requested
    if _is_sqlite(engine) and not target.name.endswith((".jsonl", ".jsonl.gz")):
        return "sqlite"
    return "jsonl"


def backup_database(engine: Engine, target: Path, *, fmt: str = "auto", key: str | None = None) -> BackupReport:
    """Write a consistent, signed copy of the database to ``target`` (replacing it only once
    complete). ``key`` defaults to ``signing_key(engine)``; without one nothing is written."""
    target = Path(target)
    key = key or signing_key(engine)
    if not key:
        raise BackupRefused("backup.error.no_key")
    target.parent.mkdir(parents=True, exist_ok=True)
    chosen = choose_format(engine, target, fmt)
    # Write beside the target and rename at the end: a failed backup never leaves a half file
    # under the name a cron job or a person will later restore from.
    fd, tmp_name = tempfile.mkstemp(prefix=".cobuild-backup-", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if chosen == "sqlite":
            report = _backup_sqlite(engine, tmp)
            sig.sign_sqlite(tmp, key)
        else:
            report = _backup_jsonl(engine, tmp, gz=target.name.endswith(".gz"), signer=sig.JsonlSigner(key))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return BackupReport(target, report.format, report.revision, report.counts)


def _backup_sqlite(engine: Engine, tmp: Path) -> BackupReport:
    _sqlite_path(engine)
    tmp.unlink(missing_ok=True)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        dst = sqlite3.connect(tmp)
        try:
            # pages=-1: the whole database in one step, under one read lock — a consistent
            # snapshot even while other connections write (WAL lets them go on).
            raw.backup(dst, pages=-1)  # type: ignore[attr-defined]
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            dst.commit()
        finally:
            dst.close()
    info = inspect_sqlite_file(tmp)
    return BackupReport(tmp, "sqlite", info.revision, info.counts)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Decimal):
        return float(value)
    return value


def _unplain(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$d" in value:
            return date.fromisoformat(value["$d"])
        if "$b64" in value:
            return base64.b64decode(value["$b64"])
    return value


def _open_write(path: Path, gz: bool) -> IO[str]:
    # newline="\n": the bytes written are the bytes signed
    if gz:
        return io.TextIOWrapper(gzip.open(path, "wb"), encoding="utf-8", newline="\n")
    return path.open("w", encoding="utf-8", newline="\n")


def _backup_jsonl(engine: Engine, tmp: Path, *, gz: bool, signer: sig.JsonlSigner) -> BackupReport:
    options: dict[str, Any] = {} if _is_sqlite(engine) else {"isolation_level": "REPEATABLE READ"}
    counts: dict[str, int] = {}
    with engine.connect().execution_options(**options) as conn, conn.begin():
        # One transaction: on PostgreSQL a REPEATABLE READ snapshot, on SQLite (WAL) a read
        # transaction — every table is read as of the same moment.
        revision = _revision_of(conn)
        metadata = _reflect(conn)
        tables = [t.name for t in metadata.sorted_tables]
        with _open_write(tmp, gz) as out:
            header = {
                "format": FORMAT_MARK,
                "version": FORMAT_VERSION,
                "revision": revision,
                "dialect": engine.dialect.name,
                "created_at": datetime.now(UTC).isoformat(),
                "tables": tables,
            }
            out.write(signer.add(json.dumps(header, ensure_ascii=False) + "\n"))
            for table in metadata.sorted_tables:
                n = 0
                order = list(table.primary_key.columns) or list(table.columns)
                result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
                    select(table).order_by(*order)
                )
                for row in result.mappings():
                    line = {"t": table.name, "r": {k: _plain(v) for k, v in row.items()}}
                    out.write(signer.add(json.dumps(line, ensure_ascii=False) + "\n"))
                    n += 1
                counts[table.name] = n
            out.write(signer.add(json.dumps({"end": True, "counts": counts}) + "\n"))
            out.write(signer.trailer())
    return BackupReport(tmp, "jsonl", revision, counts)


# --- checking a file ------------------------------------------------------------------------------


def _check_revision(revision: str) -> None:
    """The file's schema must be one this code knows (not newer than its head)."""
    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupRefused("backup.error.newer_schema", revision=revision, head=head_revision())


def detect_format(path: Path) -> str:
    with Path(path).open("rb") as fh:
        start = fh.read(16)
    if start == SQLITE_MAGIC:
        return "sqlite"
    if start[:2] == b"\x1f\x8b" or start[:1] == b"{":
        return "jsonl"
    raise BackupRefused("backup.error.not_a_backup", name=Path(path).name)


def inspect_file(path: Path) -> FileInfo:
    """Check a backup file completely, changing nothing; raises ``BackupRefused`` with the reason."""
    path = Path(path)
    if not path.is_file():
        raise BackupRefused("backup.error.missing", name=str(path))
    if detect_format(path) == "sqlite":
        return inspect_sqlite_file(path)
    return inspect_jsonl_file(path)


def inspect_sqlite_file(path: Path) -> FileInfo:
    try:
        con = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise BackupRefused("backup.error.corrupt", name=Path(path).name, detail=str(err)) from err
    try:
        try:
            problems = [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
        except sqlite3.DatabaseError as err:
            raise BackupRefused("backup.error.corrupt", name=Path(path).name, detail=str(err)) from err
        if problems != ["ok"]:
            raise BackupRefused("backup.error.corrupt", name=Path(path).name, detail="; ".join(problems[:3]))
        try:
            row = con.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if not row:
            raise BackupRefused("backup.error.not_a_backup", name=Path(path).name)
        revision = str(row[0])
        names = [
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ]
        counts = {
            n: int(con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0])
            for n in names
            if n not in (VERSION_TABLE, sig.TABLE)
        }
    finally:
        con.close()
    _check_revision(revision)
    return FileInfo(Path(path), "sqlite", revision, counts)


def _open_read(path: Path) -> IO[str]:
    with Path(path).open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    if gz:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return Path(path).open("r", encoding="utf-8")


def _jsonl_lines(path: Path) -> Iterator[dict[str, Any]]:
    name = Path(path).name
    try:
        with _open_read(path) as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as err:
                    raise BackupRefused("backup.error.corrupt", name=name, detail=f"line {number}: {err.msg}") from err
                if not isinstance(item, dict):
                    raise BackupRefused("backup.error.corrupt", name=name, detail=f"line {number}")
                yield item
    except (OSError, EOFError, UnicodeDecodeError) as err:  # a cut-off gzip, bad bytes
        raise BackupRefused("backup.error.corrupt", name=name, detail=str(err)) from err


def inspect_jsonl_file(path: Path) -> FileInfo:
    name = Path(path).name
    lines = _jsonl_lines(path)
    header = next(lines, None)
    if not header or header.get("format") != FORMAT_MARK:
        raise BackupRefused("backup.error.not_a_backup", name=name)
    if int(header.get("version", 0)) > FORMAT_VERSION:
        raise BackupRefused(
            "backup.error.newer_schema", revision=f"format {header.get('version')}", head=f"format {FORMAT_VERSION}"
        )
    tables = list(header.get("tables") or [])
    seen: dict[str, int] = dict.fromkeys(tables, 0)
    trailer: dict[str, Any] | None = None
    signature_seen = False
    for item in lines:
        if trailer is not None:
            if "signature" in item and not signature_seen:
                signature_seen = True  # the one line allowed after the end mark (checked in check_file)
                continue
            raise BackupRefused("backup.error.corrupt", name=name, detail="data after the end mark")
        if item.get("end"):
            trailer = item
            continue
        table = item.get("t")
        if table not in seen or not isinstance(item.get("r"), dict):
            raise BackupRefused("backup.error.corrupt", name=name, detail=f"unknown table {table!r}")
        seen[table] += 1
    if trailer is None:
        raise BackupRefused("backup.error.truncated", name=name)
    if trailer.get("counts") != seen:
        raise BackupRefused("backup.error.corrupt", name=name, detail="row counts differ from the end mark")
    revision = str(header.get("revision") or "")
    _check_revision(revision)
    return FileInfo(Path(path), "jsonl", revision, seen)


def check_file(path: Path, *, key: str | None, allow_unsigned: bool = False) -> FileInfo:
    """``inspect_file``, then the signature: it must match under ``key``; a file without one
    passes only with ``allow_unsigned``. Raises ``BackupRefused`` with the reason."""
    info = inspect_file(path)
    name = Path(path).name
    signature: sig.Signature | None
    if info.format == "sqlite":
        con = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            signature = sig.sqlite_signature(con)
            mac = sig.sqlite_mac(con, key) if signature is not None and key else ""
        finally:
            con.close()
    else:
        signature, mac = sig.jsonl_signature(path, key)
    if signature is None:
        if not allow_unsigned:
            raise BackupRefused("backup.error.unsigned", name=name)
        return info
    if not key:
        raise BackupRefused("backup.error.no_key_to_verify", name=name)
    if not sig.matches(signature, mac):
        if signature.key_id and signature.key_id != sig.key_id(key):
            raise BackupRefused("backup.error.wrong_key", name=name)
        raise BackupRefused("backup.error.bad_signature", name=name)
    return replace(info, signed=True, key_id=signature.key_id)


# --- restoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    source: FileInfo
    upgraded_to: str
    counts: dict[str, int]


def restore_database(
    engine: Engine,
    source: Path,
    *,
    key: str | None = None,
    allow_unsigned: bool = False,
    who: str = "manage.py",
) -> RestoreReport:
    """Replace the database's contents with the backup in ``source``, checked first (its
    signature under ``key``, by default ``signing_key(engine)``)."""
    source = Path(source)
    if not source.is_file():
        raise BackupRefused("backup.error.missing", name=str(source))
    key = key or signing_key(engine)
    with tempfile.TemporaryDirectory(prefix="cobuild-restore-src-") as folder:
        # The private copy is what is checked and what is restored: the file cannot change between.
        copy = Path(folder) / source.name
        shutil.copyfile(source, copy)
        checked = check_file(copy, key=key, allow_unsigned=allow_unsigned)
        if _is_sqlite(engine):
            _restore_into_sqlite(engine, checked)
        else:
            with engine.begin() as conn:  # PostgreSQL: DDL and data in one transaction
                _load_rows(conn, checked)
    info = replace(checked, path=source)
    engine.dispose()  # no pooled connection keeps a view of the old database
    with engine.begin() as conn:
        with Session(bind=conn) as session:
            audit.record(
                session,
                None,
                AuditAction.IMPORT,
                "backup",
                None,
                username=who[:40],
                after={
                    "file": info.path.name,
                    "format": info.format,
                    "revision": info.revision,
                    "signed": info.signed,
                },
            )
            session.flush()
            bump(session, ALL_AREAS)  # every process reads every cached figure afresh
        counts = _table_counts(conn, _reflect(conn))
    return RestoreReport(info, head_revision(), counts)


def _restore_into_sqlite(engine: Engine, info: FileInfo) -> None:
    _sqlite_path(engine)
    with tempfile.TemporaryDirectory(prefix="cobuild-restore-") as folder:
        staged = Path(folder) / "staged.db"
        if info.format == "sqlite":
            src = sqlite3.connect(f"file:{info.path.resolve()}?mode=ro", uri=True)
            dst = sqlite3.connect(staged)
            try:
                src.backup(dst)
            finally:
                src.close()
                dst.close()
            con = sqlite3.connect(staged)
            try:  # the signature belongs to the file, not to the database
                con.execute(f"DROP TABLE IF EXISTS {sig.TABLE}")
                con.commit()
            finally:
                con.close()
        stage_engine = make_engine(f"sqlite:///{staged}")
        try:
            if info.format == "jsonl":
                with stage_engine.begin() as conn:
                    _load_rows(conn, info)
            else:
                _upgrade(stage_engine)
            with stage_engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            stage_engine.dispose()
        inspect_sqlite_file(staged)  # the staged copy passes the same checks before it goes live
        src = sqlite3.connect(f"file:{staged}?mode=ro", uri=True)
        try:
            with engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                # Copies every page into the live file under its write lock: readers see the old
                # database or the new one, never a mixture.
                src.backup(raw)  # type: ignore[arg-type]
        finally:
            src.close()


def _upgrade(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _load_rows(conn: Connection, info: FileInfo) -> None:
    """Drop every table, build the schema at the file's revision, load the rows, migrate to head."""
    if info.format != "jsonl":
        raise BackupRefused("backup.error.sqlite_file_needs_sqlite")
    old = MetaData()
    old.reflect(conn)
    for table in reversed(old.sorted_tables):
        table.drop(conn)
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, info.revision)
    metadata = _reflect(conn)
    pending: dict[str, list[dict[str, Any]]] = {}

    def flush(name: str) -> None:
        rows = pending.pop(name, [])
        if rows:
            conn.execute(insert(metadata.tables[name]), rows)

    lines = _jsonl_lines(info.path)
    next(lines)  # header
    current = None
    for item in lines:
        if item.get("end"):
            break
        name = item["t"]
        if name not in metadata.tables:
            raise BackupRefused("backup.error.corrupt", name=info.path.name, detail=f"unknown table {name!r}")
        if name != current and current is not None:
            flush(current)
        current = name
        columns = metadata.tables[name].columns
        pending.setdefault(name, []).append({k: _unplain(v) for k, v in item["r"].items() if k in columns})
        if len(pending[name]) >= BATCH:
            flush(name)
    if current is not None:
        flush(current)
    command.upgrade(cfg, "head")
    if conn.dialect.name == "postgresql":
        for table in _reflect(conn).sorted_tables:
            if "id" in table.columns and table.columns["id"].autoincrement:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )
