"""The models a multi-model policy routes among, and what a call to each is expected to cost.

``Candidates`` is an ordered set of model names, strongest (costliest) first: with prices, the
order is by expected cost per call, highest first (equal costs keep the given order); without
prices, the order given is the order of strength. A model's tier is its index (0 = strongest).

Prices are USD per 1M tokens, ``(input, output)`` or one number for both. A call's expected cost
is ``input_price * input_tokens / 1e6 + output_price * output_tokens / 1e6`` with the typical
token counts of a call: given by the user (``tokens=(input, output)``), else the input estimated
from calibration prompts (``estimate_tokens``: 4 characters a token) or ``DEFAULT_TOKENS``.
``tokens=("prompt", output)`` counts each call's own input instead (``Candidates.call_costs``):
a long prompt then costs more on every model, and the quality strategy weighs that per call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.utils.validation import finite_number

#: typical (input, output) tokens of a call when neither the user nor a calibration set says
DEFAULT_TOKENS = (500.0, 300.0)
#: characters per token of the input estimate (OpenAI's rule of thumb for English text)
CHARS_PER_TOKEN = 4.0
#: ``tokens=(PROMPT_TOKENS, output)``: each call's input tokens are its own prompt's
PROMPT_TOKENS = "prompt"


def estimate_tokens(prompts: Iterable[str]) -> float:
    """Mean input tokens of ``prompts``, estimated as characters / 4 (at least 1)."""
    lengths = [len(p) for p in prompts]
    if not lengths:
        raise ConfigError("no prompts to estimate token counts from.")
    return max(1.0, float(np.mean(lengths)) / CHARS_PER_TOKEN)


def price_pair(name: str, value: Any) -> tuple[float, float]:
    """``prices[name]`` checked: ``(input, output)`` USD per 1M tokens (one number means both)."""
    return _price(name, value)


def _price(name: str, value: Any) -> tuple[float, float]:
    hint = "Prices are USD per 1M tokens: (input, output), e.g. (3, 15), or one number for both."
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ConfigError(f"prices[{name!r}] must be (input, output), got {value!r}. {hint}")
        return (finite_number(f"prices[{name!r}] input", value[0], minimum=0.0, hint=hint),
                finite_number(f"prices[{name!r}] output", value[1], minimum=0.0, hint=hint))
    p = finite_number(f"prices[{name!r}]", value, minimum=0.0, hint=hint)
    return p, p


def prompt_tokens(prompts: Iterable[str]) -> np.ndarray:
    """Each prompt's input tokens, estimated as characters / 4 (at least 1)."""
    return np.maximum(1.0, np.fromiter((len(p) for p in prompts), dtype=np.float64) / CHARS_PER_TOKEN)


def check_tokens(tokens: Any) -> tuple[float | str, float]:
    """``(input, output)`` typical tokens per call, each a finite number >= 0; the input may be
    ``"prompt"`` (``PROMPT_TOKENS``): each call's own prompt."""
    hint = ("Give the typical tokens of one call as (input, output), e.g. (800, 300), or "
            f"({PROMPT_TOKENS!r}, 300) to count each prompt's own input tokens.")
    if not isinstance(tokens, (tuple, list)) or len(tokens) != 2:
        raise ConfigError(f"tokens must be (input, output), got {tokens!r}. {hint}")
    n_out = finite_number("tokens output", tokens[1], minimum=0.0, hint=hint)
    if isinstance(tokens[0], str):
        if tokens[0] != PROMPT_TOKENS:
            raise ConfigError(f"tokens input must be a number or {PROMPT_TOKENS!r}, got {tokens[0]!r}. {hint}")
        return PROMPT_TOKENS, n_out
    return finite_number("tokens input", tokens[0], minimum=0.0, hint=hint), n_out


@dataclass(frozen=True)
class Candidates:
    """Model names, strongest first, and the expected USD cost of a call to each (None without
    prices). Build with ``Candidates.build``."""

    names: tuple[str, ...]
    costs: tuple[float, ...] | None = None
    #: per model (input, output) USD per 1M tokens, in ``names`` order (None without prices)
    prices: tuple[tuple[float, float], ...] | None = None
    #: the (input, output) tokens ``costs`` assume
    tokens: tuple[float, float] | None = None

    @classmethod
    def build(
        cls,
        names: Sequence[str],
        prices: Mapping[str, Any] | None = None,
        tokens: tuple[float, float] = DEFAULT_TOKENS,
    ) -> Candidates:
        """Candidates named ``names`` (strongest first when there are no prices), ordered by
        the expected cost of a call when ``prices`` (USD per 1M tokens) are given."""
        names = tuple(names)
        if len(names) < 2:
            raise ConfigError(f"a routed model needs at least two models to choose from, got {len(names)}.")
        bad = [n for n in names if not isinstance(n, str) or not n]
        if bad:
            raise ConfigError(f"model names must be non-empty strings, got {bad[0]!r}.")
        if len(set(names)) != len(names):
            raise ConfigError(f"model names must differ, got {list(names)}.")
        if prices is None:
            return cls(names)
        if not isinstance(prices, Mapping):
            raise ConfigError(f"prices must map model names to prices, got {type(prices).__name__}.")
        missing = [n for n in names if n not in prices]
        extra = [k for k in prices if k not in names]
        if missing or extra:
            raise ConfigError(
                f"prices must name exactly the models {list(names)}"
                + (f"; missing: {missing}" if missing else "") + (f"; unknown: {extra}" if extra else "") + "."
            )
        n_in, n_out = tokens
        pairs = {n: _price(n, prices[n]) for n in names}
        costs = {n: p[0] * n_in / 1e6 + p[1] * n_out / 1e6 for n, p in pairs.items()}
        order = sorted(range(len(names)), key=lambda i: -costs[names[i]])  # stable: ties keep order
        return cls(tuple(names[i] for i in order), tuple(costs[names[i]] for i in order),
                   tuple(pairs[names[i]] for i in order), (float(n_in), float(n_out)))

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise ConfigError(f"unknown model {name!r}; the models are {list(self.names)}.") from None

    def cost(self, name: str) -> float | None:
        return None if self.costs is None else self.costs[self.index(name)]

    @property
    def strongest_cost(self) -> float | None:
        return None if self.costs is None else self.costs[0]

    def call_costs(self, prompts: Sequence[str]) -> np.ndarray:
        """USD cost of a call to each model (n, M) with each prompt's own input tokens
        (``prompt_tokens``) and the typical output tokens. Needs prices."""
        if self.prices is None or self.tokens is None:
            raise ConfigError("per-call costs need prices={model: (input, output)} in USD per 1M tokens.")
        p = np.asarray(self.prices, dtype=np.float64)
        return (prompt_tokens(prompts)[:, None] * p[:, 0] + self.tokens[1] * p[:, 1]) / 1e6

    def relative_costs(self) -> np.ndarray:
        """Costs divided by the largest (in [0, 1]); zeros without prices."""
        costs = self.costs if self.costs is not None else (0.0,) * len(self)
        return self.relative(np.asarray(costs, dtype=np.float64))

    def relative(self, costs: np.ndarray) -> np.ndarray:
        """USD ``costs`` in the unit of ``relative_costs`` (the largest typical cost is 1; zeros
        without prices)."""
        top = max(self.costs) if self.costs else 0.0
        return costs / top if top > 0 else np.zeros_like(costs)

    def fallback_order(self, name: str) -> list[str]:
        """The other models a failed call to ``name`` falls back to: nearest tier first, the
        stronger one first at equal distance."""
        i = self.index(name)
        others = [j for j in range(len(self.names)) if j != i]
        return [self.names[j] for j in sorted(others, key=lambda j: (abs(j - i), j))]

    def shares_dict(self, shares: Sequence[float]) -> dict[str, float]:
        return {n: float(s) for n, s in zip(self.names, shares)}

    def check_shares(self, shares: Mapping[str, Any]) -> np.ndarray:
        """Shares of calls per model (strongest first) from ``{name: share}``: models not named
        split the rest equally; the shares must sum to 1 (at most 1 when some are not named)."""
        if not isinstance(shares, Mapping):
            raise ConfigError(f"shares must map model names to shares of calls, got {type(shares).__name__}.")
        unknown = [k for k in shares if k not in self.names]
        if unknown:
            raise ConfigError(f"shares names unknown model(s) {unknown}; the models are {list(self.names)}.")
        hint = 'A share is a fraction of calls, e.g. shares={"opus": 0.1, "sonnet": 0.3}.'
        given = {k: finite_number(f"shares[{k!r}]", v, minimum=0.0, maximum=1.0, hint=hint) for k, v in shares.items()}
        total = sum(given.values())
        rest = [n for n in self.names if n not in given]
        if total > 1.0 + 1e-9 or (not rest and abs(total - 1.0) > 1e-6):
            raise ConfigError(f"shares must add up to 1 (the models not named get the rest), got {total:g}.")
        each = max(0.0, 1.0 - total) / len(rest) if rest else 0.0
        out = np.array([given.get(n, each) for n in self.names], dtype=np.float64)
        return out / out.sum()
