"""User text is never rendered as Markdown or HTML (quality.md, "HTML and Markdown").

Every user-visible text column of the demo database is overwritten with a hostile string — a
``<script>``, an ``<img onerror>``, Markdown emphasis and a ``javascript:`` link — then every page
is opened as the admin and as a liaison. Wherever the text reaches a Markdown element (markdown,
caption, headings, alerts, toasts, widget and container labels) it must arrive escaped; an st.html
element must never carry it. Plain-text elements (st.text, st.code, dataframes, selectbox options,
metric values) are safe by construction and not inspected."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Enum, String, Text, func, select, update
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.models import AuditEntry, Base, Notice, User
from domain.enums import Role
from locales import translate
from tests.pages.conftest import OpenPage, assert_clean, each_tab, tab_labels
from ui.kit.navigation import PAGES

HOSTILE = (
    "<script>window.__xss=1</script>**粗体**[链接](javascript:alert(1))<img src=x onerror=alert(1)>"
    "![图](http://127.0.0.1:9/pixel.png)"
)
MARK = "__xss"  # how a hostile value is recognised wherever it lands

# Columns that are not free text a user typed: logins, secrets, codes, machine values.
NOT_USER_TEXT = {
    ("app_user", "username"),
    ("app_user", "password_hash"),
    ("app_user", "email"),
    ("app_user", "language"),
    ("attachment", "mime_type"),
    ("attachment", "sha256"),
    ("contract_task", "source_type"),
    ("contract_task", "status"),
    ("evaluation_round", "formula_version"),
    ("setting", "key"),
    ("setting", "value"),
    # the audit log's own columns; its before/after JSON is rewritten value by value below
    ("audit_entry", "username"),
    ("audit_entry", "entity"),
    ("audit_entry", "before"),
    ("audit_entry", "after"),
    # a notice's machinery (its params JSON is rewritten value by value below, as the audit's)
    ("notice", "key"),
    ("notice", "topic"),
    ("notice", "params"),
    ("notice", "link"),
    ("scheduler_state", "lease_holder"),
}

# Markdown that only an unescaped hostile value can produce (md_escape turns ``<`` into ``\<``,
# ``*`` into ``\*`` and so on; ``&lt;`` is an HTML-escaped form, also fine).
RAW_HTML = [re.compile(r"(?<!\\)<script", re.IGNORECASE), re.compile(r"(?<!\\)<img", re.IGNORECASE)]
# Markdown injected into a place meant for plain text (a name in a caption, a title in a heading).
RAW_MARKDOWN = [re.compile(r"(?<!\\)\*\*粗体"), re.compile(r"(?<!\\)\[链接(?<!\\)\]\(javascript")]
# An image or a javascript: link: never, wherever the text lands.
RAW_LINKS = [re.compile(r"(?<!\\)!\["), re.compile(r"(?<!\\)\[链接(?<!\\)\]\(javascript")]
# The minutes, agenda and decisions of a meeting are Markdown on purpose (ui/safe.user_markdown:
# emphasis and lists kept, every piece of user text escaped, images as text, links with their
# target shown), so emphasis may render there; its output is known by the ``:`` it escapes too.
USER_MARKDOWN = "javascript\\:alert"


def user_text_columns() -> list[tuple[str, str]]:
    """Every String/Text column (not an enum) the demo data holds as user-typed text."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text) or isinstance(column.type, Enum):
                continue
            if (table.name, column.name) not in NOT_USER_TEXT:
                found.append((table.name, column.name))
    return found


def poison_database(path: Path) -> int:
    """Overwrite every user-text value with HOSTILE + a suffix (distinct per original value, so
    unique names stay unique and equal values stay equal); returns how many values changed."""
    engine = make_engine(f"sqlite:///{path}")
    changed = 0
    text_keys = {name for _, name in user_text_columns()}
    try:
        with engine.begin() as conn:
            for table_name, column_name in user_text_columns():
                table = Base.metadata.tables[table_name]
                column = table.c[column_name]
                values = conn.scalars(select(column).distinct().where(column.is_not(None))).all()
                for n, value in enumerate(values):
                    conn.execute(update(table).where(column == value).values({column_name: f"{HOSTILE} {n}"}))
                    changed += 1

            # the audit detail view shows the before/after of each change: poison their text values too
            def poison(raw: str | None) -> str | None:
                if raw is None:
                    return None
                data = json.loads(raw)
                if isinstance(data, dict):
                    data = {
                        k: (f"{HOSTILE} a" if k in text_keys and isinstance(v, str) else v) for k, v in data.items()
                    }
                return json.dumps(data, ensure_ascii=False)

            notice = Notice.__table__  # the titles and names a notice quotes come from its params
            for row in conn.execute(select(notice.c.id, notice.c.params)).all():
                data = json.loads(row.params)
                quoted = ("chair", "theme", "plan", "community", "title", "unit", "content", "owner", "meeting")
                data = {k: (f"{HOSTILE} p" if k in quoted and isinstance(v, str) else v) for k, v in data.items()}
                conn.execute(update(notice).where(notice.c.id == row.id).values(params=json.dumps(data)))

            audit = AuditEntry.__table__
            for row in conn.execute(select(audit.c.id, audit.c.before, audit.c.after)).all():
                conn.execute(
                    update(audit).where(audit.c.id == row.id).values(before=poison(row.before), after=poison(row.after))
                )
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return changed


# --- walking the element tree -------------------------------------------------------------------

PLAIN_TYPES = {
    "text",
    "code",
    "dataframe",
    "table",
    "json",
    "metric",
    "selectbox",
    "multiselect",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "time_input",
    "date_time_input",
    "arrow_vega_lite_chart",
    "vega_lite_chart",
    "image",
    "download_button",
    "exception",
    "space",
    "divider",
}


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _strings(node: Any) -> Iterator[tuple[str, str]]:
    """(where, text) for every string of ``node`` that the browser renders as Markdown."""
    kind = getattr(node, "type", "")
    label = getattr(node, "label", None)
    if isinstance(label, str):  # widget, expander, tab, button and metric labels are Markdown
        yield f"{kind}.label", label
    help_text = getattr(node, "help", None)
    if isinstance(help_text, str):
        yield f"{kind}.help", help_text
    if kind == "radio":  # radio options are Markdown too
        for option in getattr(node, "options", []):
            if isinstance(option, str):
                yield "radio.option", option
    if kind in PLAIN_TYPES:
        return
    for attr in ("value", "body"):
        try:
            value = getattr(node, attr, None)
        except Exception:  # some elements compute .value from widget state and may refuse
            continue
        if isinstance(value, str):
            yield f"{kind}.{attr}", value
            return  # .body repeats .value on Markdown elements


def unsafe_spots(at: AppTest, *, known: frozenset[str] = frozenset()) -> list[str]:
    """Each place where user text reaches Markdown unescaped, or st.html at all (``known``: exact
    texts already reported elsewhere, left out)."""
    problems = []
    for node in _nodes(at._tree):
        kind = getattr(node, "type", "")
        if kind == "html":
            body = getattr(node, "value", "") or ""
            if MARK in body or "粗体" in body:
                problems.append(f"html: {body[:200]}")
            continue
        for where, text in _strings(node):
            if text in known:
                continue
            patterns = RAW_HTML + RAW_LINKS if USER_MARKDOWN in text else RAW_HTML + RAW_LINKS + RAW_MARKDOWN
            if any(p.search(text) for p in patterns):
                problems.append(f"{where}: {text[:160]!r}")
    return problems


# --- the walk -----------------------------------------------------------------------------------


def _signed_in_caption(db_file: Path, username: str) -> str:
    """The sidebar's "name · role" line as ui/kit/auth.py writes it today (display name unescaped)."""
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as conn:
            row = conn.execute(select(User.display_name, User.role).where(User.username == username)).one()
    finally:
        engine.dispose()
    role = translate("zh_CN", f"enum.Role.{Role(row.role).value}")
    return translate("zh_CN", "app.signed_in_as", name=row.display_name, role=role)


def test_the_poisoning_reaches_every_user_text_column_the_issue_names(db_file: Path) -> None:
    """The discovery finds the columns the issue names (a renamed column would silently drop out)."""
    columns = set(user_text_columns())
    for expected in [
        ("community", "name"),
        ("unit", "name"),
        ("category", "name"),
        ("need", "title"),
        ("need", "description"),
        ("project", "description"),
        ("meeting", "minutes"),
        ("meeting", "agenda"),
        ("meeting", "decisions"),
        ("rotation_slot", "theme"),
        ("rotation_slot", "plan"),
        ("action_item", "content"),
        ("action_item", "closing_note"),
        ("whistle", "title"),
        ("whistle", "description"),
        ("whistle_response", "action_taken"),
        ("whistle_response", "rating_comment"),
        ("evaluation_score", "evaluator"),
        ("member", "name"),
        ("app_user", "display_name"),
    ]:
        assert expected in columns
    assert poison_database(db_file) > 100
    engine = make_engine(f"sqlite:///{db_file}")
    try:
        with engine.connect() as conn:
            for table_name, column_name in user_text_columns():
                column = Base.metadata.tables[table_name].c[column_name]
                left = conn.scalar(select(func.count()).where(column.is_not(None), ~column.startswith(HOSTILE)))
                assert left == 0, f"{table_name}.{column_name} keeps {left} ordinary values"
    finally:
        engine.dispose()


@pytest.mark.parametrize("username", ["admin", "liaison1"])
def test_hostile_user_text_is_shown_escaped_on_every_page(
    db_file: Path,
    open_page: OpenPage,
    username: str,
) -> None:
    poison_database(db_file)  # before the app opens the file
    at = open_page(username)
    seen_escaped = 0
    failures: dict[str, list[str]] = {}
    for spec in PAGES:
        if username != "admin" and spec.url_path == "admin":
            continue
        at.switch_page(spec.script)
        at.run()
        key = f"{Path(spec.script).stem}_tab"
        for label in each_tab(at, key) if tab_labels(at, key) else [""]:  # only the open tab runs: open each
            assert_clean(at)  # no exception, no "unexpected error" box
            spots = unsafe_spots(at)
            if spots:
                failures[f"{spec.script} {label}".strip()] = spots
            seen_escaped += sum("\\<script" in text for node in _nodes(at._tree) for _, text in _strings(node))
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
    assert seen_escaped > 10, "hardly any poisoned text reached a Markdown element: the walk checked nothing"


def test_the_signed_in_line_escapes_the_display_name(db_file: Path, open_page: OpenPage) -> None:
    poison_database(db_file)
    at = open_page("liaison1")
    assert_clean(at)
    role = translate("zh_CN", "enum.Role.liaison")
    assert any("粗体" in text and text.endswith(role) for node in _nodes(at._tree) for _, text in _strings(node))
    assert not unsafe_spots(at)
