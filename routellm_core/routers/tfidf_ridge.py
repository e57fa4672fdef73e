"""``tfidf_ridge``: ridge regression of the strong-minus-weak outcome on prompt text features.

For the router's (strong, weak) pair every training battle gives a target
``y = +1`` (strong won), ``-1`` (weak won) or ``0`` (tie), i.e. the strong model's gain over the
weak one. The router fits one weighted ridge regression ``y ~ x . w + b`` on three feature blocks:

- **hashed word n-grams, TF-IDF**: lower-cased words of 2+ characters (``\\b\\w\\w+\\b``) and
  their n-grams up to ``ngrams``, hashed with CRC-32 into ``2 ** n_features_log2`` buckets;
  sublinear term frequency ``1 + log(tf)`` times the smoothed IDF of the training prompts
  (buckets seen in fewer than ``min_df`` training prompts are dropped), rows L2-normalised;
- **text statistics** (standardised, times ``stats_weight``): log word count, log count of
  numbers, log count of digits in them, log sentence marks, log capital letters, share of
  numbers among words, log count of distinct numbers;
- **the prompt embedding** of the router's embedder (times ``embedding_weight``; 0 switches it off).

The ridge problem is solved by conjugate gradients with sparse matrix products written in numpy
(no scikit-learn or scipy at training or inference time). The score is
``sigmoid(2 * (x . w + b))``: about ``(1 + expected gain) / 2``, i.e. P(strong better) plus half
P(tie), strictly increasing in the predicted gain so that ranking is kept. Scoring a prompt costs
one tokenisation, a few dozen hash look-ups and one embedding (about 0.1 ms a short prompt with the
default static embedder).

The router knows exactly one pair; scoring the swapped pair returns ``1 - score``.
"""

from __future__ import annotations

import re
import string
import zlib
from array import array
from collections import Counter
from collections.abc import Callable
from math import log, log1p, sqrt
from operator import mul
from typing import Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError, UnknownModelError
from routellm_core.routers.base import Router
from routellm_core.routers.scoring import check_dim, sigmoid
from routellm_core.utils.validation import finite_number

_WORD = re.compile(r"\w\w+")  # runs of 2+ word characters: the same matches as \b\w\w+\b, faster
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
N_STATS = 7


#: per word: (CRC-32 of its UTF-8 bytes, b" " + those bytes), shared by every router in the
#: process; cleared when it holds _MAX_CACHED_WORDS words (dict get/set are atomic: thread-safe)
_WORD_CRC: dict[str, tuple[int, bytes]] = {}
_MAX_CACHED_WORDS = 20_000


def _word_crc(word: str) -> tuple[int, bytes]:
    found = _WORD_CRC.get(word)
    if found is None:
        raw = word.encode("utf-8")
        found = (zlib.crc32(raw), b" " + raw)
        if len(_WORD_CRC) >= _MAX_CACHED_WORDS:
            _WORD_CRC.clear()
        _WORD_CRC[word] = found
    return found


def text_counts(text: str) -> tuple[int, int, int, int, int, int]:
    """Raw counts behind ``text_stats``: words, numbers, digits in numbers, sentence marks
    (``.`` and ``?``), capital letters, distinct numbers."""
    nums = _NUMBER.findall(text)
    return (
        len(text.split()), len(nums), sum(map(len, nums)), text.count(".") + text.count("?"),
        capital_letters(text), len(set(nums)),
    )


def char_counter(chars: str) -> Callable[[str], int]:
    """A function that counts the characters of a text that are in ``chars``, at C speed:
    ``bytes.translate`` for ASCII text (the common case, ~10x faster), ``str.translate`` otherwise."""
    drop_str = str.maketrans("", "", chars)
    drop_bytes = "".join(c for c in chars if c.isascii()).encode("ascii")

    def count(text: str) -> int:
        if text.isascii():
            raw = text.encode("ascii")
            return len(raw) - len(raw.translate(None, drop_bytes))
        return len(text) - len(text.translate(drop_str))

    return count


_count_ascii_upper = char_counter(string.ascii_uppercase)


def capital_letters(text: str) -> int:
    """How many characters of ``text`` are upper-case letters (``str.isupper``); ASCII text is
    counted at C speed."""
    if text.isascii():
        return _count_ascii_upper(text)
    return sum(map(str.isupper, text))


def text_stats_row(text: str) -> tuple[float, ...]:
    """The 7 text statistics of the module doc for one text (plain floats: one prompt costs no
    numpy call)."""
    words, nums, digits, marks, caps, distinct = text_counts(text)
    return (
        log1p(words), log1p(nums), log1p(digits), log1p(marks), log1p(caps),
        nums / max(words, 1), log1p(distinct),
    )


def stats_matrix(rows: list[tuple[float, ...]], width: int) -> np.ndarray:
    """Per-text statistic rows stacked as a float64 array (n, width) (also for n = 0)."""
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def text_stats(texts: list[str]) -> np.ndarray:
    """The raw text statistics (n, 7) described in the module doc."""
    return stats_matrix([text_stats_row(t) for t in texts], N_STATS)


class _SparseRows:
    """A CSR-like matrix as COO arrays (row, col, value) with numpy products."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int, d: int) -> None:
        self.rows, self.cols, self.vals, self.n, self.d = rows, cols, vals, n, d

    def dot(self, w: np.ndarray) -> np.ndarray:  # X @ w
        return np.bincount(self.rows, weights=self.vals * w[self.cols], minlength=self.n)

    def tdot(self, u: np.ndarray) -> np.ndarray:  # X.T @ u
        return np.bincount(self.cols, weights=self.vals * u[self.rows], minlength=self.d)


def bucket_counts(text: str, nbits: int, ngrams: int) -> dict[int, int]:
    """How often each hash bucket (of ``2 ** nbits``) occurs among ``text``'s word n-grams: the
    CRC-32 of each lower-cased word and of each space-joined run of 2..``ngrams`` words. A run's
    CRC extends the shorter run's (``crc32(b" " + next word, crc)``), so no n-gram string is built."""
    mask = (1 << nbits) - 1
    words = [_word_crc(w) for w in _WORD.findall(text.lower())]
    crcs = [crc for crc, _ in words]
    runs = crcs
    for k in range(2, ngrams + 1):
        runs = [zlib.crc32(words[i + k - 1][1], runs[i]) for i in range(len(runs) - 1)]
        crcs += runs
    buckets = [crc & mask for crc in crcs]
    return dict.fromkeys(buckets, 1) if len(set(buckets)) == len(buckets) else Counter(buckets)


def _hashed_counts(texts: list[str], nbits: int, ngrams: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, bucket, count) of every distinct (prompt, bucket)."""
    rows: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    for i, t in enumerate(texts):
        c = bucket_counts(t, nbits, ngrams)
        rows.extend([i] * len(c))
        cols.extend(c.keys())
        counts.extend(c.values())
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(counts, dtype=np.float64)


#: penalties ``init_alpha=None`` (a warm start's default) chooses from by cross-validation on
#: the labels; infinity keeps the prior's weights (only the intercept moves)
INIT_ALPHAS = (10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0, float("inf"))
#: most labelled prompts solved in the dual (an n x n kernel); more are solved by conjugate
#: gradients, the penalty chosen on a sample of this many
DUAL_MAX = 2000
#: folds of the cross-validation; a smaller penalty must raise the cross-validated correlation by
#: ``CV_TOLERANCE / sqrt(n)`` (about half its standard error) to be chosen, and penalties below
#: ``MIN_ALPHA_LABELS / n`` are not tried (a few dozen labels cannot overturn the prior)
CV_FOLDS = 5
CV_TOLERANCE = 0.25
MIN_ALPHA_LABELS = 10000.0


def _gram(X: _SparseRows, D: np.ndarray) -> np.ndarray:
    """The kernel ``X X^T + D D^T`` (n, n) of the features, one sparse product per row."""
    K = D @ D.T
    order = np.argsort(X.rows, kind="stable")
    rows, cols, vals = X.rows[order], X.cols[order], X.vals[order]
    bounds = np.searchsorted(rows, np.arange(X.n + 1))
    buf = np.zeros(X.d)
    for j in range(X.n):
        a, b = bounds[j], bounds[j + 1]
        if a == b:
            continue
        buf[cols[a:b]] = vals[a:b]
        K[:, j] += X.dot(buf)
        buf[cols[a:b]] = 0.0
    return K


def _dual_coef(K: np.ndarray, r: np.ndarray, w: np.ndarray, alpha: float) -> np.ndarray:
    """``a`` with ``delta = F^T a`` minimising ``sum_i w_i (f_i . delta - r_i)^2 + alpha |delta|^2``:
    ``a = W^1/2 (W^1/2 K W^1/2 + alpha I)^-1 W^1/2 r``."""
    sw = np.sqrt(w)
    M = sw[:, None] * K * sw[None, :]
    M[np.diag_indices_from(M)] += alpha
    return sw * np.linalg.solve(M, sw * r)


#: scale of the prior-gain and constant columns in a warm start: their coefficients (the prior's
#: weight and the intercept shift) are penalised ``FREE_SCALE ** 2`` times less than the rest
FREE_SCALE = 10.0


def _augmented_gram(X: _SparseRows, D: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``_gram`` plus the prior-gain and constant columns, each times ``FREE_SCALE``."""
    return _gram(X, D) + FREE_SCALE**2 * (np.outer(g, g) + 1.0)


def choose_init_alpha(K: np.ndarray, g: np.ndarray, r: np.ndarray, w: np.ndarray, seed: int) -> float:
    """The penalty of ``INIT_ALPHAS`` whose warm start ranks held-out prompts best: the weighted
    correlation between the labels and the out-of-fold predicted gains (prior gain + change,
    ``CV_FOLDS`` folds, each fold centred), which is what routing by rank depends on. On near
    ties (see ``CV_TOLERANCE``) the larger penalty, closer to the prior, wins."""
    n = len(r)
    if n < 2 * CV_FOLDS:
        return INIT_ALPHAS[-1]
    fold = np.random.default_rng(seed).permutation(n) % CV_FOLDS
    y = r + g
    preds = np.zeros((len(INIT_ALPHAS), n))
    for f in range(CV_FOLDS):
        tr, te = np.nonzero(fold != f)[0], np.nonzero(fold == f)[0]
        sw = np.sqrt(w[tr])
        lam, V = np.linalg.eigh(sw[:, None] * K[np.ix_(tr, tr)] * sw[None, :])
        proj = V.T @ (sw * r[tr])
        for i, alpha in enumerate(INIT_ALPHAS):
            pred = g[te].copy()
            if np.isfinite(alpha):
                pred += K[np.ix_(te, tr)] @ (sw * (V @ (proj / (np.maximum(lam, 0.0) + alpha))))
            preds[i, te] = pred - np.average(pred, weights=w[te])
    yc = y - np.average(y, weights=w)
    corr = [float(np.sum(w * p * yc) / np.sqrt(np.sum(w * p * p) * np.sum(w * yc * yc) + 1e-300)) for p in preds]
    allowed = [i for i, a in enumerate(INIT_ALPHAS) if a >= MIN_ALPHA_LABELS / n]
    best = max(corr[i] for i in allowed)
    return max(INIT_ALPHAS[i] for i in allowed if corr[i] >= best - CV_TOLERANCE / np.sqrt(n))


def _row_subset(X: _SparseRows, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows renumbered 0..len(idx)-1, cols, vals) of the rows ``idx`` of ``X``."""
    new = np.full(X.n, -1, dtype=np.int64)
    new[idx] = np.arange(len(idx))
    keep = new[X.rows] >= 0
    return new[X.rows[keep]], X.cols[keep], X.vals[keep]


class TfidfRidgeRouter(Router):
    """Parameters: ``alpha`` (ridge strength), ``ngrams`` (word n-gram length, 1..3),
    ``n_features_log2`` (hash buckets = 2**this), ``min_df`` (min training prompts per bucket),
    ``stats_weight`` / ``embedding_weight`` (scale of those blocks; 0 = off), ``max_iter`` and
    ``tol`` (conjugate gradients), ``embedder``."""

    name: ClassVar[str] = "tfidf_ridge"
    light_scoring: ClassVar[bool] = True
    #: columns of the dense statistics block (``_stats_row``'s length)
    n_stats: ClassVar[int] = N_STATS
    # fitted
    idf_: np.ndarray | None = None  # [2**bits] (0 = unused bucket)
    coef_text_: np.ndarray | None = None  # [2**bits]
    stats_mean_: np.ndarray | None = None
    stats_std_: np.ndarray | None = None
    coef_stats_: np.ndarray | None = None  # [7]
    coef_embedding_: np.ndarray | None = None  # [d] or [0]
    intercept_: float = 0.0
    #: inference weights with the standardisation folded in (see ``_inference_weights``)
    _folded: tuple[list[float], float, np.ndarray] | None = None
    #: per-bucket TF-IDF terms for inference (see ``_bucket_terms``)
    _terms: tuple[array[float], array[float]] | None = None
    #: during a warm-started fit: (prior router, penalty on the change or None = chosen)
    _warm: tuple[Any, float | None] | None = None
    #: after a warm start: the penalty used (inf: the prior's weights kept) and the factor on
    #: the prior's weights
    init_alpha_: float | None = None
    prior_scale_: float | None = None

    def __init__(
        self,
        *,
        embedder: Any = None,
        strong_model: str | None = None,
        weak_model: str | None = None,
        alpha: float = 10.0,
        ngrams: int = 2,
        n_features_log2: int = 18,
        min_df: int = 2,
        stats_weight: float = 0.3,
        embedding_weight: float = 0.3,
        max_iter: int = 400,
        tol: float = 1e-6,
        seed: int = 0,
    ) -> None:
        self.set_params(**self._init_params(locals()))

    def known_models(self) -> list[str]:
        return [m for m in (self.strong_model, self.weak_model) if m is not None]

    # ------------------------------------------------------------------ features
    def _stats_row(self, text: str) -> tuple[float, ...]:
        """Raw statistics of one text (``n_stats`` floats); subclasses may add columns."""
        return text_stats_row(text)

    def _text_stats(self, texts: list[str]) -> np.ndarray:
        """Raw text statistics (n, ``n_stats``) of the dense block."""
        return stats_matrix([self._stats_row(t) for t in texts], self.n_stats)

    def _text_features(self, texts: list[str]) -> _SparseRows:
        assert self.idf_ is not None
        rows, cols, counts = _hashed_counts(texts, self.n_features_log2, self.ngrams)
        vals = (1.0 + np.log(counts)) * self.idf_[cols]
        norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=len(texts)))
        vals = vals / np.maximum(norms[rows], 1e-12)
        keep = vals != 0.0
        return _SparseRows(rows[keep], cols[keep], vals[keep], len(texts), 1 << self.n_features_log2)

    def _dense_features(self, texts: list[str]) -> np.ndarray:
        assert self.stats_mean_ is not None and self.stats_std_ is not None
        parts = [(self._text_stats(texts) - self.stats_mean_) / self.stats_std_ * self.stats_weight]
        if self.embedding_weight > 0:
            parts.append(self.embed(texts).astype(np.float64) * self.embedding_weight)
        return np.hstack(parts)

    # ------------------------------------------------------------------ training
    def _training_set(self, battles: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
        strong, weak = self.strong_model, self.weak_model
        a = np.asarray(battles.model_a, dtype=object)
        b = np.asarray(battles.model_b, dtype=object)
        fwd = (a == strong) & (b == weak)
        rev = (a == weak) & (b == strong)
        idx = np.nonzero(fwd | rev)[0]
        if len(idx) == 0:
            raise ConfigError(
                f"router {self.name!r} learns from battles between its pair {strong!r} and {weak!r}, "
                f"but none of the {len(battles)} battles is between them; pass strong_model/weak_model "
                f"names that occur in the battles (models: {', '.join(battles.models()[:20])})."
            )
        gain = 2.0 * battles.outcome[idx] - 1.0  # +1 a won, -1 b won, 0 tie
        gain = np.where(fwd[idx], gain, -gain)
        prompts = [battles.prompts[i] for i in idx]
        return prompts, gain, battles.weight[idx]

    def fit(self, battles: Any, *, calibration_prompts: Any = None, init: Any = None,
            init_alpha: float | None = None) -> TfidfRidgeRouter:
        """``Router.fit``; with ``init`` (a trained router of the same type, e.g. the bundled
        default) a **warm start**: the prior's features (IDF, statistics scaling, embedder) are
        kept and the weights are fitted as ``prior + delta`` with the ridge penalty
        ``init_alpha * |delta|^2`` on the change only, so a few hundred labels move the prior
        toward the user's data instead of replacing it. ``init_alpha=None`` (default) picks the
        penalty by 5-fold cross-validation on the labels among ``INIT_ALPHAS`` (infinity: the
        labels do not beat the prior, whose weights are then kept); the choice is stored in
        ``init_alpha_``."""
        if init is None:
            return super().fit(battles, calibration_prompts=calibration_prompts)  # type: ignore[return-value]
        if not self.warm_startable():
            raise ConfigError(f"router {self.name!r} has no warm start; use pooled_ridge or tfidf_ridge with --init.")
        if type(init) is not type(self) or getattr(init, "coef_text_", None) is None:
            raise ConfigError(
                f"a warm start needs a trained {self.name} router as its prior, got "
                f"{getattr(init, 'name', type(init).__name__)!r}"
                + (" (untrained)" if type(init) is type(self) else "")
                + "; train the prior's router type instead (the bundled default is pooled_ridge)."
            )
        alpha = None if init_alpha is None else finite_number("init_alpha", init_alpha, minimum=0.0)
        if alpha is not None and alpha <= 0:
            raise ConfigError("init_alpha must be > 0: it is the penalty that keeps the weights near the prior's.")
        self._warm = (init, alpha)
        try:
            return super().fit(battles, calibration_prompts=calibration_prompts)  # type: ignore[return-value]
        finally:
            self._warm = None

    @classmethod
    def warm_startable(cls) -> bool:
        """Whether ``fit(battles, init=prior)`` works (routers that keep this class's ridge fit)."""
        return cls._fit is TfidfRidgeRouter._fit

    def _aggregate(self, battles: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The distinct training prompts, their weighted mean targets and weights (mean 1)."""
        prompts, y, sw = self._training_set(battles)
        if sw.sum() <= 0:
            raise ConfigError(f"every battle between {self.strong_model!r} and {self.weak_model!r} has weight 0; give some a positive weight.")
        # aggregate repeated prompts: weighted mean target, summed weight (same optimum)
        uniq = list(dict.fromkeys(prompts))
        pos = {p: i for i, p in enumerate(uniq)}
        inv = np.array([pos[p] for p in prompts], dtype=np.int64)
        wsum = np.bincount(inv, weights=sw, minlength=len(uniq))
        keep = wsum > 0
        ysum = np.bincount(inv, weights=sw * y, minlength=len(uniq))
        uniq = [p for p, k in zip(uniq, keep) if k]
        y_u = ysum[keep] / wsum[keep]
        w_u = wsum[keep] / wsum[keep].mean()  # mean weight 1, so alpha keeps its meaning
        return uniq, y_u, w_u

    def _fit(self, battles: Any) -> None:
        uniq, y_u, w_u = self._aggregate(battles)
        warm = getattr(self, "_warm", None)
        if warm is not None:
            self._fit_from_prior(uniq, y_u, w_u, *warm)
            return
        X, D = self._fit_features(uniq)
        self.intercept_ = float(np.average(y_u, weights=w_u))
        coef = self._solve(X, D, y_u - self.intercept_, w_u)
        self.coef_text_, self.coef_stats_, self.coef_embedding_ = self._split_coef(coef, X.d)
        self._folded = self._terms = None

    def _fit_from_prior(self, prompts: list[str], y: np.ndarray, w: np.ndarray, prior: TfidfRidgeRouter,
                        alpha: float | None) -> None:
        """Weights = the prior's + delta: delta by ridge on the prior's residuals with penalty
        ``alpha`` (None: chosen by cross-validation, ``choose_init_alpha``), on the prior's own
        features; the intercept shifts by the residuals' mean, shrunk by the same penalty."""
        assert prior.idf_ is not None and prior.coef_text_ is not None
        self.set_params(**{k: getattr(prior, k) for k in ("ngrams", "n_features_log2", "min_df", "stats_weight",
                                                            "embedding_weight")})
        self.set_params(embedder=prior.get_embedder())
        self.idf_ = prior.idf_.copy()
        self.stats_mean_ = np.array(prior.stats_mean_, dtype=np.float64)
        self.stats_std_ = np.array(prior.stats_std_, dtype=np.float64)
        gain = prior.predicted_gain(prompts)
        residual = y - gain
        X, D = self._text_features(prompts), self._dense_features(prompts)
        n = len(prompts)
        rng = np.random.default_rng(self.seed)
        idx = np.arange(n) if n <= DUAL_MAX else np.sort(rng.choice(n, DUAL_MAX, replace=False))
        sub = X if n <= DUAL_MAX else _SparseRows(*_row_subset(X, idx), len(idx), X.d)
        K = _augmented_gram(sub, D[idx], gain[idx])
        if alpha is None:
            alpha = choose_init_alpha(K, gain[idx], residual[idx], w[idx], self.seed)
        self.init_alpha_ = alpha
        scale, shift = 0.0, float(np.sum(w * residual) / (np.sum(w) + INIT_ALPHAS[-2]))
        delta = np.zeros(X.d + D.shape[1])
        if np.isfinite(alpha) and n > DUAL_MAX:  # too many for the dual: conjugate gradients
            shift = float(np.sum(w * residual) / (np.sum(w) + alpha))
            delta = self._solve(X, D, residual - shift, w, alpha=alpha)
        elif np.isfinite(alpha):
            a = _dual_coef(K, residual, w, alpha)
            delta = np.concatenate([X.tdot(a), D.T @ a])
            scale = FREE_SCALE**2 * float(gain @ a)
            shift = FREE_SCALE**2 * float(a.sum())
        d_text, d_stats, d_emb = self._split_coef(delta, X.d)
        keep = 1.0 + scale
        self.coef_text_ = (keep * prior.coef_text_ + d_text).astype(np.float32)
        self.coef_stats_ = (keep * prior.coef_stats_ + d_stats).astype(np.float32)
        self.coef_embedding_ = (keep * prior.coef_embedding_ + d_emb).astype(np.float32)
        self.intercept_ = float(keep * prior.intercept_ + shift)
        self.prior_scale_ = keep
        self._folded = self._terms = None

    def _fit_features(self, prompts: list[str]) -> tuple[_SparseRows, np.ndarray]:
        """Learn the IDF and the statistics' standardisation on the training ``prompts``; return
        their sparse text features and dense block."""
        bits = self.n_features_log2
        _, cols, _ = _hashed_counts(prompts, bits, self.ngrams)
        df = np.bincount(cols, minlength=1 << bits).astype(np.float64)
        idf = np.log((1.0 + len(prompts)) / (1.0 + df)) + 1.0
        idf[df < max(self.min_df, 1)] = 0.0
        self.idf_ = idf.astype(np.float32)
        raw = self._text_stats(prompts)
        self.stats_mean_ = raw.mean(axis=0)
        self.stats_std_ = np.maximum(raw.std(axis=0), 1e-6)
        return self._text_features(prompts), self._dense_features(prompts)

    def _split_coef(self, coef: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A solution's (text, statistics, embedding) coefficients, the block weights folded in."""
        assert self.stats_mean_ is not None
        n_stats = len(self.stats_mean_)
        return (
            coef[:d].astype(np.float32),
            (coef[d : d + n_stats] * self.stats_weight).astype(np.float32),
            (coef[d + n_stats :] * self.embedding_weight).astype(np.float32),
        )

    def _solve(self, X: _SparseRows, D: np.ndarray, y: np.ndarray, w: np.ndarray, alpha: float | None = None) -> np.ndarray:
        """argmin sum_i w_i (x_i . c - y_i)^2 + alpha |c|^2 by conjugate gradients (``alpha``
        defaults to the router's)."""
        d = X.d
        alpha = self.alpha if alpha is None else alpha

        def normal(c: np.ndarray) -> np.ndarray:
            p = (X.dot(c[:d]) + D @ c[d:]) * w
            return np.concatenate([X.tdot(p), D.T @ p]) + alpha * c

        rhs = np.concatenate([X.tdot(w * y), D.T @ (w * y)])
        c = np.zeros_like(rhs)
        r = rhs.copy()
        p = r.copy()
        rs = float(r @ r)
        stop = (self.tol**2) * max(float(rhs @ rhs), 1e-300)
        for _ in range(self.max_iter):
            if rs <= stop:
                break
            Ap = normal(p)
            step = rs / float(p @ Ap)
            c += step * p
            r -= step * Ap
            rs_new = float(r @ r)
            p = r + (rs_new / rs) * p
            rs = rs_new
        return c

    # ------------------------------------------------------------------ inference
    def predicted_gain(self, prompts: list[str]) -> np.ndarray:
        """Predicted strong-minus-weak outcome (about -1..1) for the router's own pair.

        Text and statistics are computed prompt by prompt with few numpy calls (a single prompt,
        the common case, costs a few microseconds besides its embedding); embeddings in one batch.
        """
        if self.coef_text_ is None:
            raise ConfigError("this tfidf_ridge router is not trained; call fit(battles) or load a checkpoint.")
        stats_coef, intercept, emb_coef = self._inference_weights()
        out = np.fromiter(
            (self._text_gain(t) + sum(map(mul, self._stats_row(t), stats_coef)) + intercept for t in prompts),
            dtype=np.float64,
            count=len(prompts),
        )
        if self.embedding_weight > 0:
            emb = self.embed(prompts)
            check_dim(emb, len(emb_coef), self.get_embedder().name)
            out += emb @ emb_coef
        return out

    def _text_gain(self, text: str) -> float:
        """The TF-IDF block's contribution for one text: its L2-normalised TF-IDF row dotted
        with the text coefficients (the row of ``_text_features``, without building it):
        ``sum(tf * idf * coef) / sqrt(sum(tf^2 * idf^2))`` with ``tf = 1 + log(count)``, read
        bucket by bucket from the per-bucket products ``_bucket_terms``."""
        squares, products = self._bucket_terms()
        norm2 = dot = 0.0
        for bucket, count in bucket_counts(text, self.n_features_log2, self.ngrams).items():
            if count == 1:
                norm2 += squares[bucket]
                dot += products[bucket]
            else:
                tf = 1.0 + log(count)
                norm2 += tf * tf * squares[bucket]
                dot += tf * products[bucket]
        return dot / max(sqrt(norm2), 1e-12)

    def _bucket_terms(self) -> tuple[array[float], array[float]]:
        """Per bucket ``idf ** 2`` and ``idf * coef`` as float64 ``array.array`` (a Python
        float per look-up, no numpy call); built on first use, 16 bytes a bucket."""
        terms = self._terms
        if terms is None:
            assert self.idf_ is not None and self.coef_text_ is not None
            idf = self.idf_.astype(np.float64)
            terms = self._terms = (array("d", (idf * idf).tobytes()), array("d", (idf * self.coef_text_).tobytes()))
        return terms

    def _inference_weights(self) -> tuple[list[float], float, np.ndarray]:
        """(stats coefficients over raw statistics, as floats; intercept with the
        standardisation folded in; float64 embedding coefficients): the same predictions with
        fewer operations a call."""
        cached = self._folded
        if cached is None:
            assert self.coef_stats_ is not None and self.coef_embedding_ is not None
            stats_coef = self.coef_stats_.astype(np.float64) / self.stats_std_
            intercept = float(self.intercept_ - self.stats_mean_ @ stats_coef)
            cached = self._folded = (stats_coef.tolist(), intercept, self.coef_embedding_.astype(np.float64))
        return cached

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        if (strong, weak) == (self.strong_model, self.weak_model):
            sign = 1.0
        elif (strong, weak) == (self.weak_model, self.strong_model):
            sign = -1.0
        else:
            raise UnknownModelError(
                f"router {self.name!r} was trained for the pair {self.strong_model!r} (strong) / "
                f"{self.weak_model!r} (weak) only, not {strong!r} / {weak!r}; retrain it with "
                "battles of that pair."
            )
        return sigmoid(2.0 * sign * self.predicted_gain(prompts))

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if self.coef_text_ is None:
            raise ConfigError("cannot save an untrained tfidf_ridge router; call fit(battles) first.")
        used = np.nonzero(self.idf_ != 0)[0].astype(np.int32)
        return {"intercept": self.intercept_}, {
            "buckets": used,
            "idf": self.idf_[used].astype(np.float32),
            "coef_text": self.coef_text_[used].astype(np.float32),
            "stats_mean": self.stats_mean_.astype(np.float64),
            "stats_std": self.stats_std_.astype(np.float64),
            "coef_stats": self.coef_stats_.astype(np.float32),
            "coef_embedding": self.coef_embedding_.astype(np.float32),
        }

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        from routellm_core.checkpoints.format import checked_buckets, checked_tensor

        size = 1 << self.n_features_log2
        buckets = checked_buckets(tensors, size)
        n, s = len(buckets), self.n_stats
        self.idf_ = np.zeros(size, dtype=np.float32)
        self.idf_[buckets] = checked_tensor(tensors, "idf", (n,))
        self.coef_text_ = np.zeros(size, dtype=np.float32)
        self.coef_text_[buckets] = checked_tensor(tensors, "coef_text", (n,))
        self.stats_mean_ = checked_tensor(tensors, "stats_mean", (s,), np.float64)
        self.stats_std_ = checked_tensor(tensors, "stats_std", (s,), np.float64)
        self.coef_stats_ = checked_tensor(tensors, "coef_stats", (s,))
        self.coef_embedding_ = checked_tensor(tensors, "coef_embedding", (None,))
        if self.embedding_weight == 0 and len(self.coef_embedding_):
            raise CheckpointError("tensor 'coef_embedding' is not empty, but embedding_weight is 0; re-save the checkpoint.")
        intercept = config.get("intercept")
        if isinstance(intercept, bool) or not isinstance(intercept, (int, float)) or not np.isfinite(intercept):
            raise CheckpointError(f"state.intercept must be a finite number, got {intercept!r}; re-save the checkpoint.")
        self.intercept_ = float(intercept)
        self._folded = self._terms = None

    def _weights_input_dim(self) -> int | None:
        if self.coef_embedding_ is None or self.embedding_weight == 0:
            return None
        return int(len(self.coef_embedding_))
