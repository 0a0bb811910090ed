"""The secretariat's matching vocabulary (services/vocabulary.py): admin only, audited, validated with
field-named messages, stored in the settings row the suggestions read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import AuditEntry, Category, Community, Unit
from domain.actor import Actor
from domain.errors import PermissionDenied, ValidationError
from locales import translate
from services import matrix, needs, resources, vocabulary
from services.settings_store import get_setting


def _id(session: Session, model, name: str) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(model.id).where(model.name == name)))


def _suggested(session: Session, admin: Actor, title: str) -> list[str]:
    items = {i.need: i for i in matrix.suggest_matches(session, needs_limit=None)}
    return [s.resource for s in items[title].suggestions]


def test_a_saved_group_is_stored_audited_and_used_by_the_suggestions(session: Session, admin: Actor) -> None:
    community = _id(session, Community, "安澜社区")
    elder = _id(session, Category, "为老助残")
    needs.create_need(session, admin, data=needs.NeedInput(community, elder, "卧床老人洗澡难"))
    resources.create_resource(
        session,
        admin,
        data=resources.ResourceInput(_id(session, Unit, "县图书馆"), elder, "上门助浴", "专业助浴车和助浴员"),
    )
    session.flush()
    assert "上门助浴" not in _suggested(session, admin, "卧床老人洗澡难")
    audits = session.scalar(select(func.count(AuditEntry.id)))
    saved = vocabulary.set_additions(
        session,
        admin,
        groups=vocabulary.lines_to_groups(topic="助浴、洗澡，擦身 沐浴\n\n", audience="银龄、老寿星"),
        weak="讲座、 讲座",
        stop="麻烦",
    )
    assert saved.groups == (
        vocabulary.Group(("助浴", "洗澡", "擦身", "沐浴"), "topic"),
        vocabulary.Group(("银龄", "老寿星"), "audience"),
    )
    assert get_setting(session, vocabulary.KEY) == {
        "group": [
            {"words": ["助浴", "洗澡", "擦身", "沐浴"], "weak": False, "audience": False},
            {"words": ["银龄", "老寿星"], "weak": False, "audience": True},
        ],
        "weak": ["讲座"],
        "stop": ["麻烦"],
        "words": [],
    }
    assert session.scalar(select(func.count(AuditEntry.id))) == audits + 1
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.entity == "setting"
    assert _suggested(session, admin, "卧床老人洗澡难")[0] == "上门助浴"
    assert vocabulary.get_additions(session) == saved  # read back as saved
    # removing the group takes the suggestion away again
    vocabulary.set_additions(session, admin, groups=[])
    assert "上门助浴" not in _suggested(session, admin, "卧床老人洗澡难")


@pytest.mark.parametrize("who", ["community_worker", "liaison", "leader"])
def test_only_the_admin_changes_the_vocabulary(session: Session, who: str, request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        vocabulary.set_additions(session, actor, groups=[("助浴、洗澡", "topic")])
    assert get_setting(session, vocabulary.KEY) is None


@pytest.mark.parametrize(
    ("groups", "lists", "field", "zh", "en"),
    [
        (
            [("", "topic"), ("助浴", "topic")],
            {},
            "admin.vocabulary.fields.topic_groups",
            "“同义词组（话题）”第 2 行只有“助浴”一个词；同义词组至少要有两个词。",
            '"Synonym groups (topics)" row 2 holds only "助浴"; a synonym group needs at least two words.',
        ),
        (
            [("寒假、暑假", "weak"), ("国庆、x" + "长" * 20, "weak")],
            {},
            "admin.vocabulary.fields.weak_groups",
            f"“弱词组（场合）”第 2 行的“x{'长' * 20}”超过 20 个字。",
            f'"x{"长" * 20}" in "Weak groups (occasions)" row 2 is longer than 20 characters.',
        ),
        (
            [("老人、<b>", "audience")],
            {},
            "admin.vocabulary.fields.audience_groups",
            "“对象词组”第 1 行的“<b>”只能由汉字、字母和数字组成。",
            '"<b>" in "Audience groups" row 1 may hold only Chinese characters, letters and digits.',
        ),
        (
            [("助浴、洗澡", "topic")],
            {"stop": "洗澡"},
            "admin.vocabulary.fields.stop",
            "“停用词”中的“洗澡”同时出现在同义词组或弱词里；停用词会被忽略，请只保留一处。",
            '"洗澡" in "Stop words" is also in a synonym group or among the weak words; a stop word is ignored, '
            "so keep it in one place only.",
        ),
        (
            [],
            {"weak": "讲座、=cmd|x"},
            "admin.vocabulary.fields.weak",
            "“弱词”中的“=cmd”只能由汉字、字母和数字组成。",
            '"=cmd" in "Weak words" may hold only Chinese characters, letters and digits.',
        ),
        (
            [("a、b", "other")],
            {},
            "admin.vocabulary.fields.kind",
            "“同义词组·类型”的取值“other”不在可选范围内。",
            None,
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    session: Session, admin: Actor, groups: list[tuple[str, str]], lists: dict[str, str], field: str, zh: str, en: str
) -> None:
    audits = session.scalar(select(func.count(AuditEntry.id)))
    with pytest.raises(ValidationError) as err:
        vocabulary.set_additions(session, admin, groups=groups, **lists)
    assert err.value.field == field
    for lang, want in (("zh_CN", zh), ("en", en)):
        if want is not None:
            params = dict(err.value.params, field=translate(lang, field))
            assert translate(lang, err.value.code, **params) == want
    assert get_setting(session, vocabulary.KEY) is None
    assert session.scalar(select(func.count(AuditEntry.id))) == audits


def test_the_base_groups_are_readable_and_lines_round_trip() -> None:
    base = vocabulary.base_groups()
    assert len(base) > 50 and any("加装电梯" in g.words for g in base)
    groups = (vocabulary.Group(("助浴", "洗澡"), "topic"), vocabulary.Group(("寒假", "暑假"), "weak"))
    topic = vocabulary.groups_to_lines(groups, "topic")
    weak = vocabulary.groups_to_lines(groups, "weak")
    assert vocabulary.validate_additions(vocabulary.lines_to_groups(topic, weak)).groups == groups
