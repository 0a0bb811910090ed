"""User Markdown made safe to show: the structure a person typed (headings, lists, emphasis, tables,
code) is kept; nothing can make the browser fetch from elsewhere or hide where a link goes.

The text is parsed (CommonMark with GFM tables and strikethrough, raw HTML read as plain text) and
written back as Markdown in which every piece of user text is escaped, so only structure this module
emits can take effect:

* an image (inline, reference-style, inside a link) becomes plain text such as ``[图片：alt]`` —
  the app serves no attachment at a URL, so there is no image of its own to keep;
* a link to http, https or mailto shows its target: ``text（https://host/path）``, the URL itself the
  only clickable part; any other target (a relative path, ``ftp:``, ``data:``, ``javascript:``) is
  shown as plain text and is never a link;
* raw HTML (``<img src=…>``, ``<script>``) shows as typed; ``$`` is escaped so no TeX runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

LINK_SCHEMES = frozenset({"http", "https", "mailto"})

# Every character that could start Markdown (or Streamlit's :colour[…] and $TeX$) is escaped.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&$=:])")
_UNSAFE_IN_HREF = re.compile(r"[\s<>\\`]")

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])

ImageText = Callable[[str], str]
LinkText = Callable[[str, str], str]


def escape(text: str) -> str:
    """``text`` as literal Markdown."""
    return _SPECIAL.sub(r"\\\1", text)


def allowed_href(href: str) -> bool:
    """A target a person may follow from user text: http(s) with a host, or mailto."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    if scheme not in LINK_SCHEMES:
        return False
    return bool(parts.netloc) if scheme != "mailto" else bool(parts.path)


def neutralise(text: object, *, image_text: ImageText, link_text: LinkText) -> str:
    """Markdown showing ``text``'s structure with no remote image and every link's target visible.

    ``image_text(alt)`` gives the plain text that stands for an image; ``link_text(text, url)``
    joins a link's (already escaped) text and its shown target — both in the UI language."""
    source = "" if text is None else str(text)
    root = SyntaxTreeNode(_PARSER.parse(source))
    return _Writer(image_text, link_text).blocks(root.children, tight=False).strip("\n")


class _Writer:
    def __init__(self, image_text: ImageText, link_text: LinkText) -> None:
        self.image_text = image_text
        self.link_text = link_text

    # --- blocks ---------------------------------------------------------------------------------

    def blocks(self, nodes: list[SyntaxTreeNode], *, tight: bool) -> str:
        out = ""
        for node in nodes:
            part = self.block(node)
            if part == "":
                continue
            # Only a list numbered from 1 may interrupt a paragraph: others need the blank line.
            interrupts = node.type == "bullet_list" or int(node.attrs.get("start", 1) or 1) == 1
            joiner = "\n" if tight and interrupts else "\n\n"
            out = part if not out else out + joiner + part
        return out

    def block(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inlines(node.children)
        if kind == "heading":
            return "#" * int(node.tag[1]) + " " + self.inlines(node.children)
        if kind == "blockquote":
            body = self.blocks(node.children, tight=False)
            return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))
        if kind in ("bullet_list", "ordered_list"):
            return self.list(node)
        if kind in ("fence", "code_block"):
            return _fenced(node.content, node.info if kind == "fence" else "")
        if kind == "hr":
            return "***"
        if kind == "table":
            return self.table(node)
        if kind == "inline":
            return self.inlines(node.children)
        return escape(node.content)

    def list(self, node: SyntaxTreeNode) -> str:
        items = [c for c in node.children if c.type == "list_item"]
        # A tight list hides its paragraphs (markdown-it marks them hidden).
        tight = all(p.hidden for item in items for p in item.children if p.type == "paragraph")
        start = int(node.attrs.get("start", 1) or 1) if node.type == "ordered_list" else 0
        out = []
        for n, item in enumerate(items):
            marker = f"{start + n}. " if node.type == "ordered_list" else "- "
            body = self.blocks(item.children, tight=tight)
            if not body:
                out.append(marker.rstrip())
                continue
            pad = " " * len(marker)
            first, *rest = body.split("\n")
            out.append("\n".join([marker + first] + [pad + line if line else "" for line in rest]))
        return ("\n" if tight else "\n\n").join(out)

    def table(self, node: SyntaxTreeNode) -> str:
        rows: list[list[str]] = []
        aligns: list[str] = []
        for section in node.children:  # thead, tbody
            for tr in section.children:
                cells = []
                for cell in tr.children:
                    cells.append(self.inlines(cell.children).replace("\n", " "))
                    if cell.type == "th":
                        style = str(cell.attrs.get("style", ""))
                        aligns.append(
                            ":---:"
                            if "center" in style
                            else ":---"
                            if "left" in style
                            else "---:"
                            if "right" in style
                            else "---"
                        )
                rows.append(cells)
        if not rows:
            return ""
        width = len(aligns) or len(rows[0])
        lines = []
        for n, cells in enumerate(rows):
            cells = (cells + [""] * width)[:width]
            lines.append("| " + " | ".join(cells) + " |")
            if n == 0:
                lines.append("| " + " | ".join(aligns or ["---"] * width) + " |")
        return "\n".join(lines)

    # --- inline ---------------------------------------------------------------------------------

    def inlines(self, nodes: Sequence[SyntaxTreeNode]) -> str:  # `list` here is the method below
        return "".join(self.inline(n) for n in nodes)

    def inline(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "inline":
            return self.inlines(node.children)
        if kind == "text":
            return escape(node.content)
        if kind == "softbreak":
            return "\n"
        if kind == "hardbreak":
            return "\\\n"
        if kind == "code_inline":
            return _code_span(node.content)
        if kind == "em":
            return "*" + self.inlines(node.children) + "*"
        if kind == "strong":
            return "**" + self.inlines(node.children) + "**"
        if kind == "s":
            return "~~" + self.inlines(node.children) + "~~"
        if kind == "image":
            return escape(self.image_text(_plain(node.children) or str(node.attrs.get("alt", ""))))
        if kind == "link":
            return self.link(node)
        return escape(node.content)

    def link(self, node: SyntaxTreeNode) -> str:
        href = str(node.attrs.get("href", ""))
        label = self.inlines(node.children)
        shown = escape(href)
        plain = _plain(node.children)
        if not allowed_href(href):
            return self.link_text(label, shown) if label else shown
        safe_href = _UNSAFE_IN_HREF.sub(lambda m: f"%{ord(m.group()):02X}", href)
        target = f"[{shown}](<{safe_href}>)"
        if plain and plain in (href, unquote(href), href.removeprefix("mailto:")):
            return target  # an autolink: its text is its target already
        return self.link_text(label, target) if label else target


def _plain(nodes: list[SyntaxTreeNode]) -> str:
    """The text of inline nodes without markup (images by their alt text)."""
    out = []
    for n in nodes:
        if n.type in ("text", "code_inline"):
            out.append(n.content)
        elif n.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif n.children:
            out.append(_plain(n.children))
    return "".join(out)


def _code_span(content: str) -> str:
    runs = [len(r) for r in re.findall(r"`+", content)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") or not content.strip(" ") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _fenced(content: str, info: str) -> str:
    runs = [len(r) for r in re.findall(r"`{3,}", content)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    language = info.split()[0] if info.strip() else ""
    if not re.fullmatch(r"[A-Za-z0-9_+#.-]*", language):
        language = ""
    return f"{fence}{language}\n{content.rstrip(chr(10))}\n{fence}"
