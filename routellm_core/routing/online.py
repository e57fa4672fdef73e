"""Online mode: keep the realised shares (or spend) of live traffic on target while it drifts.

A policy's cut-offs are set on calibration prompts, but live traffic drifts from any calibration
set: a router that sent 30% of its calibration prompts to the strong model may send 60% of
production calls there. An online controller moves the cut-offs after every call, from the calls
actually seen, with memory that does not grow with traffic (a few numbers per model):

- **tiers** (``TierController``): threshold i is a streaming estimate of the score quantile that
  leaves the target share ``F_i`` of calls above it (``F_i``: the shares of the i strongest
  tiers). After each call with score s, ``t_i += step * spread * (1[s >= t_i] - F_i)``, the
  stochastic-approximation quantile estimator (Robbins-Monro; "frugal" streaming quantiles).
  Summed over any L calls the updates give ``realised share - F_i = (t_i(end) - t_i(start)) /
  (step * spread * L)``: the realised share is off target by at most the threshold's move
  divided by ``step * spread * L``, so it converges as L grows, and tracks a drifting score
  distribution with a lag of about ``1 / (step * density)`` calls;
- **per-model quality** (``TradeoffController``): the same feedback on the trade-off ``lam``
  (raised while calls cost more than the budget, lowered while they cost less; never below 0)
  and, for target shares, on per-model offsets (raised while a model gets fewer calls than its
  share). The realised relative spend obeys the same bound.

``spread`` is a running robust scale of the scores (an exponentially weighted mean absolute
deviation, started from the calibration set), so ``step`` is in units of the score's spread and
one setting fits every router. ``realised_shares`` (an exponentially weighted share of calls per
model, half-life ``halflife`` calls), ``counts`` and the current cut-offs are readable at any
time. Every update holds a lock, so one controller may serve many threads (and async calls,
whose scoring runs in worker threads).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from routellm_core.errors import ConfigError
from routellm_core.routing.calibration import NEVER, tradeoff_choice
from routellm_core.routing.decision import tier_of
from routellm_core.routing.shared_online import SharedState, check_redis_settings
from routellm_core.utils.validation import finite_number

#: default step, in units of the score spread per call
DEFAULT_STEP = 0.1
#: default half-life, in calls, of the realised shares and of the spread estimate
DEFAULT_HALFLIFE = 1000.0


#: the keys of ``online={...}``: the controller's, then the shared controller's (``shared_online``)
ONLINE_KEYS = ("step", "halflife", "redis_url", "key", "daily_spend_cap", "redis_timeout")


def online_settings(online: Any) -> dict[str, Any] | None:
    """``online=`` of a policy as controller settings: False/None (off), True (defaults) or a
    mapping with ``step`` and/or ``halflife``, and ``redis_url`` + ``key`` (+ ``daily_spend_cap``
    in USD per UTC day, ``redis_timeout`` in seconds) for one state shared by every process
    through Redis (``routing.shared_online``)."""
    if online is None or online is False:
        return None
    if online is True:
        return {"step": DEFAULT_STEP, "halflife": DEFAULT_HALFLIFE}
    if isinstance(online, dict):
        unknown = sorted(set(online) - set(ONLINE_KEYS))
        if unknown:
            raise ConfigError(f"online settings take 'step' and 'halflife' (and, for one controller shared through "
                              f"Redis, {', '.join(repr(k) for k in ONLINE_KEYS[2:])}), not {unknown}.")
        return {
            **check_redis_settings(online),
            "step": finite_number("online step", online.get("step", DEFAULT_STEP), minimum=0.0, min_exclusive=True,
                                  hint="The step is in units of the score spread per call, e.g. 0.1."),
            "halflife": finite_number("online halflife", online.get("halflife", DEFAULT_HALFLIFE), minimum=1.0,
                                      hint="The half-life of the realised shares, in calls, e.g. 1000."),
        }
    raise ConfigError(f"online must be True, False or a dict of settings, got {online!r}.")


class _Controller:
    """What both controllers share: the lock, the call counts, the realised shares, the spread."""

    def __getstate__(self) -> dict[str, Any]:
        """Pickles and copies carry the state without the lock (a new one on load)."""
        with self._lock:
            return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __init__(self, names: Sequence[str], targets: Sequence[float], *, spread: float, center: float,
                 step: float = DEFAULT_STEP, halflife: float = DEFAULT_HALFLIFE,
                 costs: Sequence[float] | None = None, **shared: Any) -> None:
        self.names = tuple(names)
        #: the state in Redis (``redis_url``, ``key``, ... of ``shared_online``), or None: per process
        self.shared: SharedState | None = None
        self._shared_settings = shared
        self.step = float(step)
        self._lock = threading.Lock()
        self._keep = 0.5 ** (1.0 / float(halflife))
        self._recent = [float(t) for t in targets]  # starts on target
        self._counts = [0] * len(self.names)
        self._spread = max(float(spread), 1e-6)
        self._center = float(center)
        self._costs = None if costs is None else [float(c) for c in costs]
        self._spend = None if self._costs is None else sum(c * t for c, t in zip(self._costs, self._recent))

    def _record(self, index: int, deviation: float, cost: float | None = None) -> dict[str, float]:
        """Count a call to model ``index`` whose score lay ``deviation`` from the usual (``cost``:
        its own expected cost, default the model's typical one); return the realised shares. Call
        with the lock held."""
        keep = self._keep
        self._counts[index] += 1
        recent = self._recent
        for j in range(len(recent)):
            recent[j] *= keep
        recent[index] += 1.0 - keep
        if self._costs is not None and self._spend is not None:
            self._spend = keep * self._spend + (1.0 - keep) * (self._costs[index] if cost is None else cost)
        self._spread = max(self._spread + (1.0 - keep) * (deviation - self._spread), 1e-6)
        return dict(zip(self.names, recent))

    @property
    def calls(self) -> int:
        with self._lock:
            return sum(self._counts)

    @property
    def counts(self) -> dict[str, int]:
        """Calls per model since the controller started."""
        with self._lock:
            return dict(zip(self.names, self._counts))

    @property
    def realised_shares(self) -> dict[str, float]:
        """Recent share of calls per model (exponentially weighted, half-life ``halflife`` calls)."""
        with self._lock:
            return dict(zip(self.names, self._recent))

    @property
    def realised_cost(self) -> float | None:
        """Recent mean expected cost per call (same weighting; None without prices)."""
        with self._lock:
            return self._spend

    @property
    def spread(self) -> float:
        with self._lock:
            return self._spread


class TierController(_Controller):
    """Streaming thresholds for tiers (see the module docstring). ``thresholds``: the starting
    cut-offs (from calibration), ``shares``: the target share of calls per tier."""

    def __init__(self, names: Sequence[str], thresholds: Sequence[float], shares: Sequence[float], *,
                 spread: float, center: float, **kwargs: Any) -> None:
        super().__init__(names, shares, spread=spread, center=center, **kwargs)
        if len(thresholds) != len(self.names) - 1:
            raise ConfigError("a tier controller needs one threshold fewer than models.")
        self._t = [float(t) for t in thresholds]
        total = 0.0
        self._above: list[float] = []
        for s in shares[:-1]:
            total += float(s)
            self._above.append(min(1.0, total))
        if self._shared_settings:
            self.shared = SharedState(self, tiers=True, **self._shared_settings)

    @property
    def thresholds(self) -> tuple[float, ...]:
        with self._lock:
            return tuple(self._t)

    def route(self, score: float) -> tuple[int, tuple[float, ...], dict[str, float]]:
        """(tier, the thresholds it was decided with, realised shares) for one call's score; then
        the thresholds move toward the target shares. Shared (``self.shared``): on the state in
        Redis, or on this one if Redis fails."""
        if self.shared is not None and (found := self.shared.route(repr(float(score)))) is not None:
            return found
        with self._lock:
            t = self._t
            used = tuple(t)
            tier = tier_of(score, used)
            eta = self.step * self._spread
            previous = NEVER
            for i, above in enumerate(self._above):
                if above <= 0.0:  # a share of 0 above this cut-off: a hard cap, never moved
                    t[i] = previous = NEVER
                    continue
                moved = t[i] + eta * ((1.0 if score >= t[i] else 0.0) - above)
                t[i] = previous = min(previous, max(0.0, min(1.0, moved)))  # stay non-increasing
            self._center += (1.0 - self._keep) * (score - self._center)
            return tier, used, self._record(tier, abs(score - self._center))


class TradeoffController(_Controller):
    """Streaming trade-off for per-model quality: ``argmax q - lam * relative cost + offset``
    with ``lam`` steered toward a relative ``budget`` and the offsets toward target ``shares``
    (either or both may be None: that part stays fixed)."""

    def __init__(self, names: Sequence[str], relative_costs: Sequence[float], *, lam: float,
                 offsets: Sequence[float], budget: float | None, shares: Sequence[float] | None,
                 spread: float, **kwargs: Any) -> None:
        start = shares if shares is not None else [1.0 / len(names)] * len(names)
        super().__init__(names, start, spread=spread, center=0.0, **kwargs)
        self._c = [float(c) for c in relative_costs]
        self._lam = float(lam)
        self._b = [float(b) for b in offsets]
        self._budget = budget
        self._shares = None if shares is None else [float(s) for s in shares]
        gaps = sorted({round(c, 12) for c in self._c})
        diffs = [b - a for a, b in zip(gaps, gaps[1:]) if b > a]
        self._gap = min(1.0, max(sum(diffs) / len(diffs), 0.05)) if diffs else 1.0
        if self._shared_settings:
            self.shared = SharedState(self, tiers=False, **self._shared_settings)

    @property
    def tradeoff(self) -> float:
        with self._lock:
            return self._lam

    @property
    def offsets(self) -> tuple[float, ...]:
        with self._lock:
            return tuple(self._b)

    def route(self, quality: Sequence[float],
              relative_costs: Sequence[float] | None = None) -> tuple[int, float, dict[str, float]]:
        """(chosen index, the ``lam`` it was chosen with, realised shares) for one call's
        predicted qualities (``relative_costs``: this call's own, when each call is priced by its
        prompt; per process only); then ``lam`` and the offsets move toward their targets."""
        q = [float(x) for x in quality]
        if relative_costs is not None and self.shared is not None:
            raise ConfigError("a controller shared in Redis prices every call alike; give typical tokens.")
        if self.shared is not None:
            mean_q = sum(q) / len(q)
            found = self.shared.route(json.dumps(q), repr(math.sqrt(sum((x - mean_q) ** 2 for x in q) / len(q))))
            if found is not None:
                return found[0], found[1][0], found[2]
        with self._lock:
            lam, b = self._lam, self._b
            c = self._c if relative_costs is None else [float(x) for x in relative_costs]
            index = int(tradeoff_choice(np.asarray(q), np.asarray(c), lam, np.asarray(b)))
            eta = self.step * self._spread
            if self._budget is not None:
                self._lam = max(0.0, lam + eta / self._gap * (c[index] - self._budget))
            if self._shares is not None:
                for j, share in enumerate(self._shares):
                    b[j] += eta * (share - (1.0 if j == index else 0.0))
                mean = sum(b) / len(b)
                for j in range(len(b)):
                    b[j] -= mean
            mean_q = sum(q) / len(q)
            cost = None if relative_costs is None or not self._costs else c[index] * max(self._costs)
            return index, lam, self._record(index, math.sqrt(sum((x - mean_q) ** 2 for x in q) / len(q)), cost)
