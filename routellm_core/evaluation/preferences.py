"""Evaluation on preference (chat) data: pooled strong-vs-weak labels as a benchmark.

Each prompt of a preference file gets the pooled qualities of ``routellm_core.pooling`` (the strong
tier's and the weak tier's mean result on it), which play the part of the strong and weak model's
scores of a golden benchmark: APGR, CPT and the oracle are computed exactly as there. Pooled chat
labels favour the stronger tier on nearly every prompt, so the random-to-oracle range is narrow
(random 0.5, oracle often 0.6-0.7); ``headroom`` reports the share of it a router recovers:
``(APGR - 0.5) / (oracle APGR - 0.5)``.

Two held-out protocols, both training a fresh router per split on battles whose prompts it will
not score:

- **K-fold by prompt** (``cross_val_pooled``): every distinct prompt is in exactly one fold.
- **Leave one source out** (``leave_one_source_out``): sources (files) that share a prompt form one
  group; each group is scored by a router trained on every other group (plus extra training data
  whose prompts do not occur in the held-out group). The stand-in for traffic nobody trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.evaluation.metrics import CurveResult, evaluate_scores, oracle_scores
from routellm_core.data.pooling import DEFAULT_STRONG_TIER, PooledLabels, pool_labels

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.data import Battles
    from routellm_core.routers.base import Router

RANDOM_APGR = 0.5


@dataclass(frozen=True)
class PooledResult:
    """A router's scores on one evaluation set of pooled labels, and its metrics."""

    labels: PooledLabels
    scores: np.ndarray
    curve: CurveResult
    oracle: CurveResult

    @property
    def headroom(self) -> float:
        """Share of the random-to-oracle APGR range recovered (1 = oracle, 0 = random)."""
        span = self.oracle.apgr - RANDOM_APGR
        return float((self.curve.apgr - RANDOM_APGR) / span) if span > 1e-12 else float("nan")

    def summary(self) -> dict[str, Any]:
        return {
            "n": len(self.labels),
            "apgr": self.curve.apgr,
            "random_apgr": RANDOM_APGR,
            "oracle_apgr": self.oracle.apgr,
            "headroom": self.headroom,
            "cpt50": self.curve.cpt(0.5),
            "strong_quality": self.curve.strong_quality,
            "weak_quality": self.curve.weak_quality,
        }


def evaluate_pooled(scores: np.ndarray, labels: PooledLabels) -> PooledResult:
    """Metrics of ``scores`` (one per prompt of ``labels``; higher = strong) on pooled labels."""
    scores = np.asarray(scores, dtype=np.float64)
    curve = evaluate_scores(scores, labels.strong, labels.weak)
    oracle = evaluate_scores(oracle_scores(labels.strong, labels.weak), labels.strong, labels.weak)
    return PooledResult(labels, scores, curve, oracle)


def source_groups(battles: Battles) -> dict[str, list[str]]:
    """``{group name: sources}``: sources that share any prompt are one group (a source left out
    takes the files that judged the same prompts with it). The name joins the sources with ``+``."""
    sources = battles.sources()
    parent = {s: s for s in sources}

    def find(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    first_source: dict[str, str] = {}
    for p, s in zip(battles.prompts, battles.source):
        other = first_source.setdefault(p, s)
        if other != s:
            parent[find(s)] = find(other)
    groups: dict[str, list[str]] = {}
    for s in sources:
        groups.setdefault(find(s), []).append(s)
    return {"+".join(members): members for members in groups.values()}


def _fit_and_score(
    factory: Callable[[], Router], train: Battles, extra: Battles | None, labels: PooledLabels
) -> np.ndarray:
    from routellm_core.data import Battles

    held = set(labels.prompts)
    parts = [train]
    if extra is not None and len(extra):
        parts.append(extra.subset([i for i, p in enumerate(extra.prompts) if p not in held]))
    router = factory()
    router.fit(Battles.concat(parts))
    return np.atleast_1d(np.asarray(router.score(labels.prompts), dtype=np.float64))


def leave_one_source_out(
    factory: Callable[[], Router],
    battles: Battles,
    *,
    extra_train: Battles | None = None,
    strong_tier: float = DEFAULT_STRONG_TIER,
    weak_tier: float | None = None,
) -> dict[str, PooledResult]:
    """``{group: result}``: each source group scored by a router trained on the other groups'
    battles plus ``extra_train`` (rows whose prompt is in the held-out group are dropped)."""
    groups = source_groups(battles)
    if len(groups) < 2:
        raise ConfigError(
            "leave-one-source-out needs preference data from at least two sources that do not share "
            f"prompts; got {', '.join(groups) or 'none'}."
        )
    out: dict[str, PooledResult] = {}
    for name, members in groups.items():
        inside = set(members)
        test = battles.subset([i for i, s in enumerate(battles.source) if s in inside])
        labels = pool_labels(test, strong_tier, weak_tier)
        held = set(labels.prompts)
        train = battles.subset(
            [i for i, (s, p) in enumerate(zip(battles.source, battles.prompts)) if s not in inside and p not in held]
        )
        out[name] = evaluate_pooled(_fit_and_score(factory, train, extra_train, labels), labels)
    return out


def pooled_folds(labels: PooledLabels, folds: int, seed: int = 0) -> np.ndarray:
    """Fold id in 0..folds-1 per prompt of ``labels`` (a seeded permutation, balanced)."""
    if folds < 2 or folds > len(labels):
        raise ConfigError(f"cross-validation needs 2..{len(labels)} folds (one prompt each at least), got {folds}.")
    ids = np.empty(len(labels), dtype=np.int64)
    ids[np.random.default_rng(seed).permutation(len(labels))] = np.arange(len(labels)) % folds
    return ids


def cross_val_pooled(
    factory: Callable[[], Router],
    battles: Battles,
    *,
    folds: int = 5,
    seed: int = 0,
    extra_train: Battles | None = None,
    strong_tier: float = DEFAULT_STRONG_TIER,
    weak_tier: float | None = None,
) -> tuple[PooledLabels, np.ndarray, np.ndarray]:
    """Out-of-fold scores for every pooled prompt of ``battles``: ``(labels, scores, fold ids)``.
    Each fold's router trains on the battles of the other folds' prompts plus ``extra_train``."""
    labels = pool_labels(battles, strong_tier, weak_tier)
    fold_ids = pooled_folds(labels, folds, seed)
    scores = np.full(len(labels), np.nan)
    for f in range(folds):
        test_idx = np.nonzero(fold_ids == f)[0]
        held = {labels.prompts[i] for i in test_idx}
        train = battles.subset([i for i, p in enumerate(battles.prompts) if p not in held])
        scores[test_idx] = _fit_and_score(factory, train, extra_train, labels.subset(test_idx))
    return labels, scores, fold_ids
