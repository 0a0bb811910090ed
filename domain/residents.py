"""The public board's rules, pure: who the client is, what a resident may type, how many writes a
session and an address may make, when personal data is erased (README, "Residents")."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

from domain.errors import ValidationError

SESSION_LIMIT = 3  # submissions per browser session, ever
ADDRESS_LIMIT = 30  # submissions per client address …
ADDRESS_WINDOW = timedelta(minutes=10)  # … within this window
ERASE_AFTER = timedelta(days=180)  # phone numbers and client addresses
PUBLIC_WRITE_KEEP = timedelta(days=1)  # rate-limit rows are forgotten after a day
TEXT_MAX = 500
NAME_MAX = 20
PHONE_MAX = 20
REASON_MAX = 200

UNVERIFIED = "forwarded-unverified"
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|&[A-Za-z#][A-Za-z0-9]*;")
_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,18}[0-9]$")


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: Iterable[str]) -> str:
    """The client's address: the socket's (``peer``), or — only when the socket's peer is one of
    ``trusted_proxies`` — the last address in ``X-Forwarded-For`` that is not itself a trusted
    proxy. Anything a client writes into the header is ignored otherwise."""
    trusted = {p.strip() for p in trusted_proxies if p.strip()}
    address = (peer or "").strip() or "local"
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    if address not in trusted:
        if not trusted and address in hops:
            # the web server itself (uvicorn, trusting FORWARDED_ALLOW_IPS) already took the peer from
            # the header: the real socket's address is lost, so every such client shares one count
            return UNVERIFIED
        return address
    if not hops:
        return address
    for hop in reversed(hops):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return address  # a proxy that passes garbage on: count it as the proxy's own
    return address


def plain_text(field: str, value: object, *, required: bool = False, max_len: int = TEXT_MAX) -> str:
    """A resident's text: trimmed, plain (no HTML tags or entities, no control or bidirectional
    characters), at most ``max_len`` characters; refused otherwise, naming the field."""
    s = "" if value is None else str(value).strip()
    if required and not s:
        raise ValidationError(field, "error.required")
    if len(s) > max_len:
        raise ValidationError(field, "error.too_long", max=max_len)
    if _TAG.search(s):
        raise ValidationError(field, "wall.errors.no_markup")
    for ch in s:
        if ch in "\n\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
            raise ValidationError(field, "wall.errors.bad_characters")
    return s


def phone_number(field: str, value: object) -> str:
    """An optional phone number: digits, spaces, dashes and a leading +."""
    s = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not s:
        return ""
    if len(s) > PHONE_MAX or not _PHONE.match(s):
        raise ValidationError(field, "wall.errors.bad_phone")
    return s


def retry_at(times: list[datetime], *, limit: int, window: timedelta) -> datetime | None:
    """When the next write is allowed, given the earlier writes' ``times`` within ``window``
    (oldest first): ``None`` while fewer than ``limit``; else when the oldest counted one leaves it."""
    if len(times) < limit:
        return None
    return sorted(times)[len(times) - limit] + window


def is_on_publicity(starts_on: object, ends_on: object, today: object) -> bool:
    """A 公示 runs from its first to its last day, both included."""
    return bool(starts_on <= today <= ends_on)  # type: ignore[operator]
