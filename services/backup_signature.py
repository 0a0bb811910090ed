"""The keyed checksum every backup carries (HMAC-SHA256, keyed by ``COBUILD_BACKUP_KEY``).

* A ``.db`` copy holds a ``backup_signature`` table. Its HMAC is over a deterministic dump of the
  copy: the schema (every ``sqlite_master`` entry: tables, indexes, triggers, views) and every row
  of every table, each table's rows sorted by all their columns, values written in a typed JSON
  form — everything except the ``backup_signature`` table itself. The dump does not depend on page
  layout, so the copy can be checked before anything is restored, with SQLite alone.
* A ``.jsonl`` / ``.jsonl.gz`` dump ends with one more line after its end mark,
  ``{"signature": …}``, an HMAC over the exact bytes of every line before it (uncompressed).

A file without a signature is *unsigned* (an older backup, or one whose signature was cut off);
one whose signature does not match was changed after the backup or made with another key.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALGORITHM = "HMAC-SHA256"
TABLE = "backup_signature"


@dataclass(frozen=True)
class Signature:
    algorithm: str
    key_id: str
    mac: str


def key_id(key: str) -> str:
    """A short public fingerprint of a key: tells "made with another key" from "changed"."""
    return hashlib.sha256(b"cobuild-backup-key-id\0" + key.encode("utf-8")).hexdigest()[:12]


def _mac(key: str) -> Any:
    return hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)


def matches(signature: Signature, mac: str) -> bool:
    return signature.algorithm == ALGORITHM and hmac.compare_digest(signature.mac, mac)


# --- SQLite copies ------------------------------------------------------------------------------


def _value(v: Any) -> Any:
    if isinstance(v, bytes):
        return {"b": base64.b64encode(v).decode("ascii")}
    if isinstance(v, float):
        return {"f": v.hex()}  # exact, and never confused with an integer
    return v


def _line(item: Any) -> bytes:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def sqlite_mac(con: sqlite3.Connection, key: str) -> str:
    """The HMAC of a SQLite database's content, ``backup_signature`` left out."""
    mac = _mac(key)
    mac.update(b"cobuild-backup sqlite 1\n")
    schema = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name != ? ORDER BY type, name", (TABLE,)
    ).fetchall()
    for row in schema:
        mac.update(_line(["schema", *row]))
    names = [r[1] for r in schema if r[0] == "table"]
    for name in names:
        quoted = '"' + str(name).replace('"', '""') + '"'
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({quoted})")]
        mac.update(_line(["table", name, columns]))
        order = ", ".join(str(n) for n in range(1, len(columns) + 1))
        for row in con.execute(f"SELECT * FROM {quoted} ORDER BY {order}"):
            mac.update(_line([_value(v) for v in row]))
    return str(mac.hexdigest())


def sign_sqlite(path: Path, key: str) -> None:
    """Add the signature table to a finished SQLite copy."""
    con = sqlite3.connect(path)
    try:
        con.execute(f"DROP TABLE IF EXISTS {TABLE}")
        digest = sqlite_mac(con, key)
        con.execute(f"CREATE TABLE {TABLE} (algorithm TEXT NOT NULL, key_id TEXT NOT NULL, mac TEXT NOT NULL)")
        con.execute(f"INSERT INTO {TABLE} VALUES (?, ?, ?)", (ALGORITHM, key_id(key), digest))
        con.commit()
    finally:
        con.close()


def sqlite_signature(con: sqlite3.Connection) -> Signature | None:
    """The signature a SQLite copy carries, or None when it carries none."""
    has = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone()[0]
    if not has:
        return None
    try:
        rows = con.execute(f"SELECT algorithm, key_id, mac FROM {TABLE}").fetchall()
    except sqlite3.DatabaseError:
        return Signature("", "", "")  # a signature table that is not ours: fails the check
    if len(rows) != 1:
        return Signature("", "", "")
    return Signature(*(str(v) for v in rows[0]))


# --- JSON-lines dumps ---------------------------------------------------------------------------


class JsonlSigner:
    """Feeds every line written to a dump; ``trailer()`` is the last line to write."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.mac = _mac(key)

    def add(self, line: str) -> str:
        self.mac.update(line.encode("utf-8"))
        return line

    def trailer(self) -> str:
        item = {"signature": {"algorithm": ALGORITHM, "key_id": key_id(self.key), "mac": self.mac.hexdigest()}}
        return json.dumps(item) + "\n"


def _open_binary(path: Path) -> Any:
    with Path(path).open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else Path(path).open("rb")


def jsonl_signature(path: Path, key: str | None) -> tuple[Signature | None, str]:
    """The signature a dump's last line carries (None when unsigned) and the HMAC of the lines
    before it under ``key`` ("" without a key)."""
    mac = _mac(key) if key else None
    previous: bytes | None = None
    with _open_binary(path) as fh:
        for line in fh:
            if previous is not None and mac is not None:
                mac.update(previous)
            previous = line
    signature = None
    if previous is not None:
        try:
            item = json.loads(previous)
        except (json.JSONDecodeError, UnicodeDecodeError):
            item = None
        if isinstance(item, dict) and "signature" in item:
            raw = item["signature"]
            if isinstance(raw, dict):
                signature = Signature(
                    str(raw.get("algorithm", "")), str(raw.get("key_id", "")), str(raw.get("mac", ""))
                )
            else:
                signature = Signature("", "", "")
    return signature, (mac.hexdigest() if mac is not None else "")
