"""``latent_ridge``: ridge regression of a prompt's expected strong-over-weak quality gain, with
labels from every source put on one latent scale (``routellm_core.data.latent_scale``).

``pooled_ridge`` regresses each source's own win-rate advantage, so a judge that names a winner for
any small difference (2023 pairwise GPT-4) and a benchmark whose "battles" tie whenever both models
are right label on different scales, and the router learns which source a prompt looks like. Here
one item-response model is fitted over all training sources together (model abilities shared across
sources; per prompt a discrimination and a difficulty; per pairwise source a judge sharpness), and a
prompt's target is ``q(strong) - q(weak)``: the expected quality a reference strong model adds over a
reference weak one (by default GPT-4-1106-preview over Mixtral-8x7B-Instruct, fitted abilities), in
the same units for every source.

Where the reference pair itself was graded on a prompt (a judge's 1-10 grades or benchmark
correctness of both models), the observed quality difference is blended in with weight
``direct_weight``: the per-prompt posterior of a two-model prompt is mostly prior, while the observed
difference is an unbiased (if noisy) label that the regression averages over similar prompts.

Features, solver and per-source weights are ``pooled_ridge``'s. The score ``sigmoid(2 * predicted
gain)`` is a monotone map of the expected gain into (0, 1) (0.5 = no expected gain). Model-agnostic:
the same score whichever strong/weak pair is routed.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from routellm_core.data.latent_scale import (
    REFERENCE_STRONG,
    REFERENCE_WEAK,
    LatentScale,
    canonical_model,
    fit_latent_scale,
)
from routellm_core.errors import ConfigError
from routellm_core.routers.pooled_ridge import PooledRidgeRouter
from routellm_core.utils.validation import finite_number


class LatentRidgeRouter(PooledRidgeRouter):
    """Parameters: ``reference_strong`` / ``reference_weak`` (model names in the training data whose
    fitted abilities define the gain; defaults GPT-4-1106-preview / Mixtral-8x7B-Instruct, else the
    mean ability of the stronger / weaker half), ``direct_weight`` (in [0, 1], weight of the observed
    quality difference where the reference pair was graded on a prompt), ``latent_steps``,
    ``discrimination_prior`` / ``difficulty_prior`` (prior standard deviations of the latent fit), and
    every ``pooled_ridge`` parameter (``strong_tier`` / ``weak_tier`` are not used)."""

    name: ClassVar[str] = "latent_ridge"
    #: fitted: abilities per model, judge sharpness per pairwise source, the reference abilities
    latent_: dict[str, Any] | None = None

    def __init__(
        self,
        *,
        reference_strong: str = REFERENCE_STRONG,
        reference_weak: str = REFERENCE_WEAK,
        direct_weight: float = 0.5,
        latent_steps: int = 2000,
        discrimination_prior: float = 1.0,
        difficulty_prior: float = 2.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.set_params(
            reference_strong=reference_strong,
            reference_weak=reference_weak,
            direct_weight=direct_weight,
            latent_steps=latent_steps,
            discrimination_prior=discrimination_prior,
            difficulty_prior=difficulty_prior,
        )

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = super()._check_params(params)
        if "direct_weight" in out:
            out["direct_weight"] = finite_number("direct_weight", out["direct_weight"], minimum=0.0, maximum=1.0,
                                                 hint="It is the weight of observed reference-pair differences, e.g. 0.5.")
        for key in ("discrimination_prior", "difficulty_prior"):
            if key in out:
                out[key] = finite_number(key, out[key], minimum=0.0, min_exclusive=True,
                                         hint="It is a prior standard deviation of the latent fit, e.g. 2.")
        if "latent_steps" in out:
            steps = out["latent_steps"]
            if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 100_000:
                raise ConfigError(f"latent_steps must be an integer in [1, 100000], got {steps!r}.")
        for key in ("reference_strong", "reference_weak"):
            if key in out and (not isinstance(out[key], str) or not out[key].strip()):
                raise ConfigError(f"{key} must be a model name, got {out[key]!r}.")
        return out

    def _reference(self, scale: LatentScale) -> tuple[float, float, str, str]:
        strong, weak = canonical_model(self.reference_strong), canonical_model(self.reference_weak)
        if strong in scale.models and weak in scale.models:
            return scale.ability_of(strong), scale.ability_of(weak), strong, weak
        s, w = scale.reference_pair()
        return s, w, "<stronger half>", "<weaker half>"

    def _targets(self, battles: Any) -> tuple[list[str], np.ndarray]:
        """Latent-scale gain per distinct prompt, blended with the reference pair's observed
        difference where both were graded on it."""
        scale = fit_latent_scale(
            battles,
            steps=self.latent_steps,
            discrimination_prior=self.discrimination_prior,
            difficulty_prior=self.difficulty_prior,
        )
        s_ability, w_ability, s_name, w_name = self._reference(scale)
        gain = scale.gain(s_ability, w_ability)
        direct = _observed_differences(battles, s_name, w_name)
        if direct and self.direct_weight > 0:
            index = {p: i for i, p in enumerate(scale.prompts)}
            for p, diff in direct.items():
                i = index[p]
                gain[i] = self.direct_weight * diff + (1.0 - self.direct_weight) * gain[i]
        order = np.argsort(-scale.ability, kind="stable")
        self.latent_ = {
            "reference": {"strong": s_name, "weak": w_name, "strong_ability": s_ability, "weak_ability": w_ability},
            "abilities": {scale.models[i]: round(float(scale.ability[i]), 6) for i in order},
            "judge_sharpness": {
                name: round(float(k), 6) for name, k in zip(scale.sources, scale.sharpness) if np.isfinite(k)
            },
            "directly_observed_prompts": len(direct),
        }
        return scale.prompts, gain

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        config, tensors = super()._get_state()
        return {**config, "latent": self.latent_}, tensors

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        super()._set_state(config, tensors)
        latent = config.get("latent")
        if latent is not None and not isinstance(latent, dict):
            raise ConfigError("the checkpoint's 'latent' field must be an object (abilities, reference pair).")
        self.latent_ = latent


def _observed_differences(battles: Any, strong: str, weak: str) -> dict[str, float]:
    """Per prompt, the mean graded quality of ``strong`` minus that of ``weak`` over rows where
    both were graded (canonical names), or nothing when the pair was never graded together."""
    if strong.startswith("<"):
        return {}
    sums: dict[str, list[float]] = {}
    for k, (p, a, b) in enumerate(zip(battles.prompts, battles.model_a, battles.model_b)):
        ga, gb = battles.grade_a[k], battles.grade_b[k]
        if not (np.isfinite(ga) and np.isfinite(gb)) or battles.weight[k] <= 0:
            continue
        ca, cb = canonical_model(a), canonical_model(b)
        if (ca, cb) == (strong, weak):
            diff = ga - gb
        elif (ca, cb) == (weak, strong):
            diff = gb - ga
        else:
            continue
        acc = sums.setdefault(p, [0.0, 0.0])
        acc[0] += diff
        acc[1] += 1.0
    return {p: s / n for p, (s, n) in sums.items()}
