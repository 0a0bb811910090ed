"""import FILE.xlsx [--dry-run] and export FILE.xlsx: the lists workbook of contracts.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, cli_language, error_text, fail, msg, session
from domain.actor import SYSTEM
from domain.errors import AppError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("import", help="import the lists workbook (all or nothing)")
    p.add_argument("file", type=Path)
    p.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("export", help="export the lists workbook")
    p.add_argument("file", type=Path)
    p.add_argument("--year", type=int, help="activities of that year (default: the latest 1000)")
    p.set_defaults(func=cmd_export)


def cmd_import(args: argparse.Namespace) -> int:
    from services import lists_io
    from workbook.excel_lists import TEMPLATE

    if not args.file.is_file():
        return fail(msg("lists.cli.no_file", path=str(args.file)), EXIT_USAGE)
    data = args.file.read_bytes()
    try:
        with session(write=not args.dry_run) as s:
            report = lists_io.import_lists(s, SYSTEM, data=data, dry_run=args.dry_run)
    except lists_io.ImportRejected as err:
        lines = [error_text(err)]
        for r in lists_io.rejected_rows(err.cells, cli_language()):
            lines.append(f"{r['sheet']}\t{r['row']}\t{r['column']}\t{r['value']}\t{r['reason']}")
        return fail("\n".join(lines), EXIT_REJECTED)
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    head = msg("lists.cli.dry_run") if args.dry_run else msg("lists.cli.imported")
    print(head)
    for sheet in TEMPLATE:
        print(
            msg(
                "lists.cli.sheet_line",
                sheet=sheet,
                created=report.created.get(sheet, 0),
                updated=report.updated.get(sheet, 0),
                unchanged=report.unchanged.get(sheet, 0),
            )
        )
    if report.new_categories:
        print(msg("lists.excel.new_categories", names="、".join(report.new_categories)))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from services import lists_export

    with session() as s:
        data = lists_export.export_lists(s, year=args.year)
    args.file.write_bytes(data)
    print(msg("lists.cli.exported", path=str(args.file)), file=sys.stdout)
    return EXIT_OK
