"""Packaging and the newcomer path (issue 12): our own distribution name everywhere, bounds not
pins, no test tools in published extras, py.typed, import errors that name the extra, and
notebooks / the offline provider server usable outside a git checkout."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

DISTRIBUTION = "routellm-plugins"  # free on PyPI; "routellm" is lm-sys's project
ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = ["routellm_core", "langchain_routellm", "llamaindex_routellm"]
TEST_TOOLS = {"pytest", "pytest-asyncio", "pytest-timeout", "nbmake", "ipykernel", "langchain-tests"}


def _requirements() -> list[str]:
    project = PYPROJECT["project"]
    return [*project["dependencies"], *(r for reqs in project["optional-dependencies"].values() for r in reqs)]


def test_distribution_name_is_ours():
    from routellm_core.errors import DISTRIBUTION as in_code

    assert PYPROJECT["project"]["name"] == in_code == DISTRIBUTION
    assert importlib.metadata.distribution(DISTRIBUTION).metadata["Name"] == DISTRIBUTION


def test_metadata_has_bounds_not_pins_and_no_test_tools():
    reqs = _requirements()
    assert not [r for r in reqs if "==" in r], "exact pins belong in scripts/setup.sh"
    names = {re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0].lower() for r in reqs}
    assert not names & TEST_TOOLS
    assert "dev" not in PYPROJECT["project"]["optional-dependencies"]
    assert "langchain-core>=1.8" in PYPROJECT["project"]["optional-dependencies"]["langchain"]  # langchain_core.decisions
    assert 'pip install --quiet "torch==2.13.0"' in (ROOT / "scripts/setup.sh").read_text()


def test_metadata_has_classifiers_urls_and_an_spdx_licence():
    """What a package index shows (issue 24): classifiers, project URLs, the licence as SPDX."""
    project = PYPROJECT["project"]
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    classifiers = project["classifiers"]
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3 :: Only" in classifiers
    low = tuple(int(x) for x in project["requires-python"].removeprefix(">=").split("."))
    assert f"Programming Language :: Python :: {low[0]}.{low[1]}" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # SPDX licence instead (PEP 639)
    assert all(url.startswith("https://") for url in project["urls"].values()) and project["urls"]


def test_the_demo_installs_only_the_core_and_the_tests_install_the_rest():
    """The quick start's first command needs no torch (issue 24); the test command installs CPU
    torch first, then every extra and the test tools."""
    scripts = ROOT / "scripts"
    assert "bash scripts/setup.sh core" in (scripts / "demo.sh").read_text()
    assert "bash scripts/setup.sh all" in (scripts / "test.sh").read_text()
    setup = (scripts / "setup.sh").read_text()
    assert "pip install --quiet -e .\n" in setup
    torch_at = setup.index('pip install --quiet "torch==2.13.0"')
    assert torch_at < setup.index('pip install --quiet -e ".[all]" -r requirements-dev.txt')
    assert "torch" not in " ".join(PYPROJECT["project"]["dependencies"])


@pytest.mark.parametrize("package", PACKAGES)
def test_py_typed_in_every_package(package):
    assert (ROOT / package / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"][package]


def test_no_install_hint_names_someone_elses_package():
    files = [p for p in ROOT.rglob("*") if p.suffix in (".py", ".md", ".ipynb", ".toml", ".sh", ".txt")
             and ".venv" not in p.parts and ".git" not in p.parts and p != Path(__file__)]
    bad = [str(p.relative_to(ROOT)) for p in files if re.search(r"install[^\n]*\broutellm\[", p.read_text(errors="ignore"))]
    assert not bad, f"`pip install routellm[...]` installs lm-sys's package: {bad}"


@pytest.mark.parametrize(
    "code, extra",
    [
        ("import sys; sys.modules['langchain_core'] = None\nfrom langchain_routellm import RoutedChatModel", "langchain"),
        ("import sys; sys.modules['langchain_core.decisions'] = None\n"
         "from langchain_routellm import RouteLLMDecisionModel", "langchain"),
        ("import sys; sys.modules['llama_index'] = None\nfrom llamaindex_routellm import RoutedLLM", "llamaindex"),
    ],
)
def test_missing_framework_names_the_extra(code, extra):
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:") and f"pip install '{DISTRIBUTION}[{extra}]'" in last, proc.stderr


def test_provider_server_imports_outside_a_checkout(tmp_path):
    code = (
        "import sys\n"
        "from routellm_core.testing import ProviderServer\n"
        "assert 'tests' not in sys.modules\n"
        "with ProviderServer() as srv: print(srv.openai_base_url)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("notebook", sorted((ROOT / "cookbook").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_need_no_checkout(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "sys.path" not in code and not re.search(r"^\s*(from|import) tests\b", code, re.M)
