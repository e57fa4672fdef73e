"""Prices, cost estimates and the spending cap of a labelling run.

Prices are USD per 1M tokens, ``{model name: (input, output)}`` or one number for both (the
format of ``routing.candidates``). A call's cost is the provider's reported token usage times
the prices; when a provider reports none, the estimate (4 characters a token for the input,
``output_tokens`` for the output) is charged instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routellm_core.errors import ConfigError
from routellm_core.routing.candidates import CHARS_PER_TOKEN, _price


def read_prices(source: str | Path | Mapping[str, Any] | None) -> dict[str, tuple[float, float]]:
    """``{model: (input, output)}`` USD per 1M tokens from a mapping or a JSON file (keys
    starting with ``_`` are comments)."""
    if source is None:
        return {}
    if not isinstance(source, Mapping):
        p = Path(source).expanduser()
        try:
            source = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"prices file not found: {p}; give a JSON file like {{\"gpt-4o\": [2.5, 10]}}.") from None
        except (ValueError, OSError) as exc:
            raise ConfigError(f"prices file {p} is not valid JSON ({exc}); give {{\"model\": [input, output]}} USD per 1M tokens.") from None
        if not isinstance(source, Mapping):
            raise ConfigError(f"prices file {p} must hold a JSON object {{model: price}}.")
    return {str(k): _price(str(k), v) for k, v in source.items() if not str(k).startswith("_")}


def price_of(prices: Mapping[str, tuple[float, float]], name: str, spec: str | None = None) -> tuple[float, float] | None:
    """The price of a model by its battle name or its ``provider:model`` spec."""
    for key in (name, spec, (spec or "").partition(":")[2]):
        if key and key in prices:
            return prices[key]
    return None


def tokens_of(text: str) -> float:
    """Estimated tokens of a text (4 characters a token, at least 1)."""
    return max(1.0, len(text) / CHARS_PER_TOKEN)


def call_cost(price: tuple[float, float] | None, input_tokens: float, output_tokens: float) -> float:
    if price is None:
        return 0.0
    return (price[0] * input_tokens + price[1] * output_tokens) / 1e6


class CostCapReached(Exception):
    """No new call may start: the next one could take spending past ``max_cost``, or the run was
    asked to stop (Ctrl-C)."""


@dataclass
class Spend:
    """Money spent (USD, paid calls only) and reserved by calls in flight, against a cap."""

    max_cost: float | None = None
    spent: float = 0.0
    reserved: float = 0.0
    paid_calls: int = 0
    cached_calls: int = 0
    stopped: str | None = None  # why no new call may start
    per_model: dict[str, float] = field(default_factory=dict)

    def reserve(self, estimate: float) -> None:
        """Reserve ``estimate`` for a call about to start; CostCapReached if it does not fit."""
        if self.stopped:
            raise CostCapReached
        if self.max_cost is not None and self.spent + self.reserved + estimate > self.max_cost:
            self.stopped = f"the cost cap ${self.max_cost:g} would be passed by the next call"
            raise CostCapReached
        self.reserved += estimate

    def settle(self, model: str, estimate: float, actual: float) -> None:
        self.reserved -= estimate
        self.spent += actual
        self.paid_calls += 1
        self.per_model[model] = self.per_model.get(model, 0.0) + actual

    def release(self, estimate: float) -> None:
        self.reserved -= estimate
