"""One typed settings object, read from the environment (contracts.md)."""

from __future__ import annotations

import math
import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'cobuild.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    cookie_key: str | None = None
    backup_key: str | None = None  # keys the checksum inside every backup (services/backup_signature.py)
    cookie_name: str = "cobuild_auth"
    cookie_expiry_days: float = 7.0
    environment: str = "production"  # production / development / test
    data_dir: Path = field(default=DATA_DIR)
    smtp_url: str | None = None  # COBUILD_SMTP_URL: outgoing mail (channels/mail.py); unset: e-mail off
    mail_from: str | None = None  # COBUILD_MAIL_FROM; unset: noreply@ + the SMTP host
    public_url: str | None = None  # COBUILD_PUBLIC_URL: the address users open (links in notices)
    inbox_refresh_seconds: float = 30.0  # COBUILD_INBOX_REFRESH: the sidebar's unread count re-read; 0: off
    # COBUILD_TRUSTED_PROXIES: reverse proxies whose X-Forwarded-For is believed (comma-separated); none: the socket's
    trusted_proxies: tuple[str, ...] = ()
    today: date | None = None  # COBUILD_TODAY (ISO date): pins the app's "today" (domain.calendar); unset: China's
    bcrypt_rounds: int = 12  # COBUILD_BCRYPT_ROUNDS: the cost of the password hashes the app makes
    cli_language: str = "zh_CN"  # COBUILD_LANG: the language of manage.py's messages (zh_CN / en)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from the environment; unset values take the embedded defaults."""
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        cookie_key=env.get("COBUILD_COOKIE_KEY") or None,
        backup_key=env.get("COBUILD_BACKUP_KEY") or None,
        cookie_expiry_days=float(env.get("COBUILD_COOKIE_DAYS", "7")),
        environment=env.get("COBUILD_ENV", "production"),
        data_dir=Path(env.get("COBUILD_DATA_DIR", str(DATA_DIR))),
        smtp_url=env.get("COBUILD_SMTP_URL", "").strip() or None,
        mail_from=env.get("COBUILD_MAIL_FROM", "").strip() or None,
        public_url=env.get("COBUILD_PUBLIC_URL", "").strip().rstrip("/") or None,
        inbox_refresh_seconds=_seconds(env.get("COBUILD_INBOX_REFRESH"), default=30.0),
        trusted_proxies=tuple(p.strip() for p in env.get("COBUILD_TRUSTED_PROXIES", "").split(",") if p.strip()),
        today=_day(env.get("COBUILD_TODAY")),
        bcrypt_rounds=_rounds(env.get("COBUILD_BCRYPT_ROUNDS")),
        cli_language="en" if env.get("COBUILD_LANG", "zh_CN").strip().lower().startswith("en") else "zh_CN",
    )


def _day(value: str | None) -> date | None:
    """An ISO date; unset or unreadable: none (the day is then China's today)."""
    try:
        return date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _rounds(value: str | None) -> int:
    """bcrypt's cost, 4–31 (what the library accepts); unset: 12. Anything else is refused at once,
    not at the first password hashed."""
    if value is None or not value.strip():
        return 12
    rounds = int(value)
    if not 4 <= rounds <= 31:
        raise ValueError(f"COBUILD_BCRYPT_ROUNDS={value!r}: 4 to 31")
    return rounds


def _seconds(value: str | None, *, default: float) -> float:
    """A non-negative number of seconds; unset or unreadable: ``default``."""
    try:
        seconds = float(value) if value is not None and value.strip() else default
    except ValueError:
        return default
    return seconds if math.isfinite(seconds) and seconds >= 0 else default


def secret_key(value: str | None, *, data_dir: Path, name: str, demo: bool) -> str | None:
    """The rule for every signing secret (the cookie key, the backup key): the environment's value;
    on a demo database a generated one kept in ``data_dir/name`` (made once, mode 600); otherwise
    none, and the caller refuses to go on (contracts.md)."""
    if value:
        return value
    if not demo:
        return None
    path = Path(data_dir) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


class CookieKeyMissing(RuntimeError):
    """No ``COBUILD_COOKIE_KEY`` on a database that is not a demo: the app refuses to start."""


def cookie_key(settings: Settings, *, demo: bool) -> str:
    """The key that signs the login cookie, by contracts.md's rule: ``COBUILD_COOKIE_KEY``; on a demo
    database only, a generated key stored in ``data/cookie_key``; otherwise the app refuses to start
    without it (``CookieKeyMissing``). Called where the key is needed — the app's login gate on every
    start — never by commands that do not sign cookies, so ``manage.py migrate`` runs without it."""
    key = secret_key(settings.cookie_key, data_dir=Path(settings.data_dir), name="cookie_key", demo=demo)
    if key is None:
        raise CookieKeyMissing()
    return key


def backup_key(settings: Settings, *, demo: bool) -> str | None:
    """``COBUILD_BACKUP_KEY``; on a demo database a generated key in ``data/backup_key``."""
    return secret_key(settings.backup_key, data_dir=settings.data_dir, name="backup_key", demo=demo)
