"""Online controllers shared through Redis: one state for every process and replica of a route.

``online={"redis_url": "redis://host:6379/0", "key": "route-name"}`` (see ``online_settings``)
gives a policy's ``TierController`` / ``TradeoffController`` a ``SharedState``
(``controller.shared``): the same update rule as the per-process controllers (``routing.online``),
applied to **one** state in Redis by a Lua script, atomically, on every call of every process
that names the same key; decisions are those of one in-process controller that sees every call
in order. The global shares (or spend) then obey the single-controller bound of
``routing.online`` over all calls together, whatever the load balancer does; with per-process
controllers each process holds only its own traffic to target (``benchmarks/replica_simulation.py``
measures both). This module reads and writes the controllers' attributes but does not import
them (``online`` imports it).

``daily_spend_cap`` (USD per UTC day, needs prices): the expected cost of every call (the
policy's prices times its tokens per call, the same cost the budget uses) is added to a counter
of the day in the same script; a call whose chosen model does not fit in what is left goes to
the strongest cheaper model that fits, and when none fits the call is refused
(``SpendCapError``, HTTP 429 from ``routellm serve``). The check and the increment are one atomic
step, so concurrent calls cannot overshoot the cap together.

Failure: a Redis error or timeout (``redis_timeout`` seconds, default 0.1) never loses a call.
The call is decided by the process's own controller, which mirrors the last global state it saw
and then follows this process's traffic (the per-process mode), with one logged warning per
outage; Redis is tried again after ``RETRY_SECONDS``. The daily cap is not enforced while Redis
is unreachable (fail open). Sizes are bounded: a route's state is one hash of ``3 N + 6``
fields (idle keys expire after ``STATE_TTL`` seconds), the day's spend one counter that expires
after two days, each reply ``3 N + 8`` numbers.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from typing import Any

from routellm_core.errors import ConfigError, SpendCapError, install_hint
from routellm_core.routing.calibration import NEVER

log = logging.getLogger("routellm.online")

#: default seconds a Redis call may take before the call is decided by the process's own controller
DEFAULT_TIMEOUT = 0.1
#: seconds after a Redis failure before Redis is tried again (calls meanwhile: per process)
RETRY_SECONDS = 1.0
#: seconds an unused route state stays in Redis
STATE_TTL = 30 * 24 * 3600
#: seconds a day's spend counter stays in Redis
DAY_TTL = 2 * 24 * 3600
#: most models a shared controller takes (bounds every Redis reply)
MAX_MODELS = 256
#: a key: letters, digits and ``_.:-``, at most 128 characters
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")
MAX_URL_CHARS = 2048
URL_SCHEMES = ("redis://", "rediss://", "unix://")


def check_redis_settings(online: dict[str, Any]) -> dict[str, Any]:
    """The shared-controller keys of ``online=`` (``redis_url``, ``key``, ``daily_spend_cap``,
    ``redis_timeout``), checked; ConfigError naming the key otherwise."""
    from routellm_core.utils.validation import finite_number

    url = online.get("redis_url")
    shared = [k for k in ("key", "daily_spend_cap", "redis_timeout") if online.get(k) is not None]
    if url is None:
        if shared:
            raise ConfigError(f"online {', '.join(shared)} belong(s) to the shared controller: give redis_url as well, "
                              "e.g. online={'redis_url': 'redis://localhost:6379/0', 'key': 'my-route'}.")
        return {}
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS or not url.startswith(URL_SCHEMES):
        raise ConfigError(f"online redis_url must be a redis://, rediss:// or unix:// URL of at most {MAX_URL_CHARS} "
                          f"characters, got {str(url)[:80]!r}.")
    key = online.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ConfigError(f"online redis_url needs key=, the route's name in Redis (1 to 128 letters, digits, '_', "
                          f"'.', ':', '-'; every replica of a route gives the same key), got {key!r}.")
    out: dict[str, Any] = {"redis_url": url, "key": key}
    cap = online.get("daily_spend_cap")
    if cap is not None:
        out["daily_spend_cap"] = finite_number(
            "online daily_spend_cap", cap, minimum=0.0,
            hint="It is the most expected spend per UTC day, in USD, across every replica, e.g. 50.0.")
    timeout = online.get("redis_timeout")
    if timeout is not None:
        out["redis_timeout"] = finite_number(
            "online redis_timeout", timeout, minimum=0.0, maximum=10.0, min_exclusive=True,
            hint="Seconds a Redis call may take before this process decides alone, e.g. 0.1.")
    return out


# Both scripts: KEYS[1] the route's state hash, KEYS[2] the day's spend counter; ARGV[1] the
# set-up's fingerprint, ARGV[2] the static settings and the starting state (JSON), ARGV[3] the
# call. Numbers are written with 17 digits so that every process reads the same doubles.
_COMMON = r"""
local h, day = KEYS[1], KEYS[2]
local fp, cfg = ARGV[1], cjson.decode(ARGV[2])
local n = #cfg.r0
local function F(x) return string.format('%.17g', x) end
local cur = redis.call('HGET', h, 'fp')
local old = cur
if cfg.reset == 1 and cur and cur ~= fp then
  redis.call('DEL', h)
  cur = false
end
if not cur then
  local a = {'fp', fp, 'spread', F(cfg.spread0), 'center', F(cfg.center0), 'spend', F(cfg.spend0)}
  for i = 1, #cfg.p0 do a[#a+1] = 'p'..i; a[#a+1] = F(cfg.p0[i]) end
  for j = 1, n do a[#a+1] = 'r'..j; a[#a+1] = F(cfg.r0[j]) end
  redis.call('HSET', h, unpack(a))
elseif cur ~= fp then
  return {'mismatch', cur}
end
redis.call('EXPIRE', h, cfg.ttl)
if cfg.reset == 1 then return {'ready', old or ''} end
local fields = {'spread', 'center', 'spend'}
for i = 1, #cfg.p0 do fields[#fields+1] = 'p'..i end
for j = 1, n do fields[#fields+1] = 'r'..j end
local v = redis.call('HMGET', h, unpack(fields))
local spread, center, spend = tonumber(v[1]), tonumber(v[2]), tonumber(v[3])
local p, r = {}, {}
for i = 1, #cfg.p0 do p[i] = tonumber(v[3+i]) end
for j = 1, n do r[j] = tonumber(v[3+#cfg.p0+j]) end
local spent = 0
if cfg.cap >= 0 then spent = tonumber(redis.call('GET', day) or '0') end
local keep = cfg.keep
local function record(chosen, deviation)
  for j = 1, n do r[j] = r[j] * keep end
  r[chosen+1] = r[chosen+1] + (1.0 - keep)
  if cfg.costs[1] >= 0 then spend = keep * spend + (1.0 - keep) * cfg.costs[chosen+1] end
  spread = math.max(spread + (1.0 - keep) * (deviation - spread), 1e-6)
  local a = {'spread', F(spread), 'center', F(center), 'spend', F(spend)}
  for i = 1, #p do a[#a+1] = 'p'..i; a[#a+1] = F(p[i]) end
  for j = 1, n do a[#a+1] = 'r'..j; a[#a+1] = F(r[j]) end
  redis.call('HSET', h, unpack(a))
  redis.call('HINCRBY', h, 'c'..(chosen+1), 1)
  if cfg.cap >= 0 then
    -- GET + SET rather than INCRBYFLOAT, which corrupts the heap inside scripts of some Redis 6.2 builds
    spent = spent + cfg.costs[chosen+1]
    redis.call('SET', day, F(spent), 'EX', cfg.dayttl)
  end
end
local function reply(chosen, used)
  local out = {'ok', tostring(chosen), F(spread), F(center), F(spend), F(spent)}
  for i = 1, #used do out[#out+1] = F(used[i]) end
  for i = 1, #p do out[#out+1] = F(p[i]) end
  for j = 1, n do out[#out+1] = F(r[j]) end
  return out
end
"""

TIER_SCRIPT = _COMMON + r"""
local score = tonumber(ARGV[3])
local used, tier = {}, 0
for i = 1, #p do used[i] = p[i] end
for i = 1, #p do if score < p[i] then tier = tier + 1 else break end end
local chosen = tier
if cfg.cap >= 0 then
  chosen = -1
  for j = tier, n - 1 do
    if spent + cfg.costs[j+1] <= cfg.cap then chosen = j; break end
  end
  if chosen < 0 then return {'capped', F(spent)} end
end
local eta = cfg.step * spread
local previous = cfg.never
for i = 1, #p do
  if cfg.above[i] <= 0.0 then
    p[i] = cfg.never; previous = cfg.never
  else
    local hit = 0.0
    if score >= p[i] then hit = 1.0 end
    local moved = p[i] + eta * (hit - cfg.above[i])
    p[i] = math.min(previous, math.max(0.0, math.min(1.0, moved)))
    previous = p[i]
  end
end
center = center + (1.0 - keep) * (score - center)
record(chosen, math.abs(score - center))
return reply(chosen, used)
"""

# p: {lam, offset_1, ..., offset_N}
TRADEOFF_SCRIPT = _COMMON + r"""
local q = cjson.decode(ARGV[3])
local deviation = tonumber(ARGV[4])
local lam = p[1]
local c = cfg.relative
local function best(limit)
  local idx, top = -1, nil
  for j = 1, n do
    local u = (q[j] - lam * c[j]) + p[j+1]
    if (limit < 0 or spent + cfg.costs[j] <= limit) and (top == nil or u >= top) then idx, top = j - 1, u end
  end
  return idx
end
local chosen = best(-1)
if cfg.cap >= 0 and spent + cfg.costs[chosen+1] > cfg.cap then
  chosen = best(cfg.cap)
  if chosen < 0 then return {'capped', F(spent)} end
end
local eta = cfg.step * spread
if cfg.budget >= 0 then p[1] = math.max(0.0, lam + eta / cfg.gap * (c[chosen+1] - cfg.budget)) end
if #cfg.shares > 0 then
  local mean = 0.0
  for j = 1, n do
    local hit = 0.0
    if j == chosen + 1 then hit = 1.0 end
    p[j+1] = p[j+1] + eta * (cfg.shares[j] - hit)
    mean = mean + p[j+1]
  end
  mean = mean / n
  for j = 1, n do p[j+1] = p[j+1] - mean end
end
record(chosen, deviation)
return reply(chosen, {lam})
"""


def _connect(url: str, timeout: float) -> Any:
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        raise ConfigError(f"online redis_url needs the redis package: {install_hint('serve')}") from None
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                retry=Retry(NoBackoff(), 0), decode_responses=True)


def _safe_url(url: str) -> str:
    """The URL without a password."""
    return re.sub(r"//[^@/]*@", "//***@", url)


class SharedState:
    """One controller's state in Redis: ``route`` runs the update on it (None: Redis failed, or
    holds another set-up's state, so the controller decides alone), and copies the global state
    into the controller, which is then a warm fallback. ``controller``: a ``TierController``
    (``tiers=True``) or a ``TradeoffController``, fully set up."""

    #: decides over the network: async callers should decide in a worker thread
    blocking = True

    def __init__(self, controller: Any, *, tiers: bool, redis_url: str, key: str,
                 daily_spend_cap: float | None = None, redis_timeout: float | None = None) -> None:
        settings = check_redis_settings({"redis_url": redis_url, "key": key, "daily_spend_cap": daily_spend_cap,
                                         "redis_timeout": redis_timeout})
        ctl = self.controller = controller
        if len(ctl.names) > MAX_MODELS:
            raise ConfigError(f"a shared online controller takes at most {MAX_MODELS} models.")
        self.tiers = tiers
        self.redis_url, self.key = settings["redis_url"], settings["key"]
        self.daily_spend_cap: float | None = settings.get("daily_spend_cap")
        self.redis_timeout = settings.get("redis_timeout", DEFAULT_TIMEOUT)
        if self.daily_spend_cap is not None and ctl._costs is None:
            raise ConfigError("online daily_spend_cap is a cap on expected spend: route among models=[...] with "
                              "prices={model: (input, output)} in USD per 1M tokens.")
        self._script_text = TIER_SCRIPT if tiers else TRADEOFF_SCRIPT
        if tiers:
            identity = ["tiers", list(ctl.names), [round(a, 9) for a in ctl._above]]
        else:
            identity = ["quality", list(ctl.names), [round(c, 9) for c in ctl._c], ctl._budget,
                        None if ctl._shares is None else [round(s, 9) for s in ctl._shares]]
        self._fp = hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:32]
        self._state_key = f"routellm:online:{{{self.key}}}"
        self._client: Any = None
        self._script: Any = None
        self._retry_at = 0.0
        self._healthy = True
        self._mismatch_logged = False
        self._connect_lock = threading.Lock()
        self.spent_today_seen: float | None = None
        _connect(self.redis_url, self.redis_timeout)  # ConfigError now if the client is missing
        self._call(True)

    # -------------------------------------------------------------- pickling: no connection
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_client", "_script", "_connect_lock")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._client = self._script = None
        self._connect_lock = threading.Lock()

    # -------------------------------------------------------------- the script
    def _config(self, ready: bool) -> str:
        ctl = self.controller
        with ctl._lock:
            if self.tiers:
                extra = {"p0": list(ctl._t), "above": list(ctl._above)}
            else:
                extra = {"p0": [ctl._lam, *ctl._b], "relative": list(ctl._c),
                         "budget": -1.0 if ctl._budget is None else ctl._budget,
                         "shares": [] if ctl._shares is None else list(ctl._shares), "gap": ctl._gap}
            cfg = {
                "reset": 1 if ready else 0, "keep": ctl._keep, "step": ctl.step,
                "costs": [-1.0] * len(ctl.names) if ctl._costs is None else ctl._costs,
                "cap": -1.0 if self.daily_spend_cap is None else self.daily_spend_cap,
                "ttl": STATE_TTL, "dayttl": DAY_TTL, "never": NEVER,
                "spread0": ctl._spread, "center0": ctl._center,
                "spend0": 0.0 if ctl._spend is None else ctl._spend, "r0": list(ctl._recent),
                "shares": [], **extra,
            }
        return json.dumps(cfg)

    def _day_key(self) -> str:
        return f"{self._state_key}:spend:{time.strftime('%Y-%m-%d', time.gmtime())}"

    def _client_now(self) -> Any:
        if self._client is None:
            with self._connect_lock:
                if self._client is None:
                    self._client = _connect(self.redis_url, self.redis_timeout)
        return self._client

    def _call(self, ready: bool, *args: str) -> list[str] | None:
        """Run the script (``ready``: create the state, or start it anew if it is another
        set-up's; else one call). None when Redis failed or holds another set-up's state."""
        now = time.monotonic()
        if now < self._retry_at:
            return None
        try:
            if self._script is None:
                self._script = self._client_now().register_script(self._script_text)
            day = self._day_key() if self.daily_spend_cap is not None else self._state_key + ":unused"
            reply = self._script(keys=[self._state_key, day], args=[self._fp, self._config(ready), *args])
        except Exception as exc:  # noqa: BLE001 - any Redis failure: fail open, never lose the call
            self._retry_at = now + RETRY_SECONDS
            if self._healthy:
                self._healthy = False
                log.warning("online controller %r: Redis at %s failed (%s: %s); deciding with this process's own "
                            "controller (per-process shares, no daily cap) until it answers again",
                            self.key, _safe_url(self.redis_url), type(exc).__name__, str(exc)[:200])
            return None
        if not self._healthy:
            self._healthy = True
            log.warning("online controller %r: Redis at %s answers again; the shared state decides",
                        self.key, _safe_url(self.redis_url))
        status = reply[0] if reply else ""
        if status == "ready" and reply[1] not in ("", self._fp):
            log.warning("online controller %r: Redis held the state of another set-up (other models or targets) "
                        "under this key; started it anew for this one", self.key)
        if status == "mismatch":
            if not self._mismatch_logged:
                self._mismatch_logged = True
                log.warning("online controller %r: the state under this key belongs to another set-up (a newer "
                            "deployment, or two routes with one key); this process decides alone. Give each "
                            "route its own key.", self.key)
            return None
        if status == "capped":
            raise SpendCapError(
                f"the daily spend cap of {self.daily_spend_cap:g} USD of route {self.key!r} is reached "
                f"({float(reply[1]):.4f} USD spent today, UTC); no model's call fits in what is left. It resets at "
                "00:00 UTC; raise daily_spend_cap to serve more today."
            )
        return reply if status == "ok" else None

    def route(self, *args: str) -> tuple[int, tuple[float, ...], dict[str, float]] | None:
        """One call on the shared state (``args``: the score, or the qualities as JSON and
        their spread); (chosen index, the cut-offs it was chosen with, global realised shares),
        or None (decide locally). Copies the global state into the controller."""
        reply = self._call(False, *args)
        if reply is None:
            return None
        ctl = self.controller
        chosen = int(reply[1])
        spread, center, spend, spent = (float(x) for x in reply[2:6])
        rest = [float(x) for x in reply[6:]]
        n_used = len(ctl._t) if self.tiers else 1
        n = len(ctl.names)
        used, params, recent = tuple(rest[:n_used]), rest[n_used:-n], rest[-n:]
        with ctl._lock:
            ctl._spread, ctl._center, ctl._recent = spread, center, recent
            if ctl._spend is not None:
                ctl._spend = spend
            ctl._counts[chosen] += 1
            if self.tiers:
                ctl._t = params
            else:
                ctl._lam, ctl._b = params[0], params[1:]
            self.spent_today_seen = spent if self.daily_spend_cap is not None else None
        return chosen, used, dict(zip(ctl.names, recent))

    # -------------------------------------------------------------- reading the global state
    @property
    def available(self) -> bool:
        """Whether the last Redis call succeeded (False: deciding per process)."""
        return self._healthy

    def global_counts(self) -> dict[str, int] | None:
        """Calls per model over every process of this key (None if Redis does not answer)."""
        names = self.controller.names
        try:
            values = self._client_now().hmget(self._state_key, [f"c{j + 1}" for j in range(len(names))])
        except Exception:  # noqa: BLE001
            return None
        return dict(zip(names, (int(v or 0) for v in values)))

    def spent_today(self) -> float | None:
        """Expected USD spent today (UTC) over every process of this key (None without a cap,
        or if Redis does not answer)."""
        if self.daily_spend_cap is None:
            return None
        try:
            return float(self._client_now().get(self._day_key()) or 0.0)
        except Exception:  # noqa: BLE001
            return None
