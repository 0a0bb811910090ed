"""All models, importable from one place (Alembic reads ``Base.metadata`` from here)."""

from db.models.accountability import (
    ContractTask,
    EvaluationCriterion,
    EvaluationRound,
    EvaluationScore,
    Whistle,
    WhistleResponse,
)
from db.models.activity import Activity, Attachment
from db.models.base import Base, utcnow
from db.models.lists import (
    Agreement,
    Milestone,
    Need,
    Project,
    ProjectStageChange,
    Resource,
    project_need,
    project_resource,
    project_unit,
)
from db.models.meetings import ActionItem, Meeting, MeetingAttendance, RotationSlot
from db.models.notices import Notice, NoticeAttempt, SchedulerState
from db.models.org import Category, Community, LoginThrottle, Member, Pairing, Unit, User
from db.models.residents import Publicity, PublicWrite, ResidentSubmission, publicity_project
from db.models.system import AuditEntry, DataVersion, Setting

__all__ = [
    "ActionItem",
    "Activity",
    "Agreement",
    "Attachment",
    "AuditEntry",
    "Base",
    "Category",
    "Community",
    "ContractTask",
    "DataVersion",
    "EvaluationCriterion",
    "EvaluationRound",
    "EvaluationScore",
    "LoginThrottle",
    "Meeting",
    "MeetingAttendance",
    "Member",
    "Milestone",
    "Need",
    "Notice",
    "NoticeAttempt",
    "Pairing",
    "Project",
    "ProjectStageChange",
    "PublicWrite",
    "Publicity",
    "ResidentSubmission",
    "Resource",
    "RotationSlot",
    "SchedulerState",
    "Setting",
    "Unit",
    "User",
    "Whistle",
    "WhistleResponse",
    "project_need",
    "project_resource",
    "project_unit",
    "publicity_project",
    "utcnow",
]
