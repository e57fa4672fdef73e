"""Every ```python block in README.md and docs/*.md runs, offline.

Provider clients in the examples (ChatOpenAI, ChatAnthropic, LlamaIndex OpenAI/Anthropic) are
pointed at the local test server through their standard environment variables, the ones
``routellm fake-provider`` prints, exactly as a user would point them at a proxy. Blocks of one file run in order in one namespace.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs import shown_outputs
from tests.provider_fixtures import provider_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```(python|bash)\n(.*?)```", re.S)


def _blocks(path: Path) -> list[tuple[str, str]]:
    """(language, code) of the blocks to run. README's bash blocks are the set-up commands,
    which CI itself runs, so only docs/ bash blocks run here."""
    return [
        (lang, code)
        for lang, code in BLOCK.findall(path.read_text(encoding="utf-8"))
        if "# doc-test: skip" not in code and not (lang == "bash" and path.name == "README.md")
    ]


@pytest.mark.parametrize("doc", [p for p in DOC_FILES if _blocks(p)], ids=lambda p: p.name)
def test_doc_code_blocks_run(doc, provider_server, monkeypatch, tmp_path):  # noqa: F811
    for key, value in provider_server.environment().items():  # what `routellm fake-provider` prints
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"doc_{doc.stem}", "__shown__": shown_outputs.check}
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for i, (lang, code) in enumerate(_blocks(doc)):
        if lang == "bash":
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", code], capture_output=True, text=True, timeout=600)
            assert proc.returncode == 0, f"{doc.name} bash block {i} failed:\n{code}\n{proc.stderr[-2000:]}"
            continue
        try:
            where = f"{doc.name}[block {i}]"
            exec(compile(shown_outputs.instrument(code, where), where, "exec"), namespace)  # noqa: S102
        except AssertionError:
            raise
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"{doc.name} code block {i} failed: {type(exc).__name__}: {exc}\n{code}")


def _command_outputs() -> list[tuple[str, str, str]]:
    return [
        (doc.name, m["cmd"], m["text"])
        for doc in DOC_FILES
        for m in shown_outputs.COMMAND_OUTPUT.finditer(doc.read_text(encoding="utf-8"))
    ]


@pytest.mark.parametrize(("doc", "command", "text"), _command_outputs(), ids=lambda x: str(x)[:40])
def test_shown_command_output_is_what_the_command_prints(doc, command, text, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.rstrip() == text.rstrip(), f"{doc}: the output shown for `{command}` differs:\n{proc.stdout}"


def test_shown_values_match_rounding_and_ellipsis():
    assert shown_outputs.matches("0.5548361939", "0.555")
    assert not shown_outputs.matches("0.5548361939", "0.556")
    assert shown_outputs.matches("RoutingDecision(model='weak', score=0.1234, threshold=0.4)", "RoutingDecision(model='weak', score=0.12, ...)")
    assert not shown_outputs.matches("RoutingDecision(model='strong', score=0.1234)", "RoutingDecision(model='weak', ...)")
    code = shown_outputs.instrument("x = 1 + 1  # -> 2\nprint(x)  # -> 2\nx * 2  # -> 4", "t")
    seen = []
    exec(code, {"__shown__": lambda actual, shown, where: seen.append((actual, shown))})  # noqa: S102
    assert seen == [("2", "2"), ("2", "2"), ("4", "4")]


def test_readme_first_two_commands_are_the_demo_and_the_tests():
    """A newcomer's first two commands set up and run the demo, then the tests (what CI runs)."""
    commands = [
        line.split("#")[0].strip()
        for lang, code in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
        if lang == "bash"
        for line in code.splitlines()
        if line.split("#")[0].strip()
    ]
    assert commands[:2] == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
