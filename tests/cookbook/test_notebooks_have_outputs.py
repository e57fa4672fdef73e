"""The cookbook notebooks are committed *with* their outputs, so that a reader on GitHub sees the
tables and plots without running anything. nbmake executes them in the test run (and throws its
outputs away); these tests check the committed files themselves: run top to bottom in one kernel,
outputs saved where a cell prints or plots, plots embedded as PNG, no errors saved. They also check
that the kernel nbmake starts is this interpreter, that notebook 05 says what it skipped without
data (or fails when asked to), and that every notebook names its extras.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

COOKBOOK = Path(__file__).resolve().parents[2] / "cookbook"
NOTEBOOKS = sorted(COOKBOOK.glob("*.ipynb"))
EXPECTED = {
    "01_quickstart_langchain.ipynb",
    "02_rag_llamaindex.ipynb",
    "03_agents.ipynb",
    "04_train_your_own_router.ipynb",
    "05_evaluate_on_benchmarks.ipynb",
    "06_openai_compatible_server.ipynb",
}
#: calls that show something: a code cell that makes one (outside a def) must have saved outputs
SHOWING_CALLS = {"print", "display", "show_table", "metrics_table", "plt.show"}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _source(cell: dict[str, Any]) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _shown_calls(src: str) -> set[str]:
    """Names of the SHOWING_CALLS a cell makes when it runs (calls inside a def or class body
    only define a helper, so they do not count)."""
    tree = compile(src, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name in SHOWING_CALLS:
                found.add(name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _text(output: dict[str, Any]) -> str:
    text = output.get("text", "")
    return text if isinstance(text, str) else "".join(text)


def test_every_cookbook_notebook_is_there() -> None:
    assert EXPECTED <= {p.name for p in NOTEBOOKS}
    index = (COOKBOOK / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if p.name not in index]
    assert not missing, f"cookbook/README.md does not list {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_saved_with_its_outputs(path: Path) -> None:
    nb = _load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3", "nbmake starts the kernel the notebook names"
    cells = _code_cells(nb)
    assert cells, "a notebook without code"
    counts = [c.get("execution_count") for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts}; execute the whole notebook top to bottom in a fresh "
        "kernel and save it (see cookbook/README.md)"
    )
    for i, cell in enumerate(cells):
        where = f"{path.name}, code cell {i + 1}"
        outputs = cell.get("outputs", [])
        for out in outputs:
            assert out["output_type"] != "error", f"{where}: saved error {out.get('ename')}: {out.get('evalue')}"
            if out["output_type"] == "stream" and out.get("name") == "stderr":
                text = _text(out)
                assert "Traceback" not in text and "Error" not in text, f"{where}: stderr shows an error:\n{text}"
        shown = _shown_calls(_source(cell))
        if shown:
            assert outputs, f"{where} calls {sorted(shown)} but has no saved output"
        if "plt.show" in shown:
            assert any("image/png" in out.get("data", {}) for out in outputs), f"{where}: plot not saved as PNG"
    assert any(c.get("outputs") for c in cells), f"{path.name} has no saved outputs at all"


def test_plots_are_embedded_where_expected() -> None:
    for name in ("04_train_your_own_router.ipynb", "05_evaluate_on_benchmarks.ipynb"):
        pngs = [o for c in _code_cells(_load(COOKBOOK / name)) for o in c.get("outputs", [])
                if "image/png" in o.get("data", {})]
        assert pngs, f"{name}: no embedded PNG plot"


def test_notebook_kernel_is_this_interpreter() -> None:
    """nbmake starts the kernel named in the notebooks ("python3"): it must resolve to the Python
    running pytest (jupyter_client swaps a bare "python" for sys.executable)."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    exe = spec.argv[0]
    bare = {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}
    assert exe in bare or Path(exe).resolve() == Path(sys.executable).resolve(), (
        f"kernel 'python3' runs {exe!r} (spec in {spec.resource_dir}), not {sys.executable}"
    )


def _run_05_without_data(tmp_path: Path, **env: str) -> Any:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(COOKBOOK / "05_evaluate_on_benchmarks.ipynb"), as_version=4)
    env = {**os.environ, "ROUTELLM_DATA": str(tmp_path / "no-data-here"), **env}
    NotebookClient(nb, timeout=300, kernel_name="python3").execute(cwd=str(COOKBOOK), env=env)
    return nb


@pytest.mark.slow
def test_benchmark_notebook_says_what_it_skipped_and_why_without_data(tmp_path: Path) -> None:
    """Without the benchmark data folder, notebook 05 runs to the end, and says at the start, in
    every skipped cell and in a closing summary what it did not run and why (issue 24)."""
    nb = _run_05_without_data(tmp_path)
    texts = ["".join(_text(o) for o in c.outputs if o.output_type == "stream") for c in nb.cells
             if c.cell_type == "code"]
    missing = str((tmp_path / "no-data-here").resolve())
    assert f"SKIPPED: no benchmark data at {missing}" in texts[0] and "sections 1 and 2 will not run" in texts[0]
    skipped = [t for t in texts[2:-1] if t]
    assert len(skipped) == 4 and all(t.startswith("SKIPPED section") and missing in t for t in skipped), texts
    assert texts[-1].startswith("This run SKIPPED 4 part(s), for lack of the benchmark data") and "section 2 (" in texts[-1]


@pytest.mark.slow
def test_benchmark_notebook_fails_loudly_without_data_when_asked(tmp_path: Path) -> None:
    from nbclient.exceptions import CellExecutionError

    with pytest.raises(CellExecutionError) as failed:
        _run_05_without_data(tmp_path, ROUTELLM_REQUIRE_DATA="1")
    assert failed.value.ename == "FileNotFoundError"
    assert failed.value.evalue.startswith("ROUTELLM_REQUIRE_DATA=1 but there is no benchmarks/gsm8k.jsonl")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_names_the_extras_it_needs(path: Path) -> None:
    intro = _source(_load(path)["cells"][0])
    assert "**Needs:** `pip install \"routellm-plugins[" in intro, f"{path.name}: the first cell names no extras"
    assert "notebooks" in (COOKBOOK.parent / "pyproject.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["04_train_your_own_router.ipynb", "05_evaluate_on_benchmarks.ipynb"])
def test_plotting_notebooks_without_matplotlib_name_the_extra(name: str) -> None:
    """The first code cell checks the extras: without matplotlib it raises an ImportError naming
    the extra to install, not a bare ModuleNotFoundError further down."""
    import subprocess

    first = _source(_code_cells(_load(COOKBOOK / name))[0])
    code = "import sys\nsys.modules['matplotlib'] = None\n" + first
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=COOKBOOK, timeout=300,
                          env={**os.environ, "ROUTELLM_DATA": "/nonexistent"})
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 1 and last.startswith("ImportError: this notebook needs matplotlib"), proc.stderr
    assert 'routellm-plugins[train,eval]' in last
