"""The layering of architecture.md, checked on the source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _py_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _module_path(name: str) -> Path | None:
    """The file of one of the app's own modules (a package's ``__init__.py``), or None."""
    base = ROOT / name.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function (``from a import b`` names ``a``,
    and ``a.b`` too when ``b`` is one of the app's modules)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(
                f"{node.module}.{alias.name}" for alias in node.names if _module_path(f"{node.module}.{alias.name}")
            )
    return names


# ---- every import points down ----------------------------------------------------------------------
# The layer map, top to bottom (the README's "Architecture" states the same). A module may import its own
# package, any package of a lower layer, and of its own layer only the pairs in LATERAL.
LAYERS: list[set[str]] = [
    {"app", "app_pages", "manage", "bench"},  # what runs: the Streamlit app, the command line, the benchmark
    {"ui"},  # screens (ui/<screen>/) over their shared kit (ui/kit/)
    {"exports", "cli", "seed"},  # documents and charts; the commands; the demo and county seeds
    {"services"},  # the rules applied to the database: reads and writes, never a commit
    {"workbook", "channels"},  # file formats (the Excel template); notice channels (mail)
    {"domain", "db"},  # pure rules; storage (models, engine, migrations)
    {"config", "locales"},  # settings from the environment; message catalogs
]
LATERAL = {("cli", "exports"), ("cli", "seed"), ("db", "domain")}
PACKAGES = {name: rank for rank, layer in enumerate(LAYERS) for name in layer}


def _package_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def back_imports(paths: list[Path], package: str | None = None) -> list[str]:
    """``file: imported`` for each import that runs up the layers or sideways outside LATERAL."""
    out = []
    for path in paths:
        src = package or _package_of(path)
        for name in sorted(_imports(path)):
            dst = name.split(".")[0]
            if dst == src or dst not in PACKAGES:
                continue
            if PACKAGES[dst] > PACKAGES[src] or (src, dst) in LATERAL:
                continue
            out.append(f"{path.name if package else path.relative_to(ROOT)}: {name}")
    return out


def _source_files() -> list[Path]:
    files = [ROOT / "app.py", ROOT / "manage.py", ROOT / "config.py"]
    for package in sorted(PACKAGES):
        if (ROOT / package).is_dir():
            files += [p for p in _py_files(package) if "versions" not in p.parts]
    return files


def test_every_package_is_on_the_layer_map() -> None:
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists() and p.name != "tests"}
    modules = {p.stem for p in ROOT.glob("*.py")}
    assert packages | modules <= set(PACKAGES), (packages | modules) - set(PACKAGES)


def test_every_import_points_down() -> None:
    assert back_imports(_source_files()) == []


@pytest.mark.parametrize(
    ("package", "source"),
    [
        ("exports", "from ui.kit.i18n import t\n"),  # a document reaching up to the screens
        ("services", "def f():\n    from exports import ledger\n"),  # hidden in a function
        ("domain", "import db.models\n"),
        ("seed", "from cli import common\n"),  # sideways, not in LATERAL
    ],
)
def test_the_layer_check_sees_a_planted_back_import(tmp_path: Path, package: str, source: str) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    assert back_imports([planted], package=package) != []


@pytest.mark.parametrize("folder", ["domain", "services", "db", "exports", "cli", "seed", "workbook", "channels"])
def test_lower_layers_do_not_import_streamlit(folder: str) -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _py_files(folder)
        if any(name == "streamlit" or name.startswith("streamlit.") for name in _imports(p))
    ]
    assert offenders == []


def test_domain_does_not_touch_the_database() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _py_files("domain")
        if any(n.startswith(("sqlalchemy", "db", "services", "ui")) for n in _imports(p))
    ]
    assert offenders == []


def test_pages_build_no_sql() -> None:
    """A page asks a service (through its screen's folder) for what it shows: no SQL, and no frame of
    figures put together on the page (the overview once assembled its stage counts there)."""
    pattern = re.compile(
        r"\bselect\(|session\.execute|\btext\(|read_sql|from sqlalchemy|import pandas|\bpd\.DataFrame\("
    )
    offenders = [str(p.relative_to(ROOT)) for p in _py_files("app_pages") if pattern.search(p.read_text())]
    assert offenders == []


# ---- one way to write: ui.kit.actions -------------------------------------------------------------
# A screen's write is run_write(action, success) (or write_scope() for bookkeeping); only the kit's
# actions module opens a write unit of work, and ui.kit.state, which defines session_scope.
WRITE_SCOPE_OWNERS = {"ui/kit/actions.py", "ui/kit/state.py"}


def write_scopes(paths: list[Path]) -> list[str]:
    """``file:line`` of each call of a ``session_scope`` (of any name ending so) asking to write — with
    ``write=`` anything but a literal False."""
    out = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if not name.endswith("session_scope"):
                continue
            for kw in node.keywords:
                if kw.arg in ("write", None) and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    out.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:{node.lineno}")
    return out


def test_only_the_actions_kit_opens_a_write_scope() -> None:
    files = [ROOT / "app.py", *_py_files("app_pages"), *_py_files("ui")]
    files = [p for p in files if str(p.relative_to(ROOT)) not in WRITE_SCOPE_OWNERS]
    assert write_scopes(files) == []


@pytest.mark.parametrize(
    "source",
    [
        "with session_scope(write=True) as s:\n    pass\n",
        "def f(run):\n    with state.session_scope(write=run) as s:\n        pass\n",  # by a variable
        "login(lambda: session_scope(write=True))\n",  # a factory handed to a service
    ],
)
def test_the_write_scope_check_sees_a_planted_one(tmp_path: Path, source: str) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    assert write_scopes([planted]) == ["planted.py:" + str(source.count("\n", 0, source.index("session_scope")) + 1)]


def test_a_read_scope_is_not_a_write_scope(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("with session_scope() as s:\n    pass\nwith session_scope(write=False) as s:\n    pass\n")
    assert write_scopes([planted]) == []


def test_every_page_begins_with_its_guard() -> None:
    """Every page but the public ones (contracts.md's public pages, run before the gate) has one."""
    from ui.kit.navigation import PUBLIC_PAGES

    public = {spec.script for spec in PUBLIC_PAGES}
    for page in _py_files("app_pages"):
        source = page.read_text(encoding="utf-8")
        if str(page.relative_to(ROOT)) in public:
            assert "require_role(" not in source
            continue
        assert "require_role(" in source, f"{page.name} has no role guard"


# what a public page may reach: these ui modules, and of services only services/wall.py
PUBLIC_UI = {
    "ui",
    "ui.kit",
    "ui.wall",
    "ui.wall.view",
    "ui.kit.public",
    "ui.kit.i18n",
    "ui.kit.safe",
    "ui.kit.state",
    "ui.kit.actions",
}


def _reached_modules(start: list[Path]) -> set[str]:
    """The app's own modules (ui., services.) the files import, followed through ui/."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        for name in _imports(path):
            if name.startswith(("ui", "services")) and name not in seen:
                seen.add(name)
                found = _module_path(name)
                if name.startswith("ui.") and found is not None:
                    todo.append(found)
    return seen


def test_public_pages_reach_only_the_public_service() -> None:
    from ui.kit.navigation import PUBLIC_PAGES

    reached = _reached_modules([ROOT / spec.script for spec in PUBLIC_PAGES])
    services = {m for m in reached if m.startswith("services")}
    assert services <= {"services.wall", "services"}, services
    assert {m for m in reached if m.startswith("ui")} <= PUBLIC_UI, reached


def test_the_public_reach_check_catches_a_private_service(tmp_path: Path) -> None:
    """The walk above is not blind: a page importing the residents' queue service is seen."""
    page = tmp_path / "page.py"
    page.write_text("from services import wall\nfrom services.residents import list_submissions\n")
    assert "services.residents" in _reached_modules([page])


def test_no_legacy_pages_folder() -> None:
    assert not (ROOT / "pages").exists(), "pages/ switches on Streamlit's unguarded legacy router"


def test_no_raw_html_from_user_text() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _py_files("app_pages") + _py_files("ui")
        if "unsafe_allow_html=True" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_every_navigation_page_exists() -> None:
    from ui.kit.navigation import PAGES

    for spec in PAGES:
        assert (ROOT / spec.script).exists(), spec.script


def test_data_the_code_reads_is_not_git_ignored() -> None:
    """Files shipped beside the code (the matching vocabulary, locales) must reach a fresh clone.

    A ``data/`` pattern in .gitignore once kept ``domain/data/matching_vocabulary.toml`` out of every
    commit: the app and ``manage.py suggest`` then failed on a clone.
    """
    import shutil
    import subprocess

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    shipped = [p for folder in ("domain", "locales", "bench") for p in (ROOT / folder).rglob("*.toml")]
    assert shipped, "no data files found"
    names = [str(p.relative_to(ROOT)) for p in shipped]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *names], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    assert ignored == []


def test_manage_help_does_not_load_jiebas_dictionary() -> None:
    """The ~0.8 s dictionary is loaded by the app's warm-up thread or the first suggestion, never by
    ``manage.py --help`` (or an import)."""
    import subprocess
    import sys

    probe = (
        "import runpy, sys\n"
        "sys.argv = ['manage.py', '--help']\n"
        "try:\n    runpy.run_path('manage.py', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "text = sys.modules.get('domain.text')\n"
        "print('loaded' if text is not None and text._tokenizer.initialized else 'not loaded')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "not loaded", out.stderr


def test_the_app_warms_the_matching_dictionary_once_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from domain import matching
    from domain import text as zh
    from ui.kit import state

    started: list[str] = []
    real = threading.Thread.start

    def start(self: threading.Thread) -> None:
        started.append(self.name)
        real(self)

    monkeypatch.setattr(state, "_warm_started", False)
    monkeypatch.setattr(threading.Thread, "start", start)
    state.warm_matching_in_background()
    state.warm_matching_in_background()
    assert started == ["cobuild-warm-matching"]
    matching.warm()
    assert zh._tokenizer.initialized


# ---- permissions: `actor` only where it scopes, roles asked through the named predicates -----------------


def actorless_services(path: Path) -> list[str]:
    """``file:function`` for each public top-level function of ``path`` that takes ``actor`` and never
    reads it: the signature promises a permission or scope check that is not there (and splits the
    page cache per user for figures that are the same for everyone)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name.startswith("_"):
            continue
        params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        if "actor" not in {a.arg for a in params}:
            continue
        if not any(isinstance(n, ast.Name) and n.id == "actor" for stmt in node.body for n in ast.walk(stmt)):
            out.append(f"{path.name}:{node.name}")
    return out


def test_every_service_that_takes_an_actor_uses_it() -> None:
    assert [hit for p in _py_files("services") for hit in actorless_services(p)] == []


def test_the_actor_check_sees_an_unused_actor(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def list_things(session, actor, *, limit=10):\n    return session.query(limit)\n"
        "def count_things(session, *, actor, year):\n    return year\n"
        "def get_thing(session, actor, *, thing_id):\n    require_read(actor, thing_id)\n    return thing_id\n"
        "def _helper(session, actor):\n    return session\n"
    )
    assert actorless_services(planted) == ["planted.py:list_things", "planted.py:count_things"]


# The page map by role (ui/kit/navigation.py) and the page guard that applies it (ui/kit/auth.py's
# require_role) are the only places in the interface that name roles; everything else asks the
# actor's named predicates (domain/actor.py: is_admin, keeps_community_records, may_manage_meeting …).
ROLE_MAP_FILES = {"ui/kit/navigation.py", "ui/kit/auth.py"}


def _names_a_role(node: ast.expr) -> bool:
    """``Role.X``, ``x.role`` or a tuple/list/set of them."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_role(e) for e in node.elts)
    if isinstance(node, ast.Attribute):
        return node.attr == "role" or (isinstance(node.value, ast.Name) and node.value.id == "Role")
    return False


def role_comparisons(path: Path) -> list[str]:
    """``file:line`` for each comparison (``==``, ``!=``, ``in``, ``not in`` …) of a role."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and any(_names_a_role(x) for x in [node.left, *node.comparators])
    }
    return [f"{path.name}:{line}" for line in sorted(lines)]


def test_the_interface_asks_the_actor_and_never_compares_roles() -> None:
    files = [ROOT / "app.py", *_py_files("app_pages"), *_py_files("ui")]
    hits = [
        f"{p.relative_to(ROOT)}: {hit}"
        for p in files
        if str(p.relative_to(ROOT)) not in ROLE_MAP_FILES
        for hit in role_comparisons(p)
    ]
    assert hits == []


def test_the_role_check_sees_a_literal_role_comparison(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "if actor.role in (Role.ADMIN, Role.COMMUNITY):\n    pass\n"
        "writer = actor.role == Role.LIAISON\n"
        "own = actor.community_id if Role.COMMUNITY == actor.role else None\n"
        "leader = user.role != 'leader'\n"
        "fine = actor.keeps_community_records and actor.home_unit_id == 3\n"
        "label = t(f'enum.Role.{actor.role.value}')\n"
    )
    assert role_comparisons(planted) == ["planted.py:1", "planted.py:3", "planted.py:4", "planted.py:5"]


# ---- one live-rows rule; Settings reads every variable ---------------------------------------------------
# The soft-delete filter is asked of services.live (``*live(Model)``), never written by hand: a hand-written
# one is how a deleted meeting's items came to count in one figure and not in the next.
HAND_WRITTEN_LIVE = re.compile(
    r"deleted_at\s*(?:\.\s*is_\s*\(\s*None\s*\)|==\s*None\b|\.\s*is_\s*\(\s*null\(\s*\)\s*\))"
    # and its Python side on a loaded row: ``if x is None or x.deleted_at is not None`` (ask ``is_live(x)``)
    r"|\bis None or \w+\.deleted_at is not None"
)


def hand_written_live_filters(paths: list[Path]) -> list[str]:
    """``file:line`` of each soft-delete filter written out instead of asked of ``services.live``."""
    return [
        f"{path.name}:{n}"
        for path in paths
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN_LIVE.search(line)
    ]


def test_the_live_rows_filter_is_written_once() -> None:
    files = [p for p in _source_files() if p != ROOT / "services" / "live.py" and "migrations" not in p.parts]
    assert hand_written_live_filters(files) == []


@pytest.mark.parametrize(
    "source",
    [
        "stmt = select(Need).where(Need.deleted_at.is_(None))\n",
        "conds = [Unit.deleted_at == None]  # noqa: E711\n",
        "q = q.filter(Project.deleted_at.is_( None ))\n",
        "if unit is None or unit.deleted_at is not None:\n    raise NotFound()\n",
    ],
)
def test_the_live_rows_check_sees_a_hand_written_filter(tmp_path: Path, source: str) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    assert hand_written_live_filters([planted]) == ["planted.py:1"]


def cobuild_reads(path: Path) -> list[str]:
    """``file:line VARIABLE`` for each ``COBUILD_*`` variable ``path`` reads from the environment
    (``os.environ[…]``, ``os.environ.get(…)``, ``os.getenv(…)``, ``… in os.environ``); setting one for a
    child process (``os.environ.setdefault``, an assignment) is no read."""

    def environ(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
            isinstance(node, ast.Name) and node.id == "environ"
        )

    def cobuild(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("COBUILD_"):
            return node.value
        return None

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = None
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and environ(node.value):
            name = cobuild(node.slice)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute | ast.Name):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr == "get" and environ(func.value)) or (
                func.attr if isinstance(func, ast.Attribute) else func.id
            ) == "getenv":
                name = cobuild(node.args[0])
        elif isinstance(node, ast.Compare) and any(environ(c) for c in node.comparators):
            name = cobuild(node.left)
        if name:
            out.append(f"{path.name}:{node.lineno} {name}")
    return out


def test_only_config_reads_cobuild_variables() -> None:
    """Every COBUILD_ variable is read by config.Settings (tests may set and read them)."""
    files = [p for p in _source_files() if p != ROOT / "config.py"]
    assert [hit for p in files for hit in cobuild_reads(p)] == []


@pytest.mark.parametrize(
    "source",
    [
        'import os\nday = os.environ.get("COBUILD_TODAY")\n',
        'import os\nrounds = int(os.environ["COBUILD_BCRYPT_ROUNDS"])\n',
        'import os\nlang = os.getenv("COBUILD_LANG", "zh_CN")\n',
        'from os import environ\npinned = "COBUILD_TODAY" in environ\n',
    ],
)
def test_the_settings_check_sees_a_planted_read(tmp_path: Path, source: str) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    assert len(cobuild_reads(planted)) == 1


def test_setting_a_variable_for_a_child_process_is_no_read(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text('import os\nos.environ.setdefault("COBUILD_COOKIE_KEY", "k")\nos.environ["COBUILD_ENV"] = "x"\n')
    assert cobuild_reads(planted) == []


def test_the_calendar_is_pure() -> None:
    """domain.calendar reads no settings: the pinned day is passed in (``Settings.today``)."""
    assert {n.split(".")[0] for n in _imports(ROOT / "domain" / "calendar.py")} <= {
        "__future__",
        "datetime",
        "zoneinfo",
    }
