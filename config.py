"""One typed settings object, read from the environment (contracts.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DATA_DIR = ROOT / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'cobuild.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    cookie_key: str | None = None
    cookie_name: str = "cobuild_auth"
    cookie_expiry_days: float = 7.0
    environment: str = "production"  # production / development / test
    login_sleep_time: float = 0.3
    data_dir: Path = field(default=DATA_DIR)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Settings from the environment; unset values take the embedded defaults."""
    env = dict(os.environ if env is None else env)
    return Settings(
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        cookie_key=env.get("COBUILD_COOKIE_KEY") or None,
        cookie_expiry_days=float(env.get("COBUILD_COOKIE_DAYS", "7")),
        environment=env.get("COBUILD_ENV", "production"),
        login_sleep_time=float(env.get("COBUILD_LOGIN_SLEEP", "0.3")),
        data_dir=Path(env.get("COBUILD_DATA_DIR", str(DATA_DIR))),
    )
