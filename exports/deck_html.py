"""The joint meeting's deck as one self-contained HTML document for the projector: every slide of
``build_slides``, the charts as inline SVG (vl-convert), the style and the script inline, nothing
fetched from anywhere (a Content-Security-Policy forbids it) — /present shows it, and the same
file downloads for a laptop with no network.

Each slide is laid out on a fixed canvas, 1600×900 for a 16:9 screen (1920×1080) or 1200×900 for
a 4:3 one (1024×768), scaled to fit the window; each chart is drawn for both canvases' boxes.
Keys: → ↓ PageDown Space Enter next, ← ↑ PageUp Backspace previous (what a clicker sends), Home /
End first and last, F full screen. All text is escaped; the only markup is this module's."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from exports.deck_pptx import Card, Slide, Table

# canvas sizes and chart boxes (canvas px) per slide layout: (width, height)
CANVAS = {"wide": (1600, 900), "std": (1200, 900)}
PAD_X, TOP, BOTTOM = 60, 150, 70
SVG_SCALE = 1.45  # canvas px per SVG px: chart labels of 11 px show at about 16 px on the canvas
FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"


def content_box(variant: str) -> tuple[int, int]:
    w, h = CANVAS[variant]
    return w - 2 * PAD_X, h - TOP - BOTTOM


def chart_boxes(slide: Slide, variant: str) -> list[tuple[int, int]]:
    """The boxes (canvas px) the slide's charts are drawn into."""
    cw, ch = content_box(variant)
    n = len(slide.charts)
    if not n:
        return []
    if slide.cards or slide.bullets:  # a chart beside a side column
        side = 420 if variant == "wide" else 360
        return [(cw - side - 30, ch)]
    return [((cw - 30 * (n - 1)) // n, ch)] * n


@dataclass(frozen=True)
class DeckText:
    """The words around the slides, in the user's language."""

    lang: str
    title: str
    footer: str
    prev: str
    next: str
    fullscreen: str
    exit_fullscreen: str
    counter: str  # "{n} / {total}"
    keys_hint: str


ChartSvg = Callable[[str, int, int], str]  # (chart key, width, height in SVG px) -> <svg …>


def _clean_svg(svg: str) -> str:
    """An SVG that scales to its box: width/height dropped (the viewBox stays), no scripts, no links."""
    svg = re.sub(r"<script\b.*?</script>", "", svg, flags=re.S | re.I)
    return re.sub(
        r"<svg\b([^>]*?)\swidth=\"[^\"]*\"\s+height=\"[^\"]*\"",
        r'<svg\1 preserveAspectRatio="xMidYMid meet" width="100%" height="100%"',
        svg,
        count=1,
    )


def _cards(cards: Sequence[Card], cls: str) -> str:
    items = "".join(
        f'<div class="card"><div class="value">{escape(c.value)}</div><div class="label">{escape(c.label)}</div>'
        + (f'<div class="note">{escape(c.note)}</div>' if c.note else "")
        + "</div>"
        for c in cards
    )
    return f'<div class="cards {cls}">{items}</div>'


def _table(table: Table) -> str:
    head = f'<div class="table-title">{escape(table.title)}</div>' if table.title else ""
    if not table.rows:
        return f'<div class="table">{head}<div class="empty">{escape(table.empty)}</div></div>'
    cols = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in table.rows)
    return f'<div class="table">{head}<table><thead><tr>{cols}</tr></thead><tbody>{rows}</tbody></table></div>'


def _bullets(slide: Slide, big: bool) -> str:
    title = f'<div class="bullets-title">{escape(slide.bullets_title)}</div>' if slide.bullets_title else ""
    items = "".join(f"<li>{escape(b)}</li>" for b in slide.bullets)
    return f'{title}<ul class="bullets{" big" if big else ""}">{items}</ul>'


def _charts(slide: Slide, chart_svg: ChartSvg) -> str:
    out = []
    for i, key in enumerate(slide.charts):
        variants = []
        for variant in CANVAS:
            bw, bh = chart_boxes(slide, variant)[i]
            svg = chart_svg(key, round(bw / SVG_SCALE), round(bh / SVG_SCALE))
            variants.append(
                f'<div class="chart v-{variant}" data-chart="{escape(key)}" style="width:{bw}px;height:{bh}px">'
                f"{_clean_svg(svg)}</div>"
            )
        out.append(f'<div class="chart-slot">{"".join(variants)}</div>')
    return "".join(out)


def _cover(slide: Slide) -> str:
    extra = slide.extra
    facts = "".join(
        f'<div class="fact"><span class="fact-label">{escape(label)}</span>'
        f'<span class="fact-value">{escape(value)}</span></div>'
        for label, value in (
            (extra.get("period_label", ""), extra.get("period", "")),
            (extra.get("chair_label", ""), extra.get("chair", "")),
            (extra.get("meeting_label", ""), extra.get("meeting", "")),
        )
        if value
    )
    return (
        f'<div class="cover-band"><div class="cover-alliance">{escape(extra.get("alliance", ""))}</div>'
        f'<h1 class="cover-title">{escape(slide.title)}</h1>'
        f'<div class="cover-sub">{escape(slide.subtitle)}</div></div>'
        f'<div class="cover-facts">{facts}</div>' + _cards(slide.cards, "cover-cards")
    )


def _slide(slide: Slide, n: int, total: int, text: DeckText, chart_svg: ChartSvg) -> str:
    if slide.key == "title":
        body = _cover(slide)
        head = ""
    else:
        head = f'<header><h2 class="slide-title">{escape(slide.title)}</h2></header>'
        charts = _charts(slide, chart_svg)
        if charts and (slide.cards or slide.bullets):
            side = (_cards(slide.cards, "side-cards") if slide.cards else "") + (
                _bullets(slide, False) if slide.bullets else ""
            )
            body = f'<div class="row">{charts}<div class="side">{side}</div></div>'
        elif charts:
            body = f'<div class="row">{charts}</div>'
        else:
            parts = []
            if slide.cards:
                parts.append(_cards(slide.cards, "grid-cards"))
            if slide.tables:
                parts.append('<div class="row tables">' + "".join(_table(t) for t in slide.tables) + "</div>")
            if slide.bullets:
                parts.append(_bullets(slide, True))
            body = "".join(parts)
        if slide.note:
            body += f'<div class="slide-note">{escape(slide.note)}</div>'
    counter = escape(text.counter.format(n=n, total=total))
    return (
        f'<section class="slide{" cover" if slide.key == "title" else ""}" data-key="{escape(slide.key)}" '
        f'aria-label="{escape(slide.title)}" aria-roledescription="slide">'
        f'{head}<div class="content">{body}</div>'
        f'<footer><span>{escape(text.footer)}</span><span class="page-no">{counter}</span></footer></section>'
    )


_CSS = """
*{box-sizing:border-box;margin:0;padding:0}
html,body{width:100%;height:100%;overflow:hidden;background:#1d1d1d;font-family:__FONT__;color:#262626}
#stage{position:absolute;inset:0;display:flex;align-items:center;justify-content:center}
#canvas{position:relative;flex:none;transform-origin:center center;background:#fff;overflow:hidden}
.deck-wide #canvas{width:1600px;height:900px}.deck-std #canvas{width:1200px;height:900px}
.slide{position:absolute;inset:0;display:none;flex-direction:column}
.slide.active{display:flex}
.slide header{height:__TOP__px;padding:34px __PAD__px 0;border-top:14px solid #b71c1c}
.slide-title{font-size:52px;font-weight:700;color:#b71c1c;letter-spacing:1px}
.content{flex:1;padding:0 __PAD__px;min-height:0;position:relative}
.slide footer{height:__BOTTOM__px;padding:0 __PAD__px;display:flex;align-items:center;
 justify-content:space-between;color:#595959;font-size:20px;border-top:1px solid #e0e0e0}
.row{display:flex;gap:30px;height:100%}
.chart-slot{flex:none}.chart{display:none}.deck-wide .v-wide,.deck-std .v-std{display:block}
.chart svg{display:block;width:100%;height:100%}
.side{flex:1;min-width:0;overflow:hidden}
.cards{display:grid;gap:18px}
.grid-cards{grid-template-columns:repeat(4,1fr);margin-top:8px}
.deck-std .grid-cards{grid-template-columns:repeat(3,1fr)}
.card{background:#faf7f2;border-left:6px solid #b71c1c;padding:14px 18px;border-radius:6px}
.value{font-size:46px;font-weight:700;color:#b71c1c;line-height:1.15;white-space:nowrap}
.label{font-size:22px;margin-top:4px}.note{font-size:17px;color:#595959;margin-top:4px}
.deck-std .grid-cards .card{padding:10px 14px}.deck-std .grid-cards .value{font-size:38px}
.side-cards{grid-template-columns:1fr;margin-bottom:16px}
.bullets-title{font-size:24px;font-weight:700;margin:6px 0 8px}
.bullets{font-size:21px;line-height:1.5;padding-left:1.2em}
.bullets.big{font-size:34px;line-height:1.6;margin-top:20px}
.deck-std .bullets.big{font-size:30px}
.tables{gap:40px}.table{flex:1;min-width:0}
.table-title{font-size:26px;font-weight:700;margin-bottom:12px}
table{width:100%;border-collapse:collapse;font-size:24px}
th{background:#b71c1c;color:#fff;text-align:left;padding:10px 12px;font-weight:700}
td{padding:9px 12px;border-bottom:1px solid #e6e6e6;vertical-align:top}
tbody tr:nth-child(even) td{background:#faf7f2}
.deck-std table{font-size:20px}
.empty{font-size:26px;color:#595959;padding:20px 0}
.slide-note{position:absolute;bottom:8px;left:__PAD__px;font-size:19px;color:#595959}
.cover-band{background:#b71c1c;color:#fff;padding:96px __PAD__px 72px;margin:0 -__PAD__px}
.slide.cover .content{padding-top:0}
.cover-alliance{font-size:34px;letter-spacing:4px;opacity:.92}
.cover-title{font-size:76px;font-weight:700;margin:22px 0 18px;line-height:1.2}
.deck-std .cover-title{font-size:60px}
.cover-sub{font-size:32px;opacity:.92}
.cover-facts{display:flex;flex-wrap:wrap;gap:14px 56px;margin:44px 0 40px;font-size:30px}
.deck-std .cover-facts{font-size:26px;gap:10px 40px}
.fact-label{color:#595959;margin-right:14px}.fact-value{font-weight:700}
.cover-cards{grid-template-columns:repeat(4,1fr);gap:24px}
.cover-cards .card{padding:22px 24px}.cover-cards .value{font-size:64px}.cover-cards .label{font-size:26px}
.deck-std .cover-cards .value{font-size:46px}.deck-std .cover-cards .label{font-size:22px}
#controls{position:fixed;left:50%;transform:translateX(-50%);bottom:10px;display:flex;align-items:center;gap:8px;z-index:5;padding:4px 8px;border-radius:8px;background:rgba(255,255,255,.92)}
#controls button{font:inherit;font-size:15px;padding:6px 12px;border-radius:6px;border:1px solid #888;
 background:#fff;color:#262626;cursor:pointer}
#hint{color:#595959;font-size:13px;margin-left:6px;white-space:nowrap}
@media (max-width:1300px){#hint{display:none}}
#controls button{white-space:nowrap}
"""

_JS = """
(function(){
  var slides = Array.prototype.slice.call(document.querySelectorAll('.slide'));
  var total = slides.length, KEY = 'cobuild-deck-' + __DECK_ID__, i = 0;
  var store = null;
  try { store = window.parent.sessionStorage; } catch (e) { try { store = window.sessionStorage; } catch (e2) {} }
  try { i = Math.max(0, Math.min(total - 1, parseInt(store.getItem(KEY) || '0', 10) || 0)); } catch (e) {}
  var body = document.body, canvas = document.getElementById('canvas');
  function fit(){
    var w = window.innerWidth, h = window.innerHeight;
    var variant = (w / h) >= 1.55 ? 'wide' : 'std';
    body.classList.toggle('deck-wide', variant === 'wide');
    body.classList.toggle('deck-std', variant === 'std');
    var cw = variant === 'wide' ? 1600 : 1200, ch = 900;
    canvas.style.transform = 'scale(' + Math.min(w / cw, h / ch) + ')';
  }
  function show(n){
    i = Math.max(0, Math.min(total - 1, n));
    slides.forEach(function(s, k){ s.classList.toggle('active', k === i); });
    body.setAttribute('data-slide', String(i + 1));
    document.getElementById('prev').disabled = i === 0;
    document.getElementById('next').disabled = i === total - 1;
    try { store.setItem(KEY, String(i)); } catch (e) {}
  }
  function typing(t){
    if (!t || !t.closest) return false;
    return !!t.closest('input, textarea, select, [contenteditable="true"], [role="listbox"], [role="combobox"], [role="dialog"], [data-baseweb="popover"]');
  }
  function fullscreen(){
    if (document.fullscreenElement) { document.exitFullscreen(); return; }
    var el = document.documentElement;
    if (el.requestFullscreen) el.requestFullscreen();
  }
  function onKey(e){
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
    var k = e.key, step = null;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'PageDown' || k === ' ' || k === 'Enter') step = 1;
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'PageUp' || k === 'Backspace') step = -1;
    else if (k === 'Home') { show(0); e.preventDefault(); return; }
    else if (k === 'End') { show(total - 1); e.preventDefault(); return; }
    else if (k === 'f' || k === 'F') { fullscreen(); e.preventDefault(); return; }
    if (step !== null) { show(i + step); e.preventDefault(); }
  }
  window.addEventListener('keydown', onKey);
  // Inside the app the page's keys drive the deck too (the frame need not have the focus).
  try {
    var top = window.parent;
    if (top && top !== window && top.document) {
      if (top.__cobuildDeckKeys) top.document.removeEventListener('keydown', top.__cobuildDeckKeys);
      top.__cobuildDeckKeys = function(e){ if (!document.body || !document.body.isConnected) { top.document.removeEventListener('keydown', top.__cobuildDeckKeys); return; } onKey(e); };
      top.document.addEventListener('keydown', top.__cobuildDeckKeys);
    }
  } catch (e) {}
  document.getElementById('prev').addEventListener('click', function(){ show(i - 1); });
  document.getElementById('next').addEventListener('click', function(){ show(i + 1); });
  var fs = document.getElementById('fullscreen');
  fs.addEventListener('click', fullscreen);
  document.addEventListener('fullscreenchange', function(){
    fs.textContent = document.fullscreenElement ? fs.getAttribute('data-exit') : fs.getAttribute('data-enter');
  });
  // In the app, the frame takes the rest of the window below the bar, whatever the bar's height.
  function fillFrame(){
    try {
      var fe = window.frameElement, top = window.parent;
      if (!fe || !top || top === window) return;
      var h = Math.max(240, Math.floor(top.innerHeight - fe.getBoundingClientRect().top - 2));
      if (Math.abs(fe.getBoundingClientRect().height - h) > 1) fe.style.setProperty('height', h + 'px', 'important');
    } catch (e) {}
  }
  try { window.parent.addEventListener('resize', function(){ fillFrame(); }); } catch (e) {}
  window.addEventListener('resize', fit);
  fillFrame(); fit(); show(i);
  setTimeout(function(){ fillFrame(); fit(); }, 300);
  window.cobuildDeck = { show: show, index: function(){ return i; }, total: total };
})();
"""


def build_deck_html(slides: Sequence[Slide], chart_svg: ChartSvg, text: DeckText, *, deck_id: str) -> str:
    """The whole deck as one HTML document (UTF-8), ready for an iframe or a file."""
    total = len(slides)
    sections = "".join(_slide(s, n, total, text, chart_svg) for n, s in enumerate(slides, start=1))
    css = (
        _CSS.replace("__FONT__", FONT)
        .replace("__TOP__", str(TOP))
        .replace("__BOTTOM__", str(BOTTOM))
        .replace("__PAD__", str(PAD_X))
    )
    js = _JS.replace("__DECK_ID__", json.dumps(deck_id))
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if text.lang == "zh_CN" else "en"}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(text.title)}</title><style>{css}</style></head>"
        f'<body class="deck-wide"><div id="stage"><div id="canvas">{sections}</div></div>'
        f'<div id="controls"><button id="prev" type="button">{escape(text.prev)}</button>'
        f'<button id="next" type="button">{escape(text.next)}</button>'
        f'<button id="fullscreen" type="button" data-enter="{escape(text.fullscreen)}" '
        f'data-exit="{escape(text.exit_fullscreen)}">{escape(text.fullscreen)}</button>'
        f'<span id="hint">{escape(text.keys_hint)}</span></div>'
        f"<script>{js}</script></body></html>"
    )


def svg_maker(panels: Mapping[str, Any]) -> ChartSvg:
    """Draw the panels' Altair charts as SVG at a given plot size (vl-convert, no browser)."""
    import vl_convert

    def draw(key: str, width: int, height: int) -> str:
        panel = panels.get(key)
        if panel is None:
            return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>'
        spec = panel.chart.to_dict()
        # the plot area: leave room for the title, the axes and a legend
        spec["width"] = max(120, width - 90)
        spec["height"] = max(120, height - 110)
        return str(vl_convert.vegalite_to_svg(json.dumps(spec)))

    return draw
