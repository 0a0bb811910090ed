"""suggest [--community NAME] [--top K] [--json]: the match suggestions for every open need."""

from __future__ import annotations

import argparse
import json
import logging
from typing import TYPE_CHECKING

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, error_text, fail, msg, session
from domain.errors import AppError

if TYPE_CHECKING:
    from services import matrix

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("suggest", help="the match suggestions for every open need (待对接, unclaimed 微心愿)")
    p.add_argument("--community", default=None, help="only this community's needs (its name)")
    p.add_argument("--top", type=int, default=3, help="at most K suggestions per need (default 3)")
    p.add_argument("--json", action="store_true", help="only a JSON list on stdout")
    p.set_defaults(func=cmd_suggest)


def reasons(suggestion: matrix.Suggestion) -> list[str]:
    """The reasons of one suggestion, in the CLI's language: relevance first, then the other parts."""
    from services import matrix

    out = []
    for part in suggestion.parts:
        key, params = matrix.reason(part)
        out.append(f"{msg(key, **params)} ({part.points}/{part.max_points})")
    return out


def collect(community: str | None, top: int) -> list[dict[str, object]]:
    """The suggestions as the JSON list of contracts.md, sorted by community then need title."""
    from services import matrix

    with session() as s:
        cid = matrix.community_id_by_name(s, community) if community is not None else None
        items = matrix.suggest_matches(s, community_id=cid, needs_limit=None, top=top)
    rows: list[dict[str, object]] = [
        {
            "community": item.community,
            "need": item.need,
            "suggestions": [
                {"unit": g.unit, "resource": g.resource, "score": int(g.score), "reasons": reasons(g)}
                for g in item.suggestions
            ],
        }
        for item in items
    ]
    rows.sort(key=lambda r: (str(r["community"]), str(r["need"])))  # code-point order, as a script sorts
    return rows


def cmd_suggest(args: argparse.Namespace) -> int:
    if args.top < 1:
        return fail(msg("cli.bad_top", top=args.top), EXIT_USAGE)
    try:
        rows = collect(args.community, args.top)
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    log.info("%d open needs, %d with a suggestion", len(rows), sum(1 for r in rows if r["suggestions"]))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print(msg("lists.match.cli_empty"))
    for r in rows:
        print(msg("lists.match.cli_head", community=r["community"], need=r["need"]))
        suggestions = r["suggestions"]
        assert isinstance(suggestions, list)
        if not suggestions:
            print(msg("lists.match.cli_none"))
        for n, g in enumerate(suggestions, start=1):
            print(
                msg(
                    "lists.match.cli_row",
                    n=n,
                    resource=g["resource"],
                    unit=g["unit"],
                    score=g["score"],
                    reasons="；".join(g["reasons"]),
                )
            )
    return EXIT_OK
