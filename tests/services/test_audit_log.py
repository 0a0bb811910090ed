"""Browsing the audit log: filters, server-side pages, details as text, export."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry
from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import PermissionDenied, ValidationError
from exports import audit_log as files
from services import admin as admin_service
from services import audit, audit_log
from services.audit_log import AuditQuery

NON_ADMINS = ["community_worker", "liaison", "leader"]


@pytest.fixture
def log(session: Session, admin: Actor, leader: Actor) -> dict[str, int]:
    """A known log: three entries on known days (Beijing time) by two users."""
    session.execute(delete(AuditEntry))
    rows = [
        (
            datetime(2026, 3, 4, 15, 30, tzinfo=UTC),
            admin,
            AuditAction.CREATE,
            "unit",
            None,
            {"name": "青溪县图书馆", "kind": "事业单位"},
        ),  # 2026-03-04 23:30 in Beijing
        (
            datetime(2026, 3, 4, 16, 30, tzinfo=UTC),
            admin,
            AuditAction.UPDATE,
            "unit",
            {"name": "青溪县图书馆", "contact": "王芳"},
            {"name": "青溪县图书馆", "contact": "<script>李强</script>"},
        ),
        (datetime(2026, 3, 6, 1, 0, tzinfo=UTC), leader, AuditAction.LOGIN, "user", None, None),
    ]
    ids = {}
    for i, (at, actor, action, entity, before, after) in enumerate(rows):
        entry = audit.record(session, actor, action, entity, 7, before=before, after=after)
        entry.at = at
        session.flush()
        ids[f"e{i}"] = entry.id
    return ids


def _ids(df: object) -> list[int]:
    return list(df["id"])  # type: ignore[index]


def test_newest_first_and_total(session: Session, admin: Actor, log: dict[str, int]) -> None:
    df, total = audit_log.search_audit(session, admin, query=AuditQuery())
    assert total == 3 and _ids(df) == [log["e2"], log["e1"], log["e0"]]


def test_pages_on_the_server(session: Session, admin: Actor, log: dict[str, int]) -> None:
    df, total = audit_log.search_audit(session, admin, query=AuditQuery(), offset=1, limit=1)
    assert total == 3 and _ids(df) == [log["e1"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (AuditQuery(date_from=date(2026, 3, 5)), ["e2", "e1"]),  # 00:30 on 5 March in Beijing
        (AuditQuery(date_to=date(2026, 3, 4)), ["e0"]),
        (AuditQuery(date_from=date(2026, 3, 6), date_to=date(2026, 3, 6)), ["e2"]),
        (AuditQuery(username="leader"), ["e2"]),
        (AuditQuery(action=AuditAction.UPDATE), ["e1"]),
        (AuditQuery(entity="unit"), ["e1", "e0"]),
        (AuditQuery(text="王芳"), ["e1"]),
        (AuditQuery(text="图书馆", action=AuditAction.CREATE), ["e0"]),
        (AuditQuery(text="100%"), []),
    ],
)
def test_filters(session: Session, admin: Actor, log: dict[str, int], query: AuditQuery, expected: list[str]) -> None:
    df, total = audit_log.search_audit(session, admin, query=query)
    assert _ids(df) == [log[k] for k in expected] and total == len(expected)


def test_period_the_wrong_way_round_is_refused(session: Session, admin: Actor) -> None:
    with pytest.raises(ValidationError) as err:
        audit_log.search_audit(session, admin, query=AuditQuery(date_from=date(2026, 3, 6), date_to=date(2026, 3, 5)))
    assert err.value.field == "common.to_date"


def test_summary_names_the_changed_fields(session: Session, admin: Actor, log: dict[str, int]) -> None:
    df, _ = audit_log.search_audit(session, admin, query=AuditQuery(action=AuditAction.UPDATE))
    assert df.iloc[0]["summary"] == "contact: 王芳 → <script>李强</script>"


def test_detail_gives_before_and_after_as_json_text(session: Session, admin: Actor, log: dict[str, int]) -> None:
    detail = audit_log.get_entry(session, admin, entry_id=log["e1"])
    assert json.loads(detail.before_json) == {"name": "青溪县图书馆", "contact": "王芳"}
    assert "<script>李强</script>" in detail.after_json  # kept as text, shown with st.code
    assert [(c.field, c.before, c.after) for c in detail.changes] == [("contact", "王芳", "<script>李强</script>")]
    login = audit_log.get_entry(session, admin, entry_id=log["e2"])
    assert login.before_json == "" and login.changes == []


def test_counts_by_action(session: Session, admin: Actor, log: dict[str, int]) -> None:
    df = audit_log.count_by_action(session, admin, query=AuditQuery(entity="unit"))
    assert dict(zip(df["action"], df["count"], strict=True)) == {AuditAction.CREATE: 1, AuditAction.UPDATE: 1}


def test_filter_choices(session: Session, admin: Actor, log: dict[str, int]) -> None:
    assert audit_log.audit_entities(session, admin) == ["unit", "user"]
    assert {"admin", "leader"} <= set(audit_log.audit_usernames(session, admin))


def test_export_is_filtered_and_noted_in_the_log(session: Session, admin: Actor, log: dict[str, int]) -> None:
    df, total = audit_log.export_audit(session, admin, query=AuditQuery(entity="unit"))
    assert total == 2 and _ids(df) == [log["e1"], log["e0"]]
    noted = session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT)).one()
    assert noted.entity == "audit_entry" and json.loads(noted.after or "{}")["rows"] == 2


def test_export_files_keep_chinese_and_never_make_formulas(session: Session, admin: Actor, log: dict[str, int]) -> None:
    df, _ = audit_log.export_audit(session, admin, query=AuditQuery())
    df = df.assign(summary=["=1+1", *df["summary"][1:]])
    assert files.to_csv(df).decode("utf-8-sig").splitlines()[0] == ",".join(df.columns)
    wb = load_workbook(io.BytesIO(files.to_xlsx(df, sheet="操作记录")))
    ws = wb["操作记录"]
    assert [c.value for c in ws[1]] == list(df.columns)
    assert ws.max_row == len(df) + 1
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert "=1+1" in values and any("图书馆" in str(v) for v in values)  # exactly as typed, as text
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert "'=1+1" in files.to_csv(df).decode("utf-8-sig")  # the CSV marks it with a leading '


def test_an_admin_write_shows_up_in_the_log(session: Session, admin: Actor) -> None:
    before = session.scalar(select(func.count(AuditEntry.id)))
    new_id = admin_service.create_community(session, admin, name="审计测试社区")
    df, total = audit_log.search_audit(session, admin, query=AuditQuery(entity="community"))
    assert total >= 1 and df.iloc[0]["entity_id"] == new_id
    assert session.scalar(select(func.count(AuditEntry.id))) == (before or 0) + 1


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_admin_may_read_the_log(session: Session, role: str, request: pytest.FixtureRequest) -> None:
    actor: Actor = request.getfixturevalue(role)
    for call in (
        lambda: audit_log.search_audit(session, actor, query=AuditQuery()),
        lambda: audit_log.count_by_action(session, actor, query=AuditQuery()),
        lambda: audit_log.audit_entities(session, actor),
        lambda: audit_log.get_entry(session, actor, entry_id=1),
        lambda: audit_log.export_audit(session, actor, query=AuditQuery()),
    ):
        with pytest.raises(PermissionDenied):
            call()
