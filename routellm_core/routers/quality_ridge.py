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

from array import array
from math import log, sqrt
from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError
from routellm_core.routers.scoring import check_dim, model_index, sigmoid
from routellm_core.routers.tfidf_ridge import TfidfRidgeRouter, bucket_counts


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
    _lookup: tuple[array[float], array[int]] | None = None  # see _bucket_lookup

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
        self._folded = self._lookup = None

    # ------------------------------------------------------------------ inference
    def predicted_quality(self, prompts: list[str]) -> np.ndarray:
        """Unclipped predicted quality (n, known models)."""
        if self.coef_text_ is None or self.idf_ is None:
            raise ConfigError("this quality_ridge router is not trained; call fit(battles) or load a checkpoint.")
        stats_coef, intercepts, emb_coef = self._inference_weights()
        out = np.zeros((len(prompts), len(intercepts)))
        for i, text in enumerate(prompts):
            self._add_text_quality(text, out[i])
        out += self._text_stats(prompts) @ stats_coef + intercepts
        if self.embedding_weight > 0:
            e = self.embed(prompts)
            check_dim(e, emb_coef.shape[0], self.get_embedder().name)
            out += e @ emb_coef
        return out

    def _add_text_quality(self, text: str, row: np.ndarray) -> None:
        """Add the TF-IDF block's contribution for one text to ``row`` (one value per model):
        its L2-normalised TF-IDF row (known buckets only) times the text coefficients."""
        assert self.coef_text_ is not None
        idf, bucket_row = self._bucket_lookup()
        norm2 = 0.0
        vals: list[float] = []
        rows: list[int] = []
        for bucket, count in bucket_counts(text, self.n_features_log2, self.ngrams).items():
            weight = idf[bucket]
            if weight:
                value = weight if count == 1 else (1.0 + log(count)) * weight
                norm2 += value * value
                vals.append(value)
                rows.append(bucket_row[bucket])
        if vals:
            row += (np.array(vals) / max(sqrt(norm2), 1e-12)) @ self.coef_text_[rows]

    def _bucket_lookup(self) -> tuple[array[float], array[int]]:
        """Per bucket its IDF (0 = unused) and its row in ``coef_text_``, as ``array.array`` (a
        plain number per look-up); built on first use."""
        lookup = self._lookup
        if lookup is None:
            assert self.idf_ is not None and self.bucket_row_ is not None
            lookup = self._lookup = (
                array("d", self.idf_.astype(np.float64).tobytes()),
                array("q", self.bucket_row_.astype(np.int64).tobytes()),
            )
        return lookup

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
        from routellm_core.checkpoints.format import checked_buckets, checked_tensor, config_list

        self.models_ = config_list(config, "models")
        size, m, s = 1 << self.n_features_log2, len(self.models_), self.n_stats
        used = checked_buckets(tensors, size)
        text = checked_tensor(tensors, "coef_text", (len(used), m))
        self.idf_ = np.zeros(size, dtype=np.float32)
        self.idf_[used] = checked_tensor(tensors, "idf", (len(used),))
        self.stats_mean_ = checked_tensor(tensors, "stats_mean", (s,), np.float64)
        self.stats_std_ = checked_tensor(tensors, "stats_std", (s,), np.float64)
        emb = checked_tensor(tensors, "coef_embedding", (None, m))
        if self.embedding_weight == 0 and len(emb):
            raise CheckpointError("tensor 'coef_embedding' is not empty, but embedding_weight is 0; re-save the checkpoint.")
        self._set_weights(
            used, text, checked_tensor(tensors, "coef_stats", (s, m)), emb,
            checked_tensor(tensors, "intercepts", (m,), np.float64),
        )
