"""Issue 20, item 4: none of Streamlit's own English inside the Chinese interface. The admin walks
every page in Chinese, then opens what shows Streamlit's words only when used: a file uploader
(at rest, with a file dragged over it, with a file chosen), a form's text field and text area
while typing, a text field outside a form, a multiselect's list, an empty date input and a
selectbox with no choice yet. What a user sees is checked: every text node of a visible element
drawn at a size above 0, every visible element's ::before / ::after content, and the placeholders
of empty fields — and the Chinese shown in place of Streamlit's words is checked to be there.

The date picker's month and weekday names are left out: no Streamlit 1.67 parameter reaches them."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, assert_no_exception, login, wait_idle
from tests.e2e.flows import settle
from ui.kit.navigation import PAGES

pytestmark = pytest.mark.e2e

# Streamlit's English as the issue saw it, and what 1.67 says in its place (Upload, 10MB per file,
# Press Ctrl+Enter, Press Enter to apply, Drag and drop files here).
ENGLISH = [
    r"Drag and drop",
    r"Browse files",
    r"\bUpload\b",
    r"per file",
    r"Limit \d",
    r"Press Enter",
    r"Press Ctrl",
    r"Press ⌘",
    r"to submit form",
    r"Choose an option",
    r"Choose options",
    r"Choose or add",
    r"Select all",
    r"Select \d+ matches",
    r"No results",
    r"[yY]{4}/[mM]{2}/[dD]{2}",
    r"\b[yY]{4}\b",
    r"\b(mm|MM|dd|DD)\b",
]

SCAN = """patterns => {
  const res = patterns.map(p => new RegExp(p));
  const hits = [], shown = [];
  const check = (text, where) => {
    shown.push(text);
    for (const line of String(text).split('\\n')) {
      res.forEach((re, i) => { if (re.test(line)) hits.push(`${patterns[i]} — ${where}: ${line.trim().slice(0, 120)}`); });
    }
  };
  const seen = el => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  // every text the eye meets: text nodes of visible elements drawn at a size above 0
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || !seen(el)) continue;
    if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
    check(node.textContent, 'text');
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (!seen(el)) continue;
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(el, pseudo).content;
      if (content && content !== 'none' && content !== 'normal') check(content, `${el.tagName.toLowerCase()}${pseudo}`);
    }
    if ((el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') && el.placeholder && !el.value) {
      check(el.placeholder, 'placeholder');
    }
  }
  return {hits, shown: shown.join('\\n')};
}"""

DRAG_OVER = """el => {
  const data = new DataTransfer();
  data.items.add(new File(['x'], 'photo.png', {type: 'image/png'}));
  for (const type of ['dragenter', 'dragover']) {
    el.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: data}));
  }
}"""


def scan(page) -> tuple[list[str], str]:  # type: ignore[no-untyped-def]
    """The English the page shows, and all the text it shows (text, ::before/::after, placeholders)."""
    found = page.evaluate(SCAN, ENGLISH)
    return found["hits"], found["shown"]


def open_tab(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name=name, exact=True).click()
    settle(page)


def test_admin_sees_no_streamlit_english_in_chinese(server, page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, list[str]] = {}

    def look(where: str, *chinese: str) -> None:
        """Note any English on screen; ``chinese``: the app's words that must be shown instead."""
        hits, shown = scan(page)
        hits += [f"not shown: {word}" for word in chinese if word not in shown]
        print(where, hits)
        if hits:
            seen[where] = hits

    login(page, server.url, "admin")
    for spec in PAGES:
        if not (ROOT / spec.script).exists() or spec.url_path == "present":  # the deck is the app's own HTML
            continue
        page.goto(f"{server.url}/{spec.url_path}")
        page.get_by_role("button", name="退出登录").wait_for()
        page.locator("h1").first.wait_for()
        wait_idle(page, settle_ms=1000)
        assert_no_exception(page)
        look(spec.url_path or "overview")

    # a form with a file uploader (at rest, a file dragged over it, a file chosen) and typing
    page.goto(f"{server.url}/activities")
    form = page.locator('[data-testid="stForm"]').first
    form.wait_for()
    settle(page)
    look("activities: the log form at rest", "上传", "单个文件不超过 10 MB")
    zone = form.locator('[data-testid="stFileUploaderDropzone"]')
    zone.evaluate(DRAG_OVER)
    page.wait_for_timeout(300)  # react-dropzone draws its overlay on the next frame
    look("activities: a file dragged over the uploader", "把文件拖到这里")
    zone.evaluate("el => el.dispatchEvent(new DragEvent('dragleave', {bubbles: true}))")
    photo = tmp_path / "photo.png"
    photo.write_bytes(bytes.fromhex("89504e470d0a1a0a"))
    form.locator('input[type="file"]').set_input_files(str(photo))
    form.locator('[data-testid="stFileChip"]').first.wait_for()
    form.get_by_label("活动名称").press_sequentially("冬季")
    look("activities: the log form while typing, a file chosen")
    # this form does not submit on Enter (enter_to_submit=False): its instructions are the counter alone
    instructions = form.locator('[data-testid="InputInstructions"]').first
    expect(instructions).to_have_text("2/200")
    assert instructions.evaluate("e => getComputedStyle(e, '::before').content") in ("none", "normal")

    # a selectbox with no choice yet: 六个一's 查看单位 for the admin (who has no unit of their own)
    open_tab(page, "六个一")
    page.get_by_role("combobox", name="查看单位", exact=True).wait_for()
    look("activities: a selectbox with no choice", "选择一个单位，查看六项完成情况")

    # outside a form: the browse filter's text field while typing
    open_tab(page, "活动记录")
    page.get_by_label("搜索名称或内容").press_sequentially("楼道")
    look("activities: a text field outside a form", "按回车键确认")

    # a form that submits on Enter: its text field and text area while typing; its multiselect's list
    page.goto(f"{server.url}/whistle")
    page.get_by_role("button", name="退出登录").wait_for()
    open_tab(page, "我要吹哨")
    raise_form = page.locator('[data-testid="stForm"]').first
    raise_form.get_by_label("事项名称").press_sequentially("积水")
    look("whistle: a text field in a form while typing", "按回车键提交")
    raise_form.get_by_label("情况说明").press_sequentially("小区门口")
    look("whistle: a text area in a form while typing", "按 Ctrl/⌘ + 回车键提交")
    units = raise_form.get_by_role("combobox", name="召集单位", exact=True)
    units.click()
    try:
        page.get_by_role("listbox").wait_for(timeout=3_000)
    except PlaywrightTimeout:
        units.press("ArrowDown")  # some boxes open on the key, not the click
        page.get_by_role("listbox").wait_for()
    # the list draws its options after the box itself: wait for the "Select all" option (seen failing
    # once in a full run, scanned while the listbox was still empty)
    page.locator('[role="option"][data-key="__select_all__"]').wait_for()
    look("whistle: a multiselect's list", "全选")
    page.keyboard.type("zzzzqqq")
    page.locator('[role="listbox"][data-empty="true"]').wait_for()
    look("whistle: a multiselect's list with nothing matching", "没有匹配的选项")
    page.keyboard.press("Escape")

    # an empty date input (the audit log's end date) and its picker
    page.goto(f"{server.url}/admin")
    page.get_by_role("button", name="退出登录").wait_for()
    open_tab(page, "操作记录")
    look("admin: an empty date input", "年", "月", "日")

    assert not seen, "\n".join(f"{where}: {hit}" for where, hits in seen.items() for hit in hits)
