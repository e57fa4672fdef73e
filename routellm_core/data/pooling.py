"""Pooled strong-vs-weak labels: how much the stronger models beat the weaker ones on each prompt.

One pair's battle on a prompt is a coin flip of judge noise; the same prompt judged for many
model pairs says much more. For every *source* (a file: one judge, one set of models):

1. fit each model's overall strength by Bradley-Terry over all of the source's battles;
2. split the models into a **strong tier** (the ``strong_tier`` share of models with the highest
   strength, at least one) and a **weak tier** (the rest);
3. for every prompt, each model's *result* is its mean outcome over its battles on that prompt
   (win 1, tie 0.5, loss 0), and the prompt's tier qualities are the mean result of the strong
   tier's and of the weak tier's models that were judged on it.

A prompt judged in several sources gets the mean of its per-source qualities. The prompt's
**advantage** ``strong - weak`` (in [-1, 1]) is the routing target: how much a stronger model's
answer is expected to beat a weaker one's, pooled over every pair. A golden (benchmark) file
turned into battles pools the same way; with exactly two models it is that pair's outcome.

``source_prompt_weights`` gives each source one total weight spread over its prompts (what
``pooled_ridge`` trains with), and ``tier_battles`` turns pooled labels back into battles between two
tier pseudo-models, so a classifier of battles (``bert``) learns the same labels as soft targets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routellm_core.data.battles import Battles
from routellm_core.errors import ConfigError, DataFormatError
from routellm_core.utils.validation import finite_number

DEFAULT_STRONG_TIER = 0.5
#: the pseudo-model names of ``tier_battles``
STRONG_TIER_MODEL, WEAK_TIER_MODEL = "strong tier", "weak tier"


@dataclass(frozen=True)
class PooledLabels:
    """Per distinct prompt: ``strong[i]`` / ``weak[i]`` are the mean results (in [0, 1]) of the
    strong and weak tier on ``prompts[i]``; ``source[i]`` names the source(s) it came from
    (``"+"``-joined when several sources judged it)."""

    prompts: list[str]
    strong: np.ndarray
    weak: np.ndarray
    source: list[str]

    def __len__(self) -> int:
        return len(self.prompts)

    @property
    def advantage(self) -> np.ndarray:
        """``strong - weak`` per prompt, in [-1, 1]."""
        return self.strong - self.weak

    def subset(self, idx: Sequence[int] | np.ndarray) -> PooledLabels:
        idx = np.asarray(idx, dtype=np.int64)
        return PooledLabels(
            [self.prompts[i] for i in idx], self.strong[idx], self.weak[idx], [self.source[i] for i in idx]
        )


def bradley_terry(
    a_idx: np.ndarray,
    b_idx: np.ndarray,
    outcome: np.ndarray,
    weight: np.ndarray,
    n_models: int,
    *,
    l2: float = 1e-3,
    steps: int = 30,
) -> np.ndarray:
    """Bradley-Terry strengths [n_models] (mean 0) by Newton's method with a small L2 prior.

    ``outcome[i]`` in [0, 1] is model ``a_idx[i]``'s result against ``b_idx[i]``; ``weight[i]`` >= 0.
    """
    r = np.zeros(n_models)
    w = np.asarray(weight, dtype=np.float64)
    w = w / max(float(w.sum()), 1e-12)
    s = w * np.asarray(outcome, dtype=np.float64)
    for _ in range(steps):
        p = 0.5 * (1.0 + np.tanh(0.5 * (r[a_idx] - r[b_idx])))
        g = s - w * p
        grad = np.bincount(a_idx, weights=g, minlength=n_models) - np.bincount(b_idx, weights=g, minlength=n_models)
        grad -= l2 * r
        h = w * p * (1.0 - p)
        H = np.diag(np.bincount(a_idx, weights=h, minlength=n_models) + np.bincount(b_idx, weights=h, minlength=n_models) + l2)
        np.subtract.at(H, (a_idx, b_idx), h)
        np.subtract.at(H, (b_idx, a_idx), h)
        step = np.linalg.solve(H, grad)
        r += step
        if float(np.abs(step).max()) < 1e-10:
            break
    return r - r.mean()


def strength_tiers(
    battles, strong_tier: float = DEFAULT_STRONG_TIER, weak_tier: float | None = None
) -> tuple[list[str], list[str]]:
    """(strong tier, weak tier) model names of one source's battles, strongest first: the
    ``strong_tier`` share of models with the highest strength, then the next ``weak_tier`` share
    (default: all the rest; at least one model each)."""
    models = battles.models()
    if len(models) < 2:
        raise DataFormatError("pooled labels need battles between at least two models.")
    finite_number("strong_tier", strong_tier, minimum=0.0, maximum=1.0, min_exclusive=True, max_exclusive=True,
                  hint="It is the share of each source's models in the strong tier, e.g. 0.5.")
    if weak_tier is not None:
        finite_number("weak_tier", weak_tier, minimum=0.0, maximum=1.0, min_exclusive=True,
                      hint="It is the share of models after the strong tier in the weak tier; None = all the rest.")
    index = {m: i for i, m in enumerate(models)}
    strengths = bradley_terry(
        np.array([index[m] for m in battles.model_a], dtype=np.int64),
        np.array([index[m] for m in battles.model_b], dtype=np.int64),
        battles.outcome,
        battles.weight,
        len(models),
    )
    ranked = [models[i] for i in np.argsort(-strengths, kind="stable")]
    k = min(len(models) - 1, max(1, int(round(strong_tier * len(models)))))
    end = len(models) if weak_tier is None else k + max(1, int(round(weak_tier * len(models))))
    return ranked[:k], ranked[k:end]


def pool_source(
    battles, strong_tier: float = DEFAULT_STRONG_TIER, weak_tier: float | None = None
) -> dict[str, tuple[float, float]]:
    """``{prompt: (strong tier quality, weak tier quality)}`` for one source's battles; prompts
    on which either tier was not judged are left out."""
    strong, weak = strength_tiers(battles, strong_tier, weak_tier)
    total: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    count: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for p, a, b, o, w in zip(battles.prompts, battles.model_a, battles.model_b, battles.outcome, battles.weight):
        if w <= 0:
            continue
        total[p][a] += w * o
        count[p][a] += w
        total[p][b] += w * (1.0 - o)
        count[p][b] += w
    out: dict[str, tuple[float, float]] = {}
    for p, per_model in total.items():
        s = [per_model[m] / count[p][m] for m in strong if count[p].get(m)]
        v = [per_model[m] / count[p][m] for m in weak if count[p].get(m)]
        if s and v:
            out[p] = (float(np.mean(s)), float(np.mean(v)))
    return out


def pool_labels(battles, strong_tier: float = DEFAULT_STRONG_TIER, weak_tier: float | None = None) -> PooledLabels:
    """Pooled labels of every distinct prompt of ``battles``, pooled per ``battles.source``."""
    per_prompt: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for name in battles.sources():
        for p, (s, w) in pool_source(battles.of_source(name), strong_tier, weak_tier).items():
            per_prompt[p].append((name, s, w))
    if not per_prompt:
        raise DataFormatError(
            "no prompt was judged for both a stronger and a weaker model; pooled labels need several "
            "models judged on the same prompts."
        )
    prompts = [p for p in dict.fromkeys(battles.prompts) if p in per_prompt]
    return PooledLabels(
        prompts=prompts,
        strong=np.array([np.mean([x[1] for x in per_prompt[p]]) for p in prompts]),
        weak=np.array([np.mean([x[2] for x in per_prompt[p]]) for p in prompts]),
        source=["+".join(sorted({x[0] for x in per_prompt[p]})) for p in prompts],
    )


def source_prompt_weights(
    battles, prompts: Sequence[str], source_weights: dict[str, float] | None = None
) -> tuple[np.ndarray, dict[str, dict[str, float]]]:
    """(weight per prompt of ``prompts``, per source ``{"prompts": n, "weight": total}``): each
    source of ``battles`` gets one total weight (``source_weights[name]``, default 1, times the mean
    weight of its rows) spread evenly over its prompts that are in ``prompts``; a prompt of several
    sources sums their shares. Prompts of no source get 0."""
    weights = source_weights or {}
    prompt_weight: dict[str, float] = {}
    sources: dict[str, dict[str, float]] = {}
    known = set(prompts)
    for name in battles.sources():
        part = battles.of_source(name)
        used = set(part.prompts) & known
        total = float(weights.get(name, 1.0)) * float(part.weight.mean())
        sources[name or "<unnamed>"] = {"prompts": len(used), "weight": total}
        for p in used:
            prompt_weight[p] = prompt_weight.get(p, 0.0) + total / len(used)
    return np.array([prompt_weight.get(p, 0.0) for p in prompts]), sources


def tier_battles(
    labels: PooledLabels, weights: Sequence[float] | np.ndarray | None = None,
    *, strong: str = STRONG_TIER_MODEL, weak: str = WEAK_TIER_MODEL,
) -> Battles:
    """Pooled labels as battles of two pseudo-models, ``strong`` (model_a) vs ``weak`` (model_b).

    Each prompt with weight ``w`` (default 1) and ``y = (1 + advantage) / 2`` (in [0, 1]: the strong
    tier's expected share of a win, ties half) gives two rows: a strong win of weight ``w * y`` and a
    weak win of weight ``w * (1 - y)`` (rows of weight 0 are left out). Weighted cross-entropy on these
    rows is cross-entropy with the soft target ``y``, so a classifier's P(strong wins) learns ``y``."""
    n = len(labels)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise DataFormatError(f"tier_battles got {w.size} weights for {n} prompts; give one weight per prompt.")
    y = np.clip((1.0 + labels.advantage) / 2.0, 0.0, 1.0)
    row_w = np.stack([w * y, w * (1.0 - y)], axis=1).ravel()  # prompt 0 strong, prompt 0 weak, ...
    keep = np.nonzero(row_w > 0)[0]
    if not len(keep):
        raise DataFormatError("tier_battles: every prompt has weight 0, so there is nothing to learn.")
    rows = keep // 2
    return Battles(
        prompts=[labels.prompts[i] for i in rows],
        model_a=[strong] * len(keep),
        model_b=[weak] * len(keep),
        outcome=np.where(keep % 2 == 0, 1.0, 0.0),
        weight=row_w[keep],
        source=[labels.source[i] for i in rows],
    )


def check_source_weights(weights: object) -> dict[str, float] | None:
    """``source_weights`` checked: None, or ``{source name: total weight >= 0}``."""
    if weights is None:
        return None
    if not isinstance(weights, dict):
        raise ConfigError(
            f"source_weights must map source names to weights, got {type(weights).__name__}; "
            'e.g. {"arena": 2.0}.'
        )
    return {str(k): finite_number(f"source_weights[{k!r}]", v, minimum=0.0) for k, v in weights.items()}


def check_source_caps(caps: object) -> dict[str, int] | None:
    """``max_source_prompts`` checked: None, or ``{source name: most distinct prompts, >= 1}``."""
    if caps is None:
        return None
    if not isinstance(caps, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in caps.values()
    ):
        raise ConfigError(
            f"max_source_prompts must map source names to a number of prompts >= 1, got {caps!r}; "
            'e.g. {"mmlu": 2000}.'
        )
    return {str(k): int(v) for k, v in caps.items()}


def cap_source_prompts(battles: Battles, caps: dict[str, int] | None, seed: int = 0) -> Battles:
    """``battles`` without the rows of all but ``caps[source]`` of each capped source's distinct
    prompts (a seeded draw from the sorted prompts, per source in name order). A dropped prompt
    is dropped from every source, so the kept rows stay whole prompts. Sources not in ``caps``
    (or under their cap) are kept whole."""
    drop: set[str] = set()
    for name in sorted(caps or {}):
        prompts = sorted({p for p, s in zip(battles.prompts, battles.source) if s == name})
        if len(prompts) > caps[name]:
            order = np.random.default_rng(seed).permutation(len(prompts))
            drop.update(prompts[i] for i in order[caps[name]:])
    if not drop:
        return battles
    return battles.subset([i for i, p in enumerate(battles.prompts) if p not in drop])
