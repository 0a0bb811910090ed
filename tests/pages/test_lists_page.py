"""/lists renders for every demo user, and its forms and tabs work through the page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import Project
from tests.pages.conftest import assert_clean, open_tab

PAGE = "app_pages/lists.py"


@pytest.mark.parametrize("username", ["admin", "community1", "liaison1", "leader"])
def test_lists_page_renders_for_every_demo_user(open_page, username: str) -> None:  # type: ignore[no-untyped-def]
    at = open_page(username, PAGE)
    assert_clean(at)
    assert [tab.label for tab in at.tabs][:5] == ["需求清单", "资源清单", "项目清单", "对接矩阵", "共建协议"]
    assert at.dataframe, "the lists show their tables"


def test_leader_sees_no_forms(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_page("leader", PAGE)
    assert not [b for b in at.button if b.key and b.key.startswith("lists_prj_grid_save")]
    assert "lists_need_new_title" not in [w.key for w in at.text_input]


def test_community_worker_adds_a_need_and_a_blank_title_is_named(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_page("community1", PAGE)
    at.text_input(key="lists_need_new_title").set_value("")
    at.button(key="FormSubmitter:lists_need_new-保存").click().run()
    assert any("需求名称" in e.value for e in at.error)
    at.text_input(key="lists_need_new_title").set_value("楼道扶手加装")
    at.button(key="FormSubmitter:lists_need_new-保存").click().run()
    assert not at.exception
    at.text_input(key="lists_need_f_text").set_value("楼道扶手").run()
    assert "楼道扶手加装" in at.dataframe[0].value.to_string()


def test_english_page_renders(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_page("admin", PAGE, lang="en")
    assert_clean(at)
    assert [tab.label for tab in at.tabs][:5] == ["Needs", "Resources", "Projects", "Matrix", "Agreements"]


def test_community_worker_opens_the_project_form_and_creates_a_project(open_page, app_env) -> None:  # type: ignore[no-untyped-def]
    """The project forms run only while their expander is open (a county's 1,500 units each)."""
    at = open_tab(open_page("community1", PAGE), "lists_tab", "项目清单")
    assert_clean(at)
    assert "lists_prj_new_title" not in [w.key for w in at.text_input], "closed: the form does not run"
    at.session_state["lists_prj_new_open"] = True
    at.run()
    assert_clean(at)
    at.text_input(key="lists_prj_new_title").set_value("楼道照明改造")
    at.button(key="FormSubmitter:lists_prj_new-保存").click().run()
    assert_clean(at)
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        assert s.scalar(select(func.count(Project.id)).where(Project.title == "楼道照明改造")) == 1
    engine.dispose()


def test_the_progress_grid_runs_only_while_open(open_page) -> None:  # type: ignore[no-untyped-def]
    at = open_tab(open_page("community1", PAGE), "lists_tab", "项目清单")
    assert not [b for b in at.button if b.key == "lists_prj_grid_save"]
    at.session_state["lists_prj_grid_open"] = True
    at.run()
    assert_clean(at)
    assert [b for b in at.button if b.key == "lists_prj_grid_save"]
    at.button(key="lists_prj_grid_save").click().run()  # nothing changed: said so, nothing written
    assert any("没有" in i.value or "未" in i.value for i in at.info), [i.value for i in at.info]


def test_agreement_scan_upload_refuses_a_fake_pdf_and_stores_a_png_without_its_zip(open_page, app_env) -> None:  # type: ignore[no-untyped-def]
    """Issue 13, finding 3, through the page: a fake PDF gets a message naming 协议扫描件 and nothing is
    written; a PNG with a ZIP appended is stored as the PNG alone, under a plain name."""
    import io
    import zipfile

    from db.models import Agreement, Attachment
    from tests import attack_files as af

    at = open_tab(open_page("community1", PAGE), "lists_tab", "共建协议")
    assert_clean(at)
    uploader = next(u for u in at.file_uploader if (u.key or "").startswith("lists_agr_scan_"))
    aid = int(uploader.key.rsplit("_", 1)[1])
    engine = make_engine(f"sqlite:///{app_env}")

    def count() -> int:
        with Session(engine) as s:
            return int(s.scalar(select(func.count(Attachment.id))) or 0)

    before = count()
    uploader.set_value(("协议.pdf", b"%PDF-1.7\n" + af.HTML, "application/pdf")).run()
    at.button(key=f"lists_agr_attach_{aid}").click().run()
    assert not at.exception
    assert any("协议扫描件" in e.value and "PDF" in e.value for e in at.error), [e.value for e in at.error]
    assert count() == before

    uploader = at.file_uploader(key=f"lists_agr_scan_{aid}")
    uploader.set_value((af.MARKUP_NAME, af.png() + af.zip_bytes(), "image/png")).run()
    at.button(key=f"lists_agr_attach_{aid}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with Session(engine) as s:
        agreement = s.get(Agreement, aid)
        assert agreement is not None and agreement.attachment_id is not None
        stored = s.get(Attachment, agreement.attachment_id)
        assert stored is not None
        assert stored.filename == "file.png" and stored.mime_type == "image/png"
        assert not zipfile.is_zipfile(io.BytesIO(stored.data))
    engine.dispose()


def _edit_grid(at, edits: dict[int, dict[str, object]]):  # type: ignore[no-untyped-def]
    """Save the progress grid with cell edits (row position → column → value) as the browser sends
    them: AppTest cannot type into a data editor, so the editor's widget state is added to the run."""
    import json

    from streamlit.proto.WidgetStates_pb2 import WidgetState

    grid = next(d for d in at.dataframe if d.key == "lists_prj_grid")
    at.button(key="lists_prj_grid_save").click()
    states = at._tree.get_widget_states()
    edited = {"edited_rows": {str(i): row for i, row in edits.items()}, "added_rows": [], "deleted_rows": []}
    states.widgets.append(WidgetState(id=grid.proto.id, string_value=json.dumps(edited)))
    return at._run(states)


def test_the_progress_grid_shows_each_stage_bound_and_refuses_one_outside_it(open_page, app_env) -> None:  # type: ignore[no-untyped-def]
    at = open_tab(open_page("admin", PAGE), "lists_tab", "项目清单")
    at.session_state["lists_prj_grid_open"] = True
    at.run()
    assert_clean(at)
    grid = next(d for d in at.dataframe if d.key == "lists_prj_grid").value
    by_stage = dict(zip(grid["stage"], grid["bound"], strict=True))
    assert by_stage["征集需求"] == "0%（本阶段固定）" and by_stage["实施中"] == "0%–99%", by_stage
    row = int(grid.index[grid["stage"] == "征集需求"][0])
    title = str(grid.loc[row, "title"])
    at = _edit_grid(at, {row: {"progress": 55}})
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"项目“{title}”处于“征集需求”阶段，“进度”只能是 0%（确定项目之前尚未实施，完成后为 100%）。"
    ]
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        assert s.scalar(select(Project.progress).where(Project.title == title)) == 0  # nothing written
    engine.dispose()
    row = int(grid.index[grid["stage"] == "实施中"][0])
    title = str(grid.loc[row, "title"])
    at = _edit_grid(at, {row: {"progress": 55}})
    assert_clean(at)
    engine = make_engine(f"sqlite:///{app_env}")
    with Session(engine) as s:
        assert s.scalar(select(Project.progress).where(Project.title == title)) == 55
    engine.dispose()
