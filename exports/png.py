"""Charts as PNG images (vl-convert), for downloads, the deck and the report.

Chinese labels need a CJK font on the machine; without one vl-convert draws boxes, so we
refuse with a clear message instead (Debian: ``apt install fonts-noto-cjk``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import vl_convert

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
FONT_PATTERNS = ("NotoSansCJK*", "NotoSerifCJK*", "SourceHanSans*", "wqy-*", "msyh*", "simsun*", "PingFang*")
DEFAULT_WIDTH = 640


@dataclass(frozen=True)
class ChartImage:
    """A chart drawn as PNG, with its title (for captions)."""

    title: str
    png: bytes


class NoCJKFont(RuntimeError):
    """No font with Chinese glyphs is installed, so chart images would show boxes."""

    def __init__(self) -> None:
        super().__init__(
            "No CJK font found (fc-list :lang=zh is empty): install one, e.g. "
            "`apt install fonts-noto-cjk`, to export charts with Chinese labels."
        )


@cache
def cjk_font_available() -> bool:
    """Whether a font with Chinese glyphs is installed (fontconfig, else known font files)."""
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
            if out.strip():
                return True
        except (OSError, subprocess.SubprocessError):
            pass
    for folder in FONT_DIRS:
        if folder.is_dir() and any(any(folder.rglob(p)) for p in FONT_PATTERNS):
            return True
    return False


def chart_png(chart: Any, *, scale: float = 2, width: int | None = DEFAULT_WIDTH) -> bytes:
    """One Altair chart as PNG bytes; ``width`` is used when the chart sets none."""
    if not cjk_font_available():
        raise NoCJKFont()
    spec = chart.to_dict()
    if width and not isinstance(spec.get("width"), int | float):
        spec["width"] = width
    return bytes(vl_convert.vegalite_to_png(json.dumps(spec), scale=scale))
