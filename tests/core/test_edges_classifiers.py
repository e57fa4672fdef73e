"""Hugging Face classifier folders whose weights do not match the model's tensors (issue 12):
transformers would fill the missing tensors with random values, so scores would change on every
load; loading refuses them instead."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from safetensors.numpy import load_file, save_file  # noqa: E402

from routellm_core import CheckpointError, load_router  # noqa: E402
from tests.core.test_routellm_compat import needs_minilm, write_causal, write_hf_classifier  # noqa: E402


def _rename_weights(folder: Path, prefix: str = "renamed.") -> None:
    weights = folder / "model.safetensors"
    tensors = load_file(str(weights))
    save_file({prefix + k: v for k, v in tensors.items()}, str(weights), metadata={"format": "pt"})


@needs_minilm
def test_sequence_classifier_with_foreign_weights_is_refused(tmp_path):
    write_hf_classifier(tmp_path / "clf")
    _rename_weights(tmp_path / "clf")
    with pytest.raises(CheckpointError, match=r"do not match the model's tensors \(missing: .*unexpected: renamed\."):
        load_router(str(tmp_path / "clf"), device="cpu")


def test_causal_llm_with_foreign_weights_is_refused(tmp_path):
    write_causal(tmp_path / "c")
    _rename_weights(tmp_path / "c")
    with pytest.raises(CheckpointError, match="random weights"):
        load_router(str(tmp_path / "c"), device="cpu")
