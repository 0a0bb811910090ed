"""poster --community ID [--format png|pdf] [--out FILE]: a community's residents' QR poster (居民码海报)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, cli_language, error_text, fail, msg, session
from config import load_settings
from domain.actor import SYSTEM
from domain.errors import AppError, NotFound

if TYPE_CHECKING:
    from exports.poster import Format

FORMATS = ("png", "pdf")  # exports.poster.FORMATS, named here so that --help need not import the poster


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("poster", help="a community's residents' QR poster (居民码海报) as A4 PNG or PDF")
    p.add_argument("--community", type=int, required=True, help="the community's id (the c= of /wall?c=…)")
    p.add_argument("--format", choices=FORMATS, default=None, help="png (default) or pdf")
    p.add_argument("--out", default=None, help="the file to write (default: 社区名居民码海报.png|pdf here)")
    p.set_defaults(func=cmd_poster)


def _format(args: argparse.Namespace) -> Format | None:
    """The format asked for, else the one --out names, else PNG; ``None`` when the two disagree."""
    suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else ""
    if args.format is None:
        return "pdf" if suffix == "pdf" else "png"
    if args.out and suffix != args.format:
        return None
    return args.format  # type: ignore[no-any-return]


def cmd_poster(args: argparse.Namespace) -> int:
    from exports import poster
    from services import posters

    fmt = _format(args)
    if fmt is None:
        return fail(msg("poster.cli.bad_out", format=args.format, path=args.out), EXIT_USAGE)
    public_url = load_settings().public_url
    if not public_url:
        return fail(msg("poster.cli.no_public_url"), EXIT_REJECTED)
    lang = cli_language()
    try:
        with session() as s:
            community = posters.get_poster_community(s, SYSTEM, community_id=args.community)
    except NotFound:
        return fail(msg("poster.cli.not_found", id=args.community), EXIT_REJECTED)
    try:
        data = poster.make_poster(
            community=community.name,
            street=community.street,
            public_url=public_url,
            community_id=community.id,
            fmt=fmt,
            lang=lang,
        )
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    out = Path(args.out) if args.out else Path(poster.file_name(community.name, fmt, lang=lang))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as err:
        return fail(msg("poster.cli.cannot_write", path=out, reason=err.strerror or str(err)), EXIT_REJECTED)
    print(msg("poster.cli.written", community=community.name, path=out, url=poster.wall_url(public_url, community.id)))
    return EXIT_OK
