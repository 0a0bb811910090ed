"""minutes --meeting ID --out F.docx: one meeting's minutes as Word (contracts.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, cli_language, fail, local_today, msg, session
from domain.actor import SYSTEM
from domain.errors import NotFound


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("minutes", help="one meeting's minutes as .docx")
    p.add_argument("--meeting", type=int, required=True, help="the meeting's id")
    p.add_argument("--out", required=True, help="the .docx file to write")
    p.set_defaults(func=cmd_minutes)


def cmd_minutes(args: argparse.Namespace) -> int:
    from exports.minutes_docx import minutes_docx
    from services import meetings

    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        return fail(msg("meetings.cli.bad_out", path=out), EXIT_USAGE)
    try:
        with session() as s:
            detail = meetings.get_meeting(s, SYSTEM, meeting_id=args.meeting, today=local_today())
    except NotFound:
        return fail(msg("meetings.cli.not_found", id=args.meeting), EXIT_REJECTED)
    data = minutes_docx(detail, lang=cli_language())
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as err:
        return fail(msg("meetings.cli.cannot_write", path=out, reason=err.strerror or str(err)), EXIT_REJECTED)
    print(msg("meetings.cli.written", title=detail.title, path=out))
    return EXIT_OK
