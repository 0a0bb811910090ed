"""ledger --unit NAME --year Y --out FILE.docx|FILE.xlsx: a unit's annual ledger (台账)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, cli_language, error_text, fail, local_today, msg, session
from domain.errors import AppError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ledger", help="a unit's annual ledger (台账) as .docx or .xlsx")
    p.add_argument("--unit", required=True, help="the unit's name")
    p.add_argument("--year", required=True, type=int, help="the year, e.g. 2026")
    p.add_argument("--out", required=True, help="FILE.docx or FILE.xlsx")
    p.set_defaults(func=cmd_ledger)


def cmd_ledger(args: argparse.Namespace) -> int:
    from exports import ledger as ledger_export
    from services import activity_reports

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        return fail(msg("activities.cli.bad_suffix", path=args.out), EXIT_USAGE)
    if not 2000 <= args.year <= 2100:
        return fail(msg("activities.cli.bad_year", year=args.year), EXIT_USAGE)
    lang = cli_language()
    try:
        with session() as s:
            unit_id = activity_reports.unit_id_by_name(s, args.unit)
            ledger = activity_reports.build_ledger(
                s, unit_id=unit_id, year=args.year, as_of=local_today(), with_photos=suffix == ".docx"
            )
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    data = (
        ledger_export.ledger_docx(ledger, lang=lang)
        if suffix == ".docx"
        else ledger_export.ledger_xlsx(ledger, lang=lang)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(msg("activities.cli.written", path=str(out), unit=ledger.unit, year=args.year, n=len(ledger.activities)))
    return EXIT_OK
