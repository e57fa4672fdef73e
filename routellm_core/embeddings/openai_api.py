"""``OpenAIEmbedder`` (``"openai:text-embedding-3-small"``): the real ``openai`` client, imported
on first use."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from routellm_core.embeddings.base import normalize
from routellm_core.errors import ConfigError, EmbedderMismatchError, RoutingError, install_hint
from routellm_core.utils.validation import finite_number, whole_number

OPENAI_DEFAULT_MODEL = "text-embedding-3-small"
OPENAI_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


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
        return normalize(out)


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
