"""``StaticEmbedder`` (the default, ``"minilm-static"``): a static token-embedding table
distilled from all-MiniLM-L6-v2 (model2vec method), numpy + ``tokenizers`` only: a few hundredths
of a millisecond a short prompt (plain ASCII text is tokenised word by word from a cache,
``WordIdCache``, with the same ids as the tokenizer). ``build_static_embedder`` rebuilds the
bundled table."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from routellm_core.embeddings.base import DEFAULT_EMBEDDER, normalize
from routellm_core.embeddings.word_ids import WordIdCache
from routellm_core.errors import ConfigError


def static_model_dir() -> Path:
    """Folder of the bundled static MiniLM embedding table."""
    return Path(str(resources.files("routellm_core") / "resources" / "embedders" / "minilm-static"))


class StaticEmbedder:
    """Mean of static token vectors (int8 table with per-row float scales), L2-normalised.

    The folder holds ``tokenizer.json``, ``embeddings.safetensors`` (``embeddings`` int8
    [vocab, dim], ``scales`` float32 [vocab]) and ``config.json`` (``name``, ``dim``,
    ``max_tokens``).
    """

    #: embeds a short prompt in microseconds, in process, with no I/O (see ``Router.scores_inline``)
    light = True

    def __init__(self, path: str | Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(path) if path is not None else static_model_dir()
        cfg_file = folder / "config.json"
        if not cfg_file.is_file():
            raise ConfigError(
                f"no static embedder at {folder} (config.json missing); pass a folder written by "
                "routellm_core.embeddings.build_static_embedder or use the bundled default."
            )
        cfg = json.loads(cfg_file.read_text())
        tensors = load_file(str(folder / "embeddings.safetensors"))
        q = tensors["embeddings"].astype(np.float32)
        self.table = q * tensors["scales"].astype(np.float32)[:, None]
        self.name: str = cfg["name"]
        self.dim: int = int(self.table.shape[1])
        self.max_tokens: int = int(cfg.get("max_tokens", 512))
        tokenizer_json = (folder / "tokenizer.json").read_text(encoding="utf-8")  # read and parsed once
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        #: only this many leading characters of a text are embedded (enough for max_tokens)
        self.max_chars: int = self.max_tokens * 8
        #: plain ASCII text is tokenised word by word from a cache (same ids; None: not BERT-uncased)
        self.word_ids = WordIdCache.for_config(json.loads(tokenizer_json), max_tokens=self.max_tokens)

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Each text's token ids (its first ``max_chars`` characters, at most ``max_tokens`` ids)."""
        clipped = [t[: self.max_chars] for t in texts]
        fast = self.word_ids
        out = [fast.ids(t) for t in clipped] if fast is not None else [None] * len(clipped)
        rest = [i for i, ids in enumerate(out) if ids is None]
        if rest:
            encs = self.tokenizer.encode_batch_fast([clipped[i] for i in rest], add_special_tokens=False)
            for i, enc in zip(rest, encs):
                out[i] = enc.ids
        return out  # type: ignore[return-value]

    def embed(self, texts: list[str]) -> np.ndarray:
        table = self.table
        id_lists = self.token_ids(texts)
        # the sum, not the mean: rows are L2-normalised next, so the direction is the same
        if len(id_lists) == 1 and id_lists[0]:  # one prompt, the hot path: no zeroed buffer
            return normalize(np.add.reduce(table[id_lists[0]], axis=0, keepdims=True), in_place=True)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, ids in enumerate(id_lists):
            if ids:
                np.add.reduce(table[ids], axis=0, out=out[i])
        return normalize(out, in_place=True)


def build_static_embedder(source_model: str | Path, out_dir: str | Path, *, pca_dims: int = 256) -> Path:
    """Distil a static embedder from a sentence-transformers model folder (needs ``model2vec[distill]``).

    The table is stored as int8 with one float32 scale per token row.
    """
    from model2vec.distill import distill
    from safetensors.numpy import save_file

    model = distill(model_name=str(source_model), pca_dims=pca_dims)
    emb = np.asarray(model.embedding, dtype=np.float32)
    scales = np.maximum(np.abs(emb).max(axis=1), 1e-12) / 127.0
    q = np.round(emb / scales[:, None]).astype(np.int8)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_file({"embeddings": q, "scales": scales.astype(np.float32)}, str(out / "embeddings.safetensors"))
    model.tokenizer.save(str(out / "tokenizer.json"))
    (out / "config.json").write_text(
        json.dumps(
            {
                "name": DEFAULT_EMBEDDER,
                "dim": int(emb.shape[1]),
                "max_tokens": 512,
                "method": f"model2vec.distill(pca_dims={pca_dims}) of all-MiniLM-L6-v2, int8 per-row",
            },
            indent=2,
        )
    )
    return out
