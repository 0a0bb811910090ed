"""User Markdown is shown with no remote image and every link's target in sight (issue 13, finding 6).

The transform's output is rendered to HTML with a CommonMark renderer (GFM tables and strikethrough,
as in the browser) and the HTML is inspected: no ``<img>``, no ``<a>`` whose visible text is not its
own target, no link that is not http, https or mailto."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from exports.user_markdown import allowed_href, neutralise

BROWSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def show(text: str) -> str:
    return neutralise(text, image_text=lambda alt: f"[图片: {alt}]", link_text=lambda t, u: f"{t}（{u}）")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.links: list[tuple[str, str]] = []  # (href, visible text)
        self._open: list[list[str]] = []
        self._hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "a":
            self._hrefs.append(dict(attrs).get("href") or "")
            self._open.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.links.append((self._hrefs.pop(), "".join(self._open.pop())))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        for bucket in self._open:
            bucket.append(data)


def rendered(text: str) -> _Page:
    page = _Page()
    page.feed(BROWSER.render(show(text)))
    return page


def host_of(href: str) -> str:
    return re.sub(r"^(https?://|mailto:)", "", href).split("/")[0]


HOSTILE = [
    "![x](http://127.0.0.1:9/pixel.png)",
    '![x](http://evil.example/p.png "title")',
    "![a][1]\n\n[1]: http://evil.example/ref.png",
    "![a]\n\n[a]: <http://evil.example/collapsed.png>",
    "[![badge](http://evil.example/b.png)](https://good.example)",
    "<img src=http://evil.example/tag.png>",
    '<p><img src="http://evil.example/block.png" onerror="alert(1)"></p>',
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    "- 列表里 ![x](//evil.example/p.png)\n  > 引用里 ![y](http://evil.example/q.png)",
    "| a | b |\n|---|---|\n| ![x](http://evil.example/t.png) | [点这里](https://evil.example/t) |",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_user_markdown_loads_no_image(text: str) -> None:
    page = rendered(text)
    assert page.images == []
    assert "evil.example/" not in "".join(h for h, _ in page.links if h.endswith(".png"))


def test_an_image_becomes_its_alt_text() -> None:
    page = rendered("看 ![签到表](http://127.0.0.1:9/pixel.png) 和 ![b][1]\n\n[1]: http://x.example/p.png")
    assert "[图片: 签到表]" in "".join(page.text)
    assert "[图片: b]" in "".join(page.text)
    assert page.links == []


@pytest.mark.parametrize(
    "text, href",
    [
        ("[通知全文](https://phish.example/login)", "https://phish.example/login"),
        ("[https://bank.example](https://phish.example/x)", "https://phish.example/x"),
        ("[**加粗** 链接](http://phish.example/a?b=1#c)", "http://phish.example/a?b=1#c"),
        ("[参考][r]\n\n[r]: https://phish.example/ref", "https://phish.example/ref"),
        ("<https://auto.example/path>", "https://auto.example/path"),
        ("[写信](mailto:office@example.cn)", "mailto:office@example.cn"),
        ("<office@example.cn>", "mailto:office@example.cn"),
        ("[a](<https://sp.example/a b>)", "https://sp.example/a%20b"),
    ],
)
def test_a_link_shows_where_it_goes(text: str, href: str) -> None:
    page = rendered(text)
    assert [h for h, _ in page.links] == [href]
    visible = page.links[0][1]
    assert host_of(href) in visible
    assert visible in (href, href.removeprefix("mailto:")) or visible.replace(" ", "%20") == href


@pytest.mark.parametrize(
    "text",
    [
        "[点我](javascript:alert(1))",
        "[点我](JaVaScRiPt:alert(1))",
        "[点我](data:text/html;base64,PHNjcmlwdD4=)",
        "[点我](vbscript:msgbox)",
        "[点我](file:///etc/passwd)",
        "[点我](ftp://files.example/x)",
        "[点我](/admin?x=1)",
        "[点我](//evil.example/x)",
        "<javascript:alert(1)>",
        '<a href="https://evil.example">点我</a>',
    ],
)
def test_only_http_https_and_mailto_are_links(text: str) -> None:
    page = rendered(text)
    assert page.links == []


def test_a_refused_target_is_still_shown_as_text() -> None:
    page = rendered("[点我](ftp://files.example/x)")
    assert "点我（ftp://files.example/x）" in "".join(page.text)


def test_raw_html_shows_as_typed() -> None:
    page = rendered("<script>alert(1)</script> <b>粗</b> &lt;i&gt;")
    text = "".join(page.text)
    assert "<script>alert(1)</script>" in text and "<b>粗</b>" in text and "<i>" in text
    assert "<script" not in BROWSER.render(show("<script>alert(1)</script>"))


def test_structure_is_kept() -> None:
    source = (
        "# 议程\n\n1. **通报** 进展\n2. *讨论* ~~旧~~ 方案\n   - 子项 `code`\n\n> 引用\n\n"
        "| 单位 | 人数 |\n|:--|--:|\n| 一中 | 12 |\n\n```\n![x](http://no.example/p.png)\n```\n"
    )
    html = BROWSER.render(show(source))
    for tag in ("<h1>", "<ol>", "<strong>通报</strong>", "<em>讨论</em>", "<s>旧</s>", "<ul>", "<code>code</code>"):
        assert tag in html
    assert "<blockquote>" in html and "<table>" in html and 'style="text-align:right"' in html
    assert "<pre><code>![x](http://no.example/p.png)\n</code></pre>" in html


def test_streamlit_directives_and_tex_stay_text() -> None:
    out = show(":red[警告] $x^2$ :material/home:")
    page = rendered(":red[警告] $x^2$ :material/home:")
    assert "".join(page.text).strip() == ":red[警告] $x^2$ :material/home:"
    assert not re.search(r"(?<!\\)[\[$]", out)  # every [ and $ escaped


@pytest.mark.parametrize(
    "href, ok",
    [
        ("https://a.example/x", True),
        ("http://a.example", True),
        ("mailto:a@b.cn", True),
        ("https://", False),
        ("javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("/relative", False),
        ("mailto:", False),
    ],
)
def test_allowed_href(href: str, ok: bool) -> None:
    assert allowed_href(href) is ok


def test_nothing_and_plain_text() -> None:
    assert show("") == ""
    assert "".join(rendered("会议纪要，一切正常。").text).strip() == "会议纪要，一切正常。"
