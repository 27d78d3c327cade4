"""The architecture rules of docs/architecture.md, checked on the source (AST), not by convention.

- Core modules import no xlwings, openpyxl, python-calamine or rich, and no shell module
  (``klant_xl.udfs``, ``klant_xl.cli``, ``klant_xl.excel``); adapters (file readers) are
  neither core nor shell and import no shell either.
- Core modules never read the clock (``now()``, ``today()``, ``time.time()``...).
- No import cycle between klant_xl modules, counting imports inside functions too.
- No private name (``_x``) is imported from another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "klant_xl"

#: Modules that talk to Excel, files being written, or a person: everything else is core.
SHELLS = ("klant_xl.udfs", "klant_xl.cli", "klant_xl.excel", "klant_xl.lite", "klant_xl.__init__")
#: Modules that read files for the core (I/O, but no Excel and no user interface).
ADAPTERS = ("klant_xl.file_locks", "klant_xl.files", "klant_xl.query_cache", "klant_xl.sheet_guard", "klant_xl.sources")
FORBIDDEN_IN_CORE = ("xlwings", "openpyxl", "python_calamine", "rich")
CLOCK_CALLS = {"now", "today", "utcnow", "time", "perf_counter", "monotonic", "localtime", "gmtime"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _kind(module: str) -> str:
    if _is_within(module, SHELLS):
        return "shell"
    if _is_within(module, ADAPTERS):
        return "adapter"
    return "core"


def _package_of(module: str) -> str:
    return module if module.endswith("__init__") else module.rsplit(".", 1)[0]


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = _package_of(module).removesuffix(".__init__").split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _as_module(name: str) -> str | None:
    """A dotted klant_xl name to the module file that defines it (package -> its __init__)."""
    if name in MODULES:
        return name
    if name + ".__init__" in MODULES:
        return name + ".__init__"
    return None


def _imports(module: str):
    """(imported module, names, line) for every import, at any depth (function-level too)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            yield _resolve(module, node), tuple(a.name for a in node.names), node.lineno


def _klant_xl_edges(module: str) -> set[str]:
    edges = set()
    for target, names, _line in _imports(module):
        if not target.startswith("klant_xl"):
            continue
        submodules = [_as_module(f"{target}.{n}") for n in names]
        if names and all(submodules):
            edges.update(submodules)
        else:
            resolved = _as_module(target)
            if resolved:
                edges.add(resolved)
            edges.update(m for m in submodules if m)
    edges.discard(module)
    return edges


@pytest.mark.parametrize("module", [m for m in MODULES if _kind(m) != "shell"])
def test_core_and_adapters_import_no_excel_library_and_no_shell(module):
    bad = []
    for target, _names, line in _imports(module):
        top = target.split(".")[0]
        if _kind(module) == "core" and top in FORBIDDEN_IN_CORE:
            bad.append(f"{module}:{line} imports {target}")
        if target.startswith("klant_xl") and _kind(target) == "shell" and not target == "klant_xl":
            bad.append(f"{module}:{line} imports the shell module {target}")
        if _kind(module) == "core" and target.startswith("klant_xl") and _kind(target) == "adapter" \
                and module != "klant_xl.reading":
            bad.append(f"{module}:{line} imports the adapter {target} (only reading may)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("module", [m for m in MODULES if _kind(m) == "core"])
def test_core_reads_no_clock(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    calls = [
        f"{module}:{node.lineno} calls {ast.unparse(node.func)}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_CALLS
    ]
    assert not calls, "\n".join(calls)


def test_no_import_cycles():
    graph = {m: _klant_xl_edges(m) for m in MODULES}
    # the package __init__ re-exports the public API: every module's import of klant_xl.x runs it first,
    # which is not a dependency of that module on the package
    for edges in graph.values():
        edges.discard("klant_xl.__init__")
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(cycles)


def test_no_private_name_is_imported_from_another_module():
    bad = []
    for module in MODULES:
        for target, names, line in _imports(module):
            if not target.startswith("klant_xl"):
                continue
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    bad.append(f"{module}:{line} imports {target}.{name}")
    assert not bad, "\n".join(bad)



#: Shells whose commands import what they need when they run (``klant-xl --help`` loads no openpyxl).
LAZY_IMPORTERS = ("klant_xl.cli", "klant_xl.__init__", "klant_xl.lite.main")


@pytest.mark.parametrize("module", [m for m in MODULES if m not in LAZY_IMPORTERS])
def test_klant_xl_modules_are_imported_at_the_top(module):
    # an import inside a function hides a dependency (and often a cycle) from the reader
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    hidden = [
        f"{module}:{sub.lineno} imports {_resolve(module, sub)} inside {node.name}()"
        for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for sub in ast.walk(node)
        if isinstance(sub, ast.ImportFrom) and _resolve(module, sub).startswith("klant_xl")
    ]
    assert not hidden, "\n".join(hidden)


def _module_aliases(module: str) -> dict[str, str]:
    """Local name -> klant_xl module for ``import klant_xl.x as y`` and ``from klant_xl.p import x``."""
    aliases = {}
    for target, names, _line in _imports(module):
        if not target.startswith("klant_xl"):
            continue
        for name in names:
            sub = _as_module(f"{target}.{name}")
            if sub:
                aliases[name] = sub
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("klant_xl") and alias.asname:
                    aliases[alias.asname] = alias.name
    return aliases


def test_no_private_name_is_used_through_another_module():
    bad = []
    for module in MODULES:
        aliases = _module_aliases(module)
        tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and node.attr.startswith("_") and not node.attr.startswith("__"):
                bad.append(f"{module}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not bad, "\n".join(bad)


def test_the_attribute_rule_sees_module_aliases():
    assert _module_aliases("klant_xl.models.mbgnbd").get("bgnbd") == "klant_xl.models.bgnbd"


def test_the_three_workbook_adapters_implement_the_port():
    import inspect

    from klant_xl.excel.lite import LiteWorkbook
    from klant_xl.excel.live import LiveWorkbook
    from klant_xl.excel.offline import OfflineWorkbook
    from klant_xl.excel.port import WorkbookPort

    wanted = [name for name in vars(WorkbookPort) if not name.startswith("_")]
    assert wanted == ["sheet_names", "read_input", "read_table", "table_header", "read_names", "write_sheet",
                      "status", "alert", "commit"]
    for adapter in (OfflineWorkbook, LiveWorkbook, LiteWorkbook):
        for name in wanted:
            method = getattr(adapter, name, None)
            assert callable(method), f"{adapter.__name__} lacks {name}"
            expected = list(inspect.signature(getattr(WorkbookPort, name)).parameters)
            assert len(inspect.signature(method).parameters) >= len(expected), f"{adapter.__name__}.{name}"
