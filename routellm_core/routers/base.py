"""The ``Router`` base class shared by every router.

scikit-learn style:

- ``__init__`` takes keyword parameters only and stores each one, as given to ``set_params``, under
  its own name; it creates no other attribute. ``get_params()`` / ``set_params(**p)`` read and
  change them; every stored value has passed the shared parameter checks
  (``utils.validation.PARAMETER_RULES`` plus the router's ``_check_params``), so a bad value is
  refused when it is set, at construction as later.
- Learned ("fitted") attributes end with ``_`` and exist only after ``fit``, ``calibrate`` or
  loading; the class-level ``None`` defaults below mean "not fitted yet".
- ``fit`` learns from battles, ``score`` infers, ``save``/``load`` round-trip through a checkpoint
  folder (``config.json`` + ``model.safetensors``, see ``checkpoints.format``).

A subclass sets ``name`` and implements ``_fit``, ``_score`` and, to be saved, ``_get_state`` /
``_set_state`` (plus ``_save_files`` / ``_load_files`` for files beside the weights).
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from routellm_core.errors import CheckpointError, ConfigError, RouteLLMError, RoutingError, UnknownModelError
from routellm_core.routers.registry import router_class
from routellm_core.routing.calibration import (
    DEFAULT_STRONG_FRACTION,
    score_quantiles,
    threshold_at,
)
from routellm_core.routing.decision import RoutingDecision, check_unit_interval, decision_at, resolve_threshold
from routellm_core.routing.prompts import as_prompt_batch, as_prompt_list
from routellm_core.routing.candidates import estimate_tokens
from routellm_core.utils.arguments import check_keywords
from routellm_core.utils.validation import PARAMETER_RULES, check_finite_array, check_params, finite_number

if TYPE_CHECKING:  # pragma: no cover
    from routellm_core.data.battles import Battles

# Data readers, embedders and the checkpoint format are imported where they are used, so that
# ``import routellm_core`` stays light (numpy only).

#: guards the first creation of a router's embedder (so concurrent first calls build one)
_EMBEDDER_LOCK = threading.Lock()
#: parameter names of each router class (from its ``__init__`` signature)
_PARAM_NAMES: dict[type, tuple[str, ...]] = {}
_CO_VARKEYWORDS = 0x08  # inspect.CO_VARKEYWORDS
#: most calibration prompts whose per-model quality a checkpoint stores
QUALITY_SAMPLE = 2000
#: tensor name of that sample in ``model.safetensors``
QUALITY_TENSOR = "calibration_quality"


class _StrictKeywords(abc.ABCMeta):
    """Router's metaclass: a constructor keyword the router does not take (a typo, usually)
    raises ``UnknownArgumentError`` naming the closest parameter, for every subclass."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        names = cls.param_names()  # type: ignore[attr-defined]
        if not set(kwargs).issubset(names):
            check_keywords(cls.__name__, kwargs, names)
        return super().__call__(*args, **kwargs)


class Router(metaclass=_StrictKeywords):
    """Scores prompts: ``score(prompt)`` is P(strong model's answer is clearly better), in [0, 1].

    Subclasses set ``name`` and implement ``_fit``, ``_score``, ``_get_state`` and
    ``_set_state``. ``strong_model``/``weak_model`` name the default pair a router scores.
    """

    name: ClassVar[str] = "base"
    #: whether the router embeds prompts (random does not)
    uses_embedder: ClassVar[bool] = True
    #: whether ``load_router(name)`` needs a trained checkpoint (random does not)
    needs_training: ClassVar[bool] = True
    #: whether the score is the same for every model pair (no strong/weak model names needed)
    model_agnostic: ClassVar[bool] = False
    #: whether ``quality(prompts, models)`` predicts each known model's quality (so a policy can
    #: trade predicted quality against price among many models)
    predicts_quality: ClassVar[bool] = False
    #: whether scoring is plain numpy in this process with no model inference or I/O of its own,
    #: so that with a light embedder one prompt costs well under a millisecond (``scores_inline``)
    light_scoring: ClassVar[bool] = False
    #: parameters not written to a checkpoint's ``params`` (the embedder is stored by name and
    #: size; progress bars are a property of the session)
    unsaved_params: ClassVar[tuple[str, ...]] = ("embedder", "show_progress")

    # fitted attributes: None until fit / calibrate / load
    #: sorted score quantiles of a calibration prompt set
    calibration_quantiles_: np.ndarray | None = None
    calibration_source_: str | None = None
    #: mean input tokens of the calibration prompts (4 characters a token)
    calibration_input_tokens_: float | None = None
    #: routers that predict quality: each known model's predicted quality on (up to
    #: ``QUALITY_SAMPLE``) calibration prompts, (n, len(calibration_quality_models_)) float32
    calibration_quality_: np.ndarray | None = None
    calibration_quality_models_: list[str] | None = None
    #: free-form facts about how the router was trained (stored in the checkpoint)
    training_info_: dict[str, Any] | None = None
    #: the folder the router was loaded from
    checkpoint_path_: str | None = None

    def __init__(
        self,
        *,
        embedder: Any = None,
        strong_model: str | None = None,
        weak_model: str | None = None,
        seed: int = 0,
    ) -> None:
        self.set_params(embedder=embedder, strong_model=strong_model, weak_model=weak_model, seed=seed)

    # ------------------------------------------------------------------ parameters
    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        names = _PARAM_NAMES.get(cls)
        if names is None:
            _PARAM_NAMES[cls] = names = _keyword_parameters(cls)
        return names

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters and their values (scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self.param_names()}

    def set_params(self, **params: Any) -> Router:
        """Set constructor parameters (checked as at construction); returns ``self``."""
        names = self.param_names()
        check_keywords(type(self).__name__, sorted(params), names)
        current = {k: self.__dict__[k] for k in names if k in self.__dict__}
        checked = self._check_params({**current, **params})
        for key in params:
            setattr(self, key, checked[key])
        if "embedder" in params:
            self.__dict__.pop("_embedder", None)
        return self

    def _check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` checked and normalised (numbers by ``PARAMETER_RULES``, the model pair);
        subclasses add their own checks and call this."""
        _check_pair(params.get("strong_model"), params.get("weak_model"))
        numeric = check_params(**{k: v for k, v in params.items() if k in PARAMETER_RULES})
        return {**params, **numeric}

    def saved_params(self) -> dict[str, Any]:
        """The parameters stored in a checkpoint (plain JSON values)."""
        return {k: v for k, v in self.get_params().items() if k not in self.unsaved_params}

    # ------------------------------------------------------------------ embedder
    def get_embedder(self) -> Any:
        """The embedder object, created on first use from the ``embedder`` parameter (cached,
        heavy libraries imported lazily). Thread-safe: concurrent first calls build it once."""
        emb = self.__dict__.get("_embedder")
        if emb is None:
            from routellm_core.embeddings.resolve import resolve_embedder

            with _EMBEDDER_LOCK:
                emb = self.__dict__.get("_embedder")
                if emb is None:
                    emb = self._embedder = resolve_embedder(self.embedder)
        return emb

    def scores_inline(self) -> bool:
        """Whether scoring one prompt here is cheap enough to run inside an event loop: a
        ``light_scoring`` router whose embedder, if it uses one, is already built and light (the
        bundled static table; not a network or transformer embedder). Async callers then score in
        the loop, where a hop to a worker thread would cost more than the scoring itself."""
        if not self.light_scoring:
            return False
        if not self.uses_embedder:
            return True
        emb = self.__dict__.get("_embedder")
        return emb is not None and bool(getattr(emb, "light", False))

    def set_embedder(self, embedder: Any) -> Router:
        """Use ``embedder`` (a name or an object) from now on; same as ``set_params(embedder=...)``."""
        return self.set_params(embedder=embedder)

    def embed(self, prompts: list[str]) -> np.ndarray:
        return self.get_embedder().embed(prompts)

    # ------------------------------------------------------------------ learning
    def fit(self, battles: Battles, *, calibration_prompts: Sequence[str] | None = None) -> Router:
        """Learn from a ``Battles`` set; then calibrate on ``calibration_prompts`` (default:
        the distinct training prompts). Returns ``self``."""
        from routellm_core.data.battles import Battles

        if not isinstance(battles, Battles):
            raise ConfigError(
                f"fit() takes a routellm_core.data.Battles, got {type(battles).__name__}; "
                "build one with read_battles(...) or Battles.from_records(...)."
            )
        if len(battles) == 0:
            raise ConfigError("fit() got no battles; give at least one battle row.")
        if battles.weight.sum() <= 0:
            raise ConfigError("every battle has weight 0, so there is nothing to learn; give some rows a positive weight.")
        if not self.model_agnostic and (self.strong_model is None or self.weak_model is None):
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
    def _fit(self, battles: Battles) -> None: ...

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
        scores = self._checked("scoring", "scores", len(items), lambda: self._score(items, *pair))
        return float(scores[0]) if single else scores

    def _checked(self, doing: str, what: str, n: int, compute: Callable[[], Any]) -> np.ndarray:
        """``compute()`` as a float array clipped to [0, 1]. Any failure but a RouteLLMError
        becomes a RoutingError naming the router (cause kept); NaN or infinity is refused."""
        try:
            out = np.asarray(compute(), dtype=np.float64)
        except RouteLLMError:
            raise
        except Exception as exc:  # noqa: BLE001 - wrap with context, keep the cause
            raise RoutingError(
                f"router {self.name!r} failed while {doing} {n} prompt(s): {type(exc).__name__}: {exc}"
            ) from exc
        check_finite_array(
            f"router {self.name!r}'s {what}",
            out,
            hint="Its weights are corrupt or training diverged; retrain it (e.g. with a lower lr).",
            error=RoutingError,
        )
        return np.minimum(np.maximum(out, 0.0), 1.0)  # np.clip, at half the call overhead

    def _resolve_pair(self, strong: str | None, weak: str | None) -> tuple[str | None, str | None]:
        pair = (strong or self.strong_model, weak or self.weak_model)
        _check_pair(*pair)
        return pair

    @abc.abstractmethod
    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray: ...

    def quality(self, prompts: str | Sequence[str], models: Sequence[str] | None = None) -> np.ndarray:
        """Each model's predicted quality on each prompt, in [0, 1]: an array (n, len(models)),
        one row per prompt (a str gives one row); ``models`` default to ``known_models()``. Only
        routers with ``predicts_quality`` (e.g. ``quality_ridge``, ``mf``) have it; quality is
        comparable between models on one prompt, which is what a policy trades against price."""
        if not self.predicts_quality:
            raise ConfigError(
                f"router {self.name!r} scores one pair at a time and does not predict each model's quality; "
                "route N models by its score in tiers, or train a quality router (quality_ridge, or mf "
                "with --golden-all-pairs)."
            )
        items, _ = as_prompt_list(prompts)
        known = self.known_models()
        names = list(known if models is None else models)
        missing = [m for m in names if m not in known]
        if missing:
            shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
            raise UnknownModelError(
                f"router {self.name!r} was not trained on model(s) {', '.join(map(repr, missing))}; it knows: "
                f"{shown}. Name the models as in its training data (router_models=...) or retrain it."
            )
        if not items:
            return np.zeros((0, len(names)), dtype=np.float64)
        return self._checked("predicting quality of", "quality predictions", len(items),
                             lambda: self._quality(items, names))

    def _quality(self, prompts: list[str], models: list[str]) -> np.ndarray:
        """(n, len(models)) predicted quality; routers with ``predicts_quality`` implement it."""
        raise NotImplementedError

    def route(
        self,
        prompts: str | Sequence[str],
        threshold: float | None = None,
        *,
        strong_fraction: float | None = None,
    ) -> RoutingDecision | list[RoutingDecision]:
        """Decide strong/weak for one prompt (a RoutingDecision) or a list (a list of them)."""
        t = resolve_threshold(self, threshold, strong_fraction)
        scores = self.score(prompts)
        if isinstance(scores, float):
            return decision_at(scores, t, self.name)
        return [decision_at(float(s), t, self.name) for s in scores]

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
        self.calibration_input_tokens_ = estimate_tokens(items)
        if self.predicts_quality and self.known_models():
            sample = items
            if len(items) > QUALITY_SAMPLE:
                pick = np.random.default_rng(self.seed).choice(len(items), QUALITY_SAMPLE, replace=False)
                sample = [items[i] for i in np.sort(pick)]
            self.calibration_quality_models_ = self.known_models()
            self.calibration_quality_ = self.quality(sample, self.calibration_quality_models_).astype(np.float32)
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
        return threshold_at(self.calibration_quantiles_, f)

    def default_threshold(self) -> float:
        """Threshold used when none is given: ``strong_fraction=0.5`` if calibrated, else 0.5."""
        if self.calibration_quantiles_ is None:
            return 0.5
        return self.threshold_for(DEFAULT_STRONG_FRACTION)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` (and any files of ``_save_files``) to the
        folder ``path``; return it. Weights or calibration holding NaN or infinity are refused."""
        from routellm_core.checkpoints.format import check_quantiles, write_checkpoint

        state, tensors = self._get_state()
        config: dict[str, Any] = {
            "router": self.name,
            "params": self.saved_params(),
            "state": state,
            "training": self.training_info_ or {},
        }
        if self.uses_embedder:
            emb = self.get_embedder()
            config["embedder"] = {"name": emb.name, "dim": int(emb.dim)}
        if self.calibration_quantiles_ is not None:
            quantiles = check_quantiles(self.calibration_quantiles_, f"the {self.name} router's calibration", ConfigError)
            config["calibration"] = {
                # stored exactly (JSON round-trips float64), so thresholds are the same after loading
                "quantiles": [float(q) for q in quantiles],
                "source": self.calibration_source_,
            }
            if self.calibration_input_tokens_ is not None:
                config["calibration"]["input_tokens"] = float(self.calibration_input_tokens_)
            if self.calibration_quality_ is not None:
                config["calibration"]["quality_models"] = list(self.calibration_quality_models_ or [])
                tensors = {**tensors, QUALITY_TENSOR: np.asarray(self.calibration_quality_, dtype=np.float32)}
        out = write_checkpoint(path, config, tensors, what=f"the {self.name} router")
        self._save_files(out)
        return out

    @classmethod
    def load(cls, path: str | Path, **kwargs: Any) -> Router:
        """A router saved by ``save``, from a local folder or a Hugging Face Hub id. ``kwargs``
        override parameters (``embedder=`` is checked against the stored embedder name and size).
        RouteLLM's own checkpoints load with ``load_router``."""
        from routellm_core.checkpoints import format as fmt
        from routellm_core.embeddings.base import check_embedder
        from routellm_core.embeddings.resolve import MAX_EMBEDDING_DIM, checkpoint_embedder, resolve_embedder

        folder = fmt.resolve_checkpoint_dir(path)
        config = fmt.read_config(folder)
        if not fmt.is_native(config):
            raise CheckpointError(
                f"{folder}/{fmt.CONFIG_FILE} is not a routellm_core checkpoint (format={config.get('format')!r}); "
                "load RouteLLM's checkpoints with load_router(folder)."
            )
        fmt.check_version(folder, config)
        name = config.get("router")
        try:
            klass = router_class(name)
        except Exception as exc:
            raise CheckpointError(f"{folder}/config.json names router {name!r}, which this version does not know.") from exc
        if not issubclass(klass, cls):
            raise ConfigError(f"{path} holds a {klass.__name__}, not a {cls.__name__}.")
        params = config.get("params") or {}
        if not isinstance(params, dict):
            raise CheckpointError(f"{folder}/{fmt.CONFIG_FILE}: 'params' must be an object; re-save the checkpoint.")
        check_keywords(f"{klass.__name__}.load", kwargs, klass.param_names())
        params = dict(params)
        user_embedder = kwargs.pop("embedder", None)
        params.update(kwargs)
        for key in ("state", "training"):
            if config.get(key) is not None and not isinstance(config[key], dict):
                raise CheckpointError(
                    f"{folder}/{fmt.CONFIG_FILE}: {key!r} must be an object, got {type(config[key]).__name__}; "
                    "re-save the checkpoint."
                )
        stored_dim = None
        if klass.uses_embedder:
            stored = config.get("embedder") or {}
            if not isinstance(stored, dict) or "name" not in stored or "dim" not in stored:
                raise CheckpointError(f"{folder}/config.json lacks the embedder name and dim; re-save the checkpoint.")
            stored_name, stored_dim = stored["name"], stored["dim"]
            if not isinstance(stored_name, str) or isinstance(stored_dim, bool) or not isinstance(stored_dim, int) \
                    or not 0 < stored_dim <= MAX_EMBEDDING_DIM:
                raise CheckpointError(
                    f"{folder}/config.json: embedder must be {{\"name\": str, \"dim\": int in 1..{MAX_EMBEDDING_DIM}}}, "
                    f"got {stored!r}; re-save the checkpoint."
                )
            if user_embedder is not None:
                emb = resolve_embedder(user_embedder)
                check_embedder(emb, expected_name=stored_name, expected_dim=stored_dim)
                params["embedder"] = emb
            else:
                params["embedder"] = checkpoint_embedder(stored_name, stored_dim, f"{folder}/{fmt.CONFIG_FILE}")
        try:
            router = klass(**params)
        except TypeError as exc:
            raise CheckpointError(f"{folder}/config.json has parameters this {klass.__name__} does not take: {exc}") from exc
        except ConfigError as exc:
            raise CheckpointError(f"{folder}/{fmt.CONFIG_FILE} (or an option given to load it): {exc}") from exc
        tensors = fmt.read_tensors(folder)
        quality_sample = tensors.pop(QUALITY_TENSOR, None)
        try:
            router._set_state(config.get("state") or {}, tensors)
        except KeyError as exc:
            raise CheckpointError(f"{folder}/{fmt.WEIGHTS_FILE} lacks tensor {exc}; the checkpoint is incomplete or corrupt.") from exc
        except CheckpointError as exc:
            raise CheckpointError(f"{folder}: {exc}") from None
        input_dim = router._weights_input_dim()
        if stored_dim is not None and input_dim is not None and input_dim != stored_dim:
            raise CheckpointError(
                f"{folder}: the weights take {input_dim}-dim prompt embeddings, but config.json's embedder "
                f"makes {stored_dim}; the checkpoint is corrupt or was edited, re-save or retrain it."
            )
        router._load_files(folder)
        cal = config.get("calibration")
        if cal:
            if not isinstance(cal, dict) or "quantiles" not in cal:
                raise CheckpointError(f"{folder}/{fmt.CONFIG_FILE}: 'calibration' must be an object with 'quantiles'; re-save it.")
            router.calibration_quantiles_ = fmt.check_quantiles(
                cal["quantiles"], f"{folder}/{fmt.CONFIG_FILE} calibration", CheckpointError
            )
            router.calibration_source_ = cal.get("source")
            tokens = cal.get("input_tokens")
            router.calibration_input_tokens_ = None if tokens is None else finite_number(
                f"{folder}/{fmt.CONFIG_FILE} calibration input_tokens", tokens, minimum=0.0, error=CheckpointError)
            models = cal.get("quality_models")
            if quality_sample is not None and isinstance(models, list) and quality_sample.ndim == 2 \
                    and quality_sample.shape[1] == len(models):
                router.calibration_quality_ = np.asarray(quality_sample, dtype=np.float32)
                router.calibration_quality_models_ = [str(m) for m in models]
        router.training_info_ = dict(config.get("training") or {})
        router.checkpoint_path_ = str(folder)
        return router

    def _weights_input_dim(self) -> int | None:
        """The prompt-embedding size the learned weights take (None: none, or not fitted);
        ``load`` checks it against the checkpoint's embedder."""
        return None

    def _get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Learned state: JSON-able config extras and named arrays."""
        return {}, {}

    def _set_state(self, config: dict[str, Any], tensors: dict[str, np.ndarray]) -> None:
        return None

    def _save_files(self, folder: Path) -> None:
        """Write files beside ``config.json`` (a tokenizer, a model folder); default: none."""
        return None

    def _load_files(self, folder: Path) -> None:
        """Read the files ``_save_files`` wrote, after ``_set_state``; default: none."""
        return None

    def known_models(self) -> list[str]:
        """Model names this router can score (empty: any)."""
        return []

    def __getstate__(self) -> dict[str, Any]:
        """Pickles and copies leave out an embedder built from a name (rebuilt on first use)."""
        state = dict(self.__dict__)
        if state.get("embedder") is None or isinstance(state.get("embedder"), str):
            state.pop("_embedder", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(strong_model={self.strong_model!r}, weak_model={self.weak_model!r})"
        )

    @staticmethod
    def _init_params(values: dict[str, Any]) -> dict[str, Any]:
        """A subclass's ``__init__`` arguments from its ``locals()`` (``self`` dropped)."""
        return {k: v for k, v in values.items() if k not in ("self", "__class__")}


def _keyword_parameters(cls: type) -> tuple[str, ...]:
    """The keyword-only arguments of ``cls.__init__`` (read from its code, without importing
    ``inspect``); an ``__init__`` that passes ``**kwargs`` on adds its parent's parameters."""
    names: list[str] = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        code = getattr(init, "__code__", None)
        if code is None:
            continue
        start = code.co_argcount
        names += [n for n in code.co_varnames[start : start + code.co_kwonlyargcount] if n not in names]
        if not code.co_flags & _CO_VARKEYWORDS:
            break
    return tuple(names)


def _check_pair(strong: str | None, weak: str | None) -> None:
    """A router compares two different models; the same name twice would always score 0.5."""
    if strong is not None and strong == weak:
        raise ConfigError(
            f"strong and weak model are both {strong!r}; a router compares two different models, so "
            "give two names (e.g. --strong gpt-4o --weak gpt-4o-mini)."
        )
