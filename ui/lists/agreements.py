"""The /lists page's agreements tab (共建协议): terms, flags for expiring and lapsed, the scan."""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from domain.actor import Actor
from services import agreements
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import t
from ui.kit.state import session_scope
from ui.kit.widgets import PAGE_SIZE, fetch_page, names, pick
from ui.lists import delete as lists_delete
from ui.lists.view import reference

FLAGS = [None, "expiring", "lapsed"]


def _flag(row: object) -> str:
    if row.lapsed:  # type: ignore[attr-defined]
        return "⛔ " + t("lists.agreements.lapsed")
    if row.expiring:  # type: ignore[attr-defined]
        return "⚠️ " + t("lists.agreements.expiring")
    return t("lists.agreements.valid")


def agreements_tab(actor: Actor, today: date) -> None:
    communities, units, _ = reference()
    lists_delete.undo_bar(actor, "agreement")
    c = st.columns(3)
    with c[0]:
        community_id = pick("lists.fields.community", names(communities), key="lists_agr_f_community")
    with c[1]:
        unit_id = pick("lists.fields.unit", names(units), key="lists_agr_f_unit")
    with c[2]:
        flag = st.selectbox(
            t("lists.agreements.flag"),
            FLAGS,
            key="lists_agr_f_flag",
            format_func=lambda f: t("common.all") if f is None else t(f"lists.agreements.{f}"),
        )
    page = fetch_page(
        "lists_agr_page",
        lambda s, offset, limit: agreements.list_agreements(
            s, today=today, community_id=community_id, unit_id=unit_id, flag=flag, offset=offset, limit=limit
        ),
    )
    rows = page.rows
    if rows.empty:
        st.info(t("lists.no_rows"))
    else:
        rows = rows.assign(
            flag=[_flag(r) for r in rows.itertuples()],
            scan=rows["attachment_id"].map(lambda v: "📎" if v == v and v is not None else ""),
        )
        tables.show(
            rows,
            {
                "community": "lists.fields.community",
                "unit": "lists.fields.unit",
                "signed_on": "lists.fields.signed_on",
                "valid_from": "lists.fields.valid_from",
                "valid_to": "lists.fields.valid_to",
                "flag": "lists.agreements.flag",
                "scan": "lists.fields.scan",
                "summary": "lists.fields.summary",
            },
            key="lists_agr_table",
        )
    tables.pager(page.total, key="lists_agr_page", page_size=PAGE_SIZE)
    keepable = rows if rows.empty else rows[[actor.keeps_community(int(c)) for c in rows["community_id"]]]
    if not rows.empty:
        _scan_download(rows)
    if not actor.keeps_community_records:
        return
    allowed = {i: n for i, n in names(communities).items() if actor.keeps_community(i)}
    with st.expander(t("lists.agreements.add"), icon=":material/add:"):
        new = _form("lists_agr_new", agreements.AgreementInput(next(iter(allowed), None), None), allowed, names(units))
        if new is not None:
            run_write(lambda s: agreements.create_agreement(s, actor, data=new), t("lists.saved"))
    lists_delete.recent_panel(actor, "agreement")
    if keepable.empty:
        return
    with st.expander(t("lists.agreements.edit"), icon=":material/edit:"):
        labels = {int(r.id): f"{r.community} · {r.unit}" for r in keepable.itertuples()}
        aid = st.selectbox(t("lists.pick_row"), list(labels), format_func=labels.__getitem__, key="lists_agr_edit_pick")
        with session_scope() as s:
            current = agreements.get_agreement(s, agreement_id=int(aid))
        data = _form(f"lists_agr_edit_{aid}", current, allowed, names(units))
        if data is not None:
            run_write(
                lambda s: agreements.update_agreement(s, actor, agreement_id=int(aid), data=data), t("lists.saved")
            )
        upload = st.file_uploader(
            t("lists.fields.scan"),
            type=["pdf", "jpg", "jpeg", "png"],
            key=f"lists_agr_scan_{aid}",
            help=t("lists.agreements.scan_help"),
        )
        if upload is not None and st.button(t("lists.agreements.attach"), key=f"lists_agr_attach_{aid}"):
            run_write(
                lambda s: agreements.attach_scan(
                    s, actor, agreement_id=int(aid), filename=upload.name, data=upload.getvalue()
                ),
                t("lists.saved"),
            )
        lists_delete.delete_button(
            actor,
            "agreement",
            int(aid),
            labels[aid],
            lambda s: agreements.delete_agreement(s, actor, agreement_id=int(aid)),
        )


def _scan_download(rows: object) -> None:
    with_scan = rows[rows["attachment_id"].notna()]  # type: ignore[index]
    if with_scan.empty:
        return
    labels = {int(r.id): f"{r.community} · {r.unit}" for r in with_scan.itertuples()}
    aid = st.selectbox(
        t("lists.agreements.scan_pick"), list(labels), format_func=labels.__getitem__, key="lists_agr_scan_pick"
    )
    with session_scope() as s:
        scan = agreements.scan_of(s, agreement_id=int(aid))
    if scan:
        st.download_button(
            t("lists.agreements.download_scan"),
            data=scan[2],
            file_name=scan[0],
            mime=scan[1],
            key="lists_agr_scan_dl",
            icon=":material/download:",
        )


def _form(
    key: str, d: agreements.AgreementInput, communities: dict[int, str], units: dict[int, str]
) -> agreements.AgreementInput | None:
    with st.form(key):
        c: tuple[DeltaGenerator, ...] = st.columns(2)  # later rows reuse `c` with other widths
        cids, uids = list(communities), list(units)
        community_id = c[0].selectbox(
            t("lists.fields.community"),
            cids,
            format_func=communities.__getitem__,
            index=cids.index(d.community_id) if d.community_id in cids else 0,
            key=f"{key}_community",
        )
        unit_id = c[1].selectbox(
            t("lists.fields.unit"),
            uids,
            format_func=units.__getitem__,
            index=uids.index(d.unit_id) if d.unit_id in uids else 0,
            key=f"{key}_unit",
        )
        c = st.columns(3)
        signed = c[0].date_input(t("lists.fields.signed_on"), value=d.signed_on, key=f"{key}_signed")
        valid_from = c[1].date_input(t("lists.fields.valid_from"), value=d.valid_from, key=f"{key}_from")
        valid_to = c[2].date_input(t("lists.fields.valid_to"), value=d.valid_to, key=f"{key}_to")
        summary = st.text_area(t("lists.fields.summary"), value=d.summary, key=f"{key}_summary")
        if not st.form_submit_button(t("lists.save"), type="primary"):
            return None
    return agreements.AgreementInput(community_id, unit_id, signed, valid_from, valid_to, summary)
