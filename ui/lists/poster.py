"""The residents' QR poster (居民码海报) panel: choose a community (a worker's own is the only one),
see the poster, download it as PNG or A4 PDF. Asks for ``COBUILD_PUBLIC_URL`` while it is unset and
says so, in the user's language, when no Chinese font is installed (never a poster with boxes)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from domain.actor import Actor
from domain.errors import AppError
from exports import poster
from services import posters
from ui.kit.i18n import current_language, error_message, t
from ui.kit.state import cached_read, get_settings
from ui.kit.tabs import lazy_expander


@st.cache_data(show_spinner=False, max_entries=16)
def _preview(text: poster.PosterText, fonts: poster.PosterFonts) -> bytes:
    return poster.poster_preview(text, fonts)


def _maker(text: poster.PosterText, fonts: poster.PosterFonts, fmt: poster.Format) -> Callable[[], bytes]:
    """The poster made only when its download is clicked (Streamlit runs this on its own thread)."""
    make = poster.poster_png if fmt == "png" else poster.poster_pdf
    return lambda: make(text, fonts)


def poster_panel(actor: Actor) -> None:
    """The expander 居民码海报, for those who may print one (the secretariat, a community's worker)."""
    communities = cached_read(posters.list_poster_communities, actor)
    if not communities:
        return  # a leader or a unit's liaison prints no poster
    box = lazy_expander(t("poster.title"), key="lists_poster_open", icon=":material/qr_code_2:")
    if not box.open:
        return
    with box:
        st.caption(t("poster.caption"))
        public_url = get_settings().public_url
        if not public_url:
            st.warning(t("poster.no_public_url"))
            st.info(t("poster.how_to_set") if actor.is_admin else t("poster.ask_admin"))
            return
        by_id = {c.id: c for c in communities}
        ids = list(by_id)
        community_id = st.selectbox(
            t("poster.community"),
            ids,
            index=ids.index(actor.community_id) if actor.community_id in by_id else 0,
            format_func=lambda i: by_id[i].name,
            key="lists_poster_community",
            disabled=len(ids) == 1,
        )
        community = by_id[community_id]
        lang = current_language()
        url = poster.wall_url(public_url, community.id)
        text = poster.poster_text(community=community.name, street=community.street, url=url, lang=lang)
        try:
            fonts = poster.check_renderable(text)
        except AppError as err:
            st.error(error_message(err))
            return
        left, right = st.columns([3, 2])
        left.caption(t("poster.address"))
        left.code(url, language=None, wrap_lines=True)
        formats: tuple[tuple[poster.Format, str], ...] = (
            ("png", ":material/image:"),
            ("pdf", ":material/picture_as_pdf:"),
        )
        for fmt, icon in formats:
            left.download_button(
                t(f"poster.download_{fmt}"),
                _maker(text, fonts, fmt),
                file_name=poster.file_name(community.name, fmt, lang=lang),
                mime=poster.MIME[fmt],
                key=f"lists_poster_{fmt}",
                help=t(f"poster.{fmt}_help"),
                on_click="ignore",
                icon=icon,
            )
        right.image(_preview(text, fonts), caption=t("poster.preview"), width="stretch")
