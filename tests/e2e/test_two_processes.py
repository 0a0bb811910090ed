"""Two app processes on one PostgreSQL database: what one user saves on process A, another user
sees on process B at B's next script run — also where B serves it from its cache (the lists' category
filter, a cached read of the area org: A's write gave org a new data version, db/areas.py), without
waiting out any time to live (the deployment of architecture.md runs several Streamlit processes behind
a proxy). Runs only with TEST_DATABASE_URL; it works in a private schema and never touches public."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.migrate import upgrade
from tests.e2e.conftest import ROOT, Server, _free_port, assert_no_exception, login, wait_idle

pytestmark = pytest.mark.e2e

PG_URL = os.environ.get("TEST_DATABASE_URL")
SCHEMA = "cobuild_two_proc"


def schema_url(base: str, schema: str = SCHEMA) -> str:
    """``base`` with libpq's ``options=-csearch_path=<schema>`` (SQLAlchemy hands URL query
    parameters to psycopg.connect as keyword arguments)."""
    url = make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def pg_demo_url() -> Iterator[str]:
    """A private schema, migrated and demo-seeded; dropped afterwards."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set: the two-process test needs PostgreSQL")
    if make_url(PG_URL).get_backend_name() != "postgresql":
        pytest.skip("TEST_DATABASE_URL is not a PostgreSQL URL")
    admin_engine = make_engine(PG_URL)
    with admin_engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    url = schema_url(PG_URL)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:  # the option really reaches the server
            assert conn.execute(text("SELECT current_schema()")).scalar() == SCHEMA
        upgrade(engine)
        from seed.demo import seed_demo

        with Session(engine) as s:
            seed_demo(s, today=date.today())
            s.commit()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM app_user")).scalar()
        with admin_engine.connect() as conn:  # and the tables went into the private schema only
            where = (
                conn.execute(
                    text("SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'app_user'")
                )
                .scalars()
                .all()
            )
            assert SCHEMA in where
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with admin_engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        admin_engine.dispose()


def start_pg_server(workdir: Path, database_url: str, cookie_key: str) -> Server:
    """The app on ``database_url`` (tests/e2e/conftest.start_server's pattern, without the SQLite copy)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        COBUILD_DATA_DIR=str(workdir / "data"),
        COBUILD_LOGIN_SLEEP="0",
        COBUILD_COOKIE_DAYS="7",
        COBUILD_COOKIE_KEY=cookie_key,  # one key for the whole deployment
    )
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
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return Server(url, proc, workdir, log)
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def two_servers(pg_demo_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    key = secrets.token_urlsafe(32)
    a = start_pg_server(tmp_path / "a", pg_demo_url, key)
    try:
        b = start_pg_server(tmp_path / "b", pg_demo_url, key)
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()
    for srv in (a, b):  # neither process hit an error it only logged
        assert "Traceback" not in srv.log.read_text(errors="replace"), srv.log.read_text(errors="replace")[-3000:]


def open_categories(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/admin")
    page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
    page.get_by_role("tab", name="类别").click()
    wait_idle(page)


def category_choices(page, typed: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """The names offered by the 类别 tab's "选择类别" box (the table itself is drawn on a canvas);
    ``typed`` narrows the list as a user typing would (a long list is rendered lazily)."""
    box = page.get_by_label("选择类别")
    box.click()
    if typed:
        box.fill(typed)
    options = page.get_by_role("option")
    try:
        options.first.wait_for(timeout=10_000)
    except Exception:  # "no results" for what was typed
        names: list[str] = []
    else:
        names = [o.inner_text().strip() for o in options.all()]
    page.keyboard.press("Escape")
    return names


def lists_category_choices(page, base_url: str, typed: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """The names offered by /lists' 类别 filter (``ui.lists.view.reference``: a cached read)."""
    page.goto(f"{base_url}/lists")
    page.get_by_role("button", name="退出登录").wait_for(timeout=30_000)
    wait_idle(page)
    box = page.get_by_label("类别").first
    box.click()
    if typed:
        box.fill(typed)
    options = page.get_by_role("option")
    try:
        options.first.wait_for(timeout=10_000)
    except Exception:
        names: list[str] = []
    else:
        names = [o.inner_text().strip() for o in options.all()]
    page.keyboard.press("Escape")
    return names


def test_a_category_saved_on_one_process_shows_on_the_other(browser, two_servers) -> None:  # type: ignore[no-untyped-def]
    a, b = two_servers
    name = f"两进程类别{secrets.token_hex(3)}"
    ctx_a = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    ctx_b = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    try:
        page_b = ctx_b.new_page()
        page_b.set_default_timeout(30_000)
        login(page_b, b.url, "admin")  # B is up and has read the categories before A writes
        open_categories(page_b, b.url)
        before = category_choices(page_b)
        assert before and name not in before
        cached = lists_category_choices(page_b, b.url)  # B's cache now holds the categories
        assert cached and name not in cached

        page_a = ctx_a.new_page()
        page_a.set_default_timeout(30_000)
        login(page_a, a.url, "admin")
        open_categories(page_a, a.url)
        form = page_a.locator('[data-testid="stForm"]').filter(has_text="新增类别")
        form.get_by_label("类别名称").fill(name)
        form.get_by_role("button", name="新增").click()
        page_a.get_by_text(f"已新增类别“{name}”").wait_for(timeout=30_000)
        assert_no_exception(page_a)

        open_categories(page_b, b.url)  # the other process, the other browser, a fresh script run
        assert name in category_choices(page_b, typed=name)
        assert_no_exception(page_b)
        started = time.monotonic()
        assert name in lists_category_choices(page_b, b.url, typed=name), "B served its stale cache"
        assert time.monotonic() - started < 30  # the next run, not the end of a time to live
        assert_no_exception(page_b)
    finally:
        ctx_a.close()
        ctx_b.close()
