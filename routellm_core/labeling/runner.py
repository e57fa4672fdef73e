"""``label``: answer prompts with two (or N) models, grade the answers with a judge model, and
write the verdicts as battles (the format ``routellm train`` reads).

Calls run concurrently under an asyncio semaphore (``concurrency`` calls in flight) and a rate
limiter (at most ``rate`` call starts a second); each call has a timeout and is retried with
exponential backoff (1 s, 2 s, 4 s, ... plus jitter) on errors and timeouts, except the ones no
retry can fix (HTTP 400/401/403/404), which stop the run with a one-line error. Every reply is
written to the on-disk cache as it arrives (``cache.ReplyCache``), so a rerun pays only for the
calls it has not made yet.

Before the first call the judge answers one canned check (``judge.JudgeCheck``): a judge that
refuses or ignores the verdict format stops the run there. With ``max_cost``, no call starts
that could take spending past it (calls in flight are reserved at their estimated cost); the run
then stops cleanly and writes the battles of the prompts it finished.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from routellm_core.errors import ConfigError, RouteLLMError
from routellm_core.labeling import judge as J
from routellm_core.labeling.cache import Reply, ReplyCache, reply_key
from routellm_core.labeling.costs import CostCapReached, Spend, call_cost, price_of, tokens_of
from routellm_core.labeling.models import LabelModel, reply_text, reply_usage, resolve_model

#: HTTP statuses a retry cannot fix
_FATAL_STATUS = (400, 401, 403, 404)


class FatalCallError(RouteLLMError):
    """A call failed in a way no retry fixes (bad key, unknown model, bad request)."""


@dataclass
class LabelSettings:
    """How a run calls models. ``concurrency``: calls in flight (>= 1); ``rate``: call starts a
    second (None = no limit); ``timeout``: seconds per call; ``retries``: extra tries per call;
    ``backoff``: first retry delay in seconds; ``output_tokens`` / ``judge_output_tokens``:
    expected reply length for estimates."""

    mode: str = "single"
    template: str | None = None
    tie_margin: float = 0.0
    concurrency: int = 8
    rate: float | None = None
    timeout: float = 120.0
    retries: int = 3
    backoff: float = 1.0
    output_tokens: int = 400
    judge_output_tokens: int = 200
    max_cost: float | None = None

    def __post_init__(self) -> None:
        self.template = J.check_template(self.template or (J.SINGLE_TEMPLATE if self.mode == "single" else J.PAIR_TEMPLATE), self.mode)
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {self.concurrency}.")
        if self.rate is not None and self.rate <= 0:
            raise ConfigError(f"rate must be a positive number of calls a second, got {self.rate}.")
        if self.timeout <= 0 or self.retries < 0:
            raise ConfigError("timeout must be > 0 seconds and retries >= 0.")
        if self.max_cost is not None and self.max_cost < 0:
            raise ConfigError(f"max_cost must be >= 0 USD, got {self.max_cost}.")


@dataclass
class LabelReport:
    """What a run did. ``battles``: rows written; ``unparsed``: judge replies with no verdict
    (kept with their raw text); ``failed``: prompts whose calls failed after retries;
    ``stopped``: why the run ended early (None = finished)."""

    prompts: int = 0
    done: int = 0
    battles: list[dict[str, Any]] = field(default_factory=list)
    unparsed: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    spent: float = 0.0
    paid_calls: int = 0
    cached_calls: int = 0
    stopped: str | None = None
    spend_per_model: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        line = (f"{self.done}/{self.prompts} prompts labelled: {len(self.battles)} battles, "
                f"{len(self.unparsed)} unparsed judge replies, {len(self.failed)} failed prompts; "
                f"{self.paid_calls} paid calls (${self.spent:.4f}), {self.cached_calls} from the cache")
        return line + (f"; stopped: {self.stopped}" if self.stopped else "")


@dataclass
class Estimate:
    """Dry-run estimate: calls, tokens and USD (None where a model has no price)."""

    calls: dict[str, int]
    input_tokens: dict[str, float]
    output_tokens: dict[str, float]
    cost: dict[str, float | None]
    cached: int

    @property
    def total(self) -> float | None:
        values = list(self.cost.values())
        return None if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]

    def lines(self) -> list[str]:
        out = []
        for m in self.calls:
            c = self.cost[m]
            out.append(f"  {m}: {self.calls[m]} calls, ~{self.input_tokens[m]:.0f} input + ~{self.output_tokens[m]:.0f} "
                       f"output tokens, " + (f"~${c:.4f}" if c is not None else "no price given"))
        total = self.total
        out.append("  total: " + (f"~${total:.4f}" if total is not None else "unknown (give --prices for every model)")
                   + f"; {self.cached} calls already in the cache (free)")
        return out


class _RateLimiter:
    """At most ``rate`` call starts a second (evenly spaced)."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 0.0 if rate is None else 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if self.interval <= 0:
            return
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


class Labeler:
    """Calls the models and the judge for prompts (see the module doc). Build it, then
    ``estimate(prompts)`` (free) or ``run(prompts)``."""

    def __init__(
        self,
        models: Sequence[Any],
        judge: Any,
        *,
        cache: str | Path,
        prices: dict[str, tuple[float, float]] | None = None,
        settings: LabelSettings | None = None,
        model_options: dict[str, Any] | None = None,
    ) -> None:
        if len(models) < 2:
            raise ConfigError(f"labelling needs at least two models to compare, got {len(models)}.")
        self.models = [resolve_model(m, role=f"model {i + 1}", options=model_options) for i, m in enumerate(models)]
        names = [m.name for m in self.models]
        if len(set(names)) != len(names):
            raise ConfigError(f"the models need distinct names, got {names}; name them as name=provider:model.")
        self.judge = resolve_model(judge, role="judge", options=model_options)
        self.settings = settings or LabelSettings()
        self.prices = dict(prices or {})
        if self.settings.max_cost is not None:
            missing = [m.name for m in [*self.models, self.judge] if self._price(m) is None]
            if missing:
                raise ConfigError(f"a cost cap needs prices for every model; missing: {', '.join(missing)} (add them to --prices).")
        self.cache = ReplyCache(cache)
        self.spend = Spend(max_cost=self.settings.max_cost)

    def _price(self, m: LabelModel) -> tuple[float, float] | None:
        return price_of(self.prices, m.name, m.settings.get("spec"))

    # ------------------------------------------------------------------ messages
    def _judge_prompts(self, question: str, answers: dict[str, str]) -> list[tuple[tuple[str, ...], str]]:
        """``[(what it judges, judge prompt)]`` for one question: one per model (single) or two
        per pair, both orders (pairwise)."""
        t = self.settings.template
        assert t is not None
        if self.settings.mode == "single":
            return [((name,), J.fill(t, question=question, answer=answers[name])) for name in answers]
        out = []
        for a, b in combinations(list(answers), 2):
            out.append(((a, b), J.fill(t, question=question, answer_a=answers[a], answer_b=answers[b])))
            out.append(((b, a), J.fill(t, question=question, answer_a=answers[b], answer_b=answers[a])))
        return out

    # ------------------------------------------------------------------ estimate
    def estimate(self, prompts: Sequence[str]) -> Estimate:
        """Calls, tokens and USD a run over ``prompts`` would cost, cached calls left out (no call made)."""
        s = self.settings
        calls: dict[str, int] = {}
        tin: dict[str, float] = {}
        tout: dict[str, float] = {}
        cached = 0
        j = self.judge.name
        n_models = len(self.models)
        per_prompt_judge = n_models if s.mode == "single" else n_models * (n_models - 1)
        template_tokens = tokens_of(s.template or "")
        for p in prompts:
            answers_cached = True
            for m in self.models:
                if self.cache.get(reply_key(m.name, m.settings, _user(p))) is not None:
                    cached += 1
                    continue
                answers_cached = False
                calls[m.name] = calls.get(m.name, 0) + 1
                tin[m.name] = tin.get(m.name, 0.0) + tokens_of(p)
                tout[m.name] = tout.get(m.name, 0.0) + s.output_tokens
            if answers_cached:
                answers = {m.name: self.cache.get(reply_key(m.name, m.settings, _user(p))).text for m in self.models}  # type: ignore[union-attr]
                todo = [jp for _, jp in self._judge_prompts(p, answers)
                        if self.cache.get(reply_key(j, self.judge.settings, _user(jp))) is None]
                cached += per_prompt_judge - len(todo)
                judge_in = sum(tokens_of(jp) for jp in todo)
                n_judge = len(todo)
            else:
                n_judge = per_prompt_judge
                per_call = template_tokens + tokens_of(p) + (1 if s.mode == "single" else 2) * s.output_tokens
                judge_in = n_judge * per_call
            calls[j] = calls.get(j, 0) + n_judge
            tin[j] = tin.get(j, 0.0) + judge_in
            tout[j] = tout.get(j, 0.0) + n_judge * s.judge_output_tokens
        cost: dict[str, float | None] = {}
        for m in [*self.models, self.judge]:
            calls.setdefault(m.name, 0)
            tin.setdefault(m.name, 0.0)
            tout.setdefault(m.name, 0.0)
            price = self._price(m)
            cost[m.name] = None if price is None else call_cost(price, tin[m.name], tout[m.name])
        return Estimate(calls, tin, tout, cost, cached)

    # ------------------------------------------------------------------ calls
    async def _call(self, m: LabelModel, text: str, sem: asyncio.Semaphore, limiter: _RateLimiter) -> Reply:
        messages = _user(text)
        key = reply_key(m.name, m.settings, messages)
        found = self.cache.get(key)
        if found is not None:
            self.spend.cached_calls += 1
            return found
        s = self.settings
        out_guess = s.judge_output_tokens if m is self.judge else s.output_tokens
        price = self._price(m)
        estimate = call_cost(price, tokens_of(text), out_guess)
        self.spend.reserve(estimate)
        try:
            message = await self._call_with_retries(m, messages, sem, limiter)
        except BaseException:
            self.spend.release(estimate)
            raise
        text_out = reply_text(message)
        n_in, n_out = reply_usage(message)
        cost = call_cost(price, n_in if n_in is not None else tokens_of(text),
                         n_out if n_out is not None else tokens_of(text_out))
        reply = Reply(text=text_out, input_tokens=n_in, output_tokens=n_out, cost=cost)
        self.cache.put(key, m.name, reply)
        self.spend.settle(m.name, estimate, cost)
        return reply

    async def _call_with_retries(self, m: LabelModel, messages: list[dict[str, str]], sem: asyncio.Semaphore,
                                 limiter: _RateLimiter) -> Any:
        s = self.settings
        for attempt in range(s.retries + 1):
            async with sem:
                await limiter.wait()
                try:
                    return await asyncio.wait_for(m.model.ainvoke(messages), timeout=s.timeout)
                except asyncio.TimeoutError:
                    error = f"no reply within {s.timeout:g} s"
                except Exception as exc:  # noqa: BLE001 - provider errors vary; retried or reported
                    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
                    first = (str(exc).splitlines() or [""])[0][:300]
                    if status in _FATAL_STATUS:
                        raise FatalCallError(f"{m.name}: HTTP {status} ({type(exc).__name__}: {first}); check the model name, key and base URL.") from None
                    error = f"{type(exc).__name__}: {first}"
            if attempt < s.retries:
                await asyncio.sleep(s.backoff * (2**attempt) * (1.0 + 0.25 * random.random()))
        raise _CallFailed(f"{m.name}: failed {s.retries + 1} times; last error: {error}")

    # ------------------------------------------------------------------ check
    async def check_judge(self) -> None:
        """One canned grading by the judge; a ConfigError if it gives no verdict in the format."""
        c = J.JudgeCheck()
        sem, limiter = asyncio.Semaphore(1), _RateLimiter(self.settings.rate)
        if self.settings.mode == "single":
            prompt = J.fill(self.settings.template or "", question=c.question, answer=c.good)
        else:
            prompt = J.fill(self.settings.template or "", question=c.question, answer_a=c.good, answer_b=c.bad)
        try:
            reply = await self._call(self.judge, prompt, sem, limiter)
        except _CallFailed as exc:
            raise ConfigError(f"judge {self.judge.name!r} did not answer a test grading: {exc}") from None
        except CostCapReached:
            raise ConfigError("--max-cost is too small for even the judge's test grading; raise it.") from None
        parsed = J.parse_rating(reply.text) if self.settings.mode == "single" else J.parse_verdict(reply.text)
        if parsed is None:
            shown = " ".join(reply.text.split())[:160]
            want = "'Rating: [[N]]'" if self.settings.mode == "single" else "'[[A]]', '[[B]]' or '[[C]]'"
            raise ConfigError(
                f"judge {self.judge.name!r} refused or ignored the verdict format on a test grading (replied: {shown!r}); "
                f"it must end with {want}: pick another judge or fix --judge-template."
            )

    # ------------------------------------------------------------------ run
    async def _one(self, prompt: str, sem: asyncio.Semaphore, limiter: _RateLimiter, report: LabelReport) -> None:
        replies = await asyncio.gather(*(self._call(m, prompt, sem, limiter) for m in self.models))
        answers = {m.name: r.text for m, r in zip(self.models, replies)}
        jobs = self._judge_prompts(prompt, answers)
        verdicts = await asyncio.gather(*(self._call(self.judge, jp, sem, limiter) for _, jp in jobs))
        self._rows(prompt, [(what, v.text) for (what, _), v in zip(jobs, verdicts)], report)

    def _rows(self, prompt: str, judged: list[tuple[tuple[str, ...], str]], report: LabelReport) -> None:
        base = {"judge": self.judge.name, "mode": self.settings.mode}
        names = [m.name for m in self.models]
        if self.settings.mode == "single":
            grades = {what[0]: J.parse_rating(text) for what, text in judged}
            raw = {what[0]: text for what, text in judged}
            for a, b in combinations(names, 2):
                ga, gb = grades[a], grades[b]
                if ga is None or gb is None:
                    report.unparsed.append({"prompt": prompt, "model_a": a, "model_b": b, **base,
                                            "raw": {n: raw[n] for n in (a, b) if grades[n] is None}})
                    continue
                report.battles.append({"prompt": prompt, "model_a": a, "model_b": b,
                                       "winner": J.winner_from_grades(ga, gb, self.settings.tie_margin),
                                       **base, "score_a": ga, "score_b": gb})
            return
        by_order = {what: text for what, text in judged}
        for a, b in combinations(names, 2):
            first, second = by_order[(a, b)], by_order[(b, a)]
            v1, v2 = J.parse_verdict(first), J.parse_verdict(second)
            if v1 is None or v2 is None:
                report.unparsed.append({"prompt": prompt, "model_a": a, "model_b": b, **base,
                                        "raw": {k: t for k, t, v in (("a_first", first, v1), ("b_first", second, v2)) if v is None}})
                continue
            report.battles.append({"prompt": prompt, "model_a": a, "model_b": b,
                                   "winner": J.winner_from_both_orders(v1, v2), **base,
                                   "verdict_a_first": v1, "verdict_b_first": v2})

    async def arun(self, prompts: Sequence[str], *, progress: bool = False,
                   on_prompt: Callable[[LabelReport], None] | None = None) -> LabelReport:
        """Label ``prompts`` (see the module doc); the report's battles are in prompt order."""
        report = LabelReport(prompts=len(prompts))
        await self.check_judge()
        sem, limiter = asyncio.Semaphore(self.settings.concurrency), _RateLimiter(self.settings.rate)
        results: dict[int, LabelReport] = {}
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(len(prompts)):
            queue.put_nowait(i)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(prompts), desc="labelling", unit="prompt")

        async def worker() -> None:
            while not self.spend.stopped:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                part = LabelReport()
                try:
                    await self._one(prompts[i], sem, limiter, part)
                except CostCapReached:
                    return
                except _CallFailed as exc:
                    part.failed.append({"prompt": prompts[i], "error": str(exc)})
                results[i] = part
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(spent=f"${self.spend.spent:.4f}", unparsed=sum(len(r.unparsed) for r in results.values()))

        tasks = [asyncio.ensure_future(worker()) for _ in range(min(self.settings.concurrency, max(1, len(prompts))))]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            if bar is not None:
                bar.close()
            for i in sorted(results):
                part = results[i]
                report.battles += part.battles
                report.unparsed += part.unparsed
                report.failed += part.failed
                report.done += not part.failed
            report.spent = self.spend.spent
            report.paid_calls = self.spend.paid_calls
            report.cached_calls = self.spend.cached_calls
            report.spend_per_model = dict(self.spend.per_model)
            report.stopped = self.spend.stopped
        return report

    def request_stop(self, reason: str = "interrupted (Ctrl-C)") -> None:
        """Start no new call; the calls in flight finish and are cached (a clean Ctrl-C)."""
        self.spend.stopped = self.spend.stopped or reason

    def run(self, prompts: Sequence[str], *, graceful_interrupt: bool = False, **kwargs: Any) -> LabelReport:
        """``arun`` in a fresh event loop (for scripts and the CLI). ``graceful_interrupt``: the
        first Ctrl-C (SIGINT) starts no new call and lets the calls in flight finish and be cached;
        a second one aborts at once."""
        if not graceful_interrupt:
            return asyncio.run(self.arun(prompts, **kwargs))
        import signal

        async def main() -> LabelReport:
            loop = asyncio.get_running_loop()
            task = asyncio.current_task()

            def first() -> None:
                self.request_stop()
                loop.remove_signal_handler(signal.SIGINT)
                loop.add_signal_handler(signal.SIGINT, lambda: task.cancel() if task else None)

            try:
                loop.add_signal_handler(signal.SIGINT, first)
            except (NotImplementedError, RuntimeError):  # not the main thread, or Windows
                pass
            return await self.arun(prompts, **kwargs)

        return asyncio.run(main())

    def close(self) -> None:
        self.cache.close()


class _CallFailed(Exception):
    """A call that failed after every retry (the prompt is reported as failed)."""


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def write_rows(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Rows as JSON Lines (UTF-8), written to a temporary file and renamed into place."""
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    tmp.replace(p)
    return p
