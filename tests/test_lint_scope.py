"""`make lint` type-checks every package and script of the app (issue 21): a new top-level package
or script that the Makefile's mypy line does not name fails here, before it can drift untyped."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# not part of the app: the suite itself (its fixtures are typed loosely on purpose)
NOT_TYPED = {"tests"}


def _makefile_typed() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^TYPED\s*:?=\s*(.+)$", text, re.MULTILINE)
    assert found, "the Makefile names what mypy checks in TYPED"
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert lint and "mypy $(TYPED)" in lint.group(1), "make lint runs mypy over TYPED"
    return set(found.group(1).split())


def _app_code() -> set[str]:
    names = {p.name for p in ROOT.glob("*.py")}
    for d in ROOT.iterdir():
        if d.is_dir() and not d.name.startswith(".") and d.name not in NOT_TYPED and any(d.rglob("*.py")):
            names.add(d.name)
    return names


def test_mypy_checks_every_package_and_script() -> None:
    missing = _app_code() - _makefile_typed()
    assert not missing, f"make lint's mypy does not check: {sorted(missing)}"


def test_typed_entries_exist() -> None:
    stale = {name for name in _makefile_typed() if not (ROOT / name).exists()}
    assert not stale, f"the Makefile's TYPED names what is not there: {sorted(stale)}"
