"""The 操作记录 tab of the 管理 page: the audit log filtered and paged on the server, one entry's
before/after as plain text, and the filtered log as CSV or Excel."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from domain.actor import Actor
from domain.enums import AuditAction
from domain.errors import AppError
from exports import audit_log as audit_files
from exports import charts
from exports.format import fmt_datetime, today_local
from locales import has_key
from services import audit_log
from services.audit_log import AuditQuery
from ui.admin import view as admin_view
from ui.kit import tables
from ui.kit.actions import write_scope
from ui.kit.i18n import current_language, error_message, label, t
from ui.kit.state import session_scope

EXPORT_KEY = "admin_audit_export"
COLUMNS = {
    "at": "admin.audit.at",
    "username": "fields.username",
    "action": "admin.audit.action",
    "entity": "admin.audit.entity",
    "entity_id": "admin.audit.entity_id",
    "summary": "admin.audit.summary",
}


def entity_label(code: str) -> str:
    key = f"admin.entity.{code}"
    return t(key) if has_key(current_language(), key) else code


def _field_label(name: str) -> str:
    for key in (f"fields.{name}", f"admin.fields.{name}"):
        if has_key(current_language(), key):
            return t(key)
    return name


def _filters(actor: Actor) -> AuditQuery:
    with session_scope() as s:
        usernames = audit_log.audit_usernames(s, actor)
        entities = audit_log.audit_entities(s, actor)
    today = today_local()
    c1, c2, c3, c4 = st.columns(4)
    date_from = c1.date_input(
        t("common.from_date"), value=today - timedelta(days=30), key="admin_audit_from", format="YYYY-MM-DD"
    )
    date_to = c2.date_input(t("common.to_date"), value=None, key="admin_audit_to", format="YYYY-MM-DD")
    username = c3.selectbox(
        t("fields.username"), ["", *usernames], key="admin_audit_user", format_func=lambda u: u or t("common.all")
    )
    action = c4.selectbox(
        t("admin.audit.action"),
        [None, *AuditAction],
        key="admin_audit_action",
        format_func=lambda a: t("common.all") if a is None else label(a),
    )
    c5, c6 = st.columns([1, 3])
    entity = c5.selectbox(
        t("admin.audit.entity"),
        ["", *entities],
        key="admin_audit_entity",
        format_func=lambda e: entity_label(e) if e else t("common.all"),
    )
    text = c6.text_input(t("common.search"), key="admin_audit_text", placeholder=t("admin.audit.search_hint"))
    return AuditQuery(date_from=date_from, date_to=date_to, username=username, action=action, entity=entity, text=text)


def _present(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(
        entity=df["entity"].map(entity_label),
        entity_id=df["entity_id"].map(lambda v: "" if pd.isna(v) else str(int(v))),
    )
    return tables.present(df, COLUMNS, enums={"action": AuditAction})


def audit_tab(actor: Actor) -> None:
    query = _filters(actor)
    try:
        with session_scope() as s:
            _, total = audit_log.search_audit(s, actor, query=query, limit=0)
            counts = audit_log.count_by_action(s, actor, query=query)
    except AppError as err:
        st.error(error_message(err))
        return
    if total == 0:
        st.info(t("admin.audit.empty"))
        return

    chart_col, table_col = st.columns([1, 3])
    with chart_col:
        counts = counts.assign(action=counts["action"].map(lambda a: label(AuditAction(a))))
        st.altair_chart(
            charts.bar(
                counts,
                x="action",
                y="count",
                title=t("admin.audit.by_action"),
                x_title=t("admin.audit.action"),
                y_title=t("fields.count"),
                horizontal=True,
                tr=t,
            ),
            width="stretch",
        )
    with table_col:
        table = st.container()
        offset, limit = tables.pager(total, key="admin_audit_page")
        with session_scope() as s:
            page, _ = audit_log.search_audit(s, actor, query=query, offset=offset, limit=limit)
        with table:
            st.dataframe(
                _present(page),
                hide_index=True,
                width="stretch",
                key="admin_audit_table",
                height=admin_view.table_height(len(page)),
            )

    _detail(actor, page)
    _export(actor, query, total)


def _detail(actor: Actor, page: pd.DataFrame) -> None:
    lang = current_language()
    choices = {
        int(
            r.id
        ): f"#{r.id} · {fmt_datetime(r.at, lang)} · {r.username} · {label(AuditAction(r.action))} · {entity_label(r.entity)}"
        for r in page.itertuples()
    }
    with st.expander(t("admin.audit.detail"), icon=":material/manage_search:"):
        entry_id = st.selectbox(
            t("admin.audit.pick"), list(choices), format_func=choices.__getitem__, key="admin_audit_entry"
        )
        if entry_id is None:
            return
        with session_scope() as s:
            detail = audit_log.get_entry(s, actor, entry_id=entry_id)
        if detail.changes:
            st.dataframe(
                pd.DataFrame(
                    {
                        t("admin.audit.field"): [_field_label(c.field) for c in detail.changes],
                        t("admin.audit.before"): [c.before for c in detail.changes],
                        t("admin.audit.after"): [c.after for c in detail.changes],
                    }
                ),
                hide_index=True,
                width="stretch",
                key="admin_audit_changes",
            )
        left, right = st.columns(2)
        left.caption(t("admin.audit.before"))
        left.code(detail.before_json or "—", language="json")
        right.caption(t("admin.audit.after"))
        right.code(detail.after_json or "—", language="json")


def _export(actor: Actor, query: AuditQuery, total: int) -> None:
    ready = st.session_state.get(EXPORT_KEY)
    if ready and ready["query"] != query:
        ready = None
    c1, c2, c3 = st.columns([1, 1, 2])
    if ready is None:
        if c1.button(
            t("admin.audit.prepare_export"),
            key="admin_audit_prepare",
            icon=":material/download:",
            help=t("admin.audit.export_help", max=f"{audit_log.EXPORT_LIMIT:,}"),
        ):
            with write_scope() as s:  # the export writes its own audit row
                df, matched = audit_log.export_audit(s, actor, query=query)
            shown = _present(df)
            st.session_state[EXPORT_KEY] = {
                "query": query,
                "rows": len(df),
                "matched": matched,
                "csv": audit_files.to_csv(shown),
                "xlsx": audit_files.to_xlsx(shown, sheet=t("admin.tabs.audit")),
            }
            st.rerun()
        return
    name = f"audit-{today_local().isoformat()}"
    c1.download_button(
        t("common.download_csv"),
        ready["csv"],
        file_name=f"{name}.csv",
        mime="text/csv",
        key="admin_audit_csv",
        icon=":material/table:",
        help=t("common.csv_formula_note"),
    )
    c2.download_button(
        t("common.download_xlsx"),
        ready["xlsx"],
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="admin_audit_xlsx",
        icon=":material/grid_on:",
    )
    note = "admin.audit.export_ready" if ready["rows"] == ready["matched"] else "admin.audit.export_capped"
    c3.caption(t(note, rows=f"{ready['rows']:,}", matched=f"{ready['matched']:,}") + " " + t("common.csv_formula_note"))
