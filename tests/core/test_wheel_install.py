"""The package as a new user gets it (issue 24): the wheel is built from this tree and installed
into fresh virtualenvs outside the checkout, with no PYTHONPATH. Core only: ``routellm --version``
and ``routellm demo`` (no torch installed). With the LangChain/LlamaIndex extras and the provider
integrations: every README python block runs there, against ``routellm fake-provider`` started
from that environment, exactly as the README tells a user to run them offline.

Slow (about 1-2 minutes with pip's cache warm): dependencies are pinned to the versions of this
test environment (a constraints file), so pip resolves at once and takes them from its cache.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs import shown_outputs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: what the wheel is built from (tracked sources; build outputs never land in the checkout)
SOURCES = ["pyproject.toml", "README.md", "LICENSE", "routellm_core", "langchain_routellm", "llamaindex_routellm",
           "llama_index"]
EXTRAS = "langchain,llamaindex,openai"
INTEGRATIONS = ["langchain-openai", "langchain-anthropic", "llama-index-llms-openai", "llama-index-llms-anthropic"]
README_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH or active virtualenv of ours."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", **extra}


def _run(cmd: list[str], cwd: Path, timeout: int = 300, **env: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=_clean_env(**env))
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("new-user")


@pytest.fixture(scope="module")
def wheel(workdir: Path) -> Path:
    src = workdir / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(workdir / "dist"), str(src)],
         cwd=workdir)
    (built,) = (workdir / "dist").glob("routellm_plugins-*.whl")
    return built


@pytest.fixture(scope="module")
def constraints(workdir: Path) -> Path:
    """This environment's versions, so pip resolves the new ones at once from its cache."""
    pins = sorted({
        f"{d.metadata['Name']}=={d.version}"
        for d in importlib.metadata.distributions()
        if d.metadata["Name"] and d.metadata["Name"].lower() != "routellm-plugins"
    })
    path = workdir / "constraints.txt"
    path.write_text("\n".join(pins) + "\n", encoding="utf-8")
    return path


def _venv(path: Path, *requirements: str, constraints: Path) -> Path:
    """A fresh virtualenv (no pip of its own: this interpreter's pip installs into it)."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(path)], cwd=path.parent)
    python = path / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "-c", str(constraints),
          *requirements], cwd=path.parent, timeout=540)
    return path / "bin"


def test_core_only_install_runs_the_demo_without_torch(workdir, wheel, constraints):
    bin_ = _venv(workdir / "core-env", str(wheel), constraints=constraints)
    version = _run([str(bin_ / "routellm"), "--version"], cwd=workdir).stdout.strip()
    assert version == f"routellm {wheel.name.split('-')[1]}"
    demo = _run([str(bin_ / "routellm"), "demo"], cwd=workdir).stdout
    (shown,) = [m["text"] for m in shown_outputs.COMMAND_OUTPUT.finditer((ROOT / "README.md").read_text(encoding="utf-8"))
                if m["cmd"] == "routellm demo"]
    assert demo.rstrip() == shown.rstrip(), f"the installed demo differs from the README:\n{demo}"
    where = _run([str(bin_ / "python"), "-c", "import importlib.util, routellm_core; "
                  "print(routellm_core.__file__); print(importlib.util.find_spec('torch'))"], cwd=workdir).stdout
    installed, torch = where.splitlines()
    assert installed.startswith(str(workdir / "core-env")) and torch == "None"


def test_readme_python_blocks_run_in_an_install_with_extras_against_the_fake_provider(workdir, wheel, constraints):
    bin_ = _venv(workdir / "extras-env", f"{wheel}[{EXTRAS}]", *INTEGRATIONS, constraints=constraints)
    shutil.copy2(Path(shown_outputs.__file__), workdir / "shown_outputs.py")
    runner = workdir / "run_readme.py"
    runner.write_text(
        "import re, sys\n"
        "from pathlib import Path\n"
        "import shown_outputs\n"
        "import routellm_core\n"
        "assert routellm_core.__file__.startswith(sys.prefix), routellm_core.__file__\n"
        f"blocks = re.findall({README_BLOCK.pattern!r}, Path(sys.argv[1]).read_text(encoding='utf-8'), re.S)\n"
        "namespace = {'__name__': 'readme', '__shown__': shown_outputs.check}\n"
        "ran = 0\n"
        "for i, code in enumerate(blocks):\n"
        "    if '# doc-test: skip' in code:\n"
        "        continue\n"
        "    where = f'README.md[block {i}]'\n"
        "    exec(compile(shown_outputs.instrument(code, where), where, 'exec'), namespace)\n"
        "    ran += 1\n"
        "print(f'ran {ran} README blocks')\n",
        encoding="utf-8",
    )
    server = subprocess.Popen([str(bin_ / "routellm"), "fake-provider", "--port", "0"], cwd=workdir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_clean_env())
    exports: dict[str, str] = {}
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                exports[key] = value
            if line.startswith("# models it knows"):
                break
        assert {"OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"} <= set(exports)
        out = _run([str(bin_ / "python"), str(runner), str(ROOT / "README.md")], cwd=workdir, **exports).stdout
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    expected = sum("# doc-test: skip" not in b for b in README_BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")))
    assert f"ran {expected} README blocks" in out and expected >= 5
    assert server.returncode == 0
