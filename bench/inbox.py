"""``python -m bench.inbox``: what the sidebar inbox's refresh costs a session (issue 14).

The inbox is a fragment re-run every ``COBUILD_INBOX_REFRESH`` seconds (30): only its body runs —
the unread count while the list is closed, the count and the newest ten (``list_inbox``) while it
is open. This measures that body per role, statements counted and timed with a SQLAlchemy event:

* **demo** — the demo alliance with its notices (a copy migrated and seeded here);
* **county** — the county database of ``bench/seeding.py`` (built when missing) with a year of
  notices added in one transaction that is rolled back afterwards: every 吹哨 raised, warned and
  passed to its units and community, every action item's two reminders, every chair's two, the
  admins' share — to one liaison per unit and one worker per community (added too), 80 % read.

Also the fragment's own Streamlit run (AppTest of ``bench/inbox_fragment.py``: the body alone) on
the demo data, beside an empty script. Prints a Markdown section and writes it into
``bench/results.md`` (``--no-write``: print only)."""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import ActionItem, Community, Notice, RotationSlot, Unit, User, Whistle  # noqa: E402
from domain.enums import NoticeChannel, NoticeEvent, NoticeStatus, Role  # noqa: E402
from services import notices  # noqa: E402
from services.users import actor_for  # noqa: E402

RESULTS = ROOT / "bench" / "results.md"
HEADING = "## The inbox refresh (`python -m bench.inbox`)"
FRAGMENT = ROOT / "bench" / "inbox_fragment.py"
EMPTY = ROOT / "bench" / "empty_page.py"
RUNS = 30
TODAY = date(2026, 11, 24)


class Counter:
    """Statements and their time on one engine while ``on``."""

    def __init__(self, engine: Engine) -> None:
        self.on = False
        self.count = 0
        self.ms = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["inbox_t0"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        if self.on:
            self.count += 1
            self.ms += (time.perf_counter() - conn.info.pop("inbox_t0", time.perf_counter())) * 1000


@dataclass
class Figure:
    scale: str
    user: str
    state: str  # closed / open
    statements: int
    median_ms: float
    p95_ms: float
    sql_ms: float
    unread: int
    visible: int


def measure(session: Session, counter: Counter, username: str, *, scale: str) -> list[Figure]:
    user = session.scalars(select(User).where(User.username == username)).one()
    actor = actor_for(user)

    def closed() -> Any:
        return notices.unread_count(session, actor)

    def opened() -> Any:
        return notices.unread_count(session, actor), notices.list_inbox(session, actor, lang="zh_CN", limit=10)

    out = []
    for state, body in (("closed", closed), ("open", opened)):
        body()  # warm the statement cache and the pages
        times: list[float] = []
        sql: list[float] = []
        statements = 0
        for _ in range(RUNS):
            counter.on, counter.count, counter.ms = True, 0, 0.0
            t0 = time.perf_counter()
            body()
            times.append((time.perf_counter() - t0) * 1000)
            counter.on = False
            statements, sql = counter.count, [*sql, counter.ms]
        unread = notices.unread_count(session, actor)
        _, visible = notices.list_inbox(session, actor, lang="zh_CN", limit=1)
        times.sort()
        out.append(
            Figure(
                scale,
                username,
                state,
                statements,
                statistics.median(times),
                times[int(len(times) * 0.95) - 1],
                statistics.median(sql),
                unread,
                visible,
            )
        )
    return out


# --- the data sets -------------------------------------------------------------------------------


def demo_db(folder: Path) -> Path:
    from seed.demo import seed_demo

    path = folder / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as s:
        seed_demo(s, today=TODAY)
        s.commit()
    engine.dispose()
    return path


@contextmanager
def county_notices(engine: Engine) -> Iterator[tuple[Session, int]]:
    """A session on the county with a year of notices and their recipients, rolled back after."""
    conn = engine.connect()
    trans = conn.begin()
    session = Session(bind=conn)
    try:
        yield session, _add_year_of_notices(session)
    finally:
        session.close()
        trans.rollback()
        conn.close()


def _add_year_of_notices(s: Session) -> int:
    rng = random.Random(14)
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)
    units = list(s.scalars(select(Unit.id).order_by(Unit.id)))
    communities = list(s.scalars(select(Community.id).order_by(Community.id)))
    pw = s.scalar(select(User.password_hash).limit(1)) or "x"
    liaison = {u: _user_id(s, f"bench_liaison_{u}", Role.LIAISON, pw, unit_id=u) for u in units}
    if (l1 := s.scalars(select(User).where(User.username == "liaison1")).first()) and l1.unit_id:
        liaison[l1.unit_id] = l1.id  # liaison1 is its unit's liaison
    worker = {c: _user_id(s, f"bench_worker_{c}", Role.COMMUNITY, pw, community_id=c) for c in communities}
    admins = list(s.scalars(select(User.id).where(User.role == Role.ADMIN)))
    year_ago = now - timedelta(days=365)
    rows: list[dict[str, Any]] = []

    def add(topic: str, ev: NoticeEvent, user: int, unit: int | None, community: int | None, at: datetime) -> None:
        rows.append(
            {
                "key": f"{topic}:u{user}:inbox",
                "topic": topic,
                "event": ev,
                "channel": NoticeChannel.INBOX,
                "recipient_user_id": user,
                "unit_id": unit,
                "community_id": community,
                "params": "{}",
                "link": "",
                "due_at": at,
                "status": NoticeStatus.SENT,
                "attempts": 0,
                "sent_at": at,
                "read_at": at + timedelta(hours=2) if rng.random() < 0.8 else None,
                "last_error": "",
                "created_at": at,
                "updated_at": at,
            }
        )

    def moment() -> datetime:
        return year_ago + timedelta(seconds=rng.randrange(365 * 86400))

    whistles = s.execute(select(Whistle.id, Whistle.community_id).where(Whistle.raised_at >= year_ago)).all()
    if len(whistles) < 100:  # the county's whistles lie in other years: take a year's share of them all
        every = s.execute(select(Whistle.id, Whistle.community_id)).all()
        whistles = every[: max(1, len(every) // 5)]
    for wid, cid in whistles:
        at = moment()
        for unit in rng.sample(units, 3):
            add(f"whistle:w{wid}:raised:unit{unit}", NoticeEvent.WHISTLE_RAISED, liaison[unit], unit, cid, at)
            for stage in ("warning", "passed"):
                ev = NoticeEvent.WHISTLE_WARNING if stage == "warning" else NoticeEvent.WHISTLE_PASSED
                topic = f"whistle:w{wid}:{stage}:unit{unit}"
                add(topic, ev, liaison[unit], unit, cid, at + timedelta(minutes=50))
                add(topic, ev, worker[cid], unit, cid, at + timedelta(minutes=50))
    items = s.execute(select(ActionItem.id, ActionItem.owner_unit_id)).all()
    for iid, unit in items[: max(1, len(items) // 5)]:
        at = moment()
        for ev in (NoticeEvent.ACTION_UPCOMING, NoticeEvent.ACTION_OVERDUE):
            add(f"action:i{iid}:{ev.value}", ev, liaison[unit], unit, None, at)
    slots = s.execute(select(RotationSlot.id, RotationSlot.chair_unit_id, RotationSlot.community_id)).all()
    for sid, unit, slot_cid in slots[: max(1, len(slots) // 5)]:
        at = moment()
        for ev in (NoticeEvent.CHAIR_UPCOMING, NoticeEvent.CHAIR_START):
            add(f"chair:{ev.value}:slot{sid}", ev, liaison[unit], unit, slot_cid, at)
            for a in admins:
                add(f"chair:{ev.value}:slot{sid}", ev, a, unit, slot_cid, at)
    for i in range(0, len(rows), 5000):
        s.execute(insert(Notice), rows[i : i + 5000])
    s.flush()
    return len(rows)


def _user_id(s: Session, username: str, role: Role, pw: str, **binding: int) -> int:
    uid = s.scalar(
        insert(User)
        .values(username=username, display_name=username, email="", password_hash=pw, role=role, **binding)
        .returning(User.id)
    )
    assert uid is not None
    return int(uid)


# --- the fragment's Streamlit run ----------------------------------------------------------------


def fragment_runs(db: Path) -> dict[str, float]:
    """The fragment body (``bench/inbox_fragment.py``) and an empty script under AppTest, median ms."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    out: dict[str, float] = {}
    for name, script, opened in (
        ("empty script", EMPTY, False),
        ("inbox, closed", FRAGMENT, False),
        ("inbox, open", FRAGMENT, True),
    ):
        at = AppTest.from_file(str(script), default_timeout=60)
        at.session_state["bench_user"] = "liaison1"
        at.session_state["inbox_open"] = opened
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = statistics.median(times)
    return out


# --- report --------------------------------------------------------------------------------------


def render(figures: list[Figure], counts: dict[str, int], runs: dict[str, float]) -> str:
    lines = [
        HEADING,
        "",
        f"Run {datetime.now():%Y-%m-%d %H:%M}. The sidebar's 站内消息 is an `st.fragment(run_every=…)` "
        "(`COBUILD_INBOX_REFRESH`, 30 s): a refresh runs the fragment's body alone, never the page. "
        f"Median and 95th percentile of {RUNS} refreshes of the body's reads (one session), statements counted "
        "by a SQLAlchemy event; 'closed' is the list folded (the unread count alone), 'open' adds the newest "
        "ten. County: bench/county.db with a year of notices added and rolled back "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + ".",
        "",
        "| scale | user | inbox | statements | median ms | p95 ms | SQL ms | unread | notices shown |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for f in figures:
        lines.append(
            f"| {f.scale} | {f.user} | {f.state} | {f.statements} | {f.median_ms:.2f} | {f.p95_ms:.2f} | "
            f"{f.sql_ms:.2f} | {f.unread:,} | {f.visible:,} |"
        )
    lines += [
        "",
        f"The fragment's whole Streamlit run (AppTest, demo data, liaison1, median of {RUNS}):",
    ]
    lines += ["", "| script | ms |", "| --- | ---: |"]
    lines += [f"| {name} | {ms:.1f} |" for name, ms in runs.items()]
    worst = max((f for f in figures if f.state == "closed"), key=lambda f: f.median_ms)
    lines += [
        "",
        f"Per session: one refresh every 30 s is 120 an hour; closed, the costliest here ({worst.scale}, "
        f"{worst.user}) is {worst.statements} statement(s) and {worst.median_ms:.2f} ms of reads — "
        f"{120 * worst.median_ms / 1000:.2f} s of database time an hour, and 100 sessions open at once add "
        f"{100 * worst.median_ms / 30:.1f} ms of work per second.",
    ]
    admin_open = [f for f in figures if f.scale == "county" and f.user == "admin" and f.state == "open"]
    if admin_open:
        f = admin_open[0]
        lines[-1] += (
            f" Open, a county admin's refresh groups every notice the admin may see by event ({f.visible:,}) to "
            f"show the newest ten: {f.median_ms:.0f} ms each 30 s while the list stays open — the one figure "
            "here worth reducing (read the list only when the count changed, or keep a per-topic latest row)."
        )
    lines.append("")
    return "\n".join(lines)


def write_section(text: str, path: Path = RESULTS) -> None:
    body = path.read_text(encoding="utf-8") if path.exists() else ""
    if HEADING in body:
        start = body.index(HEADING)
        nxt = body.find("\n## ", start + len(HEADING))
        body = body[:start] + text + (body[nxt + 1 :] if nxt != -1 else "")
    else:
        body = body.rstrip("\n") + "\n\n" + text
    path.write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox")
    parser.add_argument("--no-county", action="store_true", help="the demo alone (no county database)")
    parser.add_argument("--no-write", action="store_true", help="print, do not write bench/results.md")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = demo_db(Path(tmp))
        engine = make_engine(f"sqlite:///{db}")
        counter = Counter(engine)
        with Session(engine) as s:
            counts["demo notices"] = s.scalar(select(func.count(Notice.id))) or 0
            for user in ("liaison1", "community1", "admin"):
                figures += measure(s, counter, user, scale="demo")
        engine.dispose()
        runs = fragment_runs(db)
        shutil.rmtree(Path(tmp) / "data", ignore_errors=True)
    if not args.no_county:
        from bench.seeding import ensure, sqlite_target

        target = ensure(sqlite_target(), progress=False)
        engine = make_engine(target.url)
        counter = Counter(engine)
        with county_notices(engine) as (s, added):
            counts["county notices"] = added
            counts["users"] = s.scalar(select(func.count(User.id))) or 0
            for user in ("liaison1", "community1", "admin"):
                figures += measure(s, counter, user, scale="county")
        engine.dispose()
    text = render(figures, counts, runs)
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
