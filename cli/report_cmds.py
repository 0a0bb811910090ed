"""report quarterly --year Y --quarter Q --out F.docx [--number 〔2026〕3号]: the 情况通报 (contracts.md)."""

from __future__ import annotations

import argparse
from datetime import date
from functools import partial
from pathlib import Path

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, cli_language, error_text, fail, local_today, msg, session
from domain.actor import SYSTEM
from domain.errors import AppError
from locales import translate


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="documents for supervision: report quarterly …")
    kinds = p.add_subparsers(dest="report_kind", required=True, metavar="KIND")
    q = kinds.add_parser("quarterly", help="the quarterly report (情况通报) as .docx")
    q.add_argument("--year", type=int, required=True)
    q.add_argument("--quarter", type=int, required=True, help="1–4")
    q.add_argument("--out", required=True, help="the .docx file to write")
    q.add_argument(
        "--number",
        default=None,
        help="its 发文字号, e.g. '〔2026〕3号' (the alliance's 机关代字 is put in front); "
        "default: the next in this year's sequence",
    )
    q.add_argument("--today", type=date.fromisoformat, default=None, help=argparse.SUPPRESS)
    q.set_defaults(func=cmd_report_quarterly)


def cmd_report_quarterly(args: argparse.Namespace) -> int:
    from exports.charts import quarter_images
    from exports.png import NoCJKFont
    from exports.report_docx import build_report
    from services import quarterly, report_numbers

    if args.quarter not in (1, 2, 3, 4) or not 1000 <= args.year <= 9999:
        return fail(msg("report.cli_bad_quarter", year=args.year, quarter=args.quarter), EXIT_USAGE)
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        return fail(msg("report.cli_bad_out", path=out), EXIT_USAGE)
    lang = cli_language()
    tr = partial(translate, lang)
    today = args.today or local_today()
    if args.number is not None:
        try:
            report_numbers.normalise_number(args.number)
        except AppError as err:
            return fail(error_text(err), EXIT_USAGE)
    with session() as s:
        summary = quarterly.get_quarter_summary(s, year=args.year, quarter=args.quarter, today=today)
    try:
        images = quarter_images(summary, tr)
    except NoCJKFont:
        return fail(msg("report.no_cjk_font"), EXIT_REJECTED)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        # The number is recorded only with a written file: the write, then the commit.
        with session(write=True) as s:
            number = report_numbers.assign_report_number(s, SYSTEM, today=today, number=args.number)
            data = build_report(summary, images, tr=tr, lang=lang, issued_on=today, number=number)
            out.write_bytes(data)
    except OSError as err:
        return fail(msg("report.cli_cannot_write", path=out, error=err.strerror or err), EXIT_REJECTED)
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    print(msg("report.cli_written", path=out) + msg("report.cli_number", number=number))
    return EXIT_OK
