"""The pages of product.md, built per role for ``st.navigation``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from domain.actor import Actor
from domain.devices import is_phone
from domain.enums import Role
from ui.kit.i18n import t

ALL = tuple(Role)
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PageSpec:
    script: str
    url_path: str
    title_key: str
    icon: str
    section: str
    roles: tuple[Role, ...] = ALL


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/overview.py", "", "nav.overview", ":material/dashboard:", "work"),
    PageSpec("app_pages/lists.py", "lists", "nav.lists", ":material/checklist:", "work"),
    PageSpec("app_pages/activities.py", "activities", "nav.activities", ":material/volunteer_activism:", "work"),
    PageSpec("app_pages/rotation.py", "rotation", "nav.rotation", ":material/autorenew:", "work"),
    PageSpec("app_pages/meetings.py", "meetings", "nav.meetings", ":material/groups:", "work"),
    PageSpec("app_pages/whistle.py", "whistle", "nav.whistle", ":material/campaign:", "work"),
    PageSpec("app_pages/evaluation.py", "evaluation", "nav.evaluation", ":material/military_tech:", "review"),
    PageSpec("app_pages/charts.py", "charts", "nav.charts", ":material/bar_chart:", "review"),
    PageSpec("app_pages/present.py", "present", "nav.present", ":material/slideshow:", "review"),
    PageSpec("app_pages/admin.py", "admin", "nav.admin", ":material/admin_panel_settings:", "system", (Role.ADMIN,)),
    PageSpec("app_pages/account.py", "account", "nav.account", ":material/person:", "system"),
)
# Pages that answer without a login (contracts.md, "Public pages"): app.py runs them before the gate,
# alone in their navigation, and they reach only services/wall.py (public fields).
PUBLIC_PAGES: tuple[PageSpec, ...] = (PageSpec("app_pages/wall.py", "wall", "nav.wall", "📢", "public"),)


def _page(spec: PageSpec, *, hidden: bool = False) -> st.Page:
    return st.Page(
        spec.script,
        title=t(spec.title_key),
        icon=spec.icon,
        url_path=spec.url_path or None,
        default=spec.url_path == "",
        visibility="hidden" if hidden else "visible",
    )


def _present() -> list[PageSpec]:
    # tests/test_architecture.py fails when a registered script is missing
    return [spec for spec in PAGES if (ROOT / spec.script).exists()]


def pages_for(role: Role) -> dict[str, list[st.Page]]:
    """The sections and pages a role sees, in product.md's order."""
    sections: dict[str, list[st.Page]] = {}
    for spec in _present():
        if role in spec.roles:
            sections.setdefault(t(f"nav.section_{spec.section}"), []).append(_page(spec))
    return sections


def all_pages_hidden() -> list[st.Page]:
    """Every page, registered but unlisted: a logged-out visitor keeps the path they opened."""
    return [_page(spec, hidden=True) for spec in (*_present(), *PUBLIC_PAGES)]


def _public_page(spec: PageSpec) -> st.Page:
    return st.Page(spec.script, title=t(spec.title_key), icon=spec.icon, url_path=spec.url_path)


def requested_public_page() -> st.Page | None:
    """The public page this run asks for, decided from the request alone — before any login is
    built: the page the browser named (its path on a page load, the page's hash on a rerun) must be
    exactly a public page's; anything else (another path, an unknown one, the root) is not."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return None
    manager = ctx.pages_manager
    for spec in PUBLIC_PAGES:
        page = _public_page(spec)
        if manager.intended_page_script_hash:
            if manager.intended_page_script_hash == page._script_hash:
                return page
        elif (manager.intended_page_name or "").strip("/") == spec.url_path:
            return page
    return None


def public_navigation(page: st.Page) -> st.Page:
    """Register the public page alone (no staff page can be reached from it) and return it.

    A default page answers at "/" only, so the public page is registered beside a hidden default
    that is the same script (its own path would otherwise be "" and "/wall" unknown)."""
    script = next(spec.script for spec in PUBLIC_PAGES if spec.url_path == page.url_path)
    fallback = st.Page(script, title=page.title, url_path=f"{page.url_path}-home", default=True, visibility="hidden")
    return st.navigation([fallback, page], position="hidden")


# ---- where a phone lands ---------------------------------------------------------------------------
# A liaison opening "/" on a phone is at work: they are taken to the activity log form (the first tab of
# /activities for whoever may log). Decided once per browser session, from the request that opened it —
# any other path, a reload on another page and 总览 chosen from the sidebar later are honoured.
_ARRIVAL = "cobuild_phone_at_root"
LOG_FORM_PAGE = "app_pages/activities.py"


def note_arrival() -> None:
    """At the session's first run (before any login): did the phone open the app at its root?"""
    if _ARRIVAL in st.session_state:
        return
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    at_root = (
        ctx is not None
        and not ctx.pages_manager.intended_page_script_hash
        and not (ctx.pages_manager.intended_page_name or "").strip("/")
    )
    st.session_state[_ARRIVAL] = bool(at_root and is_phone(st.context.headers.get("User-Agent")))


def land(actor: Actor, page: st.Page) -> None:
    """The first run that knows the user: a liaison who opened "/" on a phone goes to the log form."""
    if not st.session_state.get(_ARRIVAL):
        return
    st.session_state[_ARRIVAL] = False
    if actor.is_liaison and page.url_path == "":
        st.switch_page(LOG_FORM_PAGE)
