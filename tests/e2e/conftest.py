"""Browser tests: a real Streamlit server on a private copy of the demo database, driven by
Playwright in Debian's chromium (``playwright install`` cannot download here)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("COBUILD_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
PASSWORDS = {
    "admin": "cobuild-admin",
    "community1": "cobuild-community",
    "liaison1": "cobuild-liaison",
    "leader": "cobuild-leader",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        return  # the browser fixture fails loudly instead: a skipped browser test is a failure in CI
    skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM}: browser tests skipped (apt-get install chromium)")
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    db: Path
    log: Path

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_server(workdir: Path, db_template: Path, env_overrides: dict[str, str | None] | None = None) -> Server:
    """A Streamlit server on a copy of ``db_template``; ``env_overrides`` changes (None: removes)
    variables of its environment."""
    return wait_ready(launch_server(workdir, db_template, env_overrides))


def launch_server(workdir: Path, db_template: Path, env_overrides: dict[str, str | None] | None = None) -> Server:
    """start_server without the wait: the process is started, not yet answering."""
    db = workdir / "cobuild.db"
    shutil.copy(db_template, db)
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        COBUILD_DATA_DIR=str(workdir / "data"),
        COBUILD_LOGIN_SLEEP="0",
        COBUILD_COOKIE_DAYS="7",
        COBUILD_TODAY=TODAY.isoformat(),  # the app's today is the seed's
        FORWARDED_ALLOW_IPS="",  # as make run: uvicorn believes no X-Forwarded-For; the app decides
    )
    env.pop("COBUILD_COOKIE_KEY", None)
    for name, value in (env_overrides or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    log = workdir / "server.log"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return Server(f"http://127.0.0.1:{port}", proc, db, log)


def wait_ready(srv: Server) -> Server:
    """Wait until the server answers its health check (nothing else is asked of it)."""
    deadline = time.time() + 60
    while time.time() < deadline:
        if srv.proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{srv.url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return srv
        except OSError:
            time.sleep(0.3)
    srv.proc.kill()
    raise RuntimeError(f"server did not start: {srv.log.read_text()[-2000:]}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("server"), sqlite_template)
    yield srv
    srv.stop()


class FreshServers:
    """Servers for ``fresh_server``, each launched one test ahead: the next test's server boots while
    this test runs, and no request reaches it before its own test's first. A used server is stopped
    without waiting for it to exit (it is reaped at the end of the run)."""

    def __init__(self, workdirs: pytest.TempPathFactory, db_template: Path, pending: int) -> None:
        self.workdirs, self.db_template, self.pending = workdirs, db_template, pending
        self.spare: list[Server] = []
        self.stopping: list[Server] = []

    def _launch(self) -> Server:
        return launch_server(self.workdirs.mktemp("fresh"), self.db_template)

    def take(self) -> Server:
        self.pending -= 1
        srv = self.spare.pop() if self.spare else self._launch()
        if self.pending > 0:
            self.spare.append(self._launch())
        return wait_ready(srv)

    def retire(self, srv: Server) -> None:
        srv.proc.terminate()
        self.stopping.append(srv)

    def close(self) -> None:
        for srv in self.spare:
            srv.proc.terminate()
        for srv in [*self.stopping, *self.spare]:
            srv.stop()


@pytest.fixture(scope="session")
def _fresh_servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[FreshServers]:
    pending = sum(1 for item in request.session.items if "fresh_server" in getattr(item, "fixturenames", ()))
    servers = FreshServers(tmp_path_factory, sqlite_template, pending)
    yield servers
    servers.close()


@pytest.fixture
def fresh_server(_fresh_servers: FreshServers) -> Iterator[Server]:
    """A server started for this test alone: its first request is the test's."""
    srv = _fresh_servers.take()
    yield srv
    _fresh_servers.retire(srv)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"CI=true but no chromium at {CHROMIUM}: install Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    p = context.new_page()
    p.set_default_timeout(30_000)
    return p


def wait_idle(page, settle_ms: int = 600) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=30_000)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stElementContainer"]', timeout=30_000)
    deadline = time.time() + 30
    while time.time() < deadline:
        page.wait_for_timeout(settle_ms)
        if page.locator('[data-testid="stStatusWidget"]').count() == 0:
            return


def login(page, base_url: str, username: str, path: str = "/") -> None:  # type: ignore[no-untyped-def]
    """Log in through the real form. The first visit brings one extra rerun (the cookie
    component), which can redraw the form under the typing: wait for it, and try again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(base_url + path)
    for attempt in range(3):
        page.get_by_label("用户名").wait_for(timeout=30_000)
        wait_idle(page)
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORDS[username])
        page.get_by_role("button", name="登录").click()
        try:
            page.get_by_role("button", name="退出登录").wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wait_idle(page)


def assert_no_exception(page) -> None:  # type: ignore[no-untyped-def]
    assert page.locator('[data-testid="stException"]').count() == 0, page.content()[:2000]


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
