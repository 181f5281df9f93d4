"""The house's shape, held on every run: one way down, no cycles, the solver's declared surface.

The import graph of the whole tree is read with `ast` from every `import` statement, those inside
function bodies and `if TYPE_CHECKING:` blocks included (an import hidden in a function is still
an arrow), relative imports resolved. `from package import name` is an arrow to the submodule
`package.name` when there is one, else to the package. The rules (STYLE.md):

- no cycle anywhere, between any modules of the tree;
- inside `app/`, arrows run one way: app.cli -> app.main -> app.routes, app.pages -> app.web ->
  app.jobs -> app.services -> app.queue -> app.processes -> the base (app.db, app.migrate,
  app.migrations, app.errors, app.i18n, app.settings), which imports none of the layers; a layer
  may skip layers on the way down, never go up; app.routes and app.pages do not import each other;
- a router (a module that defines `router`) never imports another router;
- no `HTTPException` (FastAPI's or Starlette's) below app.web: the layers under it raise the
  errors of `app.errors`, which app.web answers;
- `models` imports nothing of ours; `solver` imports only `models` (and itself); `scenarios`
  imports `models` and the solver's surface; neither imports `app`;
- outside `solver/`, the solver is reached only through `solver/__init__.py`: `import solver` or
  `from solver import <name>` with the name in `solver.__all__`, never `solver.<module>`.
  `tests/` are exempt from this rule (a test of `solver.block` imports `solver.block`); `bench/`
  is not (it measures the same surface the service and the command line use).

A job's result goes back through storage functions of the jobs layer (`app.jobs.storage`), never
through a service that submits jobs: no module of app.jobs imports a service module that itself
imports app.queue (those are the use cases that hand jobs to the queue).

It lives in a folder of its own, not in `tests/` itself: pytest puts a test file's folder on
`sys.path`, and `tests/` there would let `tests/documents` and `tests/maps` stand for the
`documents` and `maps` packages in every process forked after it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "models", "solver", "scenarios", "documents", "maps", "bench", "tests")
OURS = ("app", "models", "solver", "scenarios", "documents", "maps", "bench")
# the pure builders beside scenarios/: documents (letters, briefs) and maps (boundaries, choropleths)
BUILDERS = ("documents", "maps")

# top first; a module may import its own layer's modules and any layer below it
LAYERS: list[tuple[str, ...]] = [
    ("app.cli",),
    ("app.main",),
    ("app.routes", "app.pages"),
    ("app.web",),
    ("app.jobs",),
    ("app.services",),
    ("app.queue",),
    ("app.processes",),
    ("app.db", "app.migrate", "app.migrations", "app.errors", "app.i18n", "app.settings"),
]
BASE = len(LAYERS) - 1
HTTP_EXCEPTION_FLOOR = 3  # app.web: the layers below it raise app.errors, never HTTPException


@dataclass
class Module:
    name: str
    path: Path
    imports: dict[str, int] = field(default_factory=dict)  # target -> line
    names_from_solver: dict[str, int] = field(default_factory=dict)  # `from solver import X` -> line
    http_exception: int | None = None  # the line importing an HTTPException
    is_router: bool = False


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_tree(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Module]:
    """Every module of the packages, with its imports (targets inside our packages only)."""
    paths = {
        module_name(p, root): p
        for package in packages
        for p in sorted((root / package).rglob("*.py"))
        if ".venv" not in p.parts and "__pycache__" not in p.parts
    }
    return {name: read_module(name, path, set(paths)) for name, path in paths.items()}


def read_module(name: str, path: Path, known: set[str]) -> Module:
    return parse_module(name, path, path.read_text(encoding="utf-8"), known)


def parse_module(name: str, path: Path, source: str, known: set[str]) -> Module:
    tree = ast.parse(source, filename=str(path))
    module = Module(name, path)
    is_package = path.name == "__init__.py"
    own_package = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                _arrow(module, alias.name, node.lineno)
                if alias.name.split(".")[0] == "starlette" and "HTTPException" in alias.name:
                    module.http_exception = node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = own_package[: len(own_package) - (node.level - 1)]
                source_module = ".".join(base + ([node.module] if node.module else []))
            else:
                source_module = node.module or ""
            for alias in node.names:
                if alias.name == "HTTPException":
                    module.http_exception = node.lineno
                submodule = f"{source_module}.{alias.name}"
                if source_module == "solver" and not _within(name, "solver"):
                    # outside the solver, `from solver import solve` is the surface's name
                    # (solver.solve, the module, shares it): an arrow to the package
                    module.names_from_solver[alias.name] = node.lineno
                    _arrow(module, "solver", node.lineno)
                    continue
                _arrow(module, submodule if submodule in known else source_module, node.lineno)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "router" for t in targets):
                module.is_router = True
    return module


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _arrow(module: Module, target: str, line: int) -> None:
    if target.split(".")[0] in OURS and target != module.name:
        module.imports.setdefault(target, line)


def layer_of(name: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(_within(name, p) for p in prefixes):
            return rank
    return None


def _group_of(name: str) -> str | None:
    return next((p for prefixes in LAYERS for p in prefixes if _within(name, p)), None)


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    graph = {n: [t for t in m.imports if t in modules] for n, m in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def wrong_arrows(modules: dict[str, Module], solver_surface: set[str]) -> list[str]:
    """Every import against the house's rules, as 'file:line: why'."""
    wrong: list[str] = []
    job_submitters = {
        n
        for n, m in modules.items()
        if _within(n, "app.services") and any(_within(t, "app.queue") for t in m.imports)
    }
    for name, module in sorted(modules.items()):
        top = name.split(".")[0]
        where = f"{module.path.relative_to(ROOT) if module.path.is_absolute() else module.path}"

        def say(line: int, why: str, where: str = where) -> None:
            wrong.append(f"{where}:{line}: {why}")

        rank = layer_of(name)
        if (
            top in OURS
            and module.http_exception is not None
            and (rank is None or rank > HTTP_EXCEPTION_FLOOR)
        ):
            say(module.http_exception, "HTTPException below app.web (raise an app.errors class)")
        for target, line in sorted(module.imports.items()):
            target_top = target.split(".")[0]
            if top == "models" and target_top != "models":
                say(line, f"models imports {target}: models imports nothing of ours")
            if top == "solver" and target_top not in ("solver", "models"):
                say(line, f"solver imports {target}: the solver imports only models")
            if top == "scenarios" and target_top not in ("scenarios", "models", "solver"):
                say(line, f"scenarios imports {target}: scenarios imports only models and the solver")
            if top in BUILDERS and target_top not in (*BUILDERS, "models", "scenarios"):
                say(
                    line, f"{top} imports {target}: the builders import only models, scenarios and each other"
                )
            if top not in ("solver", "tests") and target_top == "solver" and target != "solver":
                say(line, f"{target} is inside the solver: import it from `solver` (solver/__init__.py)")
            if top == "app" and target_top == "app":
                target_rank = layer_of(target)
                if rank is None or target_rank is None:
                    if target != "app":
                        say(line, f"{name} or {target} belongs to no layer of app/")
                    continue
                if target_rank < rank:
                    say(line, f"{name} imports {target}, a layer above it (arrows run one way down)")
                elif rank == target_rank and rank != BASE and _group_of(name) != _group_of(target):
                    say(line, f"{name} imports {target}: routes and pages do not import each other")
                if module.is_router and target in modules and modules[target].is_router:
                    say(line, f"the router {name} imports the router {target}")
                if _within(name, "app.jobs") and target in job_submitters:
                    say(line, f"the job machinery calls back {target}, a service that submits jobs")
        for imported, line in sorted(module.names_from_solver.items()):
            if top not in ("solver", "tests") and imported not in solver_surface:
                say(line, f"solver.{imported} is not in the surface solver/__init__.py declares (__all__)")
    return wrong


def declared_surface(root: Path) -> set[str]:
    """The names of `__all__` in solver/__init__.py, read without importing it."""
    tree = ast.parse((root / "solver" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return set(value)
    return set()


def test_the_tree_has_no_import_cycle() -> None:
    modules = read_tree(ROOT)
    assert len(modules) > 200  # the whole tree was read
    assert cycles(modules) == []


def test_every_arrow_runs_the_house_way() -> None:
    modules = read_tree(ROOT)
    assert "solve" in declared_surface(ROOT)
    assert wrong_arrows(modules, declared_surface(ROOT)) == []


def test_every_module_of_app_is_in_a_layer() -> None:
    modules = read_tree(ROOT, ("app",))
    assert [n for n in modules if n != "app" and layer_of(n) is None] == []


def test_the_declared_surface_is_what_solver_exports() -> None:
    # read, not imported: from tests/ `import solver` would find the folder tests/solver
    tree = ast.parse((ROOT / "solver" / "__init__.py").read_text(encoding="utf-8"))
    bound = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert declared_surface(ROOT) <= bound
    assert {"solve", "split", "assemble", "sweep", "without_each_floor", "replan"} <= bound


# --- the checks themselves can fail --------------------------------------------------------


def _synthetic(sources: dict[str, str]) -> dict[str, Module]:
    known = set(sources)
    return {
        name: parse_module(name, Path(name.replace(".", "/") + ".py"), source, known)
        for name, source in sources.items()
    }


def test_a_cycle_hidden_in_a_function_body_is_found() -> None:
    modules = _synthetic(
        {
            "app.services.solves": "from app.queue import interface\n",
            "app.queue.interface": "def run():\n    from app.services import solves\n",
            "app.settings": "",
        }
    )
    assert cycles(modules) == [["app.queue.interface", "app.services.solves"]]


def test_an_arrow_up_a_router_pair_an_http_exception_and_a_solver_internal_are_refused() -> None:
    modules = _synthetic(
        {
            "app.processes.child": "def f():\n    from app.jobs import run\n",
            "app.jobs.run": "from app.services import solves\n",
            "app.services.solves": "from app.queue import interface\n",
            "app.queue.interface": "from ..settings import Settings\n",
            "app.settings": "",
            "app.routes.a": "from app.routes import b\nrouter = 1\n",
            "app.routes.b": "router = 2\n",
            "app.services.plans": "from fastapi import HTTPException\nfrom solver.block import solve_block\n",
            "models.x": "from scenarios import y\n",
            "scenarios.y": "from solver import secret\n",
            "solver.block": "",
        }
    )
    found = "\n".join(wrong_arrows(modules, {"solve"}))
    assert "app.processes.child imports app.jobs.run, a layer above it" in found
    assert "calls back app.services.solves, a service that submits jobs" in found
    assert "the router app.routes.a imports the router app.routes.b" in found
    assert "HTTPException below app.web" in found
    assert "solver.block is inside the solver" in found
    assert "models imports scenarios.y" in found
    assert "solver.secret is not in the surface" in found
    # the relative import resolved to app.settings, the base: allowed
    assert "app.queue.interface imports" not in found
