"""``python -m bench`` (``make bench``): the county-scale benchmark of quality.md.

Builds or reuses the county database, times every page (in a process of its own), the naive
pandas baseline, logging an activity and a 20,000-row import; prints one table with each figure,
its bar and whether it holds, and writes it to ``bench/results.md``.

Options: ``--reseed`` rebuild the county; ``--pages overview,lists`` only those pages;
``--no-postgres`` skip PostgreSQL even when ``TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("COBUILD_COOKIE_KEY", "bench-cookie-key-not-secret-0123456789abcdef")  # a county is no demo

from sqlalchemy import select  # noqa: E402

from bench import naive, writes  # noqa: E402
from bench.seeding import Target, ensure, pg_target, sqlite_target  # noqa: E402
from config import load_settings  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.models import User  # noqa: E402
from domain import calendar  # noqa: E402

RESULTS = ROOT / "bench" / "results.md"
RAW = Path(tempfile.gettempdir()) / "cobuild-bench-last.json"  # the last run's raw figures

# quality.md's bars
SEED_S = 90.0
WARM_MS = 150.0
COLD_MS = 1000.0
RATIO = 10.0
CHART_ROWS = 5000
TABLE_ROWS = 1000  # a paged table shows a page; more than this means a table went out whole
LOG_MS = 20.0
MEMORY_MB = 500.0
IMPORT_S = 30.0


def _ok(holds: bool | None) -> str:
    return "—" if holds is None else ("yes" if holds else "**NO**")


def _fmt(v: float | None, unit: str = "", digits: int = 0) -> str:
    if v is None:
        return "—"
    return f"{v:,.{digits}f}{unit}"


def run_pages(target: Target, only: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pages.json"
        env = dict(os.environ, COBUILD_DATA_DIR=str(Path(tmp) / "data"), COBUILD_LOGIN_SLEEP="0", PYTHONPATH=str(ROOT))
        env.pop("COBUILD_BCRYPT_ROUNDS", None)
        proc = subprocess.run(
            [sys.executable, "-m", "bench.pages", target.url, str(out), only], cwd=ROOT, env=env, check=False
        )
        if proc.returncode != 0 or not out.exists():
            raise SystemExit(f"bench.pages failed (exit {proc.returncode})")
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def explain(target: Target, statement: str, params: Any) -> list[str]:
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            if target.backend == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, tuple(params or ())).all()
                return [f"{'  ' * (1 if r[1] else 0)}{r[-1]}" for r in rows]
            args = params if isinstance(params, dict) else tuple(params or ())
            rows = conn.exec_driver_sql("EXPLAIN " + statement, args).all()
            return [r[0] for r in rows]
    except Exception as exc:  # a statement we cannot replay
        return [f"(not explained: {type(exc).__name__}: {str(exc)[:120]})"]
    finally:
        engine.dispose()


def measure(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    print(f"\n== {target.backend}: county database", file=sys.stderr)
    ensure(target, years=args.years, reseed=args.reseed)
    today = calendar.today(load_settings().today)
    print(f"== {target.backend}: pages under AppTest (cold ×3, warm ×5, per user)", file=sys.stderr)
    pages = run_pages(target, args.pages)
    engine = make_engine(target.url)
    try:
        with engine.connect() as conn:
            liaison_unit = conn.scalar(select(User.unit_id).where(User.username == "liaison1"))
        print(f"== {target.backend}: naive baseline (whole tables into pandas)", file=sys.stderr)
        done: dict[tuple[str, str], tuple[float | None, bool]] = {}
        for row in pages["pages"]:
            name = Path(row["page"]).stem
            if (name, row["user"]) not in done:  # once per page and user; its views share it
                done[(name, row["user"])] = naive.measure(
                    engine, name, today=today, unit_id=liaison_unit if row["user"] == "liaison1" else None
                )
            row["naive_ms"], row["ratio_judged"] = done[(name, row["user"])]
            cold = row.get("cold_ms")
            row["ratio"] = row["naive_ms"] / cold if row["naive_ms"] and cold else None
        print(f"== {target.backend}: logging activities, importing 20,000 rows", file=sys.stderr)
        log = writes.log_activity(engine, today=today)
        imp = writes.import_lists(engine, today=today)
    finally:
        engine.dispose()
    for row in pages["pages"]:
        if not _page_holds(row) and row.get("slow_sql"):
            for q in row["slow_sql"][:3]:
                q["plan"] = explain(target, q["sql"], q["params"])
    return {"target": target, "pages": pages, "log": log, "import": imp}


def _page_holds(row: dict[str, Any]) -> bool:
    cold, warm, ratio = row.get("cold_ms"), row.get("warm_ms"), row.get("ratio")
    return (
        cold is not None
        and warm is not None
        and cold <= COLD_MS
        and warm <= WARM_MS
        and (ratio is None or not row.get("ratio_judged", True) or ratio >= RATIO)
        and max(row.get("chart_rows") or [0]) <= CHART_ROWS
        and max(row.get("table_rows") or [0]) <= TABLE_ROWS
        and not row.get("errors")
    )


def render(results: list[dict[str, Any]]) -> str:
    lines = [
        "# County-scale benchmark",
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {os.cpu_count()} cores ({platform.machine()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}). `make bench` writes this file; "
        "bars from quality.md. Page times are one AppTest script run (app.py with the login gate, then the "
        "page), median of 3 cold runs (st.cache_data and st.cache_resource cleared) and 5 warm reruns. The naive "
        "baseline loads the page's tables whole into pandas and computes the same figures; ratio = naive ÷ cold, "
        "judged against its bar for the pages whose figures come from the million-row activity table ('n/a' for "
        "the others, whose tables are small enough to load whole). Every tab of a page is its own row: only the "
        "open tab runs. SQL (cold) = statements and their time in the last cold run; the rest of a run is Python.",
        "",
    ]
    for res in results:
        t: Target = res["target"]
        p = res["pages"]
        counts = t.counts or {}
        lines += [f"## {t.backend}", "", "Data set: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()), ""]
        seed = t.seconds if t.seconds is not None else t.earlier_seconds
        seed_note = (
            "seeded by this run"
            if t.seconds is not None
            else (
                "reused; time recorded when it was built" if seed is not None else "reused; seeding time not recorded"
            )
        )
        mem = p.get("peak_rss_mb")
        least = _least_ratio(p)
        log, imp = res["log"], res["import"]
        charts = [n for row in p["pages"] for n in row.get("chart_rows") or []]
        tables = [n for row in p["pages"] for n in row.get("table_rows") or []]
        lines += [
            "| figure | value | bar | holds | note |",
            "| --- | --- | --- | --- | --- |",
            f"| seeding county scale | {_fmt(seed, ' s', 1)} | < {SEED_S:.0f} s | "
            f"{_ok(None if seed is None else seed < SEED_S)} | {seed_note} |",
            f"| empty page script run (AppTest) | {_fmt(p['empty']['warm_ms'], ' ms', 1)} | ≈ 4 ms | — | "
            f"cold {_fmt(p['empty']['cold_ms'], ' ms', 1)} |",
            f"| slowest page, warm | {_fmt(_worst(p, 'warm_ms'), ' ms')} | ≤ {WARM_MS:.0f} ms | "
            f"{_ok(_le(_worst(p, 'warm_ms'), WARM_MS))} | see the page table |",
            f"| slowest page, cold | {_fmt(_worst(p, 'cold_ms'), ' ms')} | ≤ {COLD_MS:.0f} ms | "
            f"{_ok(_le(_worst(p, 'cold_ms'), COLD_MS))} | |",
            f"| smallest ratio naive ÷ cold | {_fmt(least, ' ×', 1)} | ≥ {RATIO:.0f} × | "
            f"{_ok(None if least is None else least >= RATIO)} | |",
            f"| most rows handed to one chart | {_fmt(max(charts) if charts else None)} | ≤ {CHART_ROWS:,} | "
            f"{_ok(max(charts) <= CHART_ROWS if charts else None)} | {len(charts)} charts seen |",
            f"| most rows handed to one table | {_fmt(max(tables) if tables else None)} | paged (≤ {TABLE_ROWS:,}) | "
            f"{_ok(max(tables) <= TABLE_ROWS if tables else None)} | {len(tables)} tables seen |",
            f"| logging one activity (service) | {_fmt(log['ms'], ' ms', 1)} | ≤ {LOG_MS:.0f} ms | "
            f"{_ok(_le(log['ms'], LOG_MS))} | {log['note']} |",
            f"| peak memory of the app process | {_fmt(mem, ' MB')} | ≤ {MEMORY_MB:.0f} MB | "
            f"{_ok(_le(mem, MEMORY_MB))} | VmHWM of the AppTest process after every page |",
            f"| importing a 20,000-row lists workbook | {_fmt(imp['s'], ' s', 1)} | ≤ {IMPORT_S:.0f} s | "
            f"{_ok(_le(imp['s'], IMPORT_S))} | {imp['note']} |",
            "",
        ]
        lines += [
            "| page | user | cold ms | warm ms | SQL (cold) | naive ms | ratio | chart rows | table rows | holds | errors |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
        ]
        for row in p["pages"]:
            lines.append(
                f"| {_name(row)} | {row['user']} | {_fmt(row.get('cold_ms'))} | {_fmt(row.get('warm_ms'))} | "
                f"{row.get('statements', 0)} in {_fmt(row.get('sql_ms'))} ms | "
                f"{_fmt(row.get('naive_ms'))} | {_fmt(row.get('ratio'), ' ×', 1)}"
                f"{'' if row.get('ratio_judged', True) else ' (n/a)'} | "
                f"{', '.join(str(n) for n in row.get('chart_rows') or []) or '—'} | "
                f"{', '.join(str(n) for n in row.get('table_rows') or []) or '—'} | {_ok(_page_holds(row))} | "
                f"{'; '.join(e.replace('|', '/').replace(chr(10), ' ') for e in row.get('errors') or []) or ''} |"
            )
        slow = [row for row in p["pages"] if not _page_holds(row) and row.get("slow_sql")]
        if slow:
            lines += ["", "### Slow statements of the pages that miss a bar (cold run, ≥ 30 ms)", ""]
            for row in slow:
                lines.append(f"**{_name(row)} ({row['user']})**")
                lines.append("")
                for q in row["slow_sql"][:3]:
                    sql = " ".join(q["sql"].split())
                    lines += [
                        f"- {q['ms']:.0f} ms: `{sql[:600]}` params `{json.dumps(q['params'], ensure_ascii=False)[:200]}`"
                    ]
                    if q.get("plan"):
                        lines += ["", "  ```", *[f"  {line}" for line in q["plan"]], "  ```"]
                lines.append("")
        lines.append("")
    return "\n".join(lines)


def _name(row: dict[str, Any]) -> str:
    view = row.get("view") or ""
    return Path(row["page"]).stem + (f" › {view}" if view else "")


def _le(v: float | None, bar: float) -> bool | None:
    return None if v is None else v <= bar


def _worst(p: dict[str, Any], key: str) -> float | None:
    vals = [row[key] for row in p["pages"] if row.get(key) is not None]
    return max(vals) if vals else None


def _least_ratio(p: dict[str, Any]) -> float | None:
    vals = [row["ratio"] for row in p["pages"] if row.get("ratio") is not None and row.get("ratio_judged", True)]
    return min(vals) if vals else None


def _load_raw() -> list[dict[str, Any]]:
    raw = json.loads(RAW.read_text())
    for r in raw:
        t = r["target"]
        t["path"] = Path(t["path"])
        r["target"] = Target(**t)
    return raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--reseed", action="store_true", help="rebuild the county database")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--pages", default="", help="only these pages (comma-separated stems)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--db", type=Path, default=None, help="another SQLite file than bench/county.db")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results.md alone")
    parser.add_argument("--render-only", action="store_true", help="re-render the last run's raw figures")
    args = parser.parse_args(argv)
    targets = [sqlite_target(args.db) if args.db else sqlite_target()]
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg and not args.no_postgres:
        targets.append(pg_target(pg))
    if args.render_only:
        results = _load_raw()
    else:
        results = [measure(t, args) for t in targets]
        RAW.write_text(
            json.dumps([{**r, "target": asdict(r["target"])} for r in results], ensure_ascii=False, default=str)
        )
    text = render(results)
    from bench import matching as match_bench  # the labelled set of the match suggestions: no database

    text += (
        "\n"
        + match_bench.BEGIN
        + "\n"
        + match_bench.render(match_bench.evaluate(match_bench.SET), match_bench.evaluate(match_bench.HOLDOUT))
        + "\n"
        + match_bench.END
        + "\n"
    )
    print(text)
    if not args.no_write:
        RESULTS.write_text(text + "\n")
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
