"""The inbox fragment's body alone, for ``bench/inbox.py``: what one refresh of the sidebar's
站内消息 runs (the user is ``st.session_state["bench_user"]``)."""

import streamlit as st
from sqlalchemy import select

from db.models import User
from services.users import actor_for
from ui.kit.inbox import inbox_body
from ui.kit.state import session_scope

if "bench_actor" not in st.session_state:
    with session_scope() as s:
        user = s.scalars(select(User).where(User.username == st.session_state["bench_user"])).one()
        st.session_state["bench_actor"] = actor_for(user)
inbox_body(st.session_state["bench_actor"])
