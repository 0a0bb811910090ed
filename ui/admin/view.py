"""The tabs of the 管理 page: accounts, co-building units, communities, categories.

Each tab reads one page of its list from the services, shows it, and offers its forms; every
write goes through ``ui.kit.actions.run_write`` and reruns with a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from domain.actor import Actor
from domain.enums import Role
from exports.format import fmt_date, fmt_datetime
from services import admin, reference, users, vocabulary
from ui.kit import tables
from ui.kit.actions import run_write
from ui.kit.i18n import current_language, label, t
from ui.kit.safe import md_escape
from ui.kit.state import session_scope

PAGE_SIZE = 20


# --- shared helpers ---------------------------------------------------------------------------------


def done(key: str = "common.saved", **params: Any) -> str:
    """The success message of a write; the names in it are user text: shown as typed, never as Markdown."""
    return t(key, **{k: md_escape(v) if isinstance(v, str) else v for k, v in params.items()})


def _paged(fetch: Callable[[int, int], tuple[pd.DataFrame, int]], key: str) -> pd.DataFrame:
    """Count, show the pager, then read only the chosen page from the server."""
    _, total = fetch(0, 0)
    offset, limit = tables.pager(total, key=key, page_size=PAGE_SIZE)
    df, _ = fetch(offset, limit)
    return df


def table_height(rows: int) -> int:
    """Tall enough to show a whole page of rows without an inner scrollbar."""
    return 38 + 35 * max(1, rows)


def _none_first(options: list[reference.Option]) -> tuple[list[int | None], dict[int | None, str]]:
    names: dict[int | None, str] = {None: "—"}
    names.update({o.id: o.name for o in options})
    return list(names), names


def _index(options: list[Any], value: Any) -> int:
    return options.index(value) if value in options else 0


# --- 用户 ----------------------------------------------------------------------------------------------


def users_tab(actor: Actor) -> None:
    lang = current_language()
    left, right = st.columns([3, 1])
    text = left.text_input(t("common.search"), key="admin_user_text", placeholder=t("admin.users.search_hint"))
    role = right.selectbox(
        t("fields.role"),
        [None, *Role],
        key="admin_user_role",
        format_func=lambda r: t("common.all") if r is None else label(r),
    )

    def fetch(offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        with session_scope() as s:
            return users.search_users(s, actor, text=text, role=role, offset=offset, limit=limit)

    table = st.container()
    df = _paged(fetch, "admin_user_page")
    df["locked_until"] = df["locked_until"].map(lambda v: fmt_datetime(v, lang) if pd.notna(v) else "")
    with table:
        tables.show(
            df,
            {
                "username": "fields.username",
                "display_name": "fields.display_name",
                "role": "fields.role",
                "binding": "admin.users.binding",
                "active": "fields.active",
                "locked_until": "admin.users.locked_until",
                "email": "fields.email",
            },
            enums={"role": Role},
            key="admin_user_table",
            height=table_height(len(df)),
        )

    with session_scope() as s:
        communities = reference.list_communities(s)
        units = reference.list_units(s)
        choices = users.user_choices(s, actor)
    community_ids, community_names = _none_first(communities)
    unit_ids, unit_names = _none_first(units)

    with st.expander(t("admin.users.create"), icon=":material/person_add:"):
        with st.form("admin_user_create", clear_on_submit=False):
            c1, c2 = st.columns(2)
            username = c1.text_input(
                t("fields.username"), key="admin_new_username", help=t("admin.users.username_help")
            )
            display = c2.text_input(t("fields.display_name"), key="admin_new_display")
            new_role = c1.selectbox(t("fields.role"), list[Role](Role), format_func=label, key="admin_new_role")
            email = c2.text_input(t("fields.email"), key="admin_new_email")
            community_id = c1.selectbox(
                t("fields.community"), community_ids, key="admin_new_community", format_func=community_names.__getitem__
            )
            unit_id = c2.selectbox(t("fields.unit"), unit_ids, key="admin_new_unit", format_func=unit_names.__getitem__)
            password = c1.text_input(
                t("fields.password"), type="password", key="admin_new_password", help=t("account.password_rule")
            )
            st.caption(t("admin.users.binding_help"))
            if st.form_submit_button(t("admin.users.create_button"), type="primary"):
                run_write(
                    lambda s: users.create_user(
                        s,
                        actor,
                        username=username,
                        display_name=display,
                        password=password,
                        role=new_role,
                        email=email,
                        community_id=community_id,
                        unit_id=unit_id,
                    ),
                    done("admin.users.created", name=username),
                )

    with st.expander(t("admin.users.edit"), icon=":material/manage_accounts:"):
        ids = [c[0] for c in choices]
        labels = dict(choices)
        user_id = st.selectbox(t("admin.users.pick"), ids, format_func=labels.__getitem__, key="admin_edit_user")
        if user_id is not None:
            _edit_user(actor, user_id, community_ids, community_names, unit_ids, unit_names)


def _edit_user(
    actor: Actor,
    user_id: int,
    community_ids: list[int | None],
    community_names: dict[int | None, str],
    unit_ids: list[int | None],
    unit_names: dict[int | None, str],
) -> None:
    lang = current_language()
    with session_scope() as s:
        user = users.get_user_detail(s, actor, user_id=user_id)
    left, right = st.columns([3, 2])
    with left, st.form(f"admin_user_edit_{user_id}"):
        c1, c2 = st.columns(2)
        display = c1.text_input(t("fields.display_name"), value=user.display_name, key=f"admin_edit_display_{user_id}")
        email = c2.text_input(t("fields.email"), value=user.email, key=f"admin_edit_email_{user_id}")
        roles = list(Role)
        role = c1.selectbox(
            t("fields.role"), roles, index=roles.index(user.role), format_func=label, key=f"admin_edit_role_{user_id}"
        )
        active = c2.checkbox(t("fields.active"), value=user.active, key=f"admin_edit_active_{user_id}")
        community_id = c1.selectbox(
            t("fields.community"),
            community_ids,
            key=f"admin_edit_community_{user_id}",
            index=_index(community_ids, user.community_id),
            format_func=community_names.__getitem__,
        )
        unit_id = c2.selectbox(
            t("fields.unit"),
            unit_ids,
            index=_index(unit_ids, user.unit_id),
            format_func=unit_names.__getitem__,
            key=f"admin_edit_unit_{user_id}",
        )
        if st.form_submit_button(t("common.save"), type="primary"):
            run_write(
                lambda s: users.update_user(
                    s,
                    actor,
                    user_id=user_id,
                    display_name=display,
                    email=email,
                    role=role,
                    community_id=community_id,
                    unit_id=unit_id,
                    active=active,
                ),
                done(),
            )
    with right:
        if user.locked_until is not None:
            st.warning(t("admin.users.locked_note", until=fmt_datetime(user.locked_until, lang)))
            if st.button(t("admin.users.unlock"), key=f"admin_unlock_{user_id}", icon=":material/lock_open:"):
                run_write(lambda s: users.unlock_user(s, actor, user_id=user_id), done("admin.users.unlocked"))
        toggle = "admin.users.disable" if user.active else "admin.users.enable"
        if st.button(t(toggle), key=f"admin_toggle_{user_id}", disabled=user.id == actor.user_id):
            run_write(lambda s: users.set_user_active(s, actor, user_id=user_id, active=not user.active), done())
        with st.form(f"admin_user_reset_{user_id}", clear_on_submit=True):
            new = st.text_input(
                t("fields.new_password"),
                type="password",
                key=f"admin_reset_new_{user_id}",
                help=t("account.password_rule"),
            )
            if st.form_submit_button(t("admin.users.reset_password")):
                run_write(
                    lambda s: users.reset_password(s, actor, user_id=user_id, new_password=new),
                    done("admin.users.password_reset", name=user.username),
                )


# --- 共建单位 --------------------------------------------------------------------------------------------


def units_tab(actor: Actor) -> None:
    with session_scope() as s:
        kinds = admin.unit_kinds(s)
        communities = reference.list_communities(s)
        all_units = reference.list_units(s)
    c1, c2, c3 = st.columns([2, 1, 1])
    text = c1.text_input(t("common.search"), key="admin_unit_text", placeholder=t("admin.units.search_hint"))
    kind = c2.selectbox(
        t("admin.fields.kind"), ["", *kinds], key="admin_unit_kind", format_func=lambda k: k or t("common.all")
    )
    states = {None: t("common.all"), True: t("admin.units.active"), False: t("admin.units.inactive")}
    active = c3.selectbox(t("fields.status"), list(states), format_func=states.__getitem__, key="admin_unit_active")

    def fetch(offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        with session_scope() as s:
            return admin.list_units_page(s, actor, text=text, kind=kind, active=active, offset=offset, limit=limit)

    table = st.container()
    df = _paged(fetch, "admin_unit_page")
    with table:
        tables.show(
            df,
            {
                "name": "admin.fields.unit_name",
                "kind": "admin.fields.kind",
                "pairings": "admin.units.pairings",
                "party_members": "admin.fields.party_members",
                "contact": "admin.fields.contact",
                "phone": "admin.fields.phone",
                "active": "fields.active",
            },
            key="admin_unit_table",
            height=table_height(len(df)),
        )

    with st.expander(t("admin.units.create"), icon=":material/add_business:"):
        with st.form("admin_unit_create"):
            values = _unit_fields("admin_new_unit", kinds)
            if st.form_submit_button(t("common.add"), type="primary"):
                run_write(
                    lambda s: admin.create_unit(s, actor, **values), done("admin.units.created", name=values["name"])
                )

    with st.expander(t("admin.units.edit"), icon=":material/edit:"):
        names = {o.id: o.name for o in all_units}
        unit_id = st.selectbox(t("admin.units.pick"), list(names), format_func=names.__getitem__, key="admin_edit_unit")
        if unit_id is not None:
            _edit_unit(actor, unit_id, kinds, communities)


def _unit_fields(prefix: str, kinds: list[str], unit: admin.UnitDetail | None = None) -> dict[str, Any]:
    c1, c2 = st.columns(2)
    kind_options = kinds if unit is None or unit.kind in kinds or not unit.kind else [*kinds, unit.kind]
    return {
        "name": c1.text_input(t("admin.fields.unit_name"), value=unit.name if unit else "", key=f"{prefix}_name"),
        "kind": c2.selectbox(
            t("admin.fields.kind"),
            kind_options,
            key=f"{prefix}_kind",
            accept_new_options=True,
            index=_index(kind_options, unit.kind) if unit and unit.kind else None,
            placeholder=t("admin.units.kind_hint"),
        )
        or "",
        "contact": c1.text_input(
            t("admin.fields.contact"), value=unit.contact if unit else "", key=f"{prefix}_contact"
        ),
        "phone": c2.text_input(t("admin.fields.phone"), value=unit.phone if unit else "", key=f"{prefix}_phone"),
        "party_members": c1.number_input(
            t("admin.fields.party_members"),
            min_value=0,
            step=1,
            value=unit.party_members if unit else 0,
            key=f"{prefix}_members",
        ),
        "joined_on": c2.date_input(
            t("admin.fields.joined_on"),
            value=unit.joined_on if unit else None,
            key=f"{prefix}_joined",
            format="YYYY-MM-DD",
        ),
    }


def _edit_unit(actor: Actor, unit_id: int, kinds: list[str], communities: list[reference.Option]) -> None:
    lang = current_language()
    with session_scope() as s:
        unit = admin.get_unit(s, actor, unit_id=unit_id)
    with st.form(f"admin_unit_edit_{unit_id}"):
        values = _unit_fields(f"admin_edit_unit_{unit_id}", kinds, unit)
        active = st.checkbox(
            t("admin.units.is_active"),
            value=unit.active,
            key=f"admin_edit_unit_active_{unit_id}",
            help=t("admin.units.active_help"),
        )
        if st.form_submit_button(t("common.save"), type="primary"):
            run_write(lambda s: admin.update_unit(s, actor, unit_id=unit_id, active=active, **values), done())

    st.markdown(f"**{t('admin.units.pairings')}**")
    if unit.pairings:
        st.dataframe(
            pd.DataFrame(
                {
                    t("fields.community"): [p.community_name for p in unit.pairings],
                    t("admin.fields.paired_since"): [fmt_date(p.paired_since, lang) for p in unit.pairings],
                }
            ),
            hide_index=True,
            width="stretch",
            key=f"admin_unit_pairings_{unit_id}",
        )
    else:
        st.caption(t("admin.units.no_pairings"))
    names = {o.id: o.name for o in communities}
    with st.form(f"admin_unit_pair_{unit_id}"):
        c1, c2 = st.columns(2)
        community_id = c1.selectbox(
            t("fields.community"), list(names), format_func=names.__getitem__, key=f"admin_pair_community_{unit_id}"
        )
        since = c2.date_input(
            t("admin.fields.paired_since"), value=None, format="YYYY-MM-DD", key=f"admin_pair_since_{unit_id}"
        )
        b1, b2 = st.columns(2)
        if b1.form_submit_button(t("admin.units.pair"), icon=":material/link:"):
            run_write(
                lambda s: admin.pair_unit(s, actor, unit_id=unit_id, community_id=community_id, paired_since=since),
                done(),
            )
        if b2.form_submit_button(t("admin.units.unpair"), icon=":material/link_off:"):
            run_write(
                lambda s: admin.unpair_unit(s, actor, unit_id=unit_id, community_id=community_id),
                done("admin.units.unpaired"),
            )


# --- 社区 ----------------------------------------------------------------------------------------------


def communities_tab(actor: Actor) -> None:
    text = st.text_input(t("common.search"), key="admin_community_text")

    def fetch(offset: int, limit: int) -> tuple[pd.DataFrame, int]:
        with session_scope() as s:
            return admin.list_communities_page(s, actor, text=text, offset=offset, limit=limit)

    table = st.container()
    df = _paged(fetch, "admin_community_page")
    with table:
        tables.show(
            df,
            {
                "name": "admin.fields.community_name",
                "street": "admin.fields.street",
                "units": "admin.communities.units",
                "contact": "admin.fields.contact",
                "phone": "admin.fields.phone",
            },
            key="admin_community_table",
            height=table_height(len(df)),
        )
    with session_scope() as s:
        communities = reference.list_communities(s)

    with st.expander(t("admin.communities.create"), icon=":material/add_home:"):
        with st.form("admin_community_create"):
            values = _community_fields("admin_new_community")
            if st.form_submit_button(t("common.add"), type="primary"):
                run_write(
                    lambda s: admin.create_community(s, actor, **values),
                    done("admin.communities.created", name=values["name"]),
                )
    with st.expander(t("admin.communities.edit"), icon=":material/edit:"):
        names = {o.id: o.name for o in communities}
        community_id = st.selectbox(
            t("admin.communities.pick"), list(names), format_func=names.__getitem__, key="admin_edit_community"
        )
        if community_id is not None:
            with session_scope() as s:
                community = admin.get_community(s, actor, community_id=community_id)
            with st.form(f"admin_community_edit_{community_id}"):
                values = _community_fields(f"admin_edit_community_{community_id}", community)
                if st.form_submit_button(t("common.save"), type="primary"):
                    run_write(lambda s: admin.update_community(s, actor, community_id=community_id, **values), done())


def _community_fields(prefix: str, community: admin.CommunityDetail | None = None) -> dict[str, str]:
    c1, c2 = st.columns(2)
    return {
        "name": c1.text_input(
            t("admin.fields.community_name"), value=community.name if community else "", key=f"{prefix}_name"
        ),
        "street": c2.text_input(
            t("admin.fields.street"), value=community.street if community else "", key=f"{prefix}_street"
        ),
        "contact": c1.text_input(
            t("admin.fields.contact"), value=community.contact if community else "", key=f"{prefix}_contact"
        ),
        "phone": c2.text_input(
            t("admin.fields.phone"), value=community.phone if community else "", key=f"{prefix}_phone"
        ),
    }


# --- 类别 ----------------------------------------------------------------------------------------------


def categories_tab(actor: Actor) -> None:
    with session_scope() as s:
        df = admin.list_categories(s, actor)
    st.caption(t("admin.categories.intro"))
    tables.show(
        df,
        {
            "sort_order": "admin.fields.sort_order",
            "name": "admin.fields.category_name",
            "description": "fields.description",
            "needs": "admin.categories.needs",
            "resources": "admin.categories.resources",
        },
        key="admin_category_table",
        height=table_height(len(df)),
    )
    left, right = st.columns(2)
    with left, st.form("admin_category_create", clear_on_submit=True):
        st.markdown(f"**{t('admin.categories.create')}**")
        name = st.text_input(t("admin.fields.category_name"), key="admin_new_category_name")
        description = st.text_input(t("fields.description"), key="admin_new_category_description")
        if st.form_submit_button(t("common.add"), type="primary"):
            run_write(
                lambda s: admin.create_category(s, actor, name=name, description=description),
                done("admin.categories.created", name=name),
            )
    with right:
        st.markdown(f"**{t('admin.categories.edit')}**")
        if df.empty:
            return
        names = dict(zip(df["id"], df["name"], strict=True))
        category_id = st.selectbox(
            t("admin.categories.pick"), list(names), format_func=names.__getitem__, key="admin_edit_category"
        )
        row = df[df["id"] == category_id].iloc[0]
        with st.form(f"admin_category_edit_{category_id}"):
            new_name = st.text_input(
                t("admin.fields.category_name"), value=row["name"], key=f"admin_edit_category_name_{category_id}"
            )
            new_description = st.text_input(
                t("fields.description"), value=row["description"], key=f"admin_edit_category_description_{category_id}"
            )
            if st.form_submit_button(t("admin.categories.rename"), type="primary"):
                run_write(
                    lambda s: admin.update_category(
                        s, actor, category_id=int(category_id), name=new_name, description=new_description
                    ),
                    done(),
                )
        b1, b2, b3 = st.columns(3)
        if b1.button(t("admin.categories.up"), key="admin_category_up", icon=":material/arrow_upward:"):
            run_write(lambda s: admin.move_category(s, actor, category_id=int(category_id), step=-1), done())
        if b2.button(t("admin.categories.down"), key="admin_category_down", icon=":material/arrow_downward:"):
            run_write(lambda s: admin.move_category(s, actor, category_id=int(category_id), step=1), done())
        with b3.popover(t("common.delete"), icon=":material/delete:", help=t("admin.categories.delete_help")):
            st.caption(t("admin.categories.delete_confirm", name=md_escape(names[category_id])))
            if st.button(t("common.delete"), key="admin_category_delete", type="primary"):
                run_write(
                    lambda s: admin.delete_category(s, actor, category_id=int(category_id)),
                    done("admin.categories.deleted", name=names[category_id]),
                )


# --- the matching vocabulary -------------------------------------------------------------------------


def vocabulary_tab(actor: Actor) -> None:
    """The synonym groups the suggestions read: the shipped ones to look at, the alliance's to keep."""
    st.caption(t("admin.vocabulary.intro"))
    base = vocabulary.base_groups()
    kinds = {k: t(f"admin.vocabulary.kind_{k}") for k in vocabulary.KINDS}
    with st.expander(t("admin.vocabulary.base", count=len(base))):
        tables.show(
            pd.DataFrame([{"words": "、".join(g.words), "kind": kinds[g.kind], "count": len(g.words)} for g in base]),
            {
                "words": "admin.vocabulary.group_words",
                "kind": "admin.vocabulary.fields.kind",
                "count": "admin.vocabulary.count_words",
            },
            key="admin_vocabulary_base",
            page_key="admin_vocabulary_base_page",
        )
    with session_scope() as s:
        own = vocabulary.get_additions(s)
    st.markdown(f"**{t('admin.vocabulary.own')}**")
    with st.form("admin_vocabulary"):
        boxes = {
            kind: st.text_area(
                t(vocabulary.F_GROUPS[kind]),
                value=vocabulary.groups_to_lines(own.groups, kind),
                help=t("admin.vocabulary.own_help"),
                key=f"admin_vocabulary_{kind}",
                height=140 if kind == "topic" else 80,
            )
            for kind in vocabulary.KINDS
        }
        weak = st.text_area(
            t(vocabulary.F_WEAK),
            value="、".join(own.weak),
            help=t("admin.vocabulary.weak_help"),
            key="admin_vocabulary_weak_words",
        )
        stop = st.text_area(
            t(vocabulary.F_STOP),
            value="、".join(own.stop),
            help=t("admin.vocabulary.stop_help"),
            key="admin_vocabulary_stop",
        )
        words = st.text_area(
            t(vocabulary.F_WORDS),
            value="、".join(own.words),
            help=t("admin.vocabulary.words_help"),
            key="admin_vocabulary_words",
        )
        if st.form_submit_button(t("admin.vocabulary.save"), type="primary"):
            groups = vocabulary.lines_to_groups(boxes["topic"], boxes["weak"], boxes["audience"])
            run_write(
                lambda s: vocabulary.set_additions(s, actor, groups=groups, weak=weak, stop=stop, words=words),
                done(
                    "admin.vocabulary.saved",
                    groups=sum(1 for line, _ in groups if vocabulary.split_words(line)),
                    weak=len(vocabulary.split_words(weak)),
                    stop=len(vocabulary.split_words(stop)),
                ),
            )
