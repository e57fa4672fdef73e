"""The ``Router`` base class shared by every router.

scikit-learn style: ``__init__`` stores parameters, ``fit`` learns from battles, ``score`` infers,
``save``/``load`` round-trip through a checkpoint folder (``config.json`` + ``model.safetensors``).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from routellm_core.calibration import DEFAULT_STRONG_FRACTION, score_quantiles, threshold_from_quantiles
from routellm_core.decision import RoutingDecision, check_unit_interval, decide
from routellm_core.errors import ConfigError, RoutingError
from routellm_core.prompts import as_prompt_batch, as_prompt_list
from routellm_core.validation import check_finite_array, check_params

#: guards the first creation of a router's embedder (so concurrent first calls build one)
_EMBEDDER_LOCK = threading.Lock()


class Router(abc.ABC):
    """Scores prompts: ``score(prompt)`` is P(strong model's answer is clearly better), in [0, 1].

    Subclasses set ``name`` and implement ``_fit``, ``_score``, ``_get_state`` and
    ``_set_state``. ``strong_model``/``weak_model`` name the default pair a router scores.
    """

    name: ClassVar[str] = "base"
    #: whether the router embeds prompts (random does not)
    uses_embedder: ClassVar[bool] = True

    def __init__(
        self,
        *,
        embedder: Any = None,
        strong_model: str | None = None,
        weak_model: str | None = None,
        seed: int = 0,
    ) -> None:
        _check_pair(strong_model, weak_model)
        self.embedder = embedder
        self.strong_model = strong_model
        self.weak_model = weak_model
        self.seed = check_params(seed=seed)["seed"]
        #: sorted score quantiles of a calibration prompt set (None until calibrated)
        self.calibration_quantiles_: np.ndarray | None = None
        self.calibration_source_: str | None = None
        #: free-form facts about how the router was trained (stored in the checkpoint)
        self.training_info_: dict[str, Any] = {}
        self._embedder_obj: Any = None

    # ------------------------------------------------------------------ parameters
    def get_params(self) -> dict[str, Any]:
        """Constructor parameters that are plain JSON values (stored in the checkpoint)."""
        out = {"strong_model": self.strong_model, "weak_model": self.weak_model, "seed": self.seed}
        out.update(self._extra_params())
        return out

    def _extra_params(self) -> dict[str, Any]:
        return {}

    # ------------------------------------------------------------------ embedder
    def get_embedder(self) -> Any:
        """The embedder object, created on first use (cached, lazy import of heavy libraries).
        Thread-safe: concurrent first calls build it once."""
        emb = self._embedder_obj
        if emb is None:
            from routellm_core.embeddings import resolve_embedder

            with _EMBEDDER_LOCK:
                emb = self._embedder_obj
                if emb is None:
                    emb = self._embedder_obj = resolve_embedder(self.embedder)
        return emb

    def embed(self, prompts: list[str]) -> np.ndarray:
        return self.get_embedder().embed(prompts)

    # ------------------------------------------------------------------ learning
    def fit(self, battles: Any, *, calibration_prompts: Sequence[str] | None = None) -> Router:
        """Learn from a ``Battles`` set; then calibrate on ``calibration_prompts`` (default:
        the distinct training prompts). Returns ``self``."""
        from routellm_core.data import Battles

        if not isinstance(battles, Battles):
            raise ConfigError(
                f"fit() takes a routellm_core.data.Battles, got {type(battles).__name__}; "
                "build one with read_battles(...) or Battles.from_records(...)."
            )
        if len(battles) == 0:
            raise ConfigError("fit() got no battles; give at least one battle row.")
        if battles.weight.sum() <= 0:
            raise ConfigError("every battle has weight 0, so there is nothing to learn; give some rows a positive weight.")
        if self.strong_model is None or self.weak_model is None:
            strong, weak = battles.default_pair()
            if self.strong_model is None:  # the other model of the default pair than the given weak
                self.strong_model = strong if strong != self.weak_model else weak
            if self.weak_model is None:
                self.weak_model = weak if weak != self.strong_model else strong
            _check_pair(self.strong_model, self.weak_model)
        self._fit(battles)
        prompts = calibration_prompts if calibration_prompts is not None else battles.unique_prompts()
        self.calibrate(prompts, source="training prompts" if calibration_prompts is None else "given prompts")
        return self

    @abc.abstractmethod
    def _fit(self, battles: Any) -> None: ...

    # ------------------------------------------------------------------ inference
    def score(
        self, prompts: str | Sequence[str], *, strong: str | None = None, weak: str | None = None
    ) -> float | np.ndarray:
        """P(strong model is clearly better) in [0, 1]: a float for one prompt, an array for a
        list (scored in one batched pass). ``strong``/``weak`` pick another known model pair."""
        items, single = as_prompt_list(prompts)
        pair = self._resolve_pair(strong, weak)
        if not items:
            return np.zeros(0, dtype=np.float64)
        try:
            scores = np.asarray(self._score(items, *pair), dtype=np.float64)
        except Exception as exc:  # noqa: BLE001 - wrap with context, keep the cause
            from routellm_core.errors import RouteLLMError

            if isinstance(exc, RouteLLMError):
                raise
            raise RoutingError(
                f"router {self.name!r} failed while scoring {len(items)} prompt(s): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        check_finite_array(
            f"router {self.name!r}'s scores",
            scores,
            hint="Its weights are corrupt or training diverged; retrain it (e.g. with a lower lr).",
            error=RoutingError,
        )
        scores = np.clip(scores, 0.0, 1.0)
        return float(scores[0]) if single else scores

    def _resolve_pair(self, strong: str | None, weak: str | None) -> tuple[str | None, str | None]:
        pair = (strong or self.strong_model, weak or self.weak_model)
        _check_pair(*pair)
        return pair

    @abc.abstractmethod
    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray: ...

    def route(
        self,
        prompts: str | Sequence[str],
        threshold: float | None = None,
        *,
        strong_fraction: float | None = None,
    ) -> RoutingDecision | list[RoutingDecision]:
        """Decide strong/weak for one prompt (a RoutingDecision) or a list (a list of them)."""
        if threshold is not None and strong_fraction is not None:
            raise ConfigError("give either threshold or strong_fraction, not both.")
        if threshold is not None:
            t = check_unit_interval("threshold", threshold)
        elif strong_fraction is not None:
            t = self.threshold_for(check_unit_interval("strong_fraction", strong_fraction))
        else:
            t = self.default_threshold()
        scores = self.score(prompts)
        if isinstance(scores, float):
            return decide(scores, t, self.name)
        return [decide(float(s), t, self.name) for s in scores]

    # ------------------------------------------------------------------ calibration
    def calibrate(
        self, prompts: Sequence[str], strong_fraction: float | None = None, *, source: str = "user prompts"
    ) -> float | None:
        """Store the score quantiles of ``prompts``; return the threshold for ``strong_fraction``
        (share of these prompts, in [0, 1], to send to strong) when one is given."""
        if strong_fraction is not None:
            check_unit_interval("strong_fraction", strong_fraction)
        items = as_prompt_batch(prompts, "calibrate()")
        if not items:
            raise ConfigError("calibrate() needs at least one prompt.")
        scores = np.atleast_1d(self.score(items))
        self.calibration_quantiles_ = score_quantiles(scores)
        self.calibration_source_ = f"{source} (n={len(items)})"
        return None if strong_fraction is None else self.threshold_for(strong_fraction)

    def threshold_for(self, strong_fraction: float) -> float:
        """Threshold that sends ``strong_fraction`` (0..1) of the calibration prompts to strong."""
        f = check_unit_interval("strong_fraction", strong_fraction)
        if self.calibration_quantiles_ is None:
            raise ConfigError(
                f"router {self.name!r} has no calibration, so strong_fraction cannot be turned "
                "into a threshold; call router.calibrate(prompts) on typical prompts first, or "
                "pass threshold=... instead."
            )
        return threshold_from_quantiles(self.calibration_quantiles_, f)

    def default_threshold(self) -> float:
        """Threshold used when none is given: ``strong_fraction=0.5`` if calibrated, else 0.5."""
        if self.calibration_quantiles_ is None:
            return 0.5
        return self.threshold_for(DEFAULT_STRONG_FRACTION)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` to the folder ``path``; return it."""
        from routellm_core.checkpoint import save_checkpoint

        return save_checkpoint(self, path)

    @classmethod
    def load(cls, path: str | Path, **kwargs: Any) -> Router:
        """Load a router saved by ``save`` from a local folder or a Hugging Face Hub id."""
        from routellm_core.checkpoint import load_checkpoint

        router = load_checkpoint(path, **kwargs)
        if cls is not Router and not isinstance(router, cls):
            raise ConfigError(f"{path} holds a {type(router).__name__}, not a {cls.__name__}.")
        return router

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Learned state: JSON-able config extras and named arrays."""
        return {}, {}

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        return None

    def known_models(self) -> list[str]:
        """Model names this router can score (empty: any)."""
        return []

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(strong_model={self.strong_model!r}, weak_model={self.weak_model!r})"
        )


def _check_pair(strong: str | None, weak: str | None) -> None:
    """A router compares two different models; the same name twice would always score 0.5."""
    if strong is not None and strong == weak:
        raise ConfigError(
            f"strong and weak model are both {strong!r}; a router compares two different models, so "
            "give two names (e.g. --strong gpt-4o --weak gpt-4o-mini)."
        )
