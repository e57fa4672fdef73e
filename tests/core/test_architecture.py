"""The package's layering (docs/architecture.md), checked on the source: every ``import`` in
every module (module level, inside functions, under ``TYPE_CHECKING``) is an edge; there is no
import cycle, and no edge goes from a lower layer to a higher one.

Importing ``a.b.c`` also runs the ``__init__`` of ``a.b``, so that is an edge too (except from
inside ``a.b``, which Python initialises first, and except the root ``routellm_core``, a facade
that nothing inside imports)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("routellm_core", "langchain_routellm", "llamaindex_routellm")

#: lowest first; a module belongs to the layer of the package (folder) it is in: every entry is a
#: whole package, so the folders are the layers. Same-layer imports are allowed (the cycle check
#: still applies), lower-to-higher ones are not, with no exception.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("routellm_core.errors", "routellm_core.utils", "routellm_core.testing")),
    ("primitives", ("routellm_core.routing", "routellm_core.checkpoints")),
    ("embeddings & data", ("routellm_core.embeddings", "routellm_core.data")),
    ("labelling", ("routellm_core.labeling",)),
    ("training", ("routellm_core.training",)),
    ("routers", ("routellm_core.routers",)),
    ("loading", ("routellm_core.loading",)),
    ("policy", ("routellm_core.policy",)),
    ("evaluation", ("routellm_core.evaluation",)),
    ("command line", ("routellm_core.cli",)),
    ("framework adapters", ("langchain_routellm", "llamaindex_routellm")),
]
FACADE = "routellm_core"  # the root __init__: re-exports only
#: the one place the core calls a framework: ``routellm label`` builds the user's chat models with
#: LangChain's ``init_chat_model``, imported inside the function (never at module import time)
LAZY_FRAMEWORK_IMPORTS = {"routellm_core.labeling.models": {"langchain.chat_models"}}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Modules of ours that ``name`` imports anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    ours = {m for m in found if m in MODULES}
    for target in list(ours):  # the __init__ of each enclosing package runs first
        parts = target.split(".")
        for i in range(2, len(parts)):
            parent = ".".join(parts[:i])
            if parent in MODULES and not name.startswith(parent + "."):
                ours.add(parent)
    ours.discard(name)
    return ours


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> int:
    best, found = -1, None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, found = len(prefix), index
    if module == FACADE:
        return len(LAYERS) - 2  # with the command line: it re-exports from the layers below
    assert found is not None, f"{module} is in no layer; add it to LAYERS (and docs/architecture.md)"
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_function_local_and_relative_imports(tmp_path: Path) -> None:
    # imported inside a function only
    assert "routellm_core.loading.upstream_format" in GRAPH["routellm_core.loading.loader"]
    assert "routellm_core.checkpoints.format" in GRAPH["routellm_core.routers.base"]
    assert "routellm_core.routers.base" in GRAPH["routellm_core.policy.routing_policy"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_lower_layers_never_import_higher_ones() -> None:
    upward = [
        f"{source} ({LAYERS[_layer(source)][0]}) imports {target} ({LAYERS[_layer(target)][0]})"
        for source, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if _layer(target) > _layer(source)
    ]
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("routellm_core")))
def test_core_never_imports_a_framework_or_its_facade(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    frameworks = {n for n in names if n.split(".")[0] in ("langchain", "langchain_core", "llama_index")}
    allowed = LAZY_FRAMEWORK_IMPORTS.get(module, set())
    if allowed:  # only inside functions: importing the module never imports the framework
        top_level = {n for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                     for n in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])}
        assert not allowed & top_level, f"{module} must import {allowed} inside the functions that call models"
    frameworks -= allowed
    assert not frameworks, f"{module} imports {frameworks}: framework code belongs in the adapters"
    if module != FACADE:
        assert FACADE not in GRAPH[module], f"{module} imports the facade; import the defining module"


def test_every_layer_is_whole_packages() -> None:
    """The layers are folders: each entry of LAYERS is a top-level module or package of its
    distribution, never a single module inside a package of another layer."""
    for _, prefixes in LAYERS:
        for prefix in prefixes:
            assert prefix in MODULES, f"{prefix} is no module or package"
            if MODULES[prefix].name != "__init__.py":  # a module: only a top-level one of routellm_core
                assert prefix.count(".") == 1, f"{prefix} is a module inside a package: name its package"


# ---------------------------------------------------------------------------- the documented table
DOC = ROOT / "docs" / "architecture.md"
TABLE_START = "<!-- layer table: generated from the imports by tests/core/test_architecture.py -->"
TABLE_END = "<!-- end of layer table -->"


def _folders(prefixes: tuple[str, ...]) -> str:
    """The layer's folders (and top-level modules), under ``routellm_core/`` unless named."""
    return ", ".join(p.removeprefix("routellm_core.").replace(".", "/") + ("/" if MODULES[p].name == "__init__.py"
                                                                           else ".py") for p in prefixes)


def layer_table() -> str:
    """The layer table of docs/architecture.md, from LAYERS and the real imports: each layer (top
    first), its folders, and the lower layers its modules import (the facade aside)."""
    rows = [("layer", "folders", "imports from (the code's real imports)")]
    for index in reversed(range(len(LAYERS))):
        name, prefixes = LAYERS[index]
        below = {_layer(t) for s, targets in GRAPH.items() if s != FACADE and _layer(s) == index
                 for t in targets if _layer(t) < index}
        rows.append((name, _folders(prefixes), ", ".join(LAYERS[i][0] for i in sorted(below, reverse=True)) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}".rstrip() for r in rows]
    return "\n".join(["```text", *lines, "```"])


def test_the_documented_layer_table_matches_the_imports() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert TABLE_START in text and TABLE_END in text, f"docs/architecture.md lost the markers {TABLE_START!r}"
    documented = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    expected = layer_table()
    assert documented == expected, (
        "docs/architecture.md's layer table disagrees with the code's imports; replace it with:\n" + expected
    )


if __name__ == "__main__":  # print the table: python -m tests.core.test_architecture
    print(layer_table())
