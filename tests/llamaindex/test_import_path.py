"""``from llama_index.llms.routellm import RoutedLLM`` (LlamaIndex's convention for an LLM
integration) is the same class as ``llamaindex_routellm.RoutedLLM``, and the folder that provides
it never shadows the real ``llama_index`` (issue 24)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_llama_index_llms_routellm_is_our_routed_llm():
    from llama_index.llms.routellm import RoutedLLM, route_on_query

    import llamaindex_routellm

    assert RoutedLLM is llamaindex_routellm.RoutedLLM and route_on_query is llamaindex_routellm.route_on_query


def test_the_parent_folders_are_namespace_packages_so_llama_index_core_still_imports():
    assert (ROOT / "llama_index/llms/routellm/__init__.py").is_file()
    assert not (ROOT / "llama_index/__init__.py").exists() and not (ROOT / "llama_index/llms/__init__.py").exists()
    code = (
        "import llama_index, llama_index.llms, llama_index.core, llama_index.llms.openai\n"
        "from llama_index.llms.routellm import RoutedLLM\n"
        "assert llama_index.__file__ is None and llama_index.llms.__file__ is None  # namespace packages\n"
        "print(len(list(llama_index.__path__)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) >= 2  # this folder and the installed llama-index-core, merged
