"""``mf``: matrix-factorization router (the RouteLLM paper's best all-round router).

Each model m has a learned embedding ``P[m]`` (k dims, L2-normalised) and bias ``b[m]``; a prompt
embedding x (from the embedder) is projected to k dims, ``h = W x`` (optionally through one
hidden ReLU layer). The model's quality on the prompt is ``s(m, x) = c . (P[m] * h) + b[m]`` and
P(a beats b) = sigmoid(s(a, x) - s(b, x)), trained with the Bradley-Terry loss (binary
cross-entropy, ties as 0.5) over every battle. Because every model in the battles gets an
embedding, any pair of known models can be scored, not only the default strong/weak pair, and
``quality(prompts, models)`` gives each model's ``sigmoid(s(m, x) - mean over known models of
s(k, x))``: its chance of beating an average known model on the prompt (trained on golden rows
with ``--golden-all-pairs``, a per-model quality a policy can trade against price).

Inference is numpy only: for a fixed pair the score reduces to one dot product per prompt.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.routers.base import Router
from routellm_core.routers.scoring import check_dim, model_index, sigmoid


class MatrixFactorizationRouter(Router):
    """Parameters: ``dim`` (k, model-embedding size), ``hidden`` (0 = linear projection as in
    the paper, else the width of one ReLU layer), ``epochs``, ``lr``, ``weight_decay``,
    ``batch_size``, ``seed``, ``embedder`` (name or object)."""

    name: ClassVar[str] = "mf"
    predicts_quality: ClassVar[bool] = True
    light_scoring: ClassVar[bool] = True
    # fitted: the model names (rows of the tables) and the learned arrays
    models_: list[str] | None = None
    weights_: dict[str, np.ndarray] | None = None

    def __init__(
        self,
        *,
        embedder: Any = None,
        strong_model: str | None = None,
        weak_model: str | None = None,
        dim: int = 64,
        hidden: int = 0,
        epochs: int = 30,
        lr: float = 3e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 256,
        dropout: float = 0.1,
        seed: int = 0,
        show_progress: bool = True,
    ) -> None:
        self.set_params(**self._init_params(locals()))

    @classmethod
    def from_weights(cls, models: list[str], weights: dict[str, np.ndarray], **params: Any) -> MatrixFactorizationRouter:
        """A trained router from its model names and arrays (``model_embeddings`` [models, k],
        ``model_bias`` [models], ``classifier`` [k], ``proj`` [k, d], plus ``proj_bias`` and
        ``proj2`` when ``hidden`` > 0): e.g. weights converted from another implementation."""
        router = cls(**params)
        router._set_state({"models": list(models)}, weights)
        return router

    def known_models(self) -> list[str]:
        return list(self.models_ or [])

    # ------------------------------------------------------------------ training
    def _fit(self, battles: Any) -> None:
        from routellm_core.training.mf import train_mf

        prompts = battles.unique_prompts()
        index = {p: i for i, p in enumerate(prompts)}
        emb = self.embed(prompts)
        self.models_ = battles.models()
        midx = {m: i for i, m in enumerate(self.models_)}
        self.weights_ = train_mf(
            emb,
            prompt_idx=np.array([index[p] for p in battles.prompts], dtype=np.int64),
            a_idx=np.array([midx[m] for m in battles.model_a], dtype=np.int64),
            b_idx=np.array([midx[m] for m in battles.model_b], dtype=np.int64),
            outcome=battles.outcome,
            weight=battles.weight,
            n_models=len(self.models_),
            dim=self.dim,
            hidden=self.hidden,
            epochs=self.epochs,
            lr=self.lr,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            dropout=self.dropout,
            seed=self.seed,
            show_progress=self.show_progress,
        )
        self._pair_cache: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, float]] = {}

    # ------------------------------------------------------------------ inference
    def _pair_head(self, strong: str, weak: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Vector v (k) and bias such that logit = h(x) . v + bias for this pair."""
        key = (strong, weak)
        head = self._pair_cache.get(key)  # created with the weights (fit / load)
        if head is None:
            i = model_index(self.models_, strong, "strong", self.name)
            j = model_index(self.models_, weak, "weak", self.name)
            P = self.weights_["model_embeddings"]
            P = P / np.maximum(np.linalg.norm(P, axis=1, keepdims=True), 1e-12)
            c = self.weights_["classifier"]
            b = self.weights_["model_bias"]
            v = (P[i] - P[j]) * c
            folded = self.weights_["proj"].T @ v if self.hidden == 0 else v
            head = (folded, v, float(b[i] - b[j]))
            self._pair_cache[key] = head
        return head

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        if not self.weights_:
            raise ConfigError("this mf router is not trained; call fit(battles) or load a checkpoint.")
        folded, v, bias = self._pair_head(strong, weak)  # type: ignore[arg-type]
        emb = self.embed(prompts)
        check_dim(emb, int(self.weights_["proj"].shape[1]), self.get_embedder().name)
        if self.hidden == 0:
            logits = emb @ folded + bias
        else:
            h = np.maximum(emb @ self.weights_["proj"].T + self.weights_["proj_bias"], 0.0)
            h = h @ self.weights_["proj2"].T
            logits = h @ v + bias
        return sigmoid(logits.astype(np.float64))

    def _quality(self, prompts: list[str], models: list[str]) -> np.ndarray:
        if not self.weights_:
            raise ConfigError("this mf router is not trained; call fit(battles) or load a checkpoint.")
        emb = self.embed(prompts)
        check_dim(emb, int(self.weights_["proj"].shape[1]), self.get_embedder().name)
        head, bias = self._quality_head()
        if self.hidden == 0:
            strength = emb @ head + bias  # (n, all known models)
        else:
            w = self.weights_
            strength = (np.maximum(emb @ w["proj"].T + w["proj_bias"], 0.0) @ w["proj2"].T) @ head + bias
        idx = [model_index(self.models_, m, "model", self.name) for m in models]
        strength = strength.astype(np.float64)
        return sigmoid(strength[:, idx] - strength.mean(axis=1, keepdims=True))

    def _quality_head(self) -> tuple[np.ndarray, np.ndarray]:
        """(matrix, bias) with every known model's strength = h(x) @ matrix + bias, the projection
        folded in when ``hidden`` is 0 (cached with the pair heads)."""
        head = self._pair_cache.get(("quality",))  # type: ignore[call-overload]
        if head is None:
            w = self.weights_
            P = w["model_embeddings"] / np.maximum(np.linalg.norm(w["model_embeddings"], axis=1, keepdims=True), 1e-12)
            matrix = (P * w["classifier"]).T  # (k, models)
            if self.hidden == 0:
                matrix = w["proj"].T @ matrix  # (d, models)
            head = (matrix.astype(np.float32), w["model_bias"].astype(np.float32))
            self._pair_cache[("quality",)] = head  # type: ignore[index]
        return head  # type: ignore[return-value]

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if not self.weights_:
            raise ConfigError("cannot save an untrained mf router; call fit(battles) first.")
        return {"models": self.models_}, {k: v.astype(np.float32) for k, v in self.weights_.items()}

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        from routellm_core.checkpoints.format import checked_tensor, config_list

        self.models_ = config_list(config, "models")
        m, k = len(self.models_), int(self.dim)
        proj = checked_tensor(tensors, "proj", (self.hidden or k, None))
        weights = {
            "model_embeddings": checked_tensor(tensors, "model_embeddings", (m, k)),
            "classifier": checked_tensor(tensors, "classifier", (k,)),
            "model_bias": checked_tensor(tensors, "model_bias", (m,)),
            "proj": proj,
        }
        if self.hidden:
            weights["proj_bias"] = checked_tensor(tensors, "proj_bias", (self.hidden,))
            weights["proj2"] = checked_tensor(tensors, "proj2", (k, self.hidden))
        self.weights_ = weights
        self._pair_cache = {}

    def _weights_input_dim(self) -> int | None:
        return None if not self.weights_ else int(self.weights_["proj"].shape[1])
