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

Options for prompts unlike the training families (issue 19; measured in docs/benchmarks.md,
"Task families nobody trained on"), all off by default:

- ``embedding_rank`` (an integer k): the embedding block keeps only the prompts' coordinates on the
  top k principal directions of the training prompts' embeddings (coarse kinds of prompt rather than
  topics); the fitted coefficients still multiply the full embedding, so scoring costs the same.
- ``text_weight`` (>= 0, default 1): scale of the word n-gram block; 0 switches it off (nothing is
  stored for it).
- ``shrink`` (in [0, 1]): keep only this share of each model's prompt-dependent part, i.e. pull every
  prediction toward the model's mean quality on the training prompts (0: that mean alone).
- ``prices`` (USD per 1M tokens per model, or the path of a JSON file of them, read at ``fit``):
  cost-aware. A model that another model *dominates* on the training prompts (costs no more, input
  and output, and has a higher mean quality) is predicted ``DOMINANCE_MARGIN`` below the best of its
  non-dominated dominators, so a quality policy never picks it: per-model differences learned from
  text are too unreliable on a new family to pay as much for a model that is worse on average.
"""

from __future__ import annotations

import json
from array import array
from math import log, sqrt
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError
from routellm_core.routing.candidates import price_pair
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


#: how far below the best model that dominates it a dominated model's quality is put (``prices``)
DOMINANCE_MARGIN = 1e-3
#: largest price file ``prices`` may name (bytes)
MAX_PRICES_BYTES = 1 << 20
_PRICES_HINT = (
    'Give {model: USD per 1M tokens, or [input, output]}, e.g. {"big": [3, 15], "small": 0.2}, or a JSON file of it.'
)


def read_prices_file(path: str) -> dict[str, Any]:
    """``{model: price}`` from a JSON file (keys starting with ``_`` are notes and skipped)."""
    p = Path(path).expanduser()
    try:
        size = p.stat().st_size
        if size > MAX_PRICES_BYTES:
            raise ConfigError(
                f"prices file {p} is {size} bytes, more than {MAX_PRICES_BYTES}; give a small JSON object."
            )
        table = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"prices file not found: {p}; check the path.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"prices file {p} cannot be read as JSON ({exc}). {_PRICES_HINT}") from None
    if not isinstance(table, dict):
        raise ConfigError(f"prices file {p} holds a {type(table).__name__}, not an object. {_PRICES_HINT}")
    return {k: v for k, v in table.items() if not k.startswith("_")}


def dominance(models: list[str], mean: np.ndarray, prices: dict[str, Any]) -> dict[str, list[str]]:
    """Each dominated model -> the non-dominated models that dominate it: ``d`` dominates ``m``
    when ``d``'s input and output prices are both at most ``m``'s and its mean quality ``mean``
    is higher. Every model needs a price."""
    missing = [m for m in models if m not in prices]
    if missing:
        raise ConfigError(
            f"prices has no price for the trained model(s) {missing[:5]}{' ...' if len(missing) > 5 else ''}; "
            "give every model of the training battles a price, or leave prices out."
        )
    table = {m: price_pair(m, prices[m]) for m in models}
    over = {
        m: [d for j, d in enumerate(models) if d != m and table[d][0] <= table[m][0] and table[d][1] <= table[m][1]
            and mean[j] > mean[i]]
        for i, m in enumerate(models)
    }
    return {m: [d for d in ds if not over[d]] for m, ds in over.items() if ds}


class QualityRidgeRouter(TfidfRidgeRouter):
    """Parameters: those of ``tfidf_ridge`` (``alpha``, ``ngrams``, ``n_features_log2``,
    ``min_df``, ``stats_weight``, ``embedding_weight``, ``max_iter``, ``tol``, ``embedder``),
    ``embedding_rank`` (None or k: the embedding's top k principal directions only),
    ``text_weight`` (default 1; 0: no word n-grams), ``shrink`` (in [0, 1], default 1: the share of
    each model's prompt-dependent part kept) and ``prices`` (default None; ``{model: USD per 1M
    tokens or [input, output]}`` or a JSON file of it: dominated models are never picked), see the
    module doc."""

    name: ClassVar[str] = "quality_ridge"
    predicts_quality: ClassVar[bool] = True
    # fitted: model names (columns), per-model coefficients and intercepts
    models_: list[str] | None = None
    bucket_row_: np.ndarray | None = None  # [2**bits] row of a bucket in coef_text_ (-1: unused)
    coef_text_: np.ndarray | None = None  # [used buckets, models]
    coef_stats_: np.ndarray | None = None  # [stats, models]
    coef_embedding_: np.ndarray | None = None  # [d, models]
    intercepts_: np.ndarray | None = None  # [models]
    #: with ``prices``: dominated model -> the non-dominated models that dominate it
    dominated_by_: dict[str, list[str]] | None = None
    _lookup: tuple[array[float], array[int]] | None = None  # see _bucket_lookup
    _capped: list[tuple[int, list[int]]] | None = None  # dominated_by_ as column indices

    def __init__(self, *, embedding_rank: int | None = None, text_weight: float = 1.0, shrink: float = 1.0,
                 prices: dict[str, Any] | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.set_params(embedding_rank=embedding_rank, text_weight=text_weight, shrink=shrink, prices=prices)

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = super()._check_params(params)
        if "shrink" in params and out["shrink"] is None:
            raise ConfigError("shrink must be a number in [0, 1] (1 = no shrinkage), got None.")
        if "text_weight" in params and out["text_weight"] is None:
            raise ConfigError("text_weight must be a number >= 0 (1 = as tfidf_ridge, 0 = no word n-grams), got None.")
        prices = out.get("prices")
        if isinstance(prices, Path):
            prices = str(prices)
        if isinstance(prices, str):
            if not prices.strip():
                raise ConfigError(f"prices is an empty string. {_PRICES_HINT}")
        elif isinstance(prices, dict):
            bad = [k for k in prices if not isinstance(k, str) or not k]
            if bad:
                raise ConfigError(f"prices keys must be model names, got {bad[0]!r}. {_PRICES_HINT}")
            prices = {k: (list(price_pair(k, v)) if isinstance(v, (list, tuple)) else price_pair(k, v)[0])
                      for k, v in prices.items() if not k.startswith("_")}
        elif prices is not None:
            raise ConfigError(f"prices must be a dict or a file path, got {type(prices).__name__}. {_PRICES_HINT}")
        if "prices" in params:
            out["prices"] = prices
        return out

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
        if self.text_weight == 0:
            self.idf_[:] = 0.0
            X = type(X)(X.rows[:0], X.cols[:0], X.vals[:0], X.n, X.d)
        elif self.text_weight != 1:
            X = type(X)(X.rows, X.cols, X.vals * self.text_weight, X.n, X.d)
        D, emb_mean = self._project_embedding(D)
        used = np.nonzero(self.idf_ != 0)[0]
        text, stats, emb, icpt, means = [], [], [], [], []
        for m in range(len(models)):
            w = W[:, m]
            w = w / w[w > 0].mean() if np.any(w > 0) else w  # mean weight 1, so alpha keeps its meaning
            mu = float(np.average(Y[:, m], weights=w)) if w.sum() > 0 else 0.5
            coef = self._solve(X, D, (Y[:, m] - mu) * (w > 0), w) if w.sum() > 0 else np.zeros(X.d + D.shape[1])
            t, s, e = self._split_coef(coef * self.shrink, X.d)
            text.append(t[used] * np.float32(self.text_weight))
            stats.append(s)
            emb.append(e)
            icpt.append(mu - float(emb_mean @ e) if emb_mean is not None else mu)
            means.append(mu)
        if self.prices is not None:
            table = read_prices_file(self.prices) if isinstance(self.prices, str) else self.prices
            dominated = dominance(list(models), np.asarray(means), table)
        else:
            dominated = {}
        self.models_ = list(models)
        self._set_weights(used, np.stack(text, 1), np.stack(stats, 1), np.stack(emb, 1), np.asarray(icpt))
        self._set_dominance(dominated)

    def _project_embedding(self, D: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """With ``embedding_rank`` k: the dense block with its embedding columns centred and
        projected on their top k principal directions (still in embedding coordinates, so the
        solved coefficients lie in that subspace and multiply the raw embedding), and the mean raw
        embedding (its product with the coefficients moves into the intercept). Else (D, None)."""
        k, start = self.embedding_rank, self.n_stats
        if k is None or self.embedding_weight == 0 or k >= D.shape[1] - start:
            return D, None
        block = D[:, start:]
        mean = block.mean(axis=0)
        _, _, vt = np.linalg.svd(block - mean, full_matrices=False)
        basis = vt[:k]
        projected = (block - mean) @ basis.T @ basis
        return np.hstack([D[:, :start], projected]), mean / self.embedding_weight

    def _set_dominance(self, dominated: dict[str, list[str]]) -> None:
        cols = {m: j for j, m in enumerate(self.models_ or [])}
        self.dominated_by_ = dominated
        self._capped = [(cols[m], [cols[d] for d in ds]) for m, ds in dominated.items()]

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
        for m, ds in self._capped or ():  # dominators are not dominated: their columns are final
            np.minimum(out[:, m], out[:, ds].max(axis=1) - DOMINANCE_MARGIN, out=out[:, m])
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
        return {"models": self.models_, "dominated_by": self.dominated_by_ or {}}, {
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
        self._set_dominance(_checked_dominance(config.get("dominated_by", {}), self.models_))


def _checked_dominance(value: Any, models: list[str]) -> dict[str, list[str]]:
    """A checkpoint's ``state.dominated_by``: known model names, no model dominating itself, and
    every dominator itself not dominated."""
    where = "state.dominated_by"
    if not isinstance(value, dict):
        raise CheckpointError(f"{where} must be an object, got {type(value).__name__}; re-save the checkpoint.")
    known = set(models)
    for m, ds in value.items():
        if m not in known or not isinstance(ds, list) or not ds or any(
                not isinstance(d, str) or d not in known or d == m or d in value for d in ds):
            raise CheckpointError(
                f"{where}[{m!r}] must list other, non-dominated models of the checkpoint, got {ds!r}; "
                "re-save the checkpoint."
            )
    return {m: list(ds) for m, ds in value.items()}
