"""``random``: a baseline that scores each prompt uniformly at random in [0, 1].

The score is a hash of (seed, prompt), so the same prompt always gets the same score and a
batch agrees with single calls. Needs no training and no embedder.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

import numpy as np

from routellm_core.routers.base import Router
from routellm_core.routing.calibration import N_QUANTILES


class RandomRouter(Router):
    """Uniform pseudo-random scores; calibrated by construction (quantiles of U[0, 1])."""

    name: ClassVar[str] = "random"
    uses_embedder: ClassVar[bool] = False
    light_scoring: ClassVar[bool] = True
    needs_training: ClassVar[bool] = False
    calibration_quantiles_ = np.linspace(0.0, 1.0, N_QUANTILES)
    calibration_source_ = "uniform [0, 1] by construction"

    def __init__(self, *, strong_model: str | None = None, weak_model: str | None = None, seed: int = 0) -> None:
        self.set_params(**self._init_params(locals()))

    def _fit(self, battles: Any) -> None:
        return None

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        key = str(self.seed).encode() + b"\0"
        out = np.empty(len(prompts), dtype=np.float64)
        for i, p in enumerate(prompts):
            h = hashlib.blake2b(key + p.encode("utf-8"), digest_size=8).digest()
            out[i] = int.from_bytes(h, "little") / 2.0**64
        return out
