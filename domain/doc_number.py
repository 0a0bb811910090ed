"""发文字号 — the number of an official document: 共建联盟〔2026〕3号 (GB/T 9704 7.2.4)."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^\s*(?P<prefix>.*?)[〔\[［(（]\s*(?P<year>\d{4})\s*[〕\]］)）]\s*(?P<seq>\d{1,5})\s*号\s*$")


def parse_number(text: str) -> tuple[str, int, int] | None:
    """(机关代字, year, sequence) of a 发文字号 such as 共建联盟〔2026〕3号; None when it is not one."""
    m = _NUMBER.match(text or "")
    if not m:
        return None
    return m.group("prefix").strip(), int(m.group("year")), int(m.group("seq"))


def format_number(prefix: str, year: int, seq: int) -> str:
    """共建联盟〔2026〕3号: 六角括号 around the year, no leading zeros (GB/T 9704 7.2.4)."""
    return f"{prefix}〔{year}〕{seq}号"
