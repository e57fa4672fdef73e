"""Score a prompt log with a router, streaming: what routing would have done to past traffic.

Prompts are read lazily (``labeling.inputs``), scored ``batch_size`` at a time and written out
(``row,score,model``) as they go, so memory stays bounded whatever the log's size: besides one
batch, only a fixed histogram of scores (``N_BINS`` bins, with the rows' estimated input tokens
per bin) and the totals of the rows sent to strong. The report (routed share, expected spend,
savings against sending everything to the strong model) is exact; the histogram gives spend against
strong share for every threshold (to a bin of 1/2000).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from routellm_core.labeling.inputs import ReadStats, iter_prompt_rows
from routellm_core.routing.candidates import CHARS_PER_TOKEN

#: score histogram bins over [0, 1]
N_BINS = 2000


@dataclass
class LogScores:
    """Counts and estimated input tokens per score bin, and the decisions made."""

    threshold: float
    counts: np.ndarray = field(default_factory=lambda: np.zeros(N_BINS, dtype=np.int64))
    tokens: np.ndarray = field(default_factory=lambda: np.zeros(N_BINS, dtype=np.float64))
    n: int = 0
    strong: int = 0
    strong_tokens: float = 0.0  # estimated input tokens of the rows sent to strong
    stats: ReadStats = field(default_factory=ReadStats)

    def add(self, scores: np.ndarray, chars: np.ndarray) -> np.ndarray:
        """Record a batch; return its decisions (True = strong)."""
        idx = np.minimum((scores * N_BINS).astype(np.int64), N_BINS - 1)
        tokens = np.maximum(chars / CHARS_PER_TOKEN, 1.0)
        self.counts += np.bincount(idx, minlength=N_BINS)
        self.tokens += np.bincount(idx, weights=tokens, minlength=N_BINS)
        strong = scores >= self.threshold
        self.n += len(scores)
        self.strong += int(strong.sum())
        self.strong_tokens += float(tokens[strong].sum())
        return strong

    @property
    def strong_share(self) -> float:
        return self.strong / self.n if self.n else 0.0

    def spend_curve(self, strong_price: tuple[float, float], weak_price: tuple[float, float],
                    output_tokens: float) -> tuple[np.ndarray, np.ndarray]:
        """(strong share, expected USD) when every bin from the top down goes to strong in turn
        (one point per bin edge, share 0 first)."""
        def cost(price: tuple[float, float], counts: np.ndarray, tokens: np.ndarray) -> np.ndarray:
            return (price[0] * tokens + price[1] * output_tokens * counts) / 1e6

        strong_c = cost(strong_price, self.counts, self.tokens)[::-1]
        weak_c = cost(weak_price, self.counts, self.tokens)[::-1]
        above = np.concatenate([[0.0], np.cumsum(strong_c)])
        below = np.concatenate([[0.0], np.cumsum(weak_c)])
        spend = above + (below[-1] - below)
        share = np.concatenate([[0], np.cumsum(self.counts[::-1])]) / max(self.n, 1)
        return share, spend

    def report(self, strong_price: tuple[float, float], weak_price: tuple[float, float],
               output_tokens: float) -> dict[str, Any]:
        """Routed share, expected spend, all-strong and all-weak spend and savings (USD)."""
        def cost(price: tuple[float, float], calls: float, tokens: float) -> float:
            return float((price[0] * tokens + price[1] * output_tokens * calls) / 1e6)

        total_tokens = float(self.tokens.sum())
        expected = (cost(strong_price, self.strong, self.strong_tokens)
                    + cost(weak_price, self.n - self.strong, total_tokens - self.strong_tokens))
        all_strong = cost(strong_price, self.n, total_tokens)
        return {
            "prompts": self.n,
            "threshold": self.threshold,
            "strong_share": self.strong_share,
            "expected_spend": expected,
            "all_strong_spend": all_strong,
            "all_weak_spend": cost(weak_price, self.n, total_tokens),
            "savings": all_strong - expected,
            "savings_share": (all_strong - expected) / all_strong if all_strong > 0 else 0.0,
            "mean_input_tokens": total_tokens / max(self.n, 1),
            "output_tokens": output_tokens,
        }


def _batches(rows: Iterator[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def score_log(
    router: Any,
    path: str | Path,
    out: IO[str] | None,
    *,
    threshold: float,
    batch_size: int = 4096,
    column: str | None = None,
    labels: tuple[str, str] = ("strong", "weak"),
    on_batch: Callable[[int], None] | None = None,
) -> LogScores:
    """Score every prompt of the log at ``path`` with ``router``; write ``row,score,model``
    lines (CSV, header first) to ``out`` when given. ``threshold``: strong iff score >= it."""
    result = LogScores(threshold=threshold)
    if out is not None:
        out.write("row,score,model\n")
    strong_label, weak_label = labels
    for batch in _batches(iter_prompt_rows(path, column=column, stats=result.stats), batch_size):
        texts = [t for _, t in batch]
        scores = np.atleast_1d(np.asarray(router.score(texts), dtype=np.float64))
        strong = result.add(scores, np.fromiter(map(len, texts), dtype=np.float64, count=len(texts)))
        if out is not None:
            out.write("".join(
                f"{row},{s:.6f},{strong_label if d else weak_label}\n"
                for (row, _), s, d in zip(batch, scores.tolist(), strong.tolist())
            ))
        if on_batch is not None:
            on_batch(len(batch))
    return result
