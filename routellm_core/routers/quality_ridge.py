"""``quality_ridge``: each model's quality on a prompt, by ridge regression on prompt text features.

For many models, routing is a choice of one model per prompt, traded against price. This router
predicts every known model's quality on a prompt, so that a policy can pick the best trade-off
(``RoutingPolicy(models=..., prices=..., budget=...)``, strategy ``"quality"``).

Target: a model's mean result on a prompt over its battles there (win 1, tie 0.5, loss 0). On a
multi-model benchmark file read with ``--golden-all-pairs`` every model meets every other on
every prompt, so with 0/1 outcomes the target is ``0.5 * correct + (share of the others it beats
or ties when wrong)``: on one prompt, a correct model is exactly 0.5 above a wrong one, which is
what a choice between models needs. On preference battles it is the model's win rate on the
prompt against the models it met.

Features and solver are ``tfidf_ridge``'s (hashed word n-gram TF-IDF, text statistics, the prompt
embedding; weighted ridge by conjugate gradients, numpy only): the features are built once and
one ridge problem is solved per model, over the prompts where that model has battles. Quality is
the prediction clipped to [0, 1]; ``score(p, strong=a, weak=b)`` is ``sigmoid(4 * (q_a - q_b))``
(unclipped predictions), for use as a two-model router.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.routers.embedding import check_dim, model_index, sigmoid
from routellm_core.routers.tfidf_ridge import TfidfRidgeRouter, _hashed_counts


def mean_results(battles: Any) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """(prompts, models, Y, W): ``Y[i, m]`` the weighted mean result of model m in its battles on
    prompt i (win 1, tie 0.5, loss 0), ``W[i, m]`` their total weight (0 where it had none)."""
    prompts = battles.unique_prompts()
    models = battles.models()
    pi = {p: i for i, p in enumerate(prompts)}
    mi = {m: j for j, m in enumerate(models)}
    rows = np.array([pi[p] for p in battles.prompts], dtype=np.int64)
    a = np.array([mi[m] for m in battles.model_a], dtype=np.int64)
    b = np.array([mi[m] for m in battles.model_b], dtype=np.int64)
    w, o = battles.weight, battles.outcome
    n, k = len(prompts), len(models)
    wsum = np.bincount(rows * k + a, weights=w, minlength=n * k) + np.bincount(rows * k + b, weights=w, minlength=n * k)
    rsum = np.bincount(rows * k + a, weights=w * o, minlength=n * k) + np.bincount(
        rows * k + b, weights=w * (1.0 - o), minlength=n * k
    )
    W = wsum.reshape(n, k)
    Y = np.divide(rsum.reshape(n, k), W, out=np.zeros((n, k)), where=W > 0)
    return prompts, models, Y, W


class QualityRidgeRouter(TfidfRidgeRouter):
    """Parameters: those of ``tfidf_ridge`` (``alpha``, ``ngrams``, ``n_features_log2``,
    ``min_df``, ``stats_weight``, ``embedding_weight``, ``max_iter``, ``tol``, ``embedder``)."""

    name: ClassVar[str] = "quality_ridge"
    predicts_quality: ClassVar[bool] = True
    # fitted: model names (columns), per-model coefficients and intercepts
    models_: list[str] | None = None
    bucket_row_: np.ndarray | None = None  # [2**bits] row of a bucket in coef_text_ (-1: unused)
    coef_text_: np.ndarray | None = None  # [used buckets, models]
    coef_stats_: np.ndarray | None = None  # [stats, models]
    coef_embedding_: np.ndarray | None = None  # [d, models]
    intercepts_: np.ndarray | None = None  # [models]

    def known_models(self) -> list[str]:
        return list(self.models_ or [])

    # ------------------------------------------------------------------ training
    def _fit(self, battles: Any) -> None:
        prompts, models, Y, W = mean_results(battles)
        keep = W.sum(axis=1) > 0
        prompts = [p for p, k in zip(prompts, keep) if k]
        Y, W = Y[keep], W[keep]
        if not prompts:
            raise ConfigError("every battle has weight 0; give some a positive weight.")
        X, D = self._fit_features(prompts)
        used = np.nonzero(self.idf_ != 0)[0]
        text, stats, emb, icpt = [], [], [], []
        for m in range(len(models)):
            w = W[:, m]
            w = w / w[w > 0].mean() if np.any(w > 0) else w  # mean weight 1, so alpha keeps its meaning
            mu = float(np.average(Y[:, m], weights=w)) if w.sum() > 0 else 0.5
            coef = self._solve(X, D, (Y[:, m] - mu) * (w > 0), w) if w.sum() > 0 else np.zeros(X.d + D.shape[1])
            t, s, e = self._split_coef(coef, X.d)
            text.append(t[used])
            stats.append(s)
            emb.append(e)
            icpt.append(mu)
        self.models_ = list(models)
        self._set_weights(used, np.stack(text, 1), np.stack(stats, 1), np.stack(emb, 1), np.asarray(icpt))

    def _set_weights(self, used: np.ndarray, text: np.ndarray, stats: np.ndarray, emb: np.ndarray,
                     intercepts: np.ndarray) -> None:
        self.bucket_row_ = np.full(1 << self.n_features_log2, -1, dtype=np.int64)
        self.bucket_row_[used] = np.arange(len(used))
        self.coef_text_ = np.asarray(text, dtype=np.float32)
        self.coef_stats_ = np.asarray(stats, dtype=np.float32)
        self.coef_embedding_ = np.asarray(emb, dtype=np.float32)
        self.intercepts_ = np.asarray(intercepts, dtype=np.float64)
        self._folded = None

    # ------------------------------------------------------------------ inference
    def predicted_quality(self, prompts: list[str]) -> np.ndarray:
        """Unclipped predicted quality (n, known models)."""
        if self.coef_text_ is None or self.idf_ is None:
            raise ConfigError("this quality_ridge router is not trained; call fit(battles) or load a checkpoint.")
        stats_coef, intercepts, emb_coef = self._inference_weights()
        rows, cols, counts = _hashed_counts(prompts, self.n_features_log2, self.ngrams)
        idf = self.idf_[cols]
        known = idf != 0
        rows, cols, vals = rows[known], cols[known], (1.0 + np.log(counts[known])) * idf[known]
        norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=len(prompts)))
        out = np.zeros((len(prompts), len(intercepts)))
        np.add.at(out, rows, (vals / np.maximum(norms[rows], 1e-12))[:, None] * self.coef_text_[self.bucket_row_[cols]])
        out += self._text_stats(prompts) @ stats_coef + intercepts
        if self.embedding_weight > 0:
            e = self.embed(prompts)
            check_dim(e, emb_coef.shape[0], self.get_embedder().name)
            out += e @ emb_coef
        return out

    def _inference_weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[override]
        cached = self._folded
        if cached is None:
            assert self.coef_stats_ is not None and self.coef_embedding_ is not None and self.intercepts_ is not None
            stats_coef = self.coef_stats_.astype(np.float64) / self.stats_std_[:, None]
            intercepts = self.intercepts_ - self.stats_mean_ @ stats_coef
            cached = self._folded = (stats_coef, intercepts, self.coef_embedding_.astype(np.float64))  # type: ignore[assignment]
        return cached  # type: ignore[return-value]

    def _columns(self, models: list[str]) -> list[int]:
        return [model_index(self.known_models(), m, "model", self.name) for m in models]

    def _quality(self, prompts: list[str], models: list[str]) -> np.ndarray:
        return np.clip(self.predicted_quality(prompts)[:, self._columns(models)], 0.0, 1.0)

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        i, j = self._columns([strong, weak])  # type: ignore[list-item]
        q = self.predicted_quality(prompts)
        return sigmoid(4.0 * (q[:, i] - q[:, j]))

    def predicted_gain(self, prompts: list[str]) -> np.ndarray:
        """Predicted quality of the default strong model minus the weak one's."""
        i, j = self._columns([self.strong_model, self.weak_model])  # type: ignore[list-item]
        q = self.predicted_quality(prompts)
        return q[:, i] - q[:, j]

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if self.coef_text_ is None or self.bucket_row_ is None or self.idf_ is None:
            raise ConfigError("cannot save an untrained quality_ridge router; call fit(battles) first.")
        used = np.nonzero(self.bucket_row_ >= 0)[0]
        return {"models": self.models_}, {
            "buckets": used.astype(np.int32),
            "idf": self.idf_[used].astype(np.float32),
            "coef_text": self.coef_text_[self.bucket_row_[used]],
            "stats_mean": self.stats_mean_.astype(np.float64),
            "stats_std": self.stats_std_.astype(np.float64),
            "coef_stats": self.coef_stats_,
            "coef_embedding": self.coef_embedding_,
            "intercepts": self.intercepts_.astype(np.float64),
        }

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        self.models_ = [str(m) for m in config["models"]]
        size = 1 << self.n_features_log2
        used = np.asarray(tensors["buckets"], dtype=np.int64)
        if len(used) and (used.min() < 0 or used.max() >= size):
            raise KeyError("buckets (out of range for n_features_log2)")
        text = np.asarray(tensors["coef_text"], dtype=np.float32)
        if text.shape != (len(used), len(self.models_)):
            raise KeyError("coef_text (shape differs from buckets x models)")
        self.idf_ = np.zeros(size, dtype=np.float32)
        self.idf_[used] = tensors["idf"]
        self.stats_mean_ = np.asarray(tensors["stats_mean"], dtype=np.float64)
        self.stats_std_ = np.asarray(tensors["stats_std"], dtype=np.float64)
        self._set_weights(used, text, tensors["coef_stats"], tensors["coef_embedding"], tensors["intercepts"])
