"""tables.page_of / pager_under: a long list reaches the browser a page at a time, the pager under it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import pandas as pd
    import streamlit as st

    from ui.kit import tables

    n = int(st.session_state.get("n", 45))
    tables.show(pd.DataFrame({"unit": [f"单位{i}" for i in range(n)]}), {"unit": "fields.unit"}, page_key="p")


def test_a_long_table_goes_a_page_at_a_time_with_the_pager_under_it() -> None:
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["lang"] = "zh_CN"
    at.run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 20
    assert [node.type for node in at.main.children.values()] == ["dataframe", "flex_container"]  # table, then pager
    assert at.number_input(key="p").value == 1
    at.number_input(key="p").set_value(3).run()
    assert list(at.dataframe[0].value.iloc[:, 0]) == [f"单位{i}" for i in range(40, 45)]
    at.session_state["n"] = 12  # the list shrank under the pager: back to its only page, no pager
    at.run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 12
    assert not at.number_input
