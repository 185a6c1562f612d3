"""The rule of the house (DESIGN.md, README's layout), read from the source itself:

- a capability (a package of service/ other than the kit, the console, the parents' pages, the
  API, the webhooks and the adapters) imports the page kit and domain modules — never
  service.public, service.staff, service.api, service.webhooks, service.routes, nor another
  capability's pages;
- the page kit (service.web) imports domain modules only;
- the worker (jobs/) reaches no page, form or blueprint through the modules it imports.

Each failure names the file, the line and the import."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_CAPABILITIES = {"web", "public", "staff", "api", "webhooks", "channels", "calendar"}
PAGE_PACKAGES = {"public", "staff", "api", "webhooks"}
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module(path): path
        for folder in ("service", "jobs")
        for path in (ROOT / folder).rglob("*.py")
    }


@cache
def _tree(name: str) -> ast.Module:
    return ast.parse(_modules()[name].read_text())


def _imports(name: str, *, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, module) for each import of a Yorisou module; `from a import b` counts as a.b when
    a.b is a module."""
    tree = _tree(name)
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.append((node.lineno, child if child in _modules() else node.module))
    return [(line, module) for line, module in found if module.split(".")[0] in ("service", "jobs")]


@cache
def _is_page(name: str) -> bool:
    """A module that makes a blueprint or adds routes to one."""
    for node in ast.walk(_tree(name)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Blueprint":
            return True
        for decorator in getattr(node, "decorator_list", []):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS:
                return True
    return False


@cache
def _is_form(name: str) -> bool:
    return any(
        isinstance(node, ast.ImportFrom | ast.Import)
        and any(
            (getattr(node, "module", None) or alias.name).split(".")[0] in ("wtforms", "flask_wtf")
            for alias in node.names
        )
        for node in ast.walk(_tree(name))
    )


def _package(name: str) -> str:
    parts = name.split(".")
    return (
        parts[1]
        if len(parts) > 2 or (len(parts) == 2 and _modules()[name].name == "__init__.py")
        else ""
    )


def _where(name: str, line: int, imported: str) -> str:
    return f"{_modules()[name].relative_to(ROOT)}:{line} imports {imported}"


def test_a_capability_never_knows_the_console_nor_another_capabilitys_pages():
    wrong = []
    for name in _modules():
        package = _package(name)
        if not name.startswith("service.") or not package or package in NOT_CAPABILITIES:
            continue
        for line, imported in _imports(name):
            parts = imported.split(".")
            other = parts[1] if len(parts) > 1 else ""
            if other in PAGE_PACKAGES or imported == "service.routes":
                wrong.append(_where(name, line, imported))
            elif other and other != package and other not in NOT_CAPABILITIES:
                if imported in _modules() and _is_page(imported):
                    wrong.append(_where(name, line, f"{imported} (another capability's pages)"))
    assert not wrong, "a capability imports the kit and domain modules only:\n" + "\n".join(wrong)


def test_the_page_kit_imports_no_page():
    wrong = [
        _where(name, line, imported)
        for name in _modules()
        if name.startswith("service.web")
        for line, imported in _imports(name)
        if imported == "service.routes"
        or (len(imported.split(".")) > 1 and imported.split(".")[1] in PAGE_PACKAGES)
        or (
            imported in _modules() and _is_page(imported) and not imported.startswith("service.web")
        )
    ]
    assert not wrong, "the kit is below every page:\n" + "\n".join(wrong)


def test_the_worker_reaches_no_page_form_or_blueprint():
    """Through the imports each module makes when it is loaded (a lazy import inside a function
    is the worker's process test's to catch: tests/jobs/test_worker_process.py)."""
    seen: dict[str, tuple[str, int]] = {}
    todo = [name for name in _modules() if name.startswith("jobs")]
    for name in todo:
        seen.setdefault(name, ("", 0))
    while todo:
        name = todo.pop()
        for line, imported in _imports(name, top_level_only=True):
            if imported in _modules() and imported not in seen:
                seen[imported] = (name, line)
                todo.append(imported)
    wrong = []
    for name, (by, _line) in seen.items():
        if name in _modules() and (_is_page(name) or _is_form(name)):
            chain = [name]
            while by:
                chain.append(by)
                by = seen[by][0]
            wrong.append(" ← ".join(chain))
    assert not wrong, "jobs/ import no page, form or blueprint:\n" + "\n".join(wrong)
