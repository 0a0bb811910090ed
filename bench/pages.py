"""Every page's script run under AppTest, logged in, cold and warm; run as its own process
(``python -m bench.pages DATABASE_URL OUT.json``) so that its peak memory is the app's.

Per page and user: the median of ``COLD_RUNS`` runs after clearing ``st.cache_data`` and
``st.cache_resource`` and of ``WARM_RUNS`` reruns with the caches filled; the rows each chart hands
to Vega-Lite and each table to the browser (read back from the element protos); the errors shown;
and the slowest SQL statements of a cold run (for EXPLAIN QUERY PLAN in the report).
"""

from __future__ import annotations

import io
import json
import logging
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
EMPTY = str(ROOT / "bench" / "empty_page.py")
COLD_RUNS = 3
WARM_RUNS = 5
TIMEOUT = 300
USERS = ("admin", "liaison1")
SLOW_SQL_MS = 30.0
SLOW_VIEW_MS = 3000.0


def _arrow_rows(data: bytes) -> int:
    if not data:
        return 0
    import pyarrow as pa

    try:
        return int(pa.ipc.open_stream(io.BytesIO(data)).read_all().num_rows)
    except Exception:  # a format we do not know: count nothing rather than fail
        return 0


def _spec_rows(spec: str) -> int:
    """Rows inlined in a Vega-Lite spec (``data.values`` / ``datasets``)."""
    try:
        doc = json.loads(spec)
    except ValueError:
        return 0
    n = 0
    for values in (doc.get("datasets") or {}).values():
        n += len(values) if isinstance(values, list) else 0
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                n += len(data["values"])
            stack.extend(v for k, v in node.items() if k != "datasets")
        elif isinstance(node, list):
            stack.extend(node)
    return n


def _walk(node: Any) -> Any:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def chart_and_table_rows(at: Any) -> tuple[list[int], list[int]]:
    """Rows handed to Vega-Lite per chart, and to the browser per table, in the last run."""
    charts: list[int] = []
    tables: list[int] = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", None)
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        if kind in ("vega_lite_chart", "arrow_vega_lite_chart"):
            rows = _arrow_rows(proto.data.data) if proto.HasField("data") else 0
            rows += sum(_arrow_rows(ds.data.data) for ds in proto.datasets)
            rows += _spec_rows(proto.spec)
            charts.append(rows)
        elif kind in ("dataframe", "table", "arrow_table", "arrow_data_frame"):
            try:
                tables.append(len(node.value))
            except Exception:  # an unknown table element: count nothing
                tables.append(0)
    return charts, tables


class _SqlTimer:
    """Times every statement on every engine (SQLAlchemy events), keeping the slowest."""

    def __init__(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.on = False
        self.seen: list[tuple[float, str, Any]] = []
        self.count = 0
        self.total_ms = 0.0
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if not self.on:
            return
        ms = (time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter())) * 1000
        self.count += 1
        self.total_ms += ms
        if ms >= SLOW_SQL_MS:
            self.seen.append((ms, statement, _jsonable(params)))

    def take(self) -> tuple[list[dict[str, Any]], int, float]:
        """The slowest statements of the window, how many ran, and their total milliseconds."""
        out = [
            {"ms": round(ms, 1), "sql": sql, "params": params}
            for ms, sql, params in sorted(self.seen, key=lambda s: -s[0])[:5]
        ]
        counted = (out, self.count, self.total_ms)
        self.seen, self.count, self.total_ms = [], 0, 0.0
        return counted


def _jsonable(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: _jsonable(v) for k, v in params.items()}
    if isinstance(params, list | tuple):
        return [_jsonable(v) for v in params]
    if params is None or isinstance(params, int | float | str | bool):
        return params
    return str(params)


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's ``ru_maxrss`` survives exec: a process started
    by one that had loaded a million rows would report the parent's peak; VmHWM is this image's own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _clear() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _logged_in(username: str) -> Any:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["lang"] = "zh_CN"
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["logout"] = None
    return at


def _timed_run(at: Any) -> float:
    t0 = time.perf_counter()
    at.run()
    return (time.perf_counter() - t0) * 1000


def measure_empty() -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(EMPTY, default_timeout=TIMEOUT)
    at.run()
    warm = [_timed_run(at) for _ in range(WARM_RUNS * 2)]
    cold = []
    for _ in range(COLD_RUNS):
        _clear()
        cold.append(_timed_run(at))
    return {"warm_ms": statistics.median(warm), "cold_ms": statistics.median(cold)}


def _tab_groups(at: Any) -> dict[str, list[str]]:
    """Keyed, stateful tab groups on the page (only the open tab runs): session key → labels."""
    groups: list[list[str]] = []
    for node in _walk(at._tree):
        children = list(getattr(node, "children", {}).values())
        if children and all(getattr(c, "type", None) == "tab" for c in children):
            groups.append([c.label for c in children])
    found: dict[str, list[str]] = {}
    for key in list(at.session_state.keys()):
        try:
            value = at.session_state[key]
        except Exception:  # a widget without a value yet
            continue
        for labels in groups:
            if isinstance(value, str) and value in labels and key not in found:
                found[key] = labels
    return found


def _measure_view(at: Any, script: str, username: str, view: str, sql: _SqlTimer) -> dict[str, Any]:
    at.run()  # this view's first run: imports and first queries (not counted)
    cold, warm = [], []
    slow: list[dict[str, Any]] = []
    statements, sql_ms = 0, 0.0
    cold_runs, warm_runs = COLD_RUNS, WARM_RUNS
    for i in range(COLD_RUNS):
        if i >= cold_runs:
            break
        _clear()
        sql.take()
        sql.on = i == cold_runs - 1
        cold.append(_timed_run(at))
        sql.on = False
        if i == 0 and cold[0] > SLOW_VIEW_MS:  # a view this slow needs no more runs to miss its bar
            cold_runs, warm_runs = 2, 2
        if i == cold_runs - 1:
            slow, statements, sql_ms = sql.take()
    for _ in range(warm_runs):
        warm.append(_timed_run(at))
    charts, tables = chart_and_table_rows(at)
    errors = [str(e.value)[:300] for e in at.exception] + [str(e.value)[:300] for e in at.error]
    return {
        "page": script,
        "view": view,
        "user": username,
        "cold_ms": statistics.median(cold),
        "warm_ms": statistics.median(warm),
        "cold_all": cold,
        "warm_all": warm,
        "chart_rows": charts,
        "table_rows": tables,
        "errors": errors,
        "slow_sql": slow,
        "statements": statements,
        "sql_ms": round(sql_ms, 1),
    }


def measure_page(script: str, username: str, sql: _SqlTimer) -> list[dict[str, Any]]:
    """The page as it opens, then each other tab of its keyed tab groups."""
    at = _logged_in(username)
    _clear()
    at.run()  # the overview, first imports
    at.switch_page(script)
    rows = [_measure_view(at, script, username, "", sql)]
    for key, labels in _tab_groups(at).items():
        first = at.session_state[key]
        for label in labels:
            if label == first:
                continue
            at.session_state[key] = label
            rows.append(_measure_view(at, script, username, label, sql))
        at.session_state[key] = first
    return rows


def pages_for(username: str) -> list[str]:
    from ui.kit.navigation import PAGES

    role_of = {"admin": "admin", "liaison1": "liaison", "community1": "community", "leader": "leader"}
    return [
        spec.script
        for spec in PAGES
        if (ROOT / spec.script).exists() and role_of[username] in [r.value for r in spec.roles]
    ]


def main(argv: list[str]) -> int:
    url, out = argv[0], Path(argv[1])
    only = set(argv[2].split(",")) if len(argv) > 2 and argv[2] else None
    users = tuple(argv[3].split(",")) if len(argv) > 3 and argv[3] else USERS
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("COBUILD_COOKIE_KEY", "bench-cookie-key-not-secret-0123456789abcdef")
    os.environ.setdefault("COBUILD_LOGIN_SLEEP", "0")
    os.environ.setdefault("COBUILD_ENV", "production")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    logging.disable(logging.CRITICAL)  # the app logs failures; the bench reports them itself
    sql = _SqlTimer()
    results: dict[str, Any] = {"empty": measure_empty(), "pages": []}
    for username in users:
        for script in pages_for(username):
            if only and Path(script).stem not in only:
                continue
            t0 = time.perf_counter()
            try:
                rows = measure_page(script, username, sql)
            except Exception as exc:  # a page that cannot be measured is a finding
                rows = [
                    {
                        "page": script,
                        "view": "",
                        "user": username,
                        "cold_ms": None,
                        "warm_ms": None,
                        "chart_rows": [],
                        "table_rows": [],
                        "errors": [f"{type(exc).__name__}: {exc}"[:300]],
                        "slow_sql": [],
                    }
                ]
            rss = peak_rss_mb()
            for row in rows:
                row["peak_rss_mb"] = rss  # the process's peak so far: which page raised it
                name = f"{Path(script).stem} {row['view']}".strip()
                print(
                    f"  {username:<9} {name:<28} cold {row['cold_ms'] or 0:8.0f} ms  warm {row['warm_ms'] or 0:7.0f} ms"
                    f"  peak {rss:5.0f} MB",
                    file=sys.stderr,
                    flush=True,
                )
            print(f"    ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)
            results["pages"].extend(rows)
    results["peak_rss_mb"] = peak_rss_mb()
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
