"""The command line (contracts.md): ``python manage.py COMMAND …``.

Exit status 0 on success, 1 on rejected input, 2 on usage errors."""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

import cli
from cli.common import EXIT_REJECTED, error_text, fail
from domain.errors import AppError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="共建看板 · Co-Build Board")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(cli.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"cli.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AppError as err:
        return fail(error_text(err), EXIT_REJECTED)


if __name__ == "__main__":
    sys.exit(main())
