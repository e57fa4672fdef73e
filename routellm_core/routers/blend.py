"""``blend``: a weighted blend of already-trained routers, each standardised.

Members are trained routers (fitted, or loaded with ``load_router``); the blend learns only how
to put their scores on one scale. ``fit(battles)`` draws up to ``scale_sample`` distinct training
prompts (the sorted distinct prompts, shuffled by ``np.random.default_rng(seed).permutation``),
scores them with every member and stores each member's mean and standard deviation ``scale_``
(the deviation floored at 1e-9). A prompt's score is then

    z = sum_i w_i * (s_i - mean_i) / std_i / sum_i w_i
    score = mean_0 + std_0 * z           (clipped to [0, 1])

The ranking of prompts is the standardised weighted sum ``z``; the level is the first member's
(``z = 0`` scores the first member's mean), so thresholds and ``strong_fraction`` calibration
behave like the first member's. The map is fixed after ``fit``: a prompt's score does not depend
on the other prompts scored with it. The heavier tier of the library is a fine-tuned encoder
(``bert``) blended with the default ``pooled_ridge`` router.

A checkpoint holds the scale and weights in ``config.json`` and each member's own checkpoint in
``members/0``, ``members/1``, ...; ``Router.load`` and ``load_router`` read it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError, RouteLLMError
from routellm_core.routers.base import Router
from routellm_core.utils.validation import finite_number, whole_number

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.data.battles import Battles

#: most members of one blend (each is a full router in memory and scores every prompt)
MAX_MEMBERS = 8
#: the smallest standard deviation a member's scale keeps (a constant member adds nothing)
MIN_STD = 1e-9
#: folder of the members' checkpoints inside a blend checkpoint
MEMBERS_DIR = "members"


class BlendRouter(Router):
    """Weighted sum of trained routers' standardised scores, on the first member's scale.

    Parameters: ``members`` (2..8 trained Router objects, not blends), ``weights`` (None =
    equal; else one float >= 0 per member, not all 0), ``scale_sample`` (distinct training prompts
    used to standardise, >= 2), ``seed`` (the sample's shuffle), ``strong_model``/``weak_model``
    (the pair passed on to the members; None = each member's default).
    """

    name: ClassVar[str] = "blend"
    uses_embedder: ClassVar[bool] = False
    model_agnostic: ClassVar[bool] = True
    light_scoring: ClassVar[bool] = False
    unsaved_params: ClassVar[tuple[str, ...]] = ("embedder", "show_progress", "members")

    #: (mean, std) of each member's score over the scale sample
    scale_: list[tuple[float, float]] | None = None

    def __init__(
        self,
        *,
        members: Sequence[Router] | None = None,
        weights: Sequence[float] | None = None,
        scale_sample: int = 2000,
        embedder: Any = None,
        strong_model: str | None = None,
        weak_model: str | None = None,
        seed: int = 0,
    ) -> None:
        self.set_params(**self._init_params(locals()))

    # ------------------------------------------------------------------ parameters
    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = super()._check_params(params)
        if out.get("embedder") is not None:
            raise ConfigError(
                "the blend router takes no embedder (each member embeds prompts itself); set the embedder "
                "on the members before blending them, and leave embedder=None."
            )
        out["scale_sample"] = whole_number(
            "scale_sample", out.get("scale_sample", 2000), minimum=2,
            hint="The distinct training prompts used to standardise each member, e.g. 2000.",
        )
        members = out.get("members")
        if members is not None:
            out["members"] = members = _checked_members(members)
        weights = out.get("weights")
        if weights is not None:
            out["weights"] = _checked_weights(weights, None if members is None else len(members))
        return out

    def known_models(self) -> list[str]:
        """The models every member can score ([] = any: every member is model-agnostic)."""
        lists = [m.known_models() for m in self.members or []]
        known = [ms for ms in lists if ms]
        if not known:
            return []
        return [m for m in known[0] if all(m in other for other in known[1:])]

    def _member_weights(self) -> np.ndarray:
        n = len(self.members or [])
        return np.ones(n) if self.weights is None else np.asarray(self.weights, dtype=np.float64)

    # ------------------------------------------------------------------ learning
    def _fit(self, battles: Battles) -> None:
        if self.members is None:
            raise ConfigError(
                "the blend router has no members; give members=[router_a, router_b] (trained routers, e.g. "
                "load_router('default') and load_router('./my-bert')), then fit the blend."
            )
        if self.weights is not None:
            _checked_weights(self.weights, len(self.members))
        prompts = sorted(set(battles.prompts))
        order = np.random.default_rng(self.seed).permutation(len(prompts))[: self.scale_sample]
        sample = [prompts[i] for i in order]
        scale: list[tuple[float, float]] = []
        for i, member in enumerate(self.members):
            try:
                s = np.asarray(member.score(sample, strong=self.strong_model, weak=self.weak_model), dtype=np.float64)
            except RouteLLMError as exc:
                raise type(exc)(
                    f"blend member {i} ({member.name}) cannot score the training prompts: {exc} "
                    "Train each member first (fit it or load a trained checkpoint), then fit the blend."
                ) from exc
            scale.append((float(s.mean()), max(float(s.std()), MIN_STD)))
        self.scale_ = scale

    # ------------------------------------------------------------------ inference
    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        if self.scale_ is None or self.members is None:
            raise ConfigError(
                "this blend router is not trained; call fit(battles) (its members trained first) or load a checkpoint."
            )
        w = self._member_weights()
        z = np.zeros(len(prompts), dtype=np.float64)
        for wi, member, (mean, std) in zip(w, self.members, self.scale_):
            if wi == 0.0:
                continue
            s = np.atleast_1d(np.asarray(member.score(prompts, strong=strong, weak=weak), dtype=np.float64))
            z += wi * (s - mean) / std
        z /= w.sum()
        mean0, std0 = self.scale_[0]
        return mean0 + std0 * z

    # ------------------------------------------------------------------ persistence
    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        if self.scale_ is None or self.members is None:
            raise ConfigError("this blend router is not trained, so there is nothing to save; call fit(battles) first.")
        state = {
            "scale": [[float(m), float(s)] for m, s in self.scale_],
            "weights": [float(x) for x in self._member_weights()],
            "members": [m.name for m in self.members],
        }
        return state, {}

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        scale = config.get("scale")
        if not isinstance(scale, list) or not 2 <= len(scale) <= MAX_MEMBERS:
            raise CheckpointError(
                f"config.json's state.scale must list 2..{MAX_MEMBERS} [mean, std] pairs (one per member), got "
                f"{scale!r:.80}; the checkpoint is corrupt or was edited, re-save the blend."
            )
        checked: list[tuple[float, float]] = []
        for i, pair in enumerate(scale):
            if not isinstance(pair, list) or len(pair) != 2:
                raise CheckpointError(
                    f"config.json's state.scale[{i}] must be [mean, std], got {pair!r:.80}; re-save the blend."
                )
            mean = finite_number(f"state.scale[{i}] mean", pair[0], error=CheckpointError)
            std = finite_number(f"state.scale[{i}] std", pair[1], minimum=0.0, min_exclusive=True, error=CheckpointError)
            checked.append((mean, std))
        names = config.get("members")
        if not isinstance(names, list) or len(names) != len(checked) or not all(isinstance(n, str) for n in names):
            raise CheckpointError(
                f"config.json's state.members must name one router per scale entry ({len(checked)}), got "
                f"{names!r:.80}; the checkpoint is corrupt or was edited, re-save the blend."
            )
        if self.weights is not None and len(self.weights) != len(checked):
            raise CheckpointError(
                f"config.json has {len(self.weights)} weights but {len(checked)} members; re-save the blend."
            )
        self.scale_ = checked
        self._member_names = names

    def _save_files(self, folder: Path) -> None:
        for i, member in enumerate(self.members or []):
            member.save(folder / MEMBERS_DIR / str(i))

    def _load_files(self, folder: Path) -> None:
        from routellm_core.checkpoints import format as fmt

        names = self.__dict__.pop("_member_names", None) or []
        members: list[Router] = []
        for i, stored in enumerate(names):
            sub = folder / MEMBERS_DIR / str(i)
            if not (sub / fmt.CONFIG_FILE).is_file():
                raise CheckpointError(
                    f"{folder}: member {i} ({stored}) is missing: no checkpoint in {sub}; copy the whole blend "
                    "folder (members/ included) or re-save the blend."
                )
            found = fmt.read_config(sub).get("router")
            if found == self.name:
                raise CheckpointError(
                    f"{sub} is itself a blend; a blend's members must be plain routers. Re-save the blend from "
                    "its plain members."
                )
            if found != stored:
                raise CheckpointError(
                    f"{sub} holds a {found!r} router, but {folder}/config.json says member {i} is {stored!r}; the "
                    "checkpoint was edited, re-save the blend."
                )
            members.append(Router.load(sub))
        try:
            self.set_params(members=members)
        except ConfigError as exc:
            raise CheckpointError(f"{folder}: {exc}") from None

    def __repr__(self) -> str:
        names = [m.name for m in self.members or []]
        return f"BlendRouter(members={names}, weights={self.weights})"


def _checked_members(members: Any) -> list[Router]:
    if isinstance(members, (str, Router)) or not isinstance(members, Sequence):
        raise ConfigError(
            f"members must be a list of trained Router objects, got {type(members).__name__}; e.g. "
            "members=[load_router('default'), load_router('./my-bert')]."
        )
    out = list(members)
    for i, m in enumerate(out):
        if not isinstance(m, Router):
            raise ConfigError(
                f"members[{i}] is a {type(m).__name__}, not a Router; load it first (load_router({m!r:.60}))"
                if isinstance(m, str) else
                f"members[{i}] is a {type(m).__name__}, not a Router; give trained Router objects."
            )
        if isinstance(m, BlendRouter):
            raise ConfigError(
                f"members[{i}] is itself a blend; blends do not nest. Give its members (and weights) to one blend."
            )
    if not 2 <= len(out) <= MAX_MEMBERS:
        raise ConfigError(
            f"a blend needs 2 to {MAX_MEMBERS} members, got {len(out)}; give e.g. "
            "members=[load_router('default'), load_router('./my-bert')]."
        )
    return out


def _checked_weights(weights: Any, n: int | None) -> list[float]:
    if isinstance(weights, (str, bytes)) or not isinstance(weights, Sequence):
        raise ConfigError(f"weights must be a list of numbers >= 0 (one per member), got {type(weights).__name__}.")
    out = [finite_number(f"weights[{i}]", w, minimum=0.0) for i, w in enumerate(weights)]
    if n is not None and len(out) != n:
        raise ConfigError(f"weights has {len(out)} entries but the blend has {n} members; give one weight per member.")
    if not any(w > 0 for w in out):
        raise ConfigError("weights are all 0, so the blend would score nothing; give at least one member a weight > 0.")
    return out
