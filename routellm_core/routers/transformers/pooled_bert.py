"""``pooled_bert``: the ``bert`` encoder fine-tuned on ``pooled_ridge``'s labels (the heavier tier).

Labels are the default router's: per source, models split into a strong and a weak tier by
Bradley-Terry strength, a prompt's target the strong tier's mean result minus the weak tier's
(``routellm_core.data.pooling``), each source one total weight spread over its prompts
(``source_weights``). ``pooling.tier_battles`` turns each prompt's label into a soft target
``(1 + advantage) / 2`` of P(strong tier wins), which the 3-way head learns with the weighted
cross-entropy of ``bert``. ``max_source_prompts`` caps a big source's distinct prompts (a seeded
draw) before pooling, keeping its total weight, to bound the training time on a CPU.

Defaults are the measured heavier-tier recipe (docs/benchmarks.md, "A heavier tier"):
all-MiniLM-L6-v2 with its top 2 layers, pooler and head fine-tuned, 128 tokens, 2 epochs, batch
16, lr 1e-4, and ``store="trained"`` (the checkpoint holds only the trained layers; the frozen
ones come from the installed base model). About 6-9 ms a short prompt on 2 CPU cores.

The score, P(strong tier wins), does not depend on which two models are routed (model-agnostic).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from routellm_core.data.pooling import (
    DEFAULT_STRONG_TIER,
    STRONG_TIER_MODEL,
    WEAK_TIER_MODEL,
    cap_source_prompts,
    check_source_caps,
    check_source_weights,
    pool_labels,
    source_prompt_weights,
    tier_battles,
)
from routellm_core.routers.transformers.bert import BertRouter
from routellm_core.routers.transformers.common import battle_labels


class PooledBertRouter(BertRouter):
    """Parameters: ``strong_tier``, ``weak_tier`` and ``source_weights`` as in ``pooled_ridge``;
    ``max_source_prompts`` (``{source name: most distinct prompts}``, None = all); every ``bert``
    parameter except ``use_all_pairs`` (the tiers decide the roles), with the heavier tier's
    defaults."""

    name: ClassVar[str] = "pooled_bert"
    model_agnostic: ClassVar[bool] = True
    # fitted: per source, the prompts and total weight used in training (stored in the checkpoint)
    sources_: dict[str, dict[str, float]] | None = None

    def __init__(
        self,
        *,
        strong_tier: float = DEFAULT_STRONG_TIER,
        weak_tier: float | None = None,
        source_weights: dict[str, float] | None = None,
        max_source_prompts: dict[str, int] | None = None,
        strong_model: str | None = None,
        weak_model: str | None = None,
        base_model: str = "all-MiniLM-L6-v2",
        max_length: int = 128,
        epochs: int = 2,
        lr: float = 1e-4,
        weight_decay: float = 0.01,
        batch_size: int = 16,
        val_fraction: float = 0.1,
        patience: int = 1,
        train_layers: int | None = 2,
        device: str = "auto",
        inference_batch_size: int = 64,
        seed: int = 0,
        show_progress: bool = True,
        store: str = "trained",
        embedder: Any = None,
    ) -> None:
        self.set_params(**self._init_params(locals()))

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = super()._check_params(params)
        return out | {
            "source_weights": check_source_weights(out.get("source_weights")),
            "max_source_prompts": check_source_caps(out.get("max_source_prompts")),
        }

    def known_models(self) -> list[str]:
        return []

    def _fit(self, battles: Any) -> None:
        battles = cap_source_prompts(battles, self.max_source_prompts, self.seed)
        labels = pool_labels(battles, self.strong_tier, self.weak_tier)
        weights, self.sources_ = source_prompt_weights(battles, labels.prompts, self.source_weights)
        tiers = tier_battles(labels, weights)
        prompts, classes, row_weights = battle_labels(
            tiers, STRONG_TIER_MODEL, WEAK_TIER_MODEL, use_all_pairs=False, router=self.name
        )
        self._fit_examples(prompts, classes, row_weights)
        self.pair_agnostic_ = True

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        config, tensors = super()._get_state()
        return {**config, "sources": self.sources_}, tensors

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        super()._set_state(config, tensors)
        self.sources_ = dict(config.get("sources") or {})
        self.pair_agnostic_ = True
