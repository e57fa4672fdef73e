"""``pooled_ridge``: ridge regression of the pooled strong-tier advantage on prompt text features.

The bundled default router. Instead of one model pair's noisy battles, it learns from labels pooled
over every pair judged on a prompt (``routellm_core.pooling``): per source, models are ranked by
Bradley-Terry strength and split into a strong and a weak tier, and a prompt's target is the
strong tier's mean result minus the weak tier's (in [-1, 1]): how much a stronger model's answer
is expected to beat a weaker one's on this prompt.

Features and solver are ``tfidf_ridge``'s (hashed word n-gram TF-IDF, text statistics and the
prompt embedding; weighted ridge by conjugate gradients, numpy only), plus seven character-class
statistics that carry the shape of a prompt whatever its words (``char_class_stats``): math and
code symbols, line breaks, indented lines, backslashes, non-ASCII share and mean word length. Each source (file) gets the
same total weight unless ``source_weights`` says otherwise, times the mean weight of its rows
(``--battles-weight`` / ``--golden-weight``), so a big benchmark file cannot drown the chat data.

**Distillation** (``teacher_weight`` > 0 with ``fit(battles, teacher=router)``): each prompt's
target becomes ``(1 - teacher_weight) * pooled advantage + teacher_weight * (2 * teacher score - 1)``,
the teacher's score read as a soft P(strong tier wins) (``pooled_bert``'s). A fine-tuned encoder
trained on the same labels ranks task types far better than these features learn from the labels
alone; its smoother targets teach the ridge that ranking at the ridge's speed. With
``variant_weight`` > 0, shortened variants of the training prompts (``data.variants``: a question's
stem without its answer options, a prompt's last sentence) join the training set with the teacher's
target alone and this total weight (a share of the labelled prompts' total weight), so that the
ridge learns the teacher's task types apart from the prompts' lengths.

The score ``sigmoid(2 * predicted advantage)`` is about P(a stronger model's answer is better) +
half P(tie). It does not depend on which two models are routed (the router is model-agnostic):
any strong/weak pair may be passed, and the same score is returned.
"""

from __future__ import annotations

from math import log1p
from typing import Any, ClassVar

import numpy as np

from routellm_core.data.pooling import DEFAULT_STRONG_TIER, check_source_weights, pool_labels, source_prompt_weights
from routellm_core.data.variants import shortened_variants
from routellm_core.errors import ConfigError
from routellm_core.routers.tfidf_ridge import (
    N_STATS,
    TfidfRidgeRouter,
    char_counter,
    stats_matrix,
    text_stats_row,
)
from routellm_core.utils.validation import finite_number

_MATH_SYMBOLS = "=+*/^<>%|~\u2211\u222b\u221a\u2264\u2265\u00b1\u00d7\u00f7\u221e\u2248\u2260\u2202\u03c0"
_CODE_SYMBOLS = "{}()[];`_#@$&"
_count_math = char_counter(_MATH_SYMBOLS)
_count_code = char_counter(_CODE_SYMBOLS)
N_CHAR_STATS = 7


def char_class_row(text: str) -> tuple[float, ...]:
    """The 7 character-class statistics of one text (see ``char_class_stats``)."""
    n = len(text)
    words = text.split()
    return (
        log1p(_count_math(text)),
        log1p(_count_code(text)),
        log1p(text.count("\n")),
        log1p(text.count("\n    ") + text.count("\n\t")),
        log1p(text.count("\\")),
        0.0 if text.isascii() else (n - len(text.encode("ascii", "ignore"))) / max(n, 1),
        (sum(map(len, words)) / len(words)) if words else 0.0,
    )


def char_class_stats(texts: list[str]) -> np.ndarray:
    """Character-class statistics (n, 7): log counts of math symbols, code symbols, line breaks,
    indented lines and backslashes; the share of non-ASCII characters (in [0, 1]); the mean word
    length in characters. Each is a C-speed string operation."""
    return stats_matrix([char_class_row(t) for t in texts], N_CHAR_STATS)


class PooledRidgeRouter(TfidfRidgeRouter):
    """Parameters: ``strong_tier`` (share of each source's models, by strength, in the strong
    tier; in (0, 1)), ``weak_tier`` (share of models, after the strong tier, in the weak tier;
    None = all the rest), ``source_weights`` (``{source name: total weight}``; sources not named
    get 1.0, names of sources absent from the training data are ignored), ``teacher_weight``
    (in [0, 1]: the teacher's share of each target, with ``fit(..., teacher=)``; 0 = none),
    ``variant_weight`` (>= 0, with a teacher: the total weight of the training prompts' shortened
    variants, taught by the teacher alone, as a share of the labelled prompts'; 0 = none) and every
    ``tfidf_ridge`` parameter."""

    name: ClassVar[str] = "pooled_ridge"
    n_stats: ClassVar[int] = N_STATS + N_CHAR_STATS
    model_agnostic: ClassVar[bool] = True
    # fitted: per source, the prompts and total weight used in training (stored in the checkpoint)
    sources_: dict[str, dict[str, float]] | None = None

    def __init__(
        self,
        *,
        strong_tier: float = DEFAULT_STRONG_TIER,
        weak_tier: float | None = None,
        source_weights: dict[str, float] | None = None,
        teacher_weight: float = 0.0,
        variant_weight: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.set_params(strong_tier=strong_tier, weak_tier=weak_tier, source_weights=source_weights,
                        teacher_weight=teacher_weight, variant_weight=variant_weight)

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = super()._check_params(params)
        weight = finite_number("teacher_weight", out.get("teacher_weight", 0.0), minimum=0.0, maximum=1.0,
                               hint="It is the teacher's share of each training target: 0 (none) to 1 (all).")
        variants = finite_number("variant_weight", out.get("variant_weight", 0.0), minimum=0.0, maximum=10.0,
                                 hint="It is the shortened variants' total weight as a share of the labelled "
                                      "prompts': 0 (none) to 10.")
        if variants > 0 and weight == 0:
            raise ConfigError("variant_weight needs a teacher: set teacher_weight > 0 (and pass fit(..., teacher=)), "
                              "or set variant_weight=0.")
        return out | {"source_weights": check_source_weights(out.get("source_weights")), "teacher_weight": weight,
                      "variant_weight": variants}

    def fit(self, battles: Any, *, calibration_prompts: Any = None, init: Any = None,
            init_alpha: float | None = None, teacher: Any = None) -> PooledRidgeRouter:
        """``tfidf_ridge``'s ``fit`` (with its warm start); with ``teacher`` (a trained router whose
        score is a soft P(strong tier wins), e.g. ``pooled_bert`` on the same data) and
        ``teacher_weight`` > 0, the targets are distilled from it (see the module docstring)."""
        if (teacher is None) != (self.teacher_weight == 0):
            raise ConfigError(
                "distillation needs both a teacher and teacher_weight > 0: "
                + ("pass fit(..., teacher=<trained router>) (CLI: --teacher ROUTER)." if teacher is None
                   else "set teacher_weight (e.g. 0.6), or leave the teacher out.")
            )
        self._teacher = teacher
        try:
            return super().fit(battles, calibration_prompts=calibration_prompts, init=init,  # type: ignore[return-value]
                               init_alpha=init_alpha)
        finally:
            self._teacher = None

    def known_models(self) -> list[str]:
        return []

    def _targets(self, battles: Any) -> tuple[list[str], np.ndarray]:
        """(distinct prompts, regression target per prompt): the pooled strong-tier advantage."""
        labels = pool_labels(battles, self.strong_tier, self.weak_tier)
        return labels.prompts, labels.advantage

    def _training_set(self, battles: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
        """``_targets`` with per-source weights: each source one total weight (``source_weights``,
        default 1, times its rows' mean weight), spread evenly over its prompts."""
        prompts, targets = self._targets(battles)
        teacher = getattr(self, "_teacher", None)
        w, self.sources_ = source_prompt_weights(battles, prompts, self.source_weights)
        if teacher is None:
            return prompts, targets, w
        variants = shortened_variants(prompts) if self.variant_weight > 0 else []
        taught = 2.0 * np.asarray(teacher.score(prompts + variants), dtype=np.float64) - 1.0
        targets = (1.0 - self.teacher_weight) * targets + self.teacher_weight * taught[: len(prompts)]
        if not variants:
            return prompts, targets, w
        variant_w = np.full(len(variants), self.variant_weight * float(w.sum()) / len(variants))
        return prompts + variants, np.concatenate([targets, taught[len(prompts):]]), np.concatenate([w, variant_w])

    def _stats_row(self, text: str) -> tuple[float, ...]:
        """``tfidf_ridge``'s 7 text statistics, then the 7 character-class statistics."""
        return text_stats_row(text) + char_class_row(text)

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        # sigmoid(2 * gain) = (1 + tanh(gain)) / 2, computed in place
        gain = self.predicted_gain(prompts)
        np.tanh(gain, out=gain)
        gain += 1.0
        gain *= 0.5
        return gain

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        config, tensors = super()._get_state()
        return {**config, "sources": self.sources_}, tensors

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        super()._set_state(config, tensors)
        self.sources_ = dict(config.get("sources") or {})
