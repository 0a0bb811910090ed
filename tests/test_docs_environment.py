"""The environment tables of the README and of contracts.md against what config.Settings reads:
the mail variables (COBUILD_SMTP_URL, COBUILD_MAIL_FROM, COBUILD_PUBLIC_URL) are documented in both
and read by Settings, each one changing its own setting; every variable Settings reads is in the
README's table (or excluded here with a reason), and every variable of that table is read somewhere."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

import config

ROOT = Path(__file__).resolve().parents[1]
MAIL = {
    "COBUILD_SMTP_URL": ("smtp_url", "smtp://127.0.0.1:2525"),
    "COBUILD_MAIL_FROM": ("mail_from", "共建看板 <noreply@county.example>"),
    "COBUILD_PUBLIC_URL": ("public_url", "https://cobuild.county.example"),
}
# read by Settings, deliberately not in the README's table
UNDOCUMENTED = {
    "COBUILD_ENV": "set by `make dev` (error details); not a setting an installer chooses",
    "COBUILD_DATA_DIR": "the tests' private data folder; the README names data/ itself",
}
# in the README's table, read outside Settings: where
ELSEWHERE = {
    "PORT": "Makefile",
    "TEST_DATABASE_URL": "tests/conftest.py",
}
ROW = re.compile(r"^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|", re.M)


def table_vars(text: str, heading: str) -> set[str]:
    """The variables of the first table under ``heading`` (a Markdown heading line)."""
    start = text.index(heading)
    nxt = text.find("\n#", start + len(heading))
    section = text[start : nxt if nxt != -1 else None]
    return set(ROW.findall(section))


def settings_reads() -> set[str]:
    """The variables ``config.load_settings`` reads (``env.get("…")``)."""
    tree = ast.parse(Path(config.__file__).read_text(encoding="utf-8"))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "load_settings")
    return {
        node.args[0].value
        for node in ast.walk(fn)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }


def contracts_md() -> Path | None:
    """contracts.md: ``COBUILD_SPEC_DIR``, or a ``shared/spec`` folder beside an ancestor of the repository."""
    if os.environ.get("COBUILD_SPEC_DIR"):
        return Path(os.environ["COBUILD_SPEC_DIR"]) / "contracts.md"
    for folder in ROOT.parents:
        candidate = folder / "shared" / "spec" / "contracts.md"
        if candidate.exists():
            return candidate
    return None


def test_each_mail_variable_sets_its_own_setting() -> None:
    blank = config.load_settings({})
    for var, (field, value) in MAIL.items():
        assert getattr(blank, field) is None, var
        assert getattr(config.load_settings({var: value}), field) == value, var
        others = {f for f, _ in MAIL.values()} - {field}
        assert all(getattr(config.load_settings({var: value}), f) is None for f in others), var
    assert set(MAIL) <= settings_reads()


def test_readme_table_and_settings_agree() -> None:
    readme = table_vars((ROOT / "README.md").read_text(encoding="utf-8"), "## Configuration")
    reads = settings_reads()
    assert set(MAIL) <= readme
    missing = sorted(reads - readme - set(UNDOCUMENTED))
    assert not missing, f"read by config.Settings but not in the README's table: {missing}"
    assert not (set(UNDOCUMENTED) - reads), "excluded variables Settings no longer reads"
    for var in sorted(readme - reads):
        assert var in ELSEWHERE, f"{var} is in the README's table but Settings does not read it"
        assert var in (ROOT / ELSEWHERE[var]).read_text(encoding="utf-8"), (var, ELSEWHERE[var])


def test_contracts_table_has_the_mail_variables_settings_reads() -> None:
    path = contracts_md()
    if path is None or not path.exists():
        pytest.skip("contracts.md not found (set COBUILD_SPEC_DIR to the folder of the specs)")
    documented = table_vars(path.read_text(encoding="utf-8"), "## Environment")
    reads = settings_reads()
    for var in MAIL:
        assert var in documented, f"{var}: not in contracts.md's environment table"
        assert var in reads, f"{var}: in contracts.md but not read by config.Settings"
    mail_like = {v for v in reads if v.startswith(("COBUILD_SMTP", "COBUILD_MAIL", "COBUILD_PUBLIC"))}
    assert mail_like <= documented, f"read by Settings, missing in contracts.md: {sorted(mail_like - documented)}"
