"""One place that checks numbers at every boundary: parameters, data rows, checkpoints, scores.

NaN and infinity are refused everywhere: a NaN weight, learning rate, tensor or score would
otherwise flow silently into comparisons that are all False (and so route everything to the weak
model). Python ints/floats and numpy scalars are accepted; ``bool`` and strings are not numbers.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from routellm_core.errors import ConfigError, RouteLLMError


def finite_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    min_exclusive: bool = False,
    max_exclusive: bool = False,
    hint: str = "",
    error: type[RouteLLMError] = ConfigError,
) -> float:
    """``value`` as a finite float within the given bounds, or ``error`` naming ``name``.

    ``minimum``/``maximum`` are inclusive unless ``min_exclusive``/``max_exclusive``;
    ``hint`` (a sentence) is appended to the message to say how to fix it.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise error(f"{name} must be a number, got {value!r} ({type(value).__name__}).{_sp(hint)}")
    v = float(value)
    if not math.isfinite(v):
        raise error(f"{name} must be a finite number, got {value!r}.{_sp(hint)}")
    low_bad = minimum is not None and (v <= minimum if min_exclusive else v < minimum)
    high_bad = maximum is not None and (v >= maximum if max_exclusive else v > maximum)
    if low_bad or high_bad:
        raise error(f"{name} must be {_range(minimum, maximum, min_exclusive, max_exclusive)}, got {value!r}.{_sp(hint)}")
    return v


def whole_number(
    name: str,
    value: Any,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    hint: str = "",
    error: type[RouteLLMError] = ConfigError,
) -> int:
    """``value`` as an int within [``minimum``, ``maximum``] (integral floats such as 3.0 pass)."""
    v = finite_number(name, value, minimum=minimum, maximum=maximum, hint=hint, error=error)
    if v != int(v):
        raise error(f"{name} must be a whole number, got {value!r}.{_sp(hint)}")
    return int(v)


def unit_interval(name: str, value: Any, *, hint: str = "", error: type[RouteLLMError] = ConfigError) -> float:
    """``value`` as a float in [0, 1]."""
    return finite_number(name, value, minimum=0.0, maximum=1.0, hint=hint, error=error)


def check_finite_array(name: str, values: Any, *, hint: str = "", error: type[RouteLLMError] = ConfigError) -> None:
    """Raise ``error`` if the float array ``values`` holds NaN or infinity (other dtypes pass)."""
    arr = np.asarray(values)
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    # a few scores (the hot path of every routed call): plain Python is ~10x faster than a ufunc
    if all(map(math.isfinite, arr.ravel().tolist())) if arr.size <= 64 else bool(np.isfinite(arr).all()):
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise error(
            f"{name} holds {int(bad.sum())} non-finite value(s) (NaN or infinity; first at flat index "
            f"{first}: {arr.ravel()[first]!r}).{_sp(hint)}"
        )


@dataclass(frozen=True)
class Rule:
    """Allowed values of one router parameter."""

    integer: bool = False
    minimum: Any = None
    maximum: Any = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    hint: str = ""


#: router parameters by name (the same name means the same thing in every router)
PARAMETER_RULES: dict[str, Rule] = {
    "seed": Rule(integer=True, minimum=0),
    "epochs": Rule(integer=True, minimum=1, hint="Passes over the training data, e.g. 10."),
    "lr": Rule(minimum=0.0, hint="A learning rate such as 0.003 (0 learns nothing)."),
    "weight_decay": Rule(minimum=0.0),
    "batch_size": Rule(integer=True, minimum=1, hint="Rows per training step, e.g. 256."),
    "inference_batch_size": Rule(integer=True, minimum=1),
    "dim": Rule(integer=True, minimum=1, hint="Size of the model embeddings, e.g. 64."),
    "hidden": Rule(integer=True, minimum=0, hint="0 = linear projection, else the hidden layer width."),
    "dropout": Rule(minimum=0.0, maximum=1.0, max_exclusive=True),
    "val_fraction": Rule(minimum=0.0, maximum=1.0, max_exclusive=True),
    "patience": Rule(integer=True, minimum=0),
    "max_length": Rule(integer=True, minimum=8, hint="Tokens kept per prompt, e.g. 256."),
    "gamma": Rule(minimum=1.0, min_exclusive=True, hint="The paper uses 10."),
    "l2": Rule(minimum=0.0),
    "newton_steps": Rule(integer=True, minimum=1),
    "alpha": Rule(minimum=0.0, min_exclusive=True, hint="The ridge strength, e.g. 10."),
    "embedding_rank": Rule(integer=True, minimum=1, hint="None = the whole embedding, e.g. 10 principal directions."),
    "text_weight": Rule(minimum=0.0, hint="Scale of the word n-gram block: 1 = as tfidf_ridge, 0 = off."),
    "shrink": Rule(minimum=0.0, maximum=1.0,
                   hint="The share of each model's prompt-dependent part kept: 1 = all, 0 = its mean quality."),
    "ngrams": Rule(integer=True, minimum=1, maximum=3),
    "n_features_log2": Rule(integer=True, minimum=10, maximum=24),
    "min_df": Rule(integer=True, minimum=0),
    "stats_weight": Rule(minimum=0.0),
    "embedding_weight": Rule(minimum=0.0),
    "max_iter": Rule(integer=True, minimum=1),
    "tol": Rule(minimum=0.0, min_exclusive=True),
    "lora_r": Rule(integer=True, minimum=0, hint="0 = full fine-tuning."),
    "lora_alpha": Rule(minimum=0.0, min_exclusive=True),
    "lora_dropout": Rule(minimum=0.0, maximum=1.0, max_exclusive=True),
    "train_layers": Rule(integer=True, minimum=0, hint="None = fine-tune every layer."),
    "strong_tier": Rule(minimum=0.0, maximum=1.0, min_exclusive=True, max_exclusive=True,
                        hint="The share of each source's models in the strong tier, e.g. 0.5."),
    "weak_tier": Rule(minimum=0.0, maximum=1.0, min_exclusive=True, hint="None = every model below the strong tier."),
}


def check_params(**values: Any) -> dict[str, Any]:
    """Each value checked against ``PARAMETER_RULES[name]`` and converted (int or float); ``None``
    is passed through (it means "default" or "all" where a router allows it). ConfigError names
    the parameter, its allowed range and the value."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        rule = PARAMETER_RULES[name]
        if value is None:
            out[name] = None
        elif rule.integer:
            out[name] = whole_number(name, value, minimum=rule.minimum, maximum=rule.maximum, hint=rule.hint)
        else:
            out[name] = finite_number(
                name, value, minimum=rule.minimum, maximum=rule.maximum, min_exclusive=rule.min_exclusive,
                max_exclusive=rule.max_exclusive, hint=rule.hint,
            )
    return out


def parse_finite(text: str) -> float:
    """``float(text)`` for a command-line option, refusing NaN and infinity (argparse ``type=``)."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; give a real value such as 0.5")
    return value


def _range(lo: float | None, hi: float | None, lo_x: bool, hi_x: bool) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if lo_x else '['}{lo:g}, {hi:g}{')' if hi_x else ']'}"
    if lo is not None:
        return f"{'>' if lo_x else '>='} {lo:g}"
    return f"{'<' if hi_x else '<='} {hi:g}"


def _sp(hint: str) -> str:
    return f" {hint}" if hint else ""
