"""What kind of device a request comes from, told by its User-Agent header."""

from __future__ import annotations

import re

# Browsers on phones put "Mobi" in their User-Agent (iOS Safari "Mobile/15E148", Chrome on Android
# "Mobile Safari", WeChat's browser "Mobile MicroMessenger"); tablets (iPad, Android without "Mobile")
# do not, and get the desktop layout's landing page like any laptop.
_PHONE = re.compile(r"Mobi|iPhone|Windows Phone", re.IGNORECASE)


def is_phone(user_agent: str | None) -> bool:
    return bool(user_agent) and _PHONE.search(user_agent or "") is not None
