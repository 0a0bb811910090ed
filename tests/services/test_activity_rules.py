"""Issue 15's activity rules on both backends: a liaison logs only where the unit is paired or a
member reported (双报到), the admin elsewhere with a stated reason; a claimed 微心愿 counts for
认领1个微心愿 once, whether or not an activity is logged about it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Activity, AuditEntry, Category, Community, Need
from domain.actor import Actor
from domain.enums import ActivityKind, NeedStatus
from domain.errors import ValidationError
from services import activities, activity_reports, members, metrics, needs
from services.reference import paired_community_ids
from tests.conftest import TODAY

WISH = ActivityKind.MICRO_WISH.value


def _unpaired_community(session: Session, unit_id: int) -> Community:
    allowed = activities.allowed_community_ids(session, unit_id)
    community = session.scalars(select(Community).where(Community.id.not_in(allowed)).order_by(Community.id)).first()
    assert community is not None, "the demo has a community the unit is not paired with"
    return community


def _log(session: Session, actor: Actor, unit_id: int, community_id: int, **extra: object) -> int:
    args: dict[str, object] = {"held_on": TODAY, "kind": ActivityKind.VOLUNTEER, "title": "楼道清扫"} | extra
    return activities.log_activity(
        session,
        actor,
        unit_id=unit_id,
        community_id=community_id,
        today=TODAY,
        **args,  # type: ignore[arg-type]
    )


def _activities(session: Session) -> int:
    return session.scalar(select(func.count(Activity.id))) or 0


# --- 5. where an activity may be logged ----------------------------------------------------------


def test_liaison_logs_in_a_paired_community(session: Session, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    aid = _log(session, liaison, uid, paired_community_ids(session, uid)[0])
    assert session.get(Activity, aid).off_pairing_reason is None  # type: ignore[union-attr]


def test_liaison_is_refused_elsewhere_with_the_community_named(session: Session, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    community = _unpaired_community(session, uid)
    before = _activities(session)
    with pytest.raises(ValidationError) as err:
        _log(session, liaison, uid, community.id, off_pairing_reason="想去看看")  # a liaison's reason is no way in
    assert err.value.field == "fields.community"
    assert err.value.code == "activities.error.not_paired"
    assert err.value.params["community"] == community.name
    assert _activities(session) == before


def test_liaison_logs_where_a_member_reported(session: Session, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    community = _unpaired_community(session, uid)
    members.create_member(session, liaison, name="报到党员", unit_id=uid, community_id=community.id, reported_on=TODAY)
    assert community.id in activities.form_options(session, unit_id=uid).allowed_ids
    aid = _log(session, liaison, uid, community.id)
    assert session.get(Activity, aid).community_id == community.id  # type: ignore[union-attr]


def test_liaison_cannot_move_an_activity_to_an_unpaired_community(session: Session, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    aid = _log(session, liaison, uid, paired_community_ids(session, uid)[0])
    other = _unpaired_community(session, uid)
    with pytest.raises(ValidationError) as err:
        activities.update_activity(
            session, liaison, aid, community_id=other.id, held_on=TODAY, kind="volunteer", title="改", today=TODAY
        )
    assert err.value.code == "activities.error.not_paired"


def test_admin_records_one_elsewhere_only_with_a_reason(session: Session, admin: Actor, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    community = _unpaired_community(session, uid)
    before = _activities(session)
    for blank in (None, "", "   "):
        with pytest.raises(ValidationError) as err:
            _log(session, admin, uid, community.id, off_pairing_reason=blank)
        assert err.value.field == "activities.fields.off_pairing_reason"
        assert err.value.params["community"] == community.name
    assert _activities(session) == before
    reason = "街道统一组织的跨社区应急演练，经联盟秘书处同意"
    aid = _log(session, admin, uid, community.id, off_pairing_reason=reason)
    assert session.get(Activity, aid).off_pairing_reason == reason  # type: ignore[union-attr]
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.entity == "activity", AuditEntry.entity_id == aid).order_by(AuditEntry.id)
    )
    assert entry is not None and json.loads(entry.after or "{}")["off_pairing_reason"] == reason
    # an edit that keeps the community keeps the reason; the liaison may still correct the title
    activities.update_activity(
        session, liaison, aid, community_id=community.id, held_on=TODAY, kind="volunteer", title="改名", today=TODAY
    )
    assert session.get(Activity, aid).off_pairing_reason == reason  # type: ignore[union-attr]


def test_the_form_offers_allowed_communities_first_and_marks_them(session: Session, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    opts = activities.form_options(session, unit_id=uid)
    allowed = activities.allowed_community_ids(session, uid)
    assert opts.allowed_ids == allowed and allowed
    assert {c.id for c in opts.communities[: len(allowed)]} == allowed


# --- 4. a claimed 微心愿 counts once ---------------------------------------------------------------


def _open_wish(session: Session, admin: Actor, community_id: int) -> int:
    category = session.scalars(select(Category.id).order_by(Category.sort_order)).first()
    return needs.create_need(
        session,
        admin,
        data=needs.NeedInput(
            community_id=community_id, category_id=category, title="给独居老人换一台收音机", is_micro_wish=True
        ),
    )


def _wishes(session: Session, unit_id: int, year: int = TODAY.year) -> int:
    return metrics.six_items_counts(session, year=year, as_of=TODAY)[unit_id].get(WISH, 0)


def _grid(session: Session, unit_id: int) -> int:
    progress = activity_reports.six_items_progress(session, year=TODAY.year, as_of=TODAY)
    return next(r.row.counts[ActivityKind.MICRO_WISH] for r in progress.rows if r.id == unit_id)


def test_claiming_a_wish_counts_once_with_or_without_an_activity(
    session: Session, admin: Actor, liaison: Actor
) -> None:
    uid = liaison.unit_id or 0
    community = paired_community_ids(session, uid)[0]
    before = _wishes(session, uid)
    nid = _open_wish(session, admin, community)
    needs.claim_need(session, liaison, need_id=nid, today=TODAY)
    assert session.get(Need, nid).claimed_on == TODAY  # type: ignore[union-attr]
    assert _wishes(session, uid) == before + 1  # the claim alone counts (was n → n)
    assert _grid(session, uid) == before + 1
    # activities about that wish do not count it again
    for title in ("上门送收音机", "回访老人收音机使用情况"):
        _log(session, liaison, uid, community, kind=ActivityKind.MICRO_WISH, title=title, need_id=nid)
        assert _wishes(session, uid) == before + 1
    # fulfilled, it still counts once
    need = session.get(Need, nid)
    assert need is not None
    need.status = NeedStatus.SOLVED
    session.flush()
    assert _wishes(session, uid) == before + 1
    ledger = activity_reports.build_ledger(session, unit_id=uid, year=TODAY.year, as_of=TODAY, with_photos=False)
    assert ledger.six_items.counts[ActivityKind.MICRO_WISH] == before + 1
    # an activity of that kind naming no wish still counts on its own
    _log(session, liaison, uid, community, kind=ActivityKind.MICRO_WISH, title="另一户的心愿")
    assert _wishes(session, uid) == before + 2


def test_a_unit_with_nothing_but_a_claim_has_the_item_done(session: Session, admin: Actor, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    for aid in session.scalars(
        select(Activity.id).where(Activity.unit_id == uid, Activity.kind == ActivityKind.MICRO_WISH)
    ):
        activities.delete_activity(session, admin, aid)
    for need in session.scalars(select(Need).where(Need.claimed_by_unit_id == uid, Need.is_micro_wish.is_(True))):
        need.status = NeedStatus.CLOSED  # given up: no longer held
    session.flush()
    assert _wishes(session, uid) == 0
    nid = _open_wish(session, admin, paired_community_ids(session, uid)[0])
    needs.claim_need(session, liaison, need_id=nid, today=TODAY)
    assert _wishes(session, uid) == 1
    assert _wishes(session, uid, TODAY.year - 1) == 0  # counted in the year it was claimed


def test_a_wish_claimed_last_year_is_not_counted_again_by_this_years_activity(
    session: Session, admin: Actor, liaison: Actor
) -> None:
    uid = liaison.unit_id or 0
    community = paired_community_ids(session, uid)[0]
    nid = _open_wish(session, admin, community)
    needs.claim_need(session, liaison, need_id=nid, today=date(TODAY.year - 1, 12, 20))
    last, this = _wishes(session, uid, TODAY.year - 1), _wishes(session, uid)
    _log(session, liaison, uid, community, kind=ActivityKind.MICRO_WISH, title="年初兑现心愿", need_id=nid)
    assert (_wishes(session, uid, TODAY.year - 1), _wishes(session, uid)) == (last, this)


@pytest.mark.parametrize(
    ("kind", "which", "code"),
    [
        (ActivityKind.VOLUNTEER, "held", "activities.error.need_kind"),  # only a 认领微心愿 activity names a wish
        (ActivityKind.MICRO_WISH, "open", "activities.error.need_not_held"),  # a wish the unit does not hold
    ],
)
def test_an_activity_names_only_a_wish_the_unit_holds(
    session: Session, admin: Actor, liaison: Actor, kind: ActivityKind, which: str, code: str
) -> None:
    uid = liaison.unit_id or 0
    community = paired_community_ids(session, uid)[0]
    nid = _open_wish(session, admin, community)
    if which == "held":
        needs.claim_need(session, liaison, need_id=nid, today=TODAY)
    before = _activities(session)
    with pytest.raises(ValidationError) as err:
        _log(session, liaison, uid, community, kind=kind, need_id=nid)
    assert (err.value.field, err.value.code) == ("activities.fields.need", code)
    assert _activities(session) == before


def test_a_members_activities_about_one_wish_count_once(session: Session, admin: Actor, liaison: Actor) -> None:
    uid = liaison.unit_id or 0
    community = paired_community_ids(session, uid)[0]
    mid = members.create_member(session, liaison, name="心愿党员", unit_id=uid, community_id=community)
    nid = _open_wish(session, admin, community)
    needs.claim_need(session, liaison, need_id=nid, today=TODAY)
    for title in ("送收音机", "回访"):
        _log(session, liaison, uid, community, kind=ActivityKind.MICRO_WISH, title=title, need_id=nid, member_id=mid)
    _log(session, liaison, uid, community, kind=ActivityKind.MICRO_WISH, title="另一个", member_id=mid)
    progress = activity_reports.six_items_progress(session, year=TODAY.year, as_of=TODAY, by="member")
    row = next(r for r in progress.rows if r.id == mid)
    assert row.row.counts[ActivityKind.MICRO_WISH] == 2
