"""The lists workbook into the database: an all-or-nothing import matched on natural keys
(contracts.md). A refused file writes nothing and reports every rejected cell."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import load_settings
from db.models import (
    Category,
    Community,
    Need,
    Pairing,
    Project,
    ProjectStageChange,
    Resource,
    Unit,
    utcnow,
)
from domain import calendar
from domain.actor import Actor
from domain.enums import (
    AuditAction,
    NeedSource,
    NeedStatus,
    Priority,
    ProjectStage,
    ResourceStatus,
)
from domain.errors import AppError, ValidationError
from domain.project_path import progress_bound, progress_for
from locales import translate
from services import scope, validate
from services.audit import record
from services.lists_export import zh_label
from services.live import live
from workbook import excel_lists as X
from workbook.archive import check_upload

_DEFAULTS: dict[type[StrEnum], StrEnum] = {
    NeedStatus: NeedStatus.OPEN,
    ResourceStatus: ResourceStatus.AVAILABLE,
    ProjectStage: ProjectStage.TOPIC,
    Priority: Priority.MEDIUM,
}


_zh = zh_label


# ---- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejected:
    """One cell that does not fit: where, what, and why (``reason`` is a locale key + params)."""

    sheet: str
    row: int
    column: str
    value: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)


class ImportRejected(AppError):
    """The whole file was refused; ``cells`` lists every rejected cell."""

    code = "lists.errors.import_rejected"

    def __init__(self, cells: list[Rejected]) -> None:
        self.cells = cells
        super().__init__(n=len(cells))


@dataclass
class ImportReport:
    """What the import did (or, in a dry run, would do), per sheet."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    new_categories: list[str] = field(default_factory=list)
    dry_run: bool = False

    def count(self, sheet: str, what: str) -> None:
        bucket = getattr(self, what)
        bucket[sheet] = bucket.get(sheet, 0) + 1

    @property
    def changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + len(self.new_categories)


def _vocab(enum: type[StrEnum]) -> dict[str, StrEnum]:
    """Chinese label, English label and code → member."""
    out: dict[str, StrEnum] = {}
    for m in enum:
        for lang in ("zh_CN", "en"):
            out[translate(lang, f"enum.{enum.__name__}.{m.value}").strip().lower()] = m
        out[m.value] = m
    return out


class _Checker:
    """Collects rejected cells while reading values."""

    def __init__(self) -> None:
        self.cells: list[Rejected] = []

    def reject(self, sheet: str, row_no: int, col: str, cell: Any, reason: str, /, **params: Any) -> None:
        self.cells.append(Rejected(sheet, row_no, col, "" if cell is None else str(cell), reason, params))

    def get(self, sheet: str, row: int, rec: dict[str, Any], col: str, fn: Callable[[Any], Any]) -> Any:
        value = rec.get(col)
        try:
            return fn(value)
        except ValidationError as err:
            params = {k: v for k, v in err.params.items() if k != "value"}
            self.reject(sheet, row, col, value, _reason(err.code), **params)
            return None

    def required_text(self, sheet: str, row: int, rec: dict[str, Any], col: str, max_len: int = 200) -> str | None:
        return self.get(sheet, row, rec, col, lambda v: validate.text(col, _text(v), required=True, max_len=max_len))

    def text(self, sheet: str, row: int, rec: dict[str, Any], col: str, max_len: int = 200) -> str:
        return self.get(sheet, row, rec, col, lambda v: validate.text(col, _text(v), max_len=max_len)) or ""

    def choice(
        self, sheet: str, row: int, rec: dict[str, Any], col: str, enum: type[StrEnum], optional: bool = False
    ) -> Any:
        value = rec.get(col)
        if value is None:
            return None if optional else _DEFAULTS[enum]
        found = _vocab(enum).get(str(value).strip().lower())
        if found is None:
            allowed = "、".join(_zh(m) for m in enum)
            self.reject(sheet, row, col, value, "lists.import.unknown_choice", allowed=allowed)
        return found

    def yes_no(self, sheet: str, row: int, rec: dict[str, Any], col: str) -> bool | None:
        value = rec.get(col)
        try:
            return _yes_no(value)
        except ValueError:
            self.reject(sheet, row, col, value, "lists.import.unknown_yes_no")
            return None

    def progress(self, sheet: str, row: int, rec: dict[str, Any], stage: ProjectStage | None) -> int | None:
        """进度 (0–100) within its stage's bound (domain.project_path); blank: None."""
        value = self.get(
            sheet, row, rec, "进度", lambda x: validate.integer("进度", x, min_value=0, max_value=100, default=None)
        )
        if value is None or stage is None:
            return value  # type: ignore[no-any-return]
        bound = progress_bound(stage)
        if value not in bound:
            reason = "lists.import.progress_fixed" if bound.fixed else "lists.import.progress_out_of_bound"
            self.reject(sheet, row, "进度", rec.get("进度"), reason, stage=stage, low=bound.low, high=bound.high)
            return None
        return int(value)


_YES_NO = {X.YES: True, X.NO: False, "yes": True, "no": False, "y": True, "n": False, "true": True, "false": False}


def _yes_no(value: Any) -> bool | None:
    """是/否 (yes/no, true/false — Excel's own booleans too); blank: None. Anything else: ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    found = _YES_NO.get(str(value).strip().lower())
    if found is None:
        raise ValueError(value)
    return found


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime | date):
        return v.isoformat()[:10]
    return "" if v is None else str(v)


def _reason(code: str) -> str:
    return {
        "error.required": "lists.import.required",
        "error.bad_date": "lists.import.bad_date",
        "error.not_a_number": "lists.import.not_a_number",
        "error.out_of_range": "lists.import.out_of_range",
        "error.too_long": "lists.import.too_long",
    }.get(code, "lists.import.required")


def rejected_rows(cells: list[Rejected], lang: str) -> list[dict[str, Any]]:
    """The rejected cells as table rows in ``lang``: sheet, row, column, value, reason."""
    return [
        {
            "sheet": c.sheet,
            "row": c.row,
            "column": c.column,
            "value": c.value,
            "reason": translate(lang, c.reason, **c.params),
        }
        for c in cells
    ]


def import_lists(session: Session, actor: Actor, *, data: bytes, dry_run: bool = False) -> ImportReport:
    """Import the workbook all or nothing (the admin). Rows are matched on their natural keys, so the
    same file twice creates nothing new. ``dry_run`` reports the changes and writes nothing."""
    scope.require_administer(actor)
    check_upload(data, field="lists.fields.file", not_a_workbook="lists.errors.bad_workbook")  # before parsing
    try:
        book = X.read_workbook(data)
    except X.BadWorkbook:
        raise ValidationError("lists.fields.file", "lists.errors.bad_workbook") from None
    importer = _Importer(session, book)
    importer.check()
    if importer.checker.cells:
        raise ImportRejected(importer.checker.cells)
    report = ImportReport(dry_run=dry_run)
    savepoint = session.begin_nested()
    try:
        importer.apply(report, actor)
        session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
        session.expire_all()
    else:
        savepoint.commit()
        record(
            session,
            actor,
            AuditAction.IMPORT,
            "lists",
            None,
            after={"created": report.created, "updated": report.updated, "new_categories": report.new_categories},
        )
    return report


class _Importer:
    def __init__(self, session: Session, book: dict[str, X.SheetRows]) -> None:
        self.s = session
        self.book = book
        self.checker = _Checker()
        self.communities = {c.name: c for c in session.scalars(select(Community).where(*live(Community)))}
        self.units = {u.name: u for u in session.scalars(select(Unit).where(*live(Unit)))}
        self.categories = {c.name: c for c in session.scalars(select(Category).where(*live(Category)))}
        self.clean: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.today = calendar.today(load_settings().today)

    def rows(self, sheet: str) -> list[tuple[int, dict[str, Any]]]:
        return self.book[sheet].rows if sheet in self.book else []

    # -- check: every cell, nothing written --
    def check(self) -> None:
        c = self.checker
        file_communities = set(self.communities)
        file_units = set(self.units)
        for sheet, key_cols in (
            (X.COMMUNITIES, ("社区名称",)),
            (X.UNITS, ("单位名称",)),
            (X.NEEDS, ("社区", "需求名称")),
            (X.RESOURCES, ("单位名称", "资源名称")),
            (X.PROJECTS, ("项目名称",)),
        ):
            seen: dict[tuple[Any, ...], int] = {}
            out = []
            for row, rec in self.rows(sheet):
                v = getattr(self, f"_check_{_SHEET_CODES[sheet]}")(sheet, row, rec, file_communities, file_units)
                if v is None:
                    continue
                key = tuple(v[k] for k in key_cols)
                if key in seen:
                    c.reject(sheet, row, key_cols[-1], key[-1], "lists.import.duplicate", row=seen[key])
                    continue
                seen[key] = row
                out.append((row, v))
                if sheet == X.COMMUNITIES:
                    file_communities.add(v["社区名称"])
                elif sheet == X.UNITS:
                    file_units.add(v["单位名称"])
            self.clean[sheet] = out
        self._check_project_links()

    def _known(self, sheet: str, row: int, col: str, name: Any, known: set[str], reason: str) -> str | None:
        if name is None:
            return None
        if name not in known:
            self.checker.reject(sheet, row, col, name, reason)
            return None
        return name

    def _check_community(self, sheet, row, rec, communities, units):  # type: ignore[no-untyped-def]
        c = self.checker
        n = len(c.cells)
        v = {
            "社区名称": c.required_text(sheet, row, rec, "社区名称", 100),
            "所属街道": c.text(sheet, row, rec, "所属街道", 100),
            "联系人": c.text(sheet, row, rec, "联系人", 50),
            "联系电话": c.text(sheet, row, rec, "联系电话", 30),
        }
        return v if len(c.cells) == n else None

    def _check_unit(self, sheet, row, rec, communities, units):  # type: ignore[no-untyped-def]
        c = self.checker
        n = len(c.cells)
        pairs = [
            self._known(sheet, row, "结对社区", p, communities, "lists.import.unknown_community")
            for p in X.split_list(rec.get("结对社区"))
        ]
        v = {
            "单位名称": c.required_text(sheet, row, rec, "单位名称", 100),
            "单位类型": c.text(sheet, row, rec, "单位类型", 30),
            "结对社区": pairs,
            "联系人": c.text(sheet, row, rec, "联系人", 50),
            "联系电话": c.text(sheet, row, rec, "联系电话", 30),
            "在职党员数": c.get(
                sheet,
                row,
                rec,
                "在职党员数",
                lambda x: validate.integer("在职党员数", x, min_value=0, max_value=1_000_000, default=0),
            ),
        }
        return v if len(c.cells) == n else None

    def _check_need(self, sheet, row, rec, communities, units):  # type: ignore[no-untyped-def]
        c = self.checker
        n = len(c.cells)
        community = c.required_text(sheet, row, rec, "社区", 100)
        v = {
            "社区": self._known(sheet, row, "社区", community, communities, "lists.import.unknown_community"),
            "需求名称": c.required_text(sheet, row, rec, "需求名称"),
            "需求类别": c.required_text(sheet, row, rec, "需求类别", 50),
            "需求描述": c.text(sheet, row, rec, "需求描述", 2000),
            "优先级": c.choice(sheet, row, rec, "优先级", Priority),
            "提出日期": c.get(sheet, row, rec, "提出日期", lambda x: validate.parse_date("提出日期", x)),
            "来源": c.choice(sheet, row, rec, "来源", NeedSource, optional=True),
            "状态": c.choice(sheet, row, rec, "状态", NeedStatus),
            "状态空": rec.get("状态") is None,
            "微心愿": c.yes_no(sheet, row, rec, "微心愿"),
            "认领单位": self._known(
                sheet, row, "认领单位", _text(rec.get("认领单位")) or None, units, "lists.import.unknown_unit"
            ),
        }
        return v if len(c.cells) == n else None

    def _check_resource(self, sheet, row, rec, communities, units):  # type: ignore[no-untyped-def]
        c = self.checker
        n = len(c.cells)
        unit = c.required_text(sheet, row, rec, "单位名称", 100)
        v = {
            "单位名称": self._known(sheet, row, "单位名称", unit, units, "lists.import.unknown_unit"),
            "资源名称": c.required_text(sheet, row, rec, "资源名称"),
            "资源类别": c.required_text(sheet, row, rec, "资源类别", 50),
            "资源描述": c.text(sheet, row, rec, "资源描述", 2000),
            "可提供数量": c.get(
                sheet,
                row,
                rec,
                "可提供数量",
                lambda x: validate.integer("可提供数量", x, min_value=0, max_value=1_000_000, default=None),
            ),
            "可提供时间": c.text(sheet, row, rec, "可提供时间", 100),
            "状态": c.choice(sheet, row, rec, "状态", ResourceStatus),
        }
        return v if len(c.cells) == n else None

    def _check_project(self, sheet, row, rec, communities, units):  # type: ignore[no-untyped-def]
        c = self.checker
        n = len(c.cells)
        title = c.required_text(sheet, row, rec, "项目名称")
        community = c.required_text(sheet, row, rec, "社区", 100)
        lead_name = rec.get("牵头单位")
        if lead_name is None and not self._existing_pool_project(title):
            c.reject(sheet, row, "牵头单位", None, "lists.import.required")
        v = {
            "项目名称": title,
            "社区": self._known(sheet, row, "社区", community, communities, "lists.import.unknown_community"),
            "牵头单位": self._known(
                sheet, row, "牵头单位", _text(lead_name) if lead_name else None, units, "lists.import.unknown_unit"
            ),
            "参与单位": [
                self._known(sheet, row, "参与单位", u, units, "lists.import.unknown_unit")
                for u in X.split_list(rec.get("参与单位"))
            ],
            "对应需求": X.split_list(rec.get("对应需求")),
            "使用资源": X.split_list(rec.get("使用资源")),
            "状态": c.choice(sheet, row, rec, "状态", ProjectStage),
            "开始日期": c.get(sheet, row, rec, "开始日期", lambda x: validate.parse_date("开始日期", x)),
            "结束日期": c.get(sheet, row, rec, "结束日期", lambda x: validate.parse_date("结束日期", x)),
            "受益人数": c.get(
                sheet,
                row,
                rec,
                "受益人数",
                lambda x: validate.integer("受益人数", x, min_value=0, max_value=10_000_000, default=0),
            ),
            "满意度": c.get(
                sheet,
                row,
                rec,
                "满意度",
                lambda x: validate.integer("满意度", x, min_value=0, max_value=100, default=None),
            ),
        }
        v["进度"] = c.progress(sheet, row, rec, v["状态"])
        return v if len(c.cells) == n else None

    def _existing_pool_project(self, title: str | None) -> bool:
        """An existing project nobody leads may come back with a blank 牵头单位 (export → import)."""
        if title is None:
            return False
        return (
            self.s.scalar(
                select(func.count(Project.id)).where(
                    Project.title == title, *live(Project), Project.lead_unit_id.is_(None)
                )
            )
            == 1
        )

    def _check_project_links(self) -> None:
        """对应需求 must be needs of the project's community, 使用资源 resources known by title
        (in the database or the file)."""
        need_keys = {
            (cn, t)
            for cn, t in self.s.execute(
                select(Community.name, Need.title).join(Community, Community.id == Need.community_id).where(*live(Need))
            ).all()
        }
        need_keys |= {(v["社区"], v["需求名称"]) for _, v in self.clean.get(X.NEEDS, [])}
        res_units: dict[str, set[str]] = {}
        for un, t in self.s.execute(
            select(Unit.name, Resource.title).join(Unit, Unit.id == Resource.unit_id).where(*live(Resource))
        ).all():
            res_units.setdefault(t, set()).add(un)
        for _, v in self.clean.get(X.RESOURCES, []):
            res_units.setdefault(v["资源名称"], set()).add(v["单位名称"])
        for row, v in self.clean.get(X.PROJECTS, []):
            for name in v["对应需求"]:
                if (v["社区"], name) not in need_keys:
                    self.checker.reject(X.PROJECTS, row, "对应需求", name, "lists.import.unknown_need", name=name)
            involved = {v["牵头单位"], *v["参与单位"]}
            for name in v["使用资源"]:
                owners = res_units.get(name, set())
                if not owners:
                    self.checker.reject(X.PROJECTS, row, "使用资源", name, "lists.import.unknown_resource", name=name)
                elif len(owners) > 1 and len(owners & involved) != 1:
                    self.checker.reject(X.PROJECTS, row, "使用资源", name, "lists.import.ambiguous_resource", name=name)

    # -- apply: the file has passed every check --
    def _category(self, name: str, report: ImportReport) -> Category:
        cat = self.categories.get(name)
        if cat is None:
            top = self.s.scalar(select(func.coalesce(func.max(Category.sort_order), 0))) or 0
            cat = Category(name=name, sort_order=top + 1)
            self.s.add(cat)
            self.s.flush()
            self.categories[name] = cat
            report.new_categories.append(name)
        return cat

    def _upsert(
        self,
        report: ImportReport,
        sheet: str,
        obj: Any,
        values: dict[str, Any],
        new: bool,
        extra_change: Callable[[Any], bool] | None = None,
    ) -> Any:
        """Set ``values`` on ``obj`` (added when ``new``), then ``extra_change`` (links); count the row."""
        changed = False
        for key, value in values.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
                changed = True
        if new:
            self.s.add(obj)
        if extra_change is not None:
            self.s.flush()
            changed = extra_change(obj) or changed
        report.count(sheet, "created" if new else "updated" if changed else "unchanged")
        return obj

    def apply(self, report: ImportReport, actor: Actor) -> None:
        for _, v in self.clean.get(X.COMMUNITIES, []):
            old = self.communities.get(v["社区名称"])
            obj = self._upsert(
                report,
                X.COMMUNITIES,
                old or Community(name=v["社区名称"]),
                {"street": v["所属街道"], "contact": v["联系人"], "phone": v["联系电话"]},
                old is None,
            )
            self.communities[obj.name] = obj
        self.s.flush()
        pairings = {(p.unit_id, p.community_id) for p in self.s.scalars(select(Pairing))}
        for _, v in self.clean.get(X.UNITS, []):
            old_unit = self.units.get(v["单位名称"])

            def pair(unit: Unit, names: list[str] = v["结对社区"]) -> bool:
                added = False
                for cname in names:
                    key = (unit.id, self.communities[cname].id)
                    if key not in pairings:
                        self.s.add(Pairing(unit_id=key[0], community_id=key[1], paired_since=self.today))
                        pairings.add(key)
                        added = True
                return added

            obj = self._upsert(
                report,
                X.UNITS,
                old_unit or Unit(name=v["单位名称"]),
                {
                    "kind": v["单位类型"],
                    "contact": v["联系人"],
                    "phone": v["联系电话"],
                    "party_members": v["在职党员数"],
                },
                old_unit is None,
                pair,
            )
            self.units[obj.name] = obj
        needs = {
            (n.community_id, n.title): n
            for n in self.s.scalars(select(Need).where(*live(Need)).order_by(Need.id.desc()))
        }
        for _, v in self.clean.get(X.NEEDS, []):
            cid = self.communities[v["社区"]].id
            old_need = needs.get((cid, v["需求名称"]))
            values = {
                "category_id": self._category(v["需求类别"], report).id,
                "description": v["需求描述"],
                "priority": v["优先级"],
                "raised_on": v["提出日期"],
                "source": v["来源"],
                "status": v["状态"],
            }
            # the optional columns: blank (or absent) leaves the row's value as it is
            if v["微心愿"] is not None:
                values["is_micro_wish"] = v["微心愿"]
            if v["认领单位"] is not None:
                uid_claim = self.units[v["认领单位"]].id
                values["claimed_by_unit_id"] = uid_claim
                if old_need is None or old_need.claimed_by_unit_id != uid_claim:
                    values["claimed_on"] = self.today  # a claim the file makes is dated on its import
                if v["状态空"]:
                    values["status"] = NeedStatus.CLAIMED  # claimed, with no status given
            obj = self._upsert(
                report, X.NEEDS, old_need or Need(community_id=cid, title=v["需求名称"]), values, old_need is None
            )
            needs[(cid, obj.title)] = obj
        resources = {
            (r.unit_id, r.title): r
            for r in self.s.scalars(select(Resource).where(*live(Resource)).order_by(Resource.id.desc()))
        }
        for _, v in self.clean.get(X.RESOURCES, []):
            uid = self.units[v["单位名称"]].id
            old_res = resources.get((uid, v["资源名称"]))
            values = {
                "category_id": self._category(v["资源类别"], report).id,
                "description": v["资源描述"],
                "capacity": v["可提供数量"],
                "available_when": v["可提供时间"],
                "status": v["状态"],
            }
            obj = self._upsert(
                report, X.RESOURCES, old_res or Resource(unit_id=uid, title=v["资源名称"]), values, old_res is None
            )
            resources[(uid, obj.title)] = obj
        self.s.flush()
        self._apply_projects(report, actor, needs, resources)

    def _apply_projects(
        self,
        report: ImportReport,
        actor: Actor,
        needs: dict[tuple[int, str], Need],
        resources: dict[tuple[int, str], Resource],
    ) -> None:
        projects = {
            p.title: p for p in self.s.scalars(select(Project).where(*live(Project)).order_by(Project.id.desc()))
        }
        by_title: dict[str, list[Resource]] = {}
        for r in resources.values():
            by_title.setdefault(r.title, []).append(r)
        for _, v in self.clean.get(X.PROJECTS, []):
            community = self.communities[v["社区"]]
            old = projects.get(v["项目名称"])
            lead = self.units[v["牵头单位"]].id if v["牵头单位"] else (old.lead_unit_id if old else None)
            values = {
                "community_id": community.id,
                "lead_unit_id": lead,
                "stage": v["状态"],
                # 进度 as the file gives it (checked within its stage's bound); blank or absent: a stage
                # the file sets brings the progress within its bound, as a move along the path does
                # (a new project: 0 %, or 100 % when finished)
                "progress": v["进度"] if v["进度"] is not None else progress_for(v["状态"], old.progress if old else 0),
                "started_on": v["开始日期"],
                "ended_on": v["结束日期"],
                "beneficiaries": v["受益人数"],
                "satisfaction": v["满意度"],
            }
            frm = old.stage if old else None
            involved = {lead, *(self.units[u].id for u in v["参与单位"])}
            want_res = set()
            for name in v["使用资源"]:
                options = by_title[name]
                want_res.add(options[0] if len(options) == 1 else next(r for r in options if r.unit_id in involved))
            wanted: dict[str, set[Any]] = {
                "participants": {self.units[u] for u in v["参与单位"]},
                "needs": {needs[(community.id, n)] for n in v["对应需求"]},
                "resources": want_res,
            }

            def link(project: Project, wanted: dict[str, set[Any]] = wanted) -> bool:
                changed = False
                for attr, want in wanted.items():
                    if set(getattr(project, attr)) != want:
                        setattr(project, attr, sorted(want, key=lambda x: x.id))
                        changed = True
                return changed

            obj = old or Project(title=v["项目名称"], progress=0)
            self._upsert(report, X.PROJECTS, obj, values, old is None, link)
            if frm != obj.stage:
                self.s.flush()
                self.s.add(
                    ProjectStageChange(
                        project_id=obj.id,
                        user_id=actor.user_id,
                        at=utcnow(),
                        from_stage=frm,
                        to_stage=obj.stage,
                        note="Excel 导入",
                    )
                )


_SHEET_CODES = {
    X.COMMUNITIES: "community",
    X.UNITS: "unit",
    X.NEEDS: "need",
    X.RESOURCES: "resource",
    X.PROJECTS: "project",
}
