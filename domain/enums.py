"""The closed vocabularies of the domain. Values are stable codes stored in the database;
labels come from the locale catalogs (``enum.<Class>.<value>``)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COMMUNITY = "community"
    LIAISON = "liaison"
    LEADER = "leader"


class NeedStatus(StrEnum):
    OPEN = "open"  # 待对接
    CLAIMED = "claimed"  # 已认领
    PROJECT = "project"  # 已立项
    SOLVED = "solved"  # 已解决
    CLOSED = "closed"  # 已关闭


class Priority(StrEnum):
    MEDIUM = "medium"
    HIGH = "high"
    LOW = "low"


class NeedSource(StrEnum):
    VISIT = "visit"  # 走访
    RESIDENT = "resident"  # 居民提
    GRID = "grid"  # 网格员
    COUNCIL = "council"  # 议事会


class ResourceStatus(StrEnum):
    AVAILABLE = "available"  # 可用
    MATCHED = "matched"  # 已对接
    PAUSED = "paused"  # 暂停


class ProjectStage(StrEnum):
    """The consultation path, in order."""

    COLLECT = "collect"  # 征集需求
    TOPIC = "topic"  # 形成议题
    CONSULT = "consult"  # 讨论协商
    DECIDED = "decided"  # 确定项目
    IN_PROGRESS = "in_progress"  # 实施中
    DONE = "done"  # 已完成
    EVALUATED = "evaluated"  # 已评价


PROJECT_STAGE_ORDER: tuple[ProjectStage, ...] = tuple(ProjectStage)


class ActivityKind(StrEnum):
    ORG_LIFE = "org_life"  # 组织生活
    FORUM = "forum"  # 座谈
    SURVEY = "survey"  # 调研
    MICRO_WISH = "micro_wish"  # 认领微心愿
    VOLUNTEER = "volunteer"  # 志愿服务
    PAIR_HELP = "pair_help"  # 结对帮扶
    PARTY_DAY = "party_day"  # 主题党日
    VISIT = "visit"  # 慰问
    LECTURE = "lecture"  # 宣讲
    OTHER = "other"  # 其他


SIX_ITEMS: tuple[ActivityKind, ...] = (
    ActivityKind.ORG_LIFE,
    ActivityKind.FORUM,
    ActivityKind.SURVEY,
    ActivityKind.MICRO_WISH,
    ActivityKind.VOLUNTEER,
    ActivityKind.PAIR_HELP,
)


class RotationStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"


class MeetingKind(StrEnum):
    QUARTERLY = "quarterly"  # 季度联席会议
    REGULAR = "regular"  # 例会
    MATCHING = "matching"  # 资源对接会


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class WhistleKind(StrEnum):
    PROGRESS = "progress"  # 工作推进哨
    TOUGH = "tough"  # 攻坚克难哨


class WhistleStage(StrEnum):
    """A summoned unit's path through one matter, in order."""

    RAISED = "raised"  # 吹哨
    SIGNED = "signed"  # 签收
    CONTACTED = "contacted"  # 联系
    REPORTED = "reported"  # 报到
    HANDLED = "handled"  # 处置
    CLOSED = "closed"  # 办结
    RATED = "rated"  # 评价


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    IMPORT = "import"
    EXPORT = "export"


class AttachmentOwner(StrEnum):
    ACTIVITY = "activity"
    AGREEMENT = "agreement"
    MEETING = "meeting"
    WHISTLE = "whistle"


class NoticeEvent(StrEnum):
    """What a notice tells (issue 14): the rules of ``domain.notices``."""

    CHAIR_UPCOMING = "chair_upcoming"  # 轮值主席: N days before the month
    CHAIR_START = "chair_start"  # 轮值主席: the month's first day
    CHAIR_MISSING = "chair_missing"  # next year's rotation missing (from 1 December, daily)
    WHISTLE_RAISED = "whistle_raised"  # 吹哨: a unit is summoned
    WHISTLE_WARNING = "whistle_warning"  # 80 % of a stage's limit gone
    WHISTLE_PASSED = "whistle_passed"  # a stage's limit passed
    WHISTLE_OVERDUE = "whistle_overdue"  # a stage overdue by a whole limit (to the admins)
    ACTION_UPCOMING = "action_upcoming"  # 待办: three days before the due date
    ACTION_OVERDUE = "action_overdue"  # 待办: the first overdue day
    TEST = "test"  # the admin's test e-mail


class NoticeChannel(StrEnum):
    INBOX = "inbox"  # 站内消息
    EMAIL = "email"  # 电子邮件


class NoticeStatus(StrEnum):
    PENDING = "pending"  # 待发送
    SENT = "sent"  # 已送达
    FAILED = "failed"  # 发送失败


class SubmissionKind(StrEnum):
    """What a resident brought through the public board (居民提)."""

    NEED = "need"  # 需求
    WISH = "wish"  # 微心愿
    OBJECTION = "objection"  # 异议 to a 公示


class SubmissionStatus(StrEnum):
    PENDING = "pending"  # 待处理
    ACCEPTED = "accepted"  # 已采纳 (a need, or an objection taken up)
    MERGED = "merged"  # 已并入 an existing need
    DECLINED = "declined"  # 不予采纳, with a reason


class PublicityKind(StrEnum):
    """What a 公示 shows."""

    SHORTLIST = "shortlist"  # 拟立项目
    RESULT = "result"  # 结果
