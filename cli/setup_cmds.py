"""migrate, seed --demo and create-user."""

from __future__ import annotations

import argparse
import getpass
import sys

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, engine, error_text, fail, local_today, msg, session
from domain.enums import Role
from domain.errors import AppError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("migrate", help="create or upgrade the schema (Alembic)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("seed", help="fill the database: --demo, or --scale county")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--demo", action="store_true", help="the Chinese demo alliance and accounts")
    group.add_argument("--scale", choices=["county"], help="the benchmark data set (quality.md)")
    p.add_argument("--years", type=int, default=5, help="years of activities for --scale")
    p.add_argument("--force", action="store_true", help="seed even if the database has data")
    p.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) if it has data")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser("create-user", help="add a login; asks for the password twice")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--unit", help="unit name (liaison)")
    p.add_argument("--community", help="community name (community worker)")
    p.add_argument("--display-name", help="shown name; defaults to the username")
    p.add_argument("--email", default="")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_create_user)


def cmd_migrate(args: argparse.Namespace) -> int:
    from db.migrate import upgrade

    eng = engine()
    try:
        upgrade(eng)
    finally:
        eng.dispose()
    print(msg("cli.migrated"))
    return EXIT_OK


def _has_data(s) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from db.models import Community, User

    return bool(s.scalar(select(func.count(Community.id))) or s.scalar(select(func.count(User.id))))


def cmd_seed(args: argparse.Namespace) -> int:
    cmd_migrate(args)
    with session() as s:
        non_empty = _has_data(s)
    if non_empty and args.if_empty:
        print(msg("cli.seed_skipped"))
        return EXIT_OK
    if non_empty and not args.force:
        return fail(msg("cli.seed_refused"))
    if args.scale:
        from seed.county import seed_county

        eng = engine()
        try:
            counts = seed_county(eng, years=args.years)
        finally:
            eng.dispose()
    else:
        from seed.demo import seed_demo

        with session(write=True) as s:
            counts = seed_demo(s, today=local_today())
    print(msg("cli.seeded", summary="，".join(f"{k} {v}" for k, v in counts.items() if v)))
    return EXIT_OK


def cmd_create_user(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from db.models import Community, Unit
    from services import users

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        if not sys.stdin.isatty():
            return fail(msg("cli.password_needs_tty"), EXIT_USAGE)
        password = getpass.getpass(msg("cli.password_prompt"))
        if password != getpass.getpass(msg("cli.password_again")):
            return fail(msg("error.password_mismatch"))
    try:
        with session(write=True) as s:
            unit_id = community_id = None
            if args.unit:
                unit_id = s.scalar(select(Unit.id).where(Unit.name == args.unit))
                if unit_id is None:
                    return fail(msg("cli.unknown_unit", name=args.unit))
            if args.community:
                community_id = s.scalar(select(Community.id).where(Community.name == args.community))
                if community_id is None:
                    return fail(msg("cli.unknown_community", name=args.community))
            users.create_user(
                s,
                None,
                username=args.name,
                display_name=args.display_name or args.name,
                password=password,
                role=args.role,
                email=args.email,
                community_id=community_id,
                unit_id=unit_id,
            )
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)
    print(msg("cli.user_created", name=args.name))
    return EXIT_OK
