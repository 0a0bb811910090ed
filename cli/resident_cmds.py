"""erase-personal [--at ISO_DATETIME]: blank residents' phone numbers and client addresses after 180 days."""

from __future__ import annotations

import argparse

from cli.common import EXIT_OK, EXIT_USAGE, fail, msg, session
from cli.notify_cmds import parse_at


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "erase-personal", help="erase residents' phone numbers and addresses older than 180 days (notify runs it)"
    )
    p.add_argument("--at", default=None, help="as of this moment (ISO; naive = China time); default now")
    p.set_defaults(func=cmd_erase_personal)


def cmd_erase_personal(args: argparse.Namespace) -> int:
    from services import residents

    at = None
    if args.at:
        try:
            at = parse_at(args.at)
        except ValueError:
            return fail(msg("residents.cli.bad_at", value=args.at), EXIT_USAGE)
    with session(write=True) as s:
        erased = residents.erase_personal(s, now=at)
    print(msg("residents.cli.erased", count=erased), flush=True)
    return EXIT_OK
