"""The 发文字号 of the 情况通报 (共建联盟〔2026〕3号): one sequence a year kept in the settings.

``next_report_number`` shows the number the next report would get (the export form offers it,
editable); ``assign_report_number`` issues one — the next in the year's sequence, or a number typed in,
whose sequence is then recorded so that the one after it is +1. A new year starts again at 1."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Setting
from domain.actor import Actor
from domain.doc_number import format_number, parse_number
from domain.enums import AuditAction
from domain.errors import ValidationError
from services import audit, scope, settings_store, validate

NUMBER_KEY = "report_number"
DEFAULT_PREFIX = "共建联盟"
FIELD = "report.fields.number"
MAX_LEN = 40


def _state(value: Any) -> dict[str, Any]:
    state: dict[str, Any] = value if isinstance(value, dict) else {}
    raw = state.get("issued")
    issued: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {"prefix": str(state.get("prefix") or DEFAULT_PREFIX), "issued": {str(k): int(v) for k, v in issued.items()}}


def next_report_number(session: Session, *, today: date) -> str:
    """The number the next report issued ``today`` gets: this year's last one + 1 (1 in a new year)."""
    state = _state(settings_store.get_setting(session, NUMBER_KEY))
    return format_number(state["prefix"], today.year, state["issued"].get(str(today.year), 0) + 1)


def normalise_number(text: str, prefix: str = DEFAULT_PREFIX) -> tuple[str, int, int]:
    """A typed 发文字号 in the standard's form (六角括号, no leading zeros), the alliance's 机关代字
    put in front when only 〔2026〕3号 was typed; (text, year, sequence). Refuses anything else."""
    value = validate.text(FIELD, text, required=True, max_len=MAX_LEN)
    parsed = parse_number(value)
    if parsed is None or parsed[2] < 1 or not 1000 <= parsed[1] <= 9999:
        raise ValidationError(FIELD, "report.error.bad_number", value=value)
    own_prefix, year, seq = parsed
    return format_number(own_prefix or prefix, year, seq), year, seq


def _locked_setting(session: Session) -> Setting:
    """The sequence's row, created when missing without a race and locked until commit."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(Setting).values(key=NUMBER_KEY, value="{}").on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(Setting).values(key=NUMBER_KEY, value="{}").on_conflict_do_nothing())
    elif session.scalar(select(Setting).where(Setting.key == NUMBER_KEY)) is None:
        session.add(Setting(key=NUMBER_KEY, value="{}"))
        session.flush()
    stmt = select(Setting).where(Setting.key == NUMBER_KEY).with_for_update()
    row = session.scalar(stmt.execution_options(populate_existing=True))
    assert row is not None
    return row


def assign_report_number(session: Session, actor: Actor, *, today: date, number: str | None = None) -> str:
    """Issue a 发文字号 (the secretariat's business): ``number`` as typed, else the year's next one;
    the year's sequence then stands at the highest number issued, so the next one follows it."""
    scope.require_administer(actor)
    row = _locked_setting(session)
    before = settings_store.get_setting(session, NUMBER_KEY)
    state = _state(before)
    if number is None or not str(number).strip():
        year, seq = today.year, state["issued"].get(str(today.year), 0) + 1
        text = format_number(state["prefix"], year, seq)
    else:
        text, year, seq = normalise_number(str(number), state["prefix"])
    state["issued"][str(year)] = max(seq, state["issued"].get(str(year), 0))
    settings_store.put_setting(session, NUMBER_KEY, state)
    audit.record(
        session,
        actor,
        AuditAction.UPDATE,
        "setting",
        row.id,
        before={NUMBER_KEY: before},
        after={NUMBER_KEY: state, "issued": text},
    )
    session.flush()
    return text
