"""backup FILE and restore FILE (contracts.md): a consistent, signed copy while the app runs; a
restore that checks the file and its signature before it touches the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_OK, EXIT_REJECTED, engine, error_text, fail, msg
from domain.errors import AppError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("backup", help="a consistent copy of the database, while the app runs")
    p.add_argument("file", help="where to write it (*.db for SQLite's own format, *.jsonl[.gz] for any database)")
    p.add_argument(
        "--format",
        choices=["auto", "sqlite", "jsonl"],
        default="auto",
        help="auto: SQLite file for a SQLite database, JSON lines otherwise",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the database with a backup (checked first)")
    p.add_argument("file", help="a file written by backup")
    p.add_argument("--check-only", action="store_true", help="only check the file; change nothing")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="restore a file that carries no signature (an older backup): only when you trust where it came from",
    )
    p.set_defaults(func=cmd_restore)


def _summary(counts: dict[str, int]) -> str:
    keys = ("community", "unit", "need", "resource", "project", "activity", "meeting", "app_user")
    return "，".join(f"{k} {counts[k]}" for k in keys if k in counts)


def cmd_backup(args: argparse.Namespace) -> int:
    from services import backup

    eng = engine()
    try:
        report = backup.backup_database(eng, Path(args.file), fmt=args.format)
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    finally:
        eng.dispose()
    print(
        msg(
            "backup.cli.backed_up",
            path=str(report.path),
            format=report.format,
            rows=report.rows,
            summary=_summary(report.counts),
        )
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from services import backup

    eng = engine()
    try:
        key = backup.signing_key(eng)
        info = backup.check_file(Path(args.file), key=key, allow_unsigned=args.allow_unsigned)
    except AppError as err:
        eng.dispose()
        return fail(error_text(err), EXIT_REJECTED)
    print(
        msg(
            "backup.cli.checked",
            path=str(info.path),
            format=info.format,
            revision=info.revision,
            summary=_summary(info.counts),
        )
    )
    if info.signed:
        print(msg("backup.cli.signature_ok", key_id=info.key_id))
    else:
        print(msg("backup.cli.unsigned_allowed"), file=sys.stderr)
    if args.check_only:
        eng.dispose()
        return EXIT_OK
    if not args.yes and sys.stdin.isatty():
        answer = input(msg("backup.cli.confirm") + " ")
        if answer.strip().lower() not in ("y", "yes", "是"):
            print(msg("backup.cli.cancelled"))
            eng.dispose()
            return EXIT_REJECTED
    try:
        report = backup.restore_database(eng, Path(args.file), key=key, allow_unsigned=args.allow_unsigned)
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    finally:
        eng.dispose()
    print(msg("backup.cli.restored", path=str(info.path), revision=report.upgraded_to, summary=_summary(report.counts)))
    return EXIT_OK
