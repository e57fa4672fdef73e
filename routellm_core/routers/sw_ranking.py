"""``sw_ranking``: similarity-weighted Bradley-Terry ranking (the RouteLLM paper's SW router).

For a prompt q, every training battle i gets weight ``gamma ** (1 + s_i / s_max)``, where s_i is
the cosine similarity between q and battle i's prompt and s_max the largest one. A weighted
Bradley-Terry model over all models is fitted to those battles (ties count half a win each way,
small L2 prior on the ratings), and the score is ``sigmoid(r_strong - r_weak)``.

Battles are aggregated per (distinct prompt, model pair), so scoring a prompt costs one
similarity pass over the distinct training prompts plus a tiny Newton solve over the models.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError
from routellm_core.routers.base import Router
from routellm_core.routers.scoring import check_dim, model_index, sigmoid


class SWRankingRouter(Router):
    """Parameters: ``gamma`` (> 1, weight base; the paper uses 10), ``l2`` (rating prior
    strength), ``newton_steps``, ``embedder``."""

    name: ClassVar[str] = "sw_ranking"
    # fitted
    models_: list[str] | None = None
    prompt_embeddings_: np.ndarray | None = None  # [U, d] distinct training prompts
    pairs_: np.ndarray | None = None  # [P, 2] model index pairs (a, b)
    pair_weight_: np.ndarray | None = None  # [U, P] summed battle weight
    pair_wins_: np.ndarray | None = None  # [U, P] summed weight * outcome (a's wins)

    def __init__(
        self,
        *,
        embedder: Any = None,
        strong_model: str | None = None,
        weak_model: str | None = None,
        gamma: float = 10.0,
        l2: float = 1e-2,
        newton_steps: int = 8,
        seed: int = 0,
    ) -> None:
        self.set_params(**self._init_params(locals()))

    def known_models(self) -> list[str]:
        return list(self.models_ or [])

    def _fit(self, battles: Any) -> None:
        prompts = battles.unique_prompts()
        pidx = {p: i for i, p in enumerate(prompts)}
        self.models_ = battles.models()
        midx = {m: i for i, m in enumerate(self.models_)}
        a = np.array([midx[m] for m in battles.model_a])
        b = np.array([midx[m] for m in battles.model_b])
        # orient every pair as (low index, high index)
        swap = a > b
        lo, hi = np.where(swap, b, a), np.where(swap, a, b)
        wins_lo = np.where(swap, 1.0 - battles.outcome, battles.outcome)
        pair_keys, pair_of = np.unique(lo * len(self.models_) + hi, return_inverse=True)
        self.pairs_ = np.stack([pair_keys // len(self.models_), pair_keys % len(self.models_)], axis=1)
        u = np.array([pidx[p] for p in battles.prompts])
        U, P = len(prompts), len(pair_keys)
        flat = u * P + pair_of
        self.pair_weight_ = np.bincount(flat, weights=battles.weight, minlength=U * P).reshape(U, P)
        self.pair_wins_ = np.bincount(flat, weights=battles.weight * wins_lo, minlength=U * P).reshape(U, P)
        self.prompt_embeddings_ = self.embed(prompts)

    def _ratings(self, W: np.ndarray, S: np.ndarray) -> np.ndarray:
        """Bradley-Terry ratings [M] from pair weights W [P] and wins S [P] (Newton, L2 prior)."""
        M = len(self.models_)
        i, j = self.pairs_[:, 0], self.pairs_[:, 1]
        r = np.zeros(M)
        scale = max(W.sum(), 1e-12)
        W, S = W / scale, S / scale
        for _ in range(self.newton_steps):
            p = sigmoid(r[i] - r[j])
            g = S - W * p  # d loglik / d (r_i - r_j)
            grad = np.bincount(i, weights=g, minlength=M) - np.bincount(j, weights=g, minlength=M) - self.l2 * r
            h = W * p * (1 - p)
            H = np.diag(np.bincount(i, weights=h, minlength=M) + np.bincount(j, weights=h, minlength=M) + self.l2)
            np.subtract.at(H, (i, j), h)
            np.subtract.at(H, (j, i), h)
            r = r + np.linalg.solve(H, grad)
        return r

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        if self.prompt_embeddings_ is None:
            raise ConfigError("this sw_ranking router is not trained; call fit(battles) or load a checkpoint.")
        si = model_index(self.models_, strong, "strong", self.name)
        wi = model_index(self.models_, weak, "weak", self.name)
        emb = self.embed(prompts)
        check_dim(emb, self.prompt_embeddings_.shape[1], self.get_embedder().name)
        sims = emb @ self.prompt_embeddings_.T  # [n, U]
        smax = np.maximum(sims.max(axis=1, keepdims=True), 1e-6)
        weights = np.power(self.gamma, 1.0 + sims / smax)  # [n, U]
        Wq = weights @ self.pair_weight_  # [n, P]
        Sq = weights @ self.pair_wins_
        out = np.empty(len(prompts))
        for k in range(len(prompts)):
            r = self._ratings(Wq[k], Sq[k])
            out[k] = sigmoid(r[si] - r[wi])
        return out

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if self.prompt_embeddings_ is None:
            raise ConfigError("cannot save an untrained sw_ranking router; call fit(battles) first.")
        return {"models": self.models_}, {
            "prompt_embeddings": self.prompt_embeddings_.astype(np.float16),
            "pairs": self.pairs_.astype(np.int32),
            "pair_weight": self.pair_weight_.astype(np.float32),
            "pair_wins": self.pair_wins_.astype(np.float32),
        }

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        from routellm_core.checkpoints.format import checked_tensor, config_list

        self.models_ = config_list(config, "models")
        emb = checked_tensor(tensors, "prompt_embeddings", (None, None))
        pairs = checked_tensor(tensors, "pairs", (None, 2), np.int64)
        if len(pairs) and (pairs.min() < 0 or pairs.max() >= len(self.models_)):
            raise CheckpointError("tensor 'pairs' names a model index outside state.models; re-save the checkpoint.")
        u, p = len(emb), len(pairs)
        self.prompt_embeddings_ = emb
        self.pairs_ = pairs
        self.pair_weight_ = checked_tensor(tensors, "pair_weight", (u, p), np.float64)
        self.pair_wins_ = checked_tensor(tensors, "pair_wins", (u, p), np.float64)

    def _weights_input_dim(self) -> int | None:
        return None if self.prompt_embeddings_ is None else int(self.prompt_embeddings_.shape[1])
