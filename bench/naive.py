"""The baseline: each page's main figures computed the naive way — whole tables into pandas with
``pd.read_sql``, then filtered, grouped and merged in Python. It stays in the benchmark so that the
pages' SQL aggregation is compared with what it replaces (quality.md: ≥ 10 × faster cold)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine

SIX = ["org_life", "forum", "survey", "micro_wish", "volunteer", "pair_help"]


class _Ctx:
    def __init__(self, conn: Connection, today: date, unit_id: int | None) -> None:
        self.conn = conn
        self.today = today
        self.unit_id = unit_id
        self._cache: dict[str, pd.DataFrame] = {}
        self.read: set[str] = set()  # the tables loaded whole

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = pd.read_sql(f"SELECT * FROM {name}", self.conn)  # fixed names
            self.read.add(name)
        return self._cache[name]

    def activities(self) -> pd.DataFrame:
        a = self.table("activity")
        a = a[a["deleted_at"].isna()].copy()
        a["held_on"] = pd.to_datetime(a["held_on"])
        if self.unit_id is not None:
            a = a[a["unit_id"] == self.unit_id]
        return a


def _year(ctx: _Ctx) -> pd.DataFrame:
    a = ctx.activities()
    return a[a["held_on"].dt.year == ctx.today.year]


def overview(ctx: _Ctx) -> dict[str, Any]:
    a = _year(ctx)
    need, project = ctx.table("need"), ctx.table("project")
    items, agreements = ctx.table("action_item"), ctx.table("agreement")
    six = a[a["kind"].isin(SIX)].groupby("unit_id")["kind"].nunique()
    units = ctx.table("unit")
    recent = ctx.activities().sort_values("held_on").tail(8).merge(units, left_on="unit_id", right_on="id")
    return {
        "activities": len(a),
        "hours": a["volunteer_hours"].sum(),
        "open_needs": int((need["status"] == "open").sum()),
        "stages": project.groupby("stage").size().to_dict(),
        "six_done": int((six == 6).sum()),
        "overdue": int(
            ((items["status"] == "open") & (pd.to_datetime(items["due_on"]) < pd.Timestamp(ctx.today))).sum()
        ),
        "expiring": int((pd.to_datetime(agreements["valid_to"]) > pd.Timestamp(ctx.today)).sum()),
        "recent": len(recent),
    }


def lists(ctx: _Ctx) -> dict[str, Any]:
    need, community, category = ctx.table("need"), ctx.table("community"), ctx.table("category")
    resource, project, unit = ctx.table("resource"), ctx.table("project"), ctx.table("unit")
    ctx.table("project_unit")
    page = (
        need[need["status"] == "open"]
        .merge(community, left_on="community_id", right_on="id")
        .merge(category, left_on="category_id", right_on="id")
        .sort_values("raised_on")
        .head(20)
    )
    res = resource.merge(unit, left_on="unit_id", right_on="id").head(20)
    return {"needs": len(page), "resources": len(res), "stages": project.groupby("stage").size().to_dict()}


def activities(ctx: _Ctx) -> dict[str, Any]:
    a = ctx.activities()
    a = a[a["held_on"] >= pd.Timestamp(ctx.today) - pd.Timedelta(days=365)]
    units, communities = ctx.table("unit"), ctx.table("community")
    shown = a.merge(units, left_on="unit_id", right_on="id").merge(communities, left_on="community_id", right_on="id")
    monthly = a.groupby([a["held_on"].dt.to_period("M"), "kind"]).size()
    return {
        "rows": len(shown),
        "page": len(shown.sort_values("held_on").tail(20)),
        "monthly": len(monthly),
        "six": a[a["kind"].isin(SIX)].groupby("unit_id")["kind"].nunique().size,
    }


def rotation(ctx: _Ctx) -> dict[str, Any]:
    slots, units = ctx.table("rotation_slot"), ctx.table("unit")
    year = slots[slots["year"] == ctx.today.year].merge(units, left_on="chair_unit_id", right_on="id")
    a = _year(ctx)
    return {"slots": len(year), "chairs": a.groupby("unit_id").size().size}


def meetings(ctx: _Ctx) -> dict[str, Any]:
    meeting, items, att = ctx.table("meeting"), ctx.table("action_item"), ctx.table("meeting_attendance")
    units = ctx.table("unit")
    rate = att.groupby("unit_id")["attended"].mean()
    open_items = items[items["status"] == "open"].merge(units, left_on="owner_unit_id", right_on="id")
    return {"meetings": len(meeting), "rate": len(rate), "open": len(open_items)}


def whistle(ctx: _Ctx) -> dict[str, Any]:
    w, r = ctx.table("whistle"), ctx.table("whistle_response")
    units, communities = ctx.table("unit"), ctx.table("community")
    m = r.merge(w, left_on="whistle_id", right_on="id").merge(units, left_on="unit_id", right_on="id")
    return {
        "open": int((w["stage"] != "rated").sum()),
        "by_unit": m.groupby("unit_id").size().size,
        "communities": len(communities),
    }


def evaluation(ctx: _Ctx) -> dict[str, Any]:
    scores, crit = ctx.table("evaluation_score"), ctx.table("evaluation_criterion")
    tasks = ctx.table("contract_task")
    a = _year(ctx)
    m = scores.merge(crit, left_on="criterion_id", right_on="id")
    m["weighted"] = m["score"] * m["weight"]
    index = m.groupby(["round_id_x", "unit_id"])["weighted"].sum()
    kept = tasks.groupby(["unit_id", "status"]).size()
    return {"index": len(index), "kept": len(kept), "active": a.groupby("unit_id").size().size}


def charts(ctx: _Ctx) -> dict[str, Any]:
    a = ctx.activities()
    units, communities = ctx.table("unit"), ctx.table("community")
    ctx.table("need")
    ctx.table("project")
    m = a.merge(units, left_on="unit_id", right_on="id")
    return {
        "monthly": a.groupby([a["held_on"].dt.to_period("M"), "kind"]).size().size,
        "by_kind": m.groupby("kind_y").size().size,
        "by_community": a.groupby("community_id").size().size,
        "communities": len(communities),
    }


def present(ctx: _Ctx) -> dict[str, Any]:
    out = overview(ctx)
    out.update(charts(ctx))
    return out


def admin(ctx: _Ctx) -> dict[str, Any]:
    audit, users = ctx.table("audit_entry"), ctx.table("app_user")
    return {"audit": len(audit.sort_values("at").tail(50)), "users": len(users)}


def account(ctx: _Ctx) -> dict[str, Any]:
    users = ctx.table("app_user")
    return {"me": len(users)}


NAIVE: dict[str, Callable[[_Ctx], dict[str, Any]]] = {
    "overview": overview,
    "lists": lists,
    "activities": activities,
    "rotation": rotation,
    "meetings": meetings,
    "whistle": whistle,
    "evaluation": evaluation,
    "charts": charts,
    "present": present,
    "admin": admin,
    "account": account,
}


def measure(engine: Engine, page: str, *, today: date, unit_id: int | None) -> tuple[float | None, bool]:
    """Milliseconds for the naive version of ``page`` (None when there is none), and whether it reads
    the million-row activity table (the pages the ratio bar is about)."""
    fn = NAIVE.get(page)
    if fn is None:
        return None, False
    with engine.connect() as conn:
        ctx = _Ctx(conn, today, unit_id)
        t0 = time.perf_counter()
        fn(ctx)
        return (time.perf_counter() - t0) * 1000, "activity" in ctx.read
