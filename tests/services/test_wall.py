"""The residents' board (issue 18): intake, moderation, 公示 and objections, the rate limits, plain
text, the client address, public fields only, and the erasure after 180 days."""

from __future__ import annotations

import dataclasses
import json
import typing
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Category, Need, Project, PublicWrite, ResidentSubmission
from domain import residents as rules
from domain.actor import Actor
from domain.enums import NeedSource, SubmissionKind, SubmissionStatus
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from services import residents, wall
from tests.conftest import TODAY

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def client(n: int = 1, address: str = "203.0.113.9") -> wall.Client:
    return wall.Client(session_key=f"session-{n}", address=address)


def submit(session: Session, cid: int, *, c: wall.Client | None = None, now: datetime = NOW, **kw: object) -> int:
    args: dict[str, object] = {"text": "小区东门的路灯坏了一个月了", "category_id": None, "micro_wish": False}
    args.update(kw)
    return wall.submit_request(session, community_id=cid, client=c or client(), now=now, **args).number  # type: ignore[arg-type]


def counts(session: Session) -> tuple[int, int, int]:
    session.flush()
    return (
        int(session.scalar(select(func.count(ResidentSubmission.id))) or 0),
        int(session.scalar(select(func.count(PublicWrite.id))) or 0),
        int(session.scalar(select(func.count(AuditEntry.id))) or 0),
    )


def board(session: Session, cid: int) -> wall.PublicBoard:
    return wall.public_board(session, community_id=cid, today=TODAY)


def category(session: Session) -> int:
    return int(session.scalars(select(Category.id).where(Category.deleted_at.is_(None)).limit(1)).one())


# --- intake and moderation -------------------------------------------------------------------------


def test_a_submission_waits_unseen_and_is_audited_as_a_resident(session: Session, community_worker: Actor) -> None:
    cid = community_worker.community_id or 0
    sid = submit(session, cid, text="想给王奶奶家装扶手", micro_wish=True, display_name="李阿姨", phone="13800138000")
    sub = session.get(ResidentSubmission, sid)
    assert sub is not None and sub.status == SubmissionStatus.PENDING and sub.kind == SubmissionKind.WISH
    assert all("王奶奶" not in n.title for n in board(session, cid).needs)  # nothing public before acceptance
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "resident_submission", AuditEntry.entity_id == sid)
    ).one()
    assert entry.username == "居民" and entry.at is not None
    assert json.loads(entry.after or "{}")["client_address"] == "203.0.113.9"
    queue = residents.list_submissions(session, community_worker, community_id=cid)
    assert [(q.id, q.phone, q.display_name) for q in queue if q.id == sid] == [(sid, "13800138000", "李阿姨")]


def test_accepting_makes_a_public_residents_need_and_the_board_shows_its_claim(
    session: Session, community_worker: Actor, liaison: Actor
) -> None:
    from services import needs

    cid = community_worker.community_id or 0
    sid = submit(session, cid, text="给独居老人家装扶手", micro_wish=True, display_name="李阿姨", phone="13800138000")
    nid = residents.accept_submission(
        session, community_worker, submission_id=sid, title="独居老人家装扶手", category_id=category(session)
    )
    need = session.get(Need, nid)
    assert need is not None and need.source == NeedSource.RESIDENT and need.is_public and need.is_micro_wish
    shown = [n for n in board(session, cid).needs if n.title == "独居老人家装扶手"]
    assert shown and shown[0].claimed_by == ""
    needs.claim_need(session, liaison, need_id=need.id)
    shown = [n for n in board(session, cid).needs if n.title == "独居老人家装扶手"]
    assert shown[0].claimed_by and shown[0].is_micro_wish
    with pytest.raises(Conflict):
        residents.decline_submission(session, community_worker, submission_id=sid, reason="再议")


def test_merge_and_decline(session: Session, community_worker: Actor, other_community_id: int) -> None:
    cid = community_worker.community_id or 0
    target = session.scalars(select(Need.id).where(Need.community_id == cid, Need.deleted_at.is_(None)).limit(1)).one()
    elsewhere = session.scalars(
        select(Need.id).where(Need.community_id == other_community_id, Need.deleted_at.is_(None)).limit(1)
    ).one()
    a, b = submit(session, cid), submit(session, cid, c=client(2))
    with pytest.raises(ValidationError):  # a need of another community is no target
        residents.merge_submission(session, community_worker, submission_id=a, need_id=elsewhere)
    residents.merge_submission(session, community_worker, submission_id=a, need_id=target)
    merged = session.get(ResidentSubmission, a)
    assert merged is not None and merged.status == SubmissionStatus.MERGED and merged.need_id == target
    with pytest.raises(ValidationError) as err:
        residents.decline_submission(session, community_worker, submission_id=b, reason="  ")
    assert err.value.field == "residents.fields.reason"
    residents.decline_submission(session, community_worker, submission_id=b, reason="已由物业处理")
    declined = session.get(ResidentSubmission, b)
    assert declined is not None and declined.status == SubmissionStatus.DECLINED
    assert declined.decline_reason == "已由物业处理"


def test_only_the_admins_and_the_communitys_workers_see_the_queue(
    session: Session, admin: Actor, community_worker: Actor, liaison: Actor, leader: Actor, other_community_id: int
) -> None:
    cid = community_worker.community_id or 0
    submit(session, cid)
    assert residents.list_submissions(session, admin, community_id=cid)
    for actor in (liaison, leader):
        with pytest.raises(PermissionDenied):
            residents.list_submissions(session, actor, community_id=cid)
    with pytest.raises(PermissionDenied):
        residents.list_submissions(session, community_worker, community_id=other_community_id)


# --- abuse: rate limits, text, honeypot, client address --------------------------------------------


def test_a_fourth_submission_from_one_session_is_refused_until_the_window_passes(
    session: Session, community_worker: Actor
) -> None:
    cid = community_worker.community_id or 0
    for i in range(rules.SESSION_LIMIT):
        submit(session, cid, now=NOW + timedelta(minutes=i))
    before = counts(session)
    with pytest.raises(wall.RateLimited) as err:
        submit(session, cid, now=NOW + timedelta(minutes=5))
    assert err.value.until == NOW + rules.ADDRESS_WINDOW  # when the first one leaves the window
    assert counts(session) == before  # nothing written
    submit(session, cid, now=NOW + rules.ADDRESS_WINDOW + timedelta(seconds=1))


def test_a_flood_from_one_address_is_refused_across_sessions(session: Session, community_worker: Actor) -> None:
    cid = community_worker.community_id or 0
    for i in range(rules.ADDRESS_LIMIT):
        submit(session, cid, c=client(100 + i), now=NOW + timedelta(seconds=i))
    before = counts(session)
    with pytest.raises(wall.RateLimited) as err:
        submit(session, cid, c=client(999), now=NOW + timedelta(minutes=1))
    assert err.value.until == NOW + rules.ADDRESS_WINDOW
    assert counts(session) == before
    submit(session, cid, c=client(999, address="198.51.100.1"), now=NOW + timedelta(minutes=1))  # another address


@pytest.mark.parametrize(
    ("field", "values", "code"),
    [
        ("wall.fields.text", {"text": "长" * (rules.TEXT_MAX + 1)}, "error.too_long"),
        ("wall.fields.text", {"text": "<script>alert(1)</script>路灯"}, "wall.errors.no_markup"),
        ("wall.fields.text", {"text": "路灯<img src=x onerror=alert(1)>"}, "wall.errors.no_markup"),
        ("wall.fields.text", {"text": "路灯&lt;b&gt;"}, "wall.errors.no_markup"),
        ("wall.fields.text", {"text": "路灯\u202e坏了"}, "wall.errors.bad_characters"),
        ("wall.fields.text", {"text": "   "}, "error.required"),
        ("wall.fields.name", {"display_name": "名" * (rules.NAME_MAX + 1)}, "error.too_long"),
        ("wall.fields.name", {"display_name": "<b>李</b>"}, "wall.errors.no_markup"),
        ("wall.fields.phone", {"phone": "call me maybe"}, "wall.errors.bad_phone"),
        ("wall.fields.honeypot", {"honeypot": "http://spam.example"}, "wall.errors.rejected"),
    ],
)
def test_bad_text_is_refused_naming_the_field_and_nothing_is_written(
    session: Session, community_worker: Actor, field: str, values: dict[str, str], code: str
) -> None:
    before = counts(session)
    with pytest.raises(ValidationError) as err:
        submit(session, community_worker.community_id or 0, **values)
    assert (err.value.field, err.value.code) == (field, code)
    assert counts(session) == before


def test_an_unknown_community_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        submit(session, 10_000_000)


def test_the_client_address_believes_x_forwarded_for_only_from_a_trusted_proxy() -> None:
    spoofed = "1.2.3.4"
    assert rules.client_address("198.51.100.5", spoofed, ()) == "198.51.100.5"  # no trusted proxy
    assert rules.client_address("198.51.100.5", spoofed, ("10.0.0.1",)) == "198.51.100.5"  # not from the proxy
    assert rules.client_address("10.0.0.1", f"{spoofed}, 203.0.113.7", ("10.0.0.1",)) == "203.0.113.7"
    assert rules.client_address("10.0.0.1", "203.0.113.7, 10.0.0.1", ("10.0.0.1",)) == "203.0.113.7"
    assert rules.client_address("10.0.0.1", "not-an-ip", ("10.0.0.1",)) == "10.0.0.1"
    assert rules.client_address("10.0.0.1", None, ("10.0.0.1",)) == "10.0.0.1"
    # the web server took the peer from the header itself: all such clients share one count
    assert rules.client_address(spoofed, spoofed, ()) == rules.UNVERIFIED


def test_spoofed_forwarded_for_addresses_do_not_escape_the_address_limit(
    session: Session, community_worker: Actor
) -> None:
    """Each request claims another X-Forwarded-For with no trusted proxy: they count as the socket's."""
    cid = community_worker.community_id or 0
    for i in range(rules.ADDRESS_LIMIT):
        address = rules.client_address("198.51.100.5", f"10.9.{i}.1", ())
        submit(session, cid, c=client(200 + i, address=address), now=NOW)
    before = counts(session)
    with pytest.raises(wall.RateLimited):
        submit(session, cid, c=client(999, address=rules.client_address("198.51.100.5", "10.9.99.1", ())), now=NOW)
    assert counts(session) == before


# --- 公示 and objections ---------------------------------------------------------------------------


def _project(session: Session, cid: int) -> int:
    return int(
        session.scalars(
            select(Project.id).where(Project.community_id == cid, Project.deleted_at.is_(None)).limit(1)
        ).one()
    )


def test_a_publicity_takes_objections_during_its_period_into_the_queue(
    session: Session, community_worker: Actor
) -> None:
    cid = community_worker.community_id or 0
    pid = residents.post_publicity(
        session,
        community_worker,
        community_id=cid,
        kind="shortlist",
        title="拟立项目公示",
        project_ids=[_project(session, cid)],
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=7),
    )
    shown = [p for p in board(session, cid).publicities if p.id == pid]
    assert shown and shown[0].open_now and shown[0].projects
    rid = wall.lodge_objection(session, publicity_id=pid, client=client(), text="选址不妥", today=TODAY, now=NOW)
    queue = residents.list_submissions(session, community_worker, community_id=cid)
    assert [(q.kind, q.publicity_title) for q in queue if q.id == rid.number] == [
        (SubmissionKind.OBJECTION, "拟立项目公示")
    ]
    before = counts(session)
    with pytest.raises(ValidationError):
        wall.lodge_objection(
            session, publicity_id=pid, client=client(2), text="晚了", today=TODAY + timedelta(days=8), now=NOW
        )
    assert counts(session) == before
    assert (
        residents.accept_submission(session, community_worker, submission_id=rid.number, title="", category_id=None)
        is None
    )


def test_a_publicity_is_refused_with_bad_dates_or_another_communitys_project(
    session: Session, community_worker: Actor, other_community_id: int
) -> None:
    cid = community_worker.community_id or 0
    args = {"community_id": cid, "kind": "result", "title": "结果公示", "starts_on": TODAY}
    with pytest.raises(ValidationError) as err:
        residents.post_publicity(
            session,
            community_worker,
            project_ids=[_project(session, cid)],
            ends_on=TODAY - timedelta(days=1),
            **args,  # type: ignore[arg-type]
        )
    assert err.value.field == "residents.fields.ends_on"
    with pytest.raises(ValidationError) as err:
        residents.post_publicity(
            session,
            community_worker,
            project_ids=[_project(session, other_community_id)],
            ends_on=TODAY,
            **args,  # type: ignore[arg-type]
        )
    assert err.value.field == "residents.fields.projects"


# --- public fields only, erasure ---------------------------------------------------------------------

PRIVATE = {"phone", "contact", "display_name", "client_address", "session_key", "address", "email", "description"}


def _types_reached(tp: object, seen: set[type]) -> None:
    for arg in typing.get_args(tp):
        _types_reached(arg, seen)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type) and tp not in seen:
        seen.add(tp)
        hints = typing.get_type_hints(tp)
        for f in dataclasses.fields(tp):
            _types_reached(hints[f.name], seen)


def _public_read_types() -> set[type]:
    seen: set[type] = set()
    for name in dir(wall):
        fn = getattr(wall, name)
        if callable(fn) and getattr(fn, "__module__", "") == wall.__name__ and not name.startswith("_"):
            if name.startswith(("list_", "public_")):
                _types_reached(typing.get_type_hints(fn).get("return"), seen)
    return seen


def test_the_public_service_returns_public_fields_only() -> None:
    reached = _public_read_types()
    assert wall.PublicBoard in reached and wall.PublicNeed in reached
    leaks = {(t.__name__, f.name) for t in reached for f in dataclasses.fields(t) if f.name in PRIVATE}
    assert leaks == set()


def test_the_public_fields_check_would_catch_a_private_field() -> None:
    """The walk sees the queue's own rows, which do hold the phone."""
    seen: set[type] = set()
    _types_reached(typing.get_type_hints(residents.list_submissions)["return"], seen)
    assert any(f.name == "phone" for t in seen for f in dataclasses.fields(t))


def test_the_board_shows_no_resident_name_or_phone(session: Session, community_worker: Actor) -> None:
    cid = community_worker.community_id or 0
    sid = submit(session, cid, display_name="李秀英", phone="13912345678", micro_wish=True)
    residents.accept_submission(
        session, community_worker, submission_id=sid, title="扶手", category_id=category(session)
    )
    text = repr(board(session, cid))
    assert "李秀英" not in text and "13912345678" not in text


def test_phones_and_addresses_are_erased_after_180_days(session: Session, community_worker: Actor) -> None:
    cid = community_worker.community_id or 0
    old = submit(session, cid, phone="13800000000", now=NOW - timedelta(days=181))
    new = submit(session, cid, c=client(2), phone="13900000000", now=NOW)
    assert residents.erase_personal(session, now=NOW) == 1
    gone, kept = session.get(ResidentSubmission, old), session.get(ResidentSubmission, new)
    assert gone is not None and gone.phone == "" and gone.client_address == "" and gone.personal_erased_at
    assert kept is not None and kept.phone == "13900000000" and kept.client_address == "203.0.113.9"
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity == "resident_submission", AuditEntry.entity_id == old)
    ).one()
    assert json.loads(entry.after or "{}")["client_address"] == ""
    assert residents.erase_personal(session, now=NOW) == 0
