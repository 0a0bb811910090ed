"""The county data set of quality.md (``manage.py seed --scale county``): a whole county's alliance
using the board for years — 250 communities, 1,500 units, 20,000 needs, 10,000 resources, 8,000
projects, a million activities over five years, 5,000 meetings with 25,000 action items, a rotation
per community per year, and the pairings, agreements, whistles and evaluation rounds around them.

Built for speed: rows are plain dicts from ``random.Random(SEED)`` and precomputed text pools,
inserted with SQLAlchemy Core executemany in chunks, one transaction per table; ids are assigned
here (after any rows already present), so the rows can refer to each other without a round trip.
Distributions are skewed like real life: a few units and communities are far busier than the rest
(Zipf-like weights), activities peak in the festival months and grow year on year, and every
project stage and need status appears. ``scale`` shrinks every count (tests use 0.001).

This is not a demo database: no demo setting is written (the app then wants COBUILD_COOKIE_KEY).
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, func, select, text

from config import load_settings
from db.models import (
    ActionItem,
    Activity,
    Agreement,
    Category,
    Community,
    ContractTask,
    EvaluationCriterion,
    EvaluationRound,
    EvaluationScore,
    Meeting,
    MeetingAttendance,
    Member,
    Milestone,
    Need,
    Pairing,
    Project,
    ProjectStageChange,
    Resource,
    RotationSlot,
    Unit,
    User,
    Whistle,
    WhistleResponse,
    project_need,
    project_resource,
    project_unit,
)
from domain.calendar import ZONE
from domain.calendar import today as china_today
from domain.enums import (
    PROJECT_STAGE_ORDER,
    SIX_ITEMS,
    ActionStatus,
    ActivityKind,
    MeetingKind,
    NeedSource,
    NeedStatus,
    Priority,
    ProjectStage,
    ResourceStatus,
    Role,
    RotationStatus,
    WhistleKind,
    WhistleStage,
)
from seed import demo_content as C

SEED = 20261124
CHUNK = 20_000

# quality.md's county, at scale 1.0 (per-year figures are for the default five years)
COMMUNITIES = 250
UNITS = 1_500
NEEDS = 20_000
RESOURCES = 10_000
PROJECTS = 8_000
ACTIVITIES_PER_YEAR = 200_000
MEETINGS_PER_YEAR = 1_000
ACTION_ITEMS_PER_MEETING = 5
WHISTLES_PER_COMMUNITY_YEAR = 2
MEMBER_UNIT_SHARE = 0.4  # units that record their in-service Party members
ALLIANCE_INVITED = 60  # units invited to an alliance-wide meeting

STREETS = [
    "文昌街道",
    "城关街道",
    "东城街道",
    "西湖街道",
    "南门街道",
    "北郊街道",
    "龙山街道",
    "青溪镇",
    "桃源镇",
    "石桥镇",
    "凤凰街道",
    "新华街道",
    "河西街道",
    "江滨街道",
    "金山镇",
    "柳湾镇",
    "高新区街道",
    "三里街道",
    "白沙镇",
    "双井街道",
]
_C1 = "安宝长春翠东凤福和红华建锦金康丽龙茂明南平青瑞盛顺泰桃文西祥新兴阳永裕振中"
_C2 = [
    "澜",
    "星",
    "安",
    "华",
    "泉",
    "湖",
    "山",
    "河",
    "桥",
    "苑",
    "林",
    "园",
    "坪",
    "塘",
    "溪",
    "岭",
    "城",
    "江",
    "阁",
    "门",
    "路",
    "里",
]
_PLACES = [
    "青溪",
    "文昌",
    "城关",
    "东城",
    "西湖",
    "南门",
    "北郊",
    "龙山",
    "桃源",
    "石桥",
    "凤凰",
    "新华",
    "河西",
    "江滨",
    "金山",
    "柳湾",
    "高新",
    "三里",
    "白沙",
    "双井",
    "鸿运",
    "恒丰",
    "瑞达",
    "宏图",
    "安泰",
    "永兴",
    "德润",
    "华信",
    "嘉禾",
    "锦程",
    "明远",
    "千禧",
    "荣盛",
    "顺达",
    "天元",
    "万通",
    "祥和",
    "鑫源",
    "众诚",
]
_BUREAUS = [
    "财政",
    "城市管理",
    "人力资源和社会保障",
    "市场监督管理",
    "住房和城乡建设",
    "交通运输",
    "水利",
    "农业农村",
    "民政",
    "司法",
    "教育",
    "卫生健康",
    "文化广电旅游",
    "应急管理",
    "自然资源",
    "生态环境",
    "统计",
    "审计",
    "商务",
    "退役军人事务",
    "医疗保障",
    "林业",
    "科技",
    "信访",
    "机关事务管理",
    "公安",
    "发展和改革",
    "工业和信息化",
]
_BUSINESS = [
    "建材",
    "电子",
    "食品",
    "物流",
    "商贸",
    "科技",
    "纺织",
    "机械",
    "医药",
    "建设",
    "置业",
    "餐饮",
    "汽车服务",
    "农业发展",
    "家居",
    "印务",
    "文化传媒",
    "环保",
    "能源",
    "信息技术",
]
# unit kind → (share of units, name builders)
_UNIT_KINDS: list[tuple[str, float, list[Callable[[str, str, int], str]]]] = [
    (
        "机关",
        0.10,
        [lambda p, b, i: f"县{_BUREAUS[i % len(_BUREAUS)]}局{p}分局" if i >= len(_BUREAUS) else f"县{_BUREAUS[i]}局"],
    ),
    ("事业单位", 0.08, [lambda p, b, i: f"{p}{['图书馆', '文化馆', '疾病预防控制所', '农技站', '气象站'][i % 5]}"]),
    (
        "国有企业",
        0.10,
        [lambda p, b, i: f"{p}{['供电所', '自来水分公司', '燃气公司', '农商银行支行', '邮政支局'][i % 5]}"],
    ),
    ("非公企业", 0.36, [lambda p, b, i: f"{p}{b}有限公司", lambda p, b, i: f"{p}{b}集团有限公司"]),
    ("物业", 0.12, [lambda p, b, i: f"{p}物业服务有限公司", lambda p, b, i: f"{p}{b}物业管理有限公司"]),
    ("学校", 0.10, [lambda p, b, i: f"{p}{['小学', '中学', '幼儿园', '实验学校', '职业中学'][i % 5]}"]),
    ("医院", 0.05, [lambda p, b, i: f"{p}{['卫生院', '社区卫生服务中心', '中医诊所', '人民医院分院'][i % 4]}"]),
    (
        "社会组织",
        0.09,
        [lambda p, b, i: f"{p}{['义工协会', '社会工作服务中心', '志愿者协会', '慈善会', '老年协会'][i % 5]}"],
    ),
]
_NEED_PLACES = [
    "老旧小区",
    "3号楼",
    "农贸市场周边",
    "背街小巷",
    "幸福里小区",
    "学校门口",
    "沿河步道",
    "安置小区",
    "老街片区",
    "新村小区",
    "城中村",
    "商住楼",
]
_NEED_ISSUES = [  # per category (C.CATEGORIES order)
    ["党员活动阵地改造", "流动党员服务站", "党建宣传栏更新", "党员先锋岗设立"],
    ["电动车充电棚", "楼道照明维修", "雨污管网改造", "便民服务点", "停车位规划"],
    ["老年助餐点", "适老化改造", "独居老人定期探访", "助浴助医服务", "无障碍坡道"],
    ["四点半课堂", "暑期托管", "儿童安全教育", "青少年心理辅导", "儿童游乐设施"],
    ["垃圾分类督导", "绿化带补植", "楼道杂物清理", "公厕改造", "河道保洁"],
    ["消防通道清理", "反诈宣传", "邻里纠纷调解", "监控补盲", "法律咨询进社区"],
]
_MICRO_WISHES = [
    "一台助行器",
    "一套新学期文具",
    "一床冬被",
    "一次上门理发",
    "一个电饭煲",
    "一台收音机",
    "一副老花镜",
    "一次家电维修",
    "一套课外读物",
    "一辆儿童自行车",
]
_RESOURCE_TITLES = [  # per category
    ["党员志愿服务队", "党课宣讲团", "会议室与活动阵地"],
    ["便民维修服务", "就业岗位信息", "共建资金"],
    ["义诊巡诊", "助餐配送", "康复器材借用"],
    ["课后辅导志愿者", "运动场地开放", "图书漂流"],
    ["环卫车辆支援", "绿化苗木", "清洁用具"],
    ["法律咨询", "消防安全培训", "安全隐患排查"],
]
_AVAILABLE_WHEN = ["每周六上午", "工作日下午", "每月第一个周五", "节假日", "随时预约", "每季度一次", "寒暑假"]
_MEMBER_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
_MEMBER_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "建国",
    "志强",
    "海燕",
    "晓东",
    "春梅",
    "国平",
    "丽君",
    "文博",
    "子涵",
]
_WHISTLE_TITLES = {
    WhistleKind.TOUGH: ["化粪池外溢", "外墙瓷砖脱落", "供水管爆裂", "路面塌陷", "高空坠物隐患", "积水内涝"],
    WhistleKind.PROGRESS: [
        "占道经营整治",
        "冬季用电安全排查",
        "困难群众取暖摸排",
        "飞线充电整治",
        "违章搭建清理",
        "背街小巷亮化",
    ],
}
_WHISTLE_ACTIONS = [
    "调派人员到场处置，设置警示围挡。",
    "协调施工队抢修，当天恢复。",
    "联合执法，限期整改。",
    "入户排查登记，建立台账。",
    "",
]
_WHISTLE_COMMENTS = ["响应迅速，居民满意。", "处置及时，后续还需巡查。", "效果明显。", ""]
_PROJECT_TOPICS = [
    "暖心食堂",
    "四点半课堂",
    "楼道微改造",
    "红色物业",
    "邻里守望",
    "健康驿站",
    "平安小区",
    "美丽庭院",
    "老有所乐",
    "充电棚建设",
    "口袋公园",
    "便民集市",
    "法律明白人",
    "青春志愿",
    "适老化改造",
    "智慧安防",
]
_PROJECT_TEXT = "围绕居民反映集中的问题，由牵头单位统筹共建资源，分阶段实施，定期向联席会议通报进展。"
_AGREEMENT_TEXT = "双方结对共建协议：单位发挥自身优势认领需求、提供资源；社区收集居民需求、提供活动阵地并做好对接。"
_MILESTONES = [(0.2, "方案确定"), (0.6, "主体实施"), (1.0, "验收总结")]
_PLAN = "由轮值主席单位牵头组织本月主题活动，月底前报送活动小结。"
WHISTLE_ORDER = list(WhistleStage)
_SIX = set(SIX_ITEMS)


class Progress:
    """A plain text progress bar on stderr (no dependency): rows written out of the total."""

    def __init__(self, total: int, *, enabled: bool, width: int = 30) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.enabled = enabled
        self.width = width
        self.start = time.perf_counter()
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def advance(self, n: int, label: str) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last < (0.2 if self.tty else 5.0) and self.done < self.total:
            return
        self.last = now
        frac = min(self.done / self.total, 1.0)
        filled = int(frac * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {frac:4.0%} {label:<20} {self.done:>10,}/{self.total:,} rows {now - self.start:5.1f}s"
        sys.stderr.write(("\r" + line) if self.tty else (line + "\n"))
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write(
                f"\n  seeded {self.done:,} rows in {time.perf_counter() - self.start:.1f}s\n"
                if self.tty
                else f"seeded {self.done:,} rows in {time.perf_counter() - self.start:.1f}s\n"
            )
            sys.stderr.flush()


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _n(base: float, scale: float, minimum: int) -> int:
    return max(minimum, round(base * scale))


def _zipf(rng: random.Random, n: int, s: float) -> list[float]:
    """Weights 1/rank^s handed out in random order: a few items far busier than the rest."""
    weights = [1.0 / (rank**s) for rank in range(1, n + 1)]
    return weights


def _cum(weights: Iterable[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def expected_counts(*, years: int = 5, scale: float = 1.0) -> dict[str, int]:
    """The main tables' sizes ``seed_county`` aims at (the bench checks a database against them)."""
    communities = _n(COMMUNITIES, scale, 3)
    meetings = _n(MEETINGS_PER_YEAR * years, scale, 8)
    return {
        "community": communities,
        "unit": _n(UNITS, scale, 8),
        "need": _n(NEEDS, scale, len(NeedStatus) * 2),
        "resource": _n(RESOURCES, scale, 6),
        "project": _n(PROJECTS, scale, len(ProjectStage)),
        "activity": _n(ACTIVITIES_PER_YEAR * years, scale, 50),
        "meeting": meetings,
        "rotation_slot": communities * 12 * years + 12 * years,
    }


def seed_county(
    engine: Engine,
    *,
    years: int = 5,
    scale: float = 1.0,
    progress: bool = True,
    today: date | None = None,
    seed: int = SEED,
) -> dict[str, int]:
    """Fill a migrated database with the county data set; returns rows written per table."""
    builder = _County(engine, years=years, scale=scale, today=today or china_today(load_settings().today), seed=seed)
    return builder.run(progress=progress)


class _County:
    def __init__(self, engine: Engine, *, years: int, scale: float, today: date, seed: int) -> None:
        if years < 1:
            raise ValueError("years must be at least 1")
        self.engine = engine
        self.years = years
        self.scale = scale
        self.today = today
        self.start = _years_before(today, years) + timedelta(days=1)
        self.rng = random.Random(seed)
        self.counts: dict[str, int] = {}
        self.sqlite = engine.dialect.name == "sqlite"
        self.bar = Progress(0, enabled=False)
        self.next_id: dict[str, int] = {}

    # --- plumbing ---------------------------------------------------------------------------

    def ids(self, table: Table, n: int) -> range:
        first = self.next_id[table.name]
        self.next_id[table.name] = first + n
        return range(first, first + n)

    def insert(self, table: Table, rows: Iterable[dict[str, Any]]) -> None:
        """Executemany in chunks of CHUNK rows, one transaction for the table."""
        stmt = table.insert()
        if "created_at" in table.c:
            stmt = stmt.values(created_at=func.now(), updated_at=func.now())
        written = 0
        with self.engine.begin() as conn:
            chunk: list[dict[str, Any]] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= CHUNK:
                    conn.execute(stmt, chunk)
                    written += len(chunk)
                    self.bar.advance(len(chunk), table.name)
                    chunk = []
            if chunk:
                conn.execute(stmt, chunk)
                written += len(chunk)
                self.bar.advance(len(chunk), table.name)
        self.counts[table.name] = self.counts.get(table.name, 0) + written

    def run(self, *, progress: bool) -> dict[str, int]:
        tables = [
            Community,
            Unit,
            Pairing,
            Member,
            Category,
            User,
            Need,
            Resource,
            Project,
            ProjectStageChange,
            Milestone,
            Agreement,
            Activity,
            RotationSlot,
            Meeting,
            MeetingAttendance,
            ActionItem,
            Whistle,
            WhistleResponse,
            EvaluationRound,
            EvaluationCriterion,
            EvaluationScore,
            ContractTask,
        ]
        with self.engine.connect() as conn:
            for model in tables:
                t = _t(model)
                self.next_id[t.name] = (conn.scalar(select(func.max(t.c.id))) or 0) + 1
        n = expected_counts(years=self.years, scale=self.scale)
        self.n = n
        total = (
            n["activity"]
            + n["need"]
            + n["resource"]
            + n["project"] * 9
            + n["meeting"] * 27
            + n["rotation_slot"]
            + n["unit"] * 8
            + n["community"] * WHISTLES_PER_COMMUNITY_YEAR * self.years * 4
            + n["unit"] * 21 * self.years  # scores, tasks, pairings and the rest, per unit-year (measured)
        )
        self.bar = Progress(total, enabled=progress)
        self.organisation()
        self.users()
        self.lists()
        self.agreements()
        self.activities()
        self.rotation()
        self.meetings()
        self.whistles()
        self.evaluations()
        self.contract_tasks()
        self.finish()
        self.bar.finish()
        return dict(self.counts)

    def finish(self) -> None:
        with self.engine.begin() as conn:
            if self.sqlite:
                conn.exec_driver_sql("ANALYZE")
            else:
                for name, nxt in self.next_id.items():
                    if nxt > 1:
                        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), :v)"), {"v": nxt - 1})
                for name in ("project_unit", "project_need", "project_resource", *self.next_id):
                    conn.exec_driver_sql(f"ANALYZE {name}")
        if self.sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:  # the visibility map, so that the covering indexes serve index-only scans at once
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"VACUUM {_t(Activity).name}")

    # --- organisation -----------------------------------------------------------------------

    def organisation(self) -> None:
        rng = self.rng
        n_comm, n_unit = self.n["community"], self.n["unit"]
        names = [a + b for a in _C1 for b in _C2]
        rng.shuffle(names)
        self.community_ids = list(self.ids(_t(Community), n_comm))
        street_count = max(1, min(len(STREETS), round(n_comm / 12)))
        self.community_street = [i * street_count // n_comm for i in range(n_comm)]
        comm_rows = []
        for i, cid in enumerate(self.community_ids):
            name = names[i] if i < len(names) else f"{names[i % len(names)]}{i // len(names) + 1}"
            comm_rows.append(
                {
                    "id": cid,
                    "name": f"{name}社区",
                    "street": STREETS[self.community_street[i]],
                    "contact": self._person(),
                    "phone": f"0799-52{rng.randint(10000, 99999)}",
                    "deleted_at": None,
                }
            )
        self.community_names = [r["name"] for r in comm_rows]
        self.insert(_t(Community), comm_rows)

        # units: kinds by share, names unique
        self.unit_ids = list(self.ids(_t(Unit), n_unit))
        kinds = [k for k, _, _ in _UNIT_KINDS]
        kind_cum = _cum(s for _, s, _ in _UNIT_KINDS)
        builders = {k: b for k, _, b in _UNIT_KINDS}
        seen: set[str] = set()
        counter = dict.fromkeys(kinds, 0)
        unit_rows: list[dict[str, Any]] = []
        self.unit_kind: list[str] = []
        self.unit_names: list[str] = []
        for uid in self.unit_ids:
            kind = rng.choices(kinds, cum_weights=kind_cum)[0]
            while True:
                i = counter[kind]
                counter[kind] += 1
                place = _PLACES[(i * 7 + len(seen)) % len(_PLACES)] if kind != "机关" else ""
                name = rng.choice(builders[kind])(place or rng.choice(_PLACES), rng.choice(_BUSINESS), i)
                if name not in seen:
                    break
                name = f"{name}（{STREETS[i % len(STREETS)]}）"
                if name not in seen:
                    break
            seen.add(name)
            self.unit_kind.append(kind)
            self.unit_names.append(name)
            unit_rows.append(
                {
                    "id": uid,
                    "name": name,
                    "kind": kind,
                    "contact": self._person(),
                    "phone": f"139{rng.randint(10000000, 99999999)}",
                    "party_members": rng.randint(3, 160),
                    "active": True,
                    "joined_on": self.start - timedelta(days=rng.randint(0, 900)),
                    "deleted_at": None,
                }
            )
        # busyness: Zipf-like, order shuffled; ~5 % of the quietest units leave during the period
        weights = _zipf(rng, n_unit, 0.6)
        order = list(range(n_unit))
        rng.shuffle(order)
        self.unit_weight = [0.0] * n_unit
        for rank, ui in enumerate(order):
            self.unit_weight[ui] = weights[rank]
        quiet = order[int(n_unit * 0.7) :]
        self.unit_left: dict[int, date] = {}
        for ui in rng.sample(quiet, max(1, n_unit // 20)) if n_unit >= 20 else []:
            self.unit_left[ui] = self.start + timedelta(days=rng.randint(200, (self.today - self.start).days - 30))
            unit_rows[ui]["active"] = False
        for ui in range(n_unit):  # late joiners: a few units joined during the period
            if ui not in self.unit_left and rng.random() < 0.08:
                unit_rows[ui]["joined_on"] = self.start + timedelta(
                    days=rng.randint(30, (self.today - self.start).days // 2)
                )
        self.unit_joined: list[date] = [r["joined_on"] for r in unit_rows]
        self.unit_rank = {ui: rank for rank, ui in enumerate(order)}  # 0 = busiest
        self.insert(_t(Unit), unit_rows)

        # pairings: every unit with 1–3 communities of one street (home first); every community paired
        comm_weights = _zipf(rng, n_comm, 0.5)
        comm_order = list(range(n_comm))
        rng.shuffle(comm_order)
        self.comm_weight = [0.0] * n_comm
        for rank, ci in enumerate(comm_order):
            self.comm_weight[ci] = comm_weights[rank]
        self.comm_rank = {ci: rank for rank, ci in enumerate(comm_order)}
        by_street: dict[int, list[int]] = {}
        for ci, st in enumerate(self.community_street):
            by_street.setdefault(st, []).append(ci)
        comm_cum = _cum(self.comm_weight)
        self.paired: list[list[int]] = []
        for ui in range(n_unit):
            home = ui % n_comm if ui < n_comm else bisect.bisect_left(comm_cum, rng.random() * comm_cum[-1])
            home = min(home, n_comm - 1)
            near = [c for c in by_street[self.community_street[home]] if c != home]
            extra = rng.sample(near, min(len(near), rng.choice((0, 0, 1, 1, 2))))
            self.paired.append([home, *extra])
        self.community_units: list[list[int]] = [[] for _ in range(n_comm)]
        pair_rows = []
        pair_ids = iter(self.ids(_t(Pairing), sum(len(p) for p in self.paired)))
        self.pairings: list[tuple[int, int, date]] = []
        for ui, comms in enumerate(self.paired):
            for k, ci in enumerate(comms):
                since = self.unit_joined[ui] + timedelta(days=0 if k == 0 else rng.randint(60, 500))
                self.community_units[ci].append(ui)
                self.pairings.append((ui, ci, since))
                pair_rows.append(
                    {
                        "id": next(pair_ids),
                        "unit_id": self.unit_ids[ui],
                        "community_id": self.community_ids[ci],
                        "paired_since": since,
                    }
                )
        self.insert(_t(Pairing), pair_rows)

        # members: 40 % of units record theirs
        member_rows = []
        self.unit_members: dict[int, list[int]] = {}
        member_ids = self.ids(_t(Member), 0)
        mid = member_ids.start
        for ui in range(n_unit):
            if rng.random() >= MEMBER_UNIT_SHARE:
                continue
            mine = []
            for _ in range(rng.randint(2, 10)):
                mine.append(mid)
                member_rows.append(
                    {
                        "id": mid,
                        "name": self._person(),
                        "unit_id": self.unit_ids[ui],
                        "community_id": self.community_ids[rng.choice(self.paired[ui])],
                        "reported_on": self.start + timedelta(days=rng.randint(0, 400)),
                        "phone": f"138{rng.randint(10000000, 99999999)}",
                        "deleted_at": None,
                    }
                )
                mid += 1
            self.unit_members[ui] = mine
        self.next_id[_t(Member).name] = mid
        self.insert(_t(Member), member_rows)

        self.category_ids = list(self.ids(_t(Category), len(C.CATEGORIES)))
        self.insert(
            _t(Category),
            [
                {"id": cid, "name": name, "sort_order": i, "description": text_, "deleted_at": None}
                for i, (cid, (name, text_)) in enumerate(zip(self.category_ids, C.CATEGORIES, strict=True), start=1)
            ],
        )

    def _person(self) -> str:
        return self.rng.choice(_MEMBER_SURNAMES) + self.rng.choice(_MEMBER_GIVEN)

    def users(self) -> None:
        """The demo accounts with their demo passwords: community1 keeps the busiest community,
        liaison1 the busiest unit (the worst case for the pages), liaison2 a middling one."""
        from services.users import hash_password

        busiest_unit = min(self.unit_rank, key=lambda ui: self.unit_rank[ui])
        middling_unit = next(ui for ui, r in self.unit_rank.items() if r == len(self.unit_rank) // 2)
        busiest_comm = min(self.comm_rank, key=lambda ci: self.comm_rank[ci])
        second_comm = next(ci for ci, r in self.comm_rank.items() if r == 1)
        hashes: dict[str, str] = {}
        rows = []
        ids = iter(self.ids(_t(User), len(C.USERS)))
        self.liaison_user: dict[int, int] = {}
        self.community_user: dict[int, int] = {}
        binding = {
            "community1": ("community", busiest_comm),
            "community2": ("community", second_comm),
            "liaison1": ("unit", busiest_unit),
            "liaison2": ("unit", middling_unit),
        }
        for username, _display, role, _community, _unit, password in C.USERS:
            if password not in hashes:  # bcrypt is slow on purpose: once per password
                hashes[password] = hash_password(password)
            uid = next(ids)
            row = {
                "id": uid,
                "username": username,
                "email": f"{username}@cobuild.invalid",
                "password_hash": hashes[password],
                "role": Role(role),
                "community_id": None,
                "unit_id": None,
                "active": True,
                "failed_logins": 0,
                "language": "zh_CN",
            }
            what, index = binding.get(username, ("", -1))
            if what == "community":
                row["community_id"] = self.community_ids[index]
                row["display_name"] = f"{self.community_names[index]} {self._person()}"
                self.community_user[index] = uid
            elif what == "unit":
                row["unit_id"] = self.unit_ids[index]
                row["display_name"] = f"联络员 {self._person()}"
                self.liaison_user[index] = uid
            else:
                row["display_name"] = _display
            if role == Role.ADMIN:
                self.admin_id = uid
            rows.append(row)
        self.insert(_t(User), rows)

    # --- three lists and projects ---------------------------------------------------------------

    def _day_between(self, lo: date, hi: date) -> date:
        span = (hi - lo).days
        return lo + timedelta(days=self.rng.randint(0, max(span, 0)))

    def lists(self) -> None:
        rng = self.rng
        n_comm = len(self.community_ids)
        comm_cum = _cum(self.comm_weight)
        unit_cum = _cum(self.unit_weight)
        period = (self.today - self.start).days
        # needs (dicts kept until the projects have claimed theirs)
        need_ids = list(self.ids(_t(Need), self.n["need"]))
        needs: list[dict[str, Any]] = []
        self.comm_needs: list[list[int]] = [[] for _ in range(n_comm)]
        statuses = list(NeedStatus)
        old_cum = _cum([0.15, 0.05, 0.05, 0.55, 0.20])  # open claimed project solved closed
        new_cum = _cum([0.50, 0.20, 0.05, 0.17, 0.08])
        priorities, pr_cum = [Priority.MEDIUM, Priority.HIGH, Priority.LOW], _cum([0.6, 0.2, 0.2])
        sources = list(NeedSource)
        for k, nid in enumerate(need_ids):
            ci = bisect.bisect_left(comm_cum, rng.random() * comm_cum[-1]) if k >= n_comm else k
            ci = min(ci, n_comm - 1)
            raised = self.start + timedelta(days=int(period * (rng.random() ** 0.8)))  # more lately
            micro = rng.random() < 0.3
            cat = rng.randrange(len(self.category_ids))
            if k < len(statuses):
                status = statuses[k]  # every status present, even at a tiny scale
            else:
                status = statuses[
                    bisect.bisect_left(old_cum if (self.today - raised).days > 365 else new_cum, rng.random())
                ]
            title = (
                f"{rng.choice(_NEED_PLACES)}困难家庭的心愿：{rng.choice(_MICRO_WISHES)}"
                if micro
                else f"{rng.choice(_NEED_PLACES)}{rng.choice(_NEED_ISSUES[cat])}"
            )
            claimed = None
            if status in (NeedStatus.CLAIMED, NeedStatus.PROJECT, NeedStatus.SOLVED) and self.community_units[ci]:
                claimed = self.unit_ids[rng.choice(self.community_units[ci])]
            needs.append(
                {
                    "id": nid,
                    "community_id": self.community_ids[ci],
                    "category_id": self.category_ids[cat],
                    "title": title,
                    "description": "",
                    "priority": priorities[bisect.bisect_left(pr_cum, rng.random())],
                    "source": rng.choice(sources),
                    "raised_on": raised,
                    "status": status,
                    "is_micro_wish": micro,
                    "claimed_by_unit_id": claimed,
                    "claim_deadline": raised + timedelta(days=30) if micro and status == NeedStatus.OPEN else None,
                    "deleted_at": None,
                }
            )
            self.comm_needs[ci].append(k)
        self.needs = needs

        # resources
        resource_ids = list(self.ids(_t(Resource), self.n["resource"]))
        res_statuses, rs_cum = (
            [ResourceStatus.AVAILABLE, ResourceStatus.MATCHED, ResourceStatus.PAUSED],
            _cum([0.7, 0.2, 0.1]),
        )
        resources = []
        self.unit_resources: dict[int, list[int]] = {}
        for k, rid in enumerate(resource_ids):
            ui = min(bisect.bisect_left(unit_cum, rng.random() * unit_cum[-1]), len(self.unit_ids) - 1)
            cat = rng.randrange(len(self.category_ids))
            resources.append(
                {
                    "id": rid,
                    "unit_id": self.unit_ids[ui],
                    "category_id": self.category_ids[cat],
                    "title": rng.choice(_RESOURCE_TITLES[cat]),
                    "description": "",
                    "capacity": rng.choice((None, 5, 10, 20, 50, 100)),
                    "available_when": rng.choice(_AVAILABLE_WHEN),
                    "status": res_statuses[bisect.bisect_left(rs_cum, rng.random())] if k >= 3 else res_statuses[k],
                    "deleted_at": None,
                }
            )
            self.unit_resources.setdefault(ui, []).append(rid)

        # projects, their participants, needs, resources, stage history and milestones
        project_ids = list(self.ids(_t(Project), self.n["project"]))
        stages = list(PROJECT_STAGE_ORDER)
        old = _cum([0, 0, 0, 0.05, 0.10, 0.25, 0.60])
        mid = _cum([0, 0.05, 0.05, 0.10, 0.40, 0.25, 0.15])
        new = _cum([0.20, 0.20, 0.20, 0.15, 0.25, 0, 0])
        projects, members_rows, pneed_rows, pres_rows, history, milestones = [], [], [], [], [], []
        hist_ids = self.ids(_t(ProjectStageChange), 0).start
        mile_ids = self.ids(_t(Milestone), 0).start
        self.unit_projects: dict[int, list[tuple[int, date, date, int]]] = {}
        self.project_spans: list[tuple[int, int, date | None, date | None, int, ProjectStage]] = []
        used_needs: set[int] = set()
        for k, pid in enumerate(project_ids):
            ci = min(bisect.bisect_left(comm_cum, rng.random() * comm_cum[-1]), n_comm - 1)
            opened = self.start + timedelta(days=int(period * (rng.random() ** 0.9)))
            age = (self.today - opened).days
            if k < len(stages):
                stage = stages[k]
                opened = (
                    min(opened, self.today - timedelta(days=400))
                    if stage in (ProjectStage.DONE, ProjectStage.EVALUATED)
                    else opened
                )
                age = (self.today - opened).days
            else:
                table = old if age > 540 else mid if age > 180 else new
                stage = stages[min(bisect.bisect_left(table, rng.random() * table[-1]), len(stages) - 1)]
            rank = stages.index(stage)
            candidates = self.community_units[ci] or [rng.randrange(len(self.unit_ids))]
            lead = rng.choice(candidates)
            others = (
                rng.sample(candidates, min(len(candidates), rng.choice((0, 0, 1, 2)))) if len(candidates) > 1 else []
            )
            team = [lead, *[o for o in others if o != lead]]
            started = ended = None
            progress_ = 0
            satisfaction = None
            if rank >= stages.index(ProjectStage.IN_PROGRESS):
                started = opened + timedelta(days=rng.randint(20, 90))
                started = min(started, self.today - timedelta(days=5))
                if rank >= stages.index(ProjectStage.DONE):
                    ended = min(started + timedelta(days=rng.randint(60, 300)), self.today - timedelta(days=2))
                    progress_ = 100
                else:
                    progress_ = rng.randint(10, 90)
            if stage == ProjectStage.EVALUATED:
                satisfaction = rng.randint(70, 100)
            topic = rng.choice(_PROJECT_TOPICS)
            title = f"{self.community_names[ci]}“{topic}”项目"
            projects.append(
                {
                    "id": pid,
                    "title": title,
                    "description": _PROJECT_TEXT,
                    "community_id": self.community_ids[ci],
                    "lead_unit_id": self.unit_ids[lead],
                    "stage": stage,
                    "progress": progress_,
                    "claim_deadline": opened + timedelta(days=45) if rank <= 1 else None,
                    "started_on": started,
                    "ended_on": ended,
                    "beneficiaries": rng.randint(20, 2000) if started else 0,
                    "budget_fen": rng.randint(0, 200) * 100_000,
                    "satisfaction": satisfaction,
                    "version": 1,
                    "deleted_at": None,
                }
            )
            for ui in team:
                members_rows.append({"project_id": pid, "unit_id": self.unit_ids[ui]})
                if started:
                    self.unit_projects.setdefault(ui, []).append((pid, started, ended or self.today, ci))
            self.project_spans.append((pid, lead, started, ended, ci, stage))
            # needs: one or two of the community's, their status following the project
            pool = self.comm_needs[ci]
            for _ in range(rng.choice((0, 1, 1, 1, 2))):
                if not pool:
                    break
                nk = pool[rng.randrange(len(pool))]
                if nk in used_needs or nk < len(NeedStatus):
                    continue
                used_needs.add(nk)
                need = needs[nk]
                if rank >= stages.index(ProjectStage.DONE):
                    need["status"] = NeedStatus.SOLVED
                elif rank >= stages.index(ProjectStage.DECIDED):
                    need["status"] = NeedStatus.PROJECT
                if rank >= stages.index(ProjectStage.DECIDED):
                    need["claimed_by_unit_id"] = self.unit_ids[lead]
                    need["claim_deadline"] = None
                need["raised_on"] = min(need["raised_on"], opened)
                pneed_rows.append({"project_id": pid, "need_id": need["id"]})
            for ui in team[:2]:
                mine = self.unit_resources.get(ui)
                if mine and rng.random() < 0.5:
                    pres_rows.append({"project_id": pid, "resource_id": rng.choice(mine)})
            # history along the path
            path = stages[: rank + 1]
            until = started - timedelta(days=5) if started else self.today - timedelta(days=1)
            previous = None
            for i, step in enumerate(path):
                if step == ProjectStage.IN_PROGRESS and started:
                    day = started
                elif step == ProjectStage.DONE and ended:
                    day = ended
                elif step == ProjectStage.EVALUATED and ended:
                    day = min(ended + timedelta(days=15), self.today)
                else:
                    day = opened + (until - opened) * i // max(len(path), 1)
                history.append(
                    {
                        "id": hist_ids,
                        "project_id": pid,
                        "user_id": self.admin_id,
                        "at": local_time(day, 10),
                        "from_stage": previous,
                        "to_stage": step,
                        "note": C.STAGE_NOTES[step],
                    }
                )
                hist_ids += 1
                previous = step
            if started:
                span = (
                    ((ended or self.today) - started).days
                    if ended
                    else max(60, (self.today - started).days * 100 // max(progress_, 10))
                )
                for frac, mtitle in _MILESTONES:
                    due = started + timedelta(days=int(span * frac))
                    milestones.append(
                        {
                            "id": mile_ids,
                            "project_id": pid,
                            "due_on": due,
                            "title": mtitle,
                            "description": "",
                            "done": ended is not None or due < self.today,
                        }
                    )
                    mile_ids += 1
        self.next_id[_t(ProjectStageChange).name] = hist_ids
        self.next_id[_t(Milestone).name] = mile_ids
        self.insert(_t(Need), needs)
        self.insert(_t(Resource), resources)
        self.insert(_t(Project), projects)
        self.insert(project_unit, members_rows)
        self.insert(project_need, pneed_rows)
        self.insert(project_resource, pres_rows)
        self.insert(_t(ProjectStageChange), history)
        self.insert(_t(Milestone), milestones)

    def agreements(self) -> None:
        rng = self.rng
        rows = []
        aid = self.ids(_t(Agreement), 0).start
        for ui, ci, since in self.pairings:
            if rng.random() < 0.12:
                continue  # no agreement yet
            valid_to = self.today + timedelta(days=rng.randint(-300, 1000))
            valid_from = max(_years_before(valid_to, 3) + timedelta(days=1), since)
            rows.append(
                {
                    "id": aid,
                    "community_id": self.community_ids[ci],
                    "unit_id": self.unit_ids[ui],
                    "signed_on": valid_from - timedelta(days=rng.randint(2, 12)),
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "summary": _AGREEMENT_TEXT,
                    "attachment_id": None,
                    "deleted_at": None,
                }
            )
            aid += 1
        self.next_id[_t(Agreement).name] = aid
        self.insert(_t(Agreement), rows)

    # --- activities -----------------------------------------------------------------------------

    def _months(self) -> list[tuple[int, int, date, date, float]]:
        """(year, month, first day, last day, weight) over the period: seasonal, growing yearly."""
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.today.year, self.today.month):
            first = max(date(y, m, 1), self.start)
            last = min(date(y, m, calendar.monthrange(y, m)[1]), self.today)
            share = ((last - first).days + 1) / calendar.monthrange(y, m)[1]
            growth = 1.0 + 0.08 * (y - self.start.year)
            out.append((y, m, first, last, C.SEASON[m] * share * growth))
            m += 1
            if m == 13:
                y, m = y + 1, 1
        return out

    def activities(self) -> None:
        """The million rows: on SQLite the driver's executemany with plain tuples (dates already
        ISO text), and the table's indexes built once afterwards rather than row by row."""
        table = _t(Activity)
        if not self.sqlite:
            self.insert(table, (dict(zip(ACTIVITY_COLUMNS, row, strict=True)) for row in self._activity_rows()))
            return
        marks = ", ".join("?" * len(ACTIVITY_COLUMNS))
        sql = (
            f"INSERT INTO {table.name} ({', '.join(ACTIVITY_COLUMNS)}, deleted_at, created_at, updated_at) "
            f"VALUES ({marks}, NULL, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        written = 0
        with self.engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-131072")
            for index in table.indexes:
                index.drop(conn)
            try:
                for chunk in _batched(self._activity_rows(iso_dates=True), CHUNK):
                    conn.exec_driver_sql(sql, list(chunk))
                    written += len(chunk)
                    self.bar.advance(len(chunk), table.name)
            finally:
                for index in table.indexes:
                    index.create(conn)
                conn.exec_driver_sql("PRAGMA cache_size=-2000")
        self.counts[table.name] = self.counts.get(table.name, 0) + written

    def _activity_rows(self, *, iso_dates: bool = False) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        rand = rng.random
        total = self.n["activity"]
        months = self._months()
        weight_sum = sum(w for *_, w in months)
        kinds = list(C.KIND_WEIGHTS)
        kind_cum = _cum(C.KIND_WEIGHTS.values())
        numbers = {k: C.KIND_NUMBERS[k] for k in kinds}
        # text pools: per kind the (title, description) pairs; {c} filled lazily per community
        pool: dict[ActivityKind, list[tuple[str, str]]] = {k: list(C.KIND_TEXTS[k]) for k in kinds}
        seasonal = C.SEASONAL
        filled: dict[tuple[str, int], str] = {}

        def fill(template: str, ci: int, year: int) -> str:
            if "{" not in template:
                return template
            key = (template, ci * 10_000 + year)
            value = filled.get(key)
            if value is None:
                value = filled[key] = template.format(c=self.community_names[ci], n=year - 1921, p="")
            return value

        n_unit = len(self.unit_ids)
        unit_ids, comm_ids = self.unit_ids, self.community_ids
        paired = self.paired
        members = self.unit_members
        projects = self.unit_projects
        liaison = self.liaison_user
        aid = self.ids(_t(Activity), total).start
        made = 0
        for idx, (year, month, first, last, _weight) in enumerate(months):
            count = round(total * sum(w for *_, w in months[: idx + 1]) / weight_sum) - made
            if idx == len(months) - 1:
                count = total - made
            made += count
            if count <= 0:
                continue
            # units that may act this month: joined, not yet left
            weights = [
                0.0
                if self.unit_joined[ui] > last or (ui in self.unit_left and self.unit_left[ui] < first)
                else self.unit_weight[ui]
                for ui in range(n_unit)
            ]
            cum = _cum(weights)
            units = rng.choices(range(n_unit), cum_weights=cum, k=count)
            span = (last - first).days
            days = [(first + timedelta(days=d)).isoformat() for d in range(span + 1)]
            offsets = sorted(int(rand() * (span + 1)) for _ in range(count))
            month_kinds = rng.choices(kinds, cum_weights=kind_cum, k=count)
            season = seasonal.get(month, [])
            for ui, off, kind in zip(units, offsets, month_kinds, strict=True):
                day = first + timedelta(days=off)
                comms = paired[ui]
                ci = comms[0] if len(comms) == 1 or rand() < 0.7 else comms[int(rand() * len(comms))]
                if season and rand() < 0.3:
                    kind, title, desc = season[int(rand() * len(season))]
                else:
                    texts = pool[kind]
                    title, desc = texts[int(rand() * len(texts))]
                (low, high), hours, (b_low, b_high) = numbers[kind]
                people = low + int(rand() * (high - low + 1))
                project_id = None
                mine = projects.get(ui)
                if mine and rand() < 0.15:
                    pid, p_start, p_end, p_ci = mine[int(rand() * len(mine))]
                    if p_start <= day <= p_end:
                        project_id, ci = pid, p_ci
                member_id = None
                if kind in _SIX:
                    staff = members.get(ui)
                    if staff and rand() < 0.6:
                        member_id = staff[int(rand() * len(staff))]
                yield (
                    aid,
                    unit_ids[ui],
                    comm_ids[ci],
                    days[off] if iso_dates else day,
                    kind.value,
                    fill(title, ci, year),
                    fill(desc, ci, year) if rand() < 0.4 else "",
                    people,
                    round(people * hours * (0.8 + 0.4 * rand()) * 2) / 2,
                    b_low + int(rand() * (b_high - b_low + 1)),
                    project_id,
                    member_id,
                    liaison.get(ui),
                )
                aid += 1

    # --- rotation and meetings ------------------------------------------------------------------

    def rotation(self) -> None:
        rng = self.rng
        rows = []
        sid = self.ids(_t(RotationSlot), 0).start
        first_year = self.today.year - self.years + 1
        active = [ui for ui in range(len(self.unit_ids)) if ui not in self.unit_left]
        self.chair: dict[tuple[int, int, int | None], int] = {}
        for year in range(first_year, self.today.year + 1):
            for month in range(1, 13):
                held = (year, month) < (self.today.year, self.today.month)
                status = RotationStatus.HELD if held else RotationStatus.PLANNED
                theme = C.ROTATION_THEMES[month - 1][0]
                for ci in [None, *range(len(self.community_ids))]:
                    team = active if ci is None else (self.community_units[ci] or active)
                    chair = team[(year * 12 + month + (0 if ci is None else ci)) % len(team)]
                    self.chair[(year, month, ci)] = chair
                    reminder = date(year, month, 1) - timedelta(days=6)
                    rows.append(
                        {
                            "id": sid,
                            "year": year,
                            "month": month,
                            "community_id": None if ci is None else self.community_ids[ci],
                            "chair_unit_id": self.unit_ids[chair],
                            "theme": theme,
                            "plan": _PLAN,
                            "status": status,
                            "proposed_on": date(year - 1, 12, 20),
                            "reminded_on": reminder if reminder <= self.today else None,
                        }
                    )
                    sid += 1
        rng.random()
        self.next_id[_t(RotationSlot).name] = sid
        self.insert(_t(RotationSlot), rows)

    def meetings(self) -> None:
        rng = self.rng
        n_meet = self.n["meeting"]
        period = (self.today - self.start).days
        comm_cum = _cum(self.comm_weight)
        meeting_ids = list(self.ids(_t(Meeting), n_meet))
        active = [ui for ui in range(len(self.unit_ids)) if ui not in self.unit_left]
        # the plan: quarterly alliance meetings, two matching meetings a year, the rest community routine
        plans: list[tuple[MeetingKind, date, int | None]] = []
        y, q = self.start.year, 1
        while True:
            day = date(y, *C_QUARTER_DAY[q])
            if day > self.today:
                break
            if day >= self.start:
                plans.append((MeetingKind.QUARTERLY, day, None))
            y, q = (y, q + 1) if q < 4 else (y + 1, 1)
        for year in range(self.start.year, self.today.year + 1):
            for md in ((4, 22), (10, 16)):
                day = date(year, *md)
                if self.start <= day <= self.today:
                    plans.append((MeetingKind.MATCHING, day, None))
        plans = plans[: max(0, n_meet - 1)]
        while len(plans) < n_meet - 1:
            home = min(bisect.bisect_left(comm_cum, rng.random() * comm_cum[-1]), len(self.community_ids) - 1)
            plans.append((MeetingKind.REGULAR, self.start + timedelta(days=rng.randint(0, period)), home))
        plans.sort(key=lambda p: p[1])
        plans.append((MeetingKind.QUARTERLY, self.today + timedelta(days=16), None))  # the next one, planned
        meetings, attendance, items = [], [], []
        att_id = self.ids(_t(MeetingAttendance), 0).start
        item_id = self.ids(_t(ActionItem), 0).start
        agendas = {
            k: "\n".join(f"{i}. {t}" for i, t in enumerate(v, start=1)).replace("{topic}", "研究下一阶段共建重点")
            for k, v in C.AGENDAS.items()
        }
        self.items: list[tuple[int, int, date, date, ActionStatus, date | None]] = []
        for mid, (kind, day, meeting_ci) in zip(meeting_ids, plans, strict=True):
            ci = meeting_ci
            while day.weekday() >= 5:
                day += timedelta(days=1)
            q = (day.month - 1) // 3 + 1
            chair = self.chair.get((day.year, day.month, ci), active[0])
            if kind == MeetingKind.QUARTERLY:
                title, place = f"{day.year}年第{q}季度党建联盟联席会议", "县委党校报告厅"
            elif kind == MeetingKind.MATCHING:
                title, place = f"{day.year}年{day.month}月资源对接会", "县新时代文明实践中心"
            else:
                assert ci is not None
                title = f"{self.community_names[ci]}共建例会（{day.year}年{day.month}月）"
                place = f"{self.community_names[ci]}党群服务中心"
            held = day <= self.today
            meetings.append(
                {
                    "id": mid,
                    "kind": kind,
                    "title": title,
                    "held_on": day,
                    "place": place,
                    "community_id": None if ci is None else self.community_ids[ci],
                    "convenor_unit_id": self.unit_ids[chair],
                    "agenda": agendas[kind],
                    "minutes": f"{day.year}年{day.month}月{day.day}日，{title}在{place}召开，由{self.unit_names[chair]}主持。"
                    if held
                    else "",
                    "decisions": "",
                    "deleted_at": None,
                }
            )
            pool = self.community_units[ci] if ci is not None else []
            invited = pool if pool else rng.sample(active, min(len(active), ALLIANCE_INVITED))
            invited = [u for u in invited if u not in self.unit_left or self.unit_left[u] > day]
            came = []
            for u in invited:
                ok = held and (u == chair or rng.random() < 0.6 + 0.3 * (self.unit_rank[u] < len(self.unit_ids) // 3))
                attendance.append({"id": att_id, "meeting_id": mid, "unit_id": self.unit_ids[u], "attended": ok})
                att_id += 1
                if ok:
                    came.append(u)
            if not held or not came:
                continue
            for _ in range(rng.randint(ACTION_ITEMS_PER_MEETING - 3, ACTION_ITEMS_PER_MEETING + 3)):
                owner = rng.choice(came)
                home = ci if ci is not None else self.paired[owner][0]
                content = rng.choice(C.ACTION_TEXTS + C.KIND_ACTIONS.get(self.unit_kind[owner], []))
                due = day + timedelta(days=rng.randint(20, 60))
                status, closed, note = ActionStatus.OPEN, None, ""
                roll = rng.random()
                if due < self.today - timedelta(days=45):
                    status = (
                        ActionStatus.DONE if roll < 0.8 else ActionStatus.DROPPED if roll < 0.93 else ActionStatus.OPEN
                    )
                elif due < self.today:
                    status = ActionStatus.DONE if roll < 0.5 else ActionStatus.OPEN
                elif roll < 0.15:
                    status = ActionStatus.DONE
                if status != ActionStatus.OPEN:
                    closed = min(max(due + timedelta(days=rng.randint(-15, 10)), day + timedelta(days=3)), self.today)
                    note = rng.choice(C.DONE_NOTES if status == ActionStatus.DONE else C.DROP_NOTES)
                items.append(
                    {
                        "id": item_id,
                        "meeting_id": mid,
                        "owner_unit_id": self.unit_ids[owner],
                        "content": content.format(c=self.community_names[home]),
                        "due_on": due,
                        "status": status,
                        "closed_on": closed,
                        "closing_note": note,
                        "carried_to_meeting_id": None,
                        "version": 1,
                    }
                )
                self.items.append((item_id, owner, day, due, status, closed))
                item_id += 1
        self.next_id[_t(MeetingAttendance).name] = att_id
        self.next_id[_t(ActionItem).name] = item_id
        self.insert(_t(Meeting), meetings)
        self.insert(_t(MeetingAttendance), attendance)
        self.insert(_t(ActionItem), items)

    # --- whistles, evaluation, contract tasks -----------------------------------------------------

    def whistles(self) -> None:
        rng = self.rng
        period = (self.today - self.start).days
        n = max(len(WhistleStage), round(len(self.community_ids) * WHISTLES_PER_COMMUNITY_YEAR * self.years))
        comm_cum = _cum(self.comm_weight)
        whistles, responses = [], []
        wid = self.ids(_t(Whistle), 0).start
        rid = self.ids(_t(WhistleResponse), 0).start
        now = local_time(self.today, 18)
        for k in range(n):
            ci = min(bisect.bisect_left(comm_cum, rng.random() * comm_cum[-1]), len(self.community_ids) - 1)
            kind = rng.choice(list(WhistleKind))
            days_ago = int(period * (rng.random() ** 3)) if k >= len(WhistleStage) else k * 3
            raised = local_time(self.today - timedelta(days=days_ago), rng.randint(8, 17), rng.randint(0, 59))
            pool = self.community_units[ci] or [0]
            summoned = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
            stages = []
            for u in summoned:
                if k < len(WhistleStage):
                    stage = WHISTLE_ORDER[k]
                else:
                    reached = [
                        s for s in WHISTLE_ORDER[1:] if raised + timedelta(hours=C.WHISTLE_HOURS[s] * 1.3) <= now
                    ]
                    stage = (
                        reached[-1]
                        if reached and rng.random() < 0.9
                        else (rng.choice(reached) if reached else WhistleStage.RAISED)
                    )
                stages.append(stage)
                row: dict[str, Any] = {
                    "id": rid,
                    "whistle_id": wid,
                    "unit_id": self.unit_ids[u],
                    "stage": stage,
                    "signed_at": None,
                    "contacted_at": None,
                    "reported_at": None,
                    "handled_at": None,
                    "closed_at": None,
                    "rated_at": None,
                    "action_taken": "",
                    "rating": None,
                    "rating_comment": "",
                }
                at = raised
                for step in WHISTLE_ORDER[1 : WHISTLE_ORDER.index(stage) + 1]:
                    at = min(
                        max(
                            raised + timedelta(hours=C.WHISTLE_HOURS[step] * rng.uniform(0.6, 1.2)),
                            at + timedelta(minutes=10),
                        ),
                        now,
                    )
                    row["rated_at" if step == WhistleStage.RATED else f"{step.value}_at"] = at
                if WHISTLE_ORDER.index(stage) >= WHISTLE_ORDER.index(WhistleStage.HANDLED):
                    row["action_taken"] = rng.choice(_WHISTLE_ACTIONS)
                if stage == WhistleStage.RATED:
                    row["rating"] = rng.choice((3, 4, 4, 5, 5, 5))
                    row["rating_comment"] = rng.choice(_WHISTLE_COMMENTS)
                responses.append(row)
                rid += 1
            stage = min(stages, key=WHISTLE_ORDER.index)
            closed = None
            if WHISTLE_ORDER.index(stage) >= WHISTLE_ORDER.index(WhistleStage.CLOSED):
                closed = max(r["closed_at"] for r in responses[-len(summoned) :])
            whistles.append(
                {
                    "id": wid,
                    "community_id": self.community_ids[ci],
                    "raised_by_user_id": self.community_user.get(ci, self.admin_id),
                    "raised_at": raised,
                    "kind": kind,
                    "title": f"{self.community_names[ci]}{rng.choice(_WHISTLE_TITLES[kind])}",
                    "description": "",
                    "stage": stage,
                    "closed_at": closed,
                    "deleted_at": None,
                }
            )
            wid += 1
        self.next_id[_t(Whistle).name] = wid
        self.next_id[_t(WhistleResponse).name] = rid
        self.insert(_t(Whistle), whistles)
        self.insert(_t(WhistleResponse), responses)

    def evaluations(self) -> None:
        rng = self.rng
        first_year = self.today.year - self.years + 1
        rounds, criteria, scores = [], [], []
        round_ids = list(self.ids(_t(EvaluationRound), self.years))
        crit_id = self.ids(_t(EvaluationCriterion), 0).start
        score_id = self.ids(_t(EvaluationScore), 0).start
        for rid, year in zip(round_ids, range(first_year, self.today.year + 1), strict=True):
            current = year == self.today.year
            rounds.append(
                {
                    "id": rid,
                    "title": f"{year}年度共建单位民主考评",
                    "period": f"{year}年度",
                    "year": year,
                    "closed_at": None if current else local_time(date(year + 1, 1, 18), 17),
                    "formula_version": "" if current else "v1",
                }
            )
            crits = []
            for i, (name, weight) in enumerate(C.CRITERIA, start=1):
                criteria.append({"id": crit_id, "round_id": rid, "name": name, "weight": weight, "sort_order": i})
                crits.append(crit_id)
                crit_id += 1
            for ui in range(len(self.unit_ids)):
                if ui in self.unit_left and self.unit_left[ui].year < year:
                    continue
                if current and rng.random() < 0.5:
                    continue  # this year's round is half scored
                base = 72 + 18 * (1 - self.unit_rank[ui] / len(self.unit_ids)) + rng.uniform(-5, 5)
                for cid in crits:
                    for evaluator in C.EVALUATORS:
                        score = base + rng.uniform(-6, 6)
                        scores.append(
                            {
                                "id": score_id,
                                "round_id": rid,
                                "unit_id": self.unit_ids[ui],
                                "criterion_id": cid,
                                "evaluator": evaluator,
                                "score": float(round(min(100, max(60, score)))),
                            }
                        )
                        score_id += 1
        self.next_id[_t(EvaluationCriterion).name] = crit_id
        self.next_id[_t(EvaluationScore).name] = score_id
        self.insert(_t(EvaluationRound), rounds)
        self.insert(_t(EvaluationCriterion), criteria)
        self.insert(_t(EvaluationScore), scores)

    def contract_tasks(self) -> None:
        rng = self.rng
        rows = []
        tid = self.ids(_t(ContractTask), 0).start
        unit_index = {uid: ui for ui, uid in enumerate(self.unit_ids)}
        claimed_on: dict[int, date] = {}

        def add(
            ui: int,
            title: str,
            source: str,
            source_id: int,
            weight: float,
            claimed: date,
            due: date,
            status: str,
            done: date | None,
        ) -> None:
            nonlocal tid
            rows.append(
                {
                    "id": tid,
                    "unit_id": self.unit_ids[ui],
                    "title": title[:200],
                    "source_type": source,
                    "source_id": source_id,
                    "credit_weight": weight,
                    "claimed_on": claimed,
                    "due_on": due,
                    "status": status,
                    "done_on": done,
                    "deleted_at": None,
                }
            )
            tid += 1

        for need in self.needs:
            if need["is_micro_wish"] and need["claimed_by_unit_id"]:
                claimed = need["raised_on"] + timedelta(days=rng.randint(1, 5))
                claimed_on[need["id"]] = claimed
                kept = need["status"] == NeedStatus.SOLVED
                add(
                    unit_index[need["claimed_by_unit_id"]],
                    f"认领微心愿：{need['title']}",
                    "need",
                    need["id"],
                    1.0,
                    claimed,
                    claimed + timedelta(days=30),
                    "kept" if kept else "open",
                    claimed + timedelta(days=rng.randint(3, 20)) if kept else None,
                )
        decided = PROJECT_STAGE_ORDER.index(ProjectStage.DECIDED)
        for pid, lead, started, ended, _ci, stage in self.project_spans:
            if PROJECT_STAGE_ORDER.index(stage) < decided:
                continue
            claimed = (started or self.today) - timedelta(days=10)
            add(
                lead,
                "牵头实施共建项目",
                "project",
                pid,
                3.0,
                claimed,
                claimed + timedelta(days=240),
                "kept" if ended else "open",
                ended,
            )
        for item_id, owner, held, due, status, closed in self.items:
            if status == ActionStatus.DONE:
                state = "kept"
            elif status == ActionStatus.DROPPED:
                if closed is None or closed <= due:
                    continue
                state = "broken"
            else:
                state = "broken" if due < self.today - timedelta(days=45) else "open"
            add(
                owner,
                "联席会议交办事项",
                "action_item",
                item_id,
                2.0,
                held,
                due,
                state,
                closed if state == "kept" else None,
            )
        self.next_id[_t(ContractTask).name] = tid
        self.insert(_t(ContractTask), rows)
        with self.engine.begin() as conn:  # a claim is dated as its contract task (else the day raised)
            dated = [
                {"nid": n["id"], "day": claimed_on.get(n["id"], n["raised_on"])}
                for n in self.needs
                if n["claimed_by_unit_id"]
            ]
            for i in range(0, len(dated), CHUNK):
                conn.execute(text("UPDATE need SET claimed_on = :day WHERE id = :nid"), dated[i : i + CHUNK])


ACTIVITY_COLUMNS = (
    "id",
    "unit_id",
    "community_id",
    "held_on",
    "kind",
    "title",
    "description",
    "participants",
    "volunteer_hours",
    "beneficiaries",
    "project_id",
    "member_id",
    "logged_by_user_id",
)


def _batched(rows: Iterable[tuple[Any, ...]], n: int) -> Iterator[tuple[tuple[Any, ...], ...]]:
    it = iter(rows)
    while chunk := tuple(itertools.islice(it, n)):
        yield chunk


C_QUARTER_DAY = {1: (3, 12), 2: (5, 20), 3: (8, 21), 4: (11, 13)}
