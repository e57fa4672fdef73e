"""Preference battles: Chatbot-Arena style rows ``prompt, model_a, model_b, winner`` with winner
one of ``model_a``, ``model_b``, ``tie`` (also ``tie (bothbad)``), as a ``Battles`` set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.data.readers import iter_rows, source_name
from routellm_core.errors import DataFormatError
from routellm_core.utils.validation import check_finite_array, finite_number

WINNER_VALUES = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}
BATTLE_COLUMNS = ("prompt", "model_a", "model_b", "winner")


@dataclass
class Battles:
    """A set of battles. ``outcome[i]`` is 1.0 if model_a won, 0.0 if model_b won, 0.5 for a tie.
    ``weight[i]`` (default 1.0) scales a row's share of the training loss. ``source[i]`` names the
    file (one judge, one set of models) a row came from (default ``""``); pooled labels are
    computed per source (``routellm_core.data.pooling``)."""

    prompts: list[str]
    model_a: list[str]
    model_b: list[str]
    outcome: np.ndarray
    weight: np.ndarray = field(default=None)  # type: ignore[assignment]
    source: list[str] = field(default=None)  # type: ignore[assignment]
    # per-answer grades in [0, 1] (NaN where none): a judge's 1-10 grades rescaled, or benchmark scores
    grade_a: np.ndarray = field(default=None)  # type: ignore[assignment]
    grade_b: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.prompts)
        self.outcome = np.asarray(self.outcome, dtype=np.float64)
        if self.weight is None:
            self.weight = np.ones(n, dtype=np.float64)
        self.weight = np.asarray(self.weight, dtype=np.float64)
        if self.source is None:
            self.source = [""] * n
        elif isinstance(self.source, str):
            self.source = [self.source] * n
        else:
            self.source = list(self.source)
        self.grade_a = _grades(self.grade_a, n)
        self.grade_b = _grades(self.grade_b, n)
        if not (len(self.model_a) == len(self.model_b) == len(self.outcome) == len(self.weight) == len(self.source) == n):
            raise DataFormatError("Battles columns have different lengths.")
        check_finite_array("battle outcomes", self.outcome, error=DataFormatError)
        check_finite_array(
            "battle weights", self.weight, hint="A weight scales a row's share of the loss: use 1.0.", error=DataFormatError
        )
        if n and (self.outcome.min() < 0.0 or self.outcome.max() > 1.0):
            raise DataFormatError("battle outcomes must lie in [0, 1] (1 = model_a won, 0 = model_b won, 0.5 = tie).")
        if n and self.weight.min() < 0.0:
            raise DataFormatError(
                f"battle weights must be >= 0, got {self.weight.min()!r}; a weight scales a row's share of "
                "the training loss (0 drops the row)."
            )
        with np.errstate(over="ignore"):
            total = self.weight.sum() if n else 0.0
        if not np.isfinite(total):
            raise DataFormatError(
                f"battle weights sum to more than a float can hold (largest {self.weight.max()!r}); weights are "
                "relative, scale them down (1.0 is the usual weight)."
            )
        for column, values in (("prompt", self.prompts), ("model_a", self.model_a), ("model_b", self.model_b)):
            bad = next((i for i, v in enumerate(values) if isinstance(v, str) and not _is_utf8(v)), None)
            if bad is not None:
                raise DataFormatError(
                    f"battle #{bad}: the {column} holds a lone surrogate (an unpaired \\ud800-\\udfff escape), "
                    "which is not valid Unicode text; fix or drop that row."
                )
        same = next((i for i, (a, b) in enumerate(zip(self.model_a, self.model_b)) if a == b), None)
        if same is not None:
            raise DataFormatError(
                f"battle #{same} has model_a and model_b both {self.model_a[same]!r}; a battle needs two "
                "different models (for golden labels: different --strong and --weak names)."
            )

    def __len__(self) -> int:
        return len(self.prompts)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], *, source: str = "<records>") -> Battles:
        """Build from dicts with prompt, model_a, model_b, winner (validated like a file)."""
        return _battles_from_rows(((i + 1, r) for i, r in enumerate(records)), source)

    @classmethod
    def concat(cls, parts: Sequence[Battles]) -> Battles:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls([], [], [], np.zeros(0))
        return cls(
            prompts=[p for b in parts for p in b.prompts],
            model_a=[m for b in parts for m in b.model_a],
            model_b=[m for b in parts for m in b.model_b],
            outcome=np.concatenate([b.outcome for b in parts]),
            weight=np.concatenate([b.weight for b in parts]),
            source=[s for b in parts for s in b.source],
            grade_a=np.concatenate([b.grade_a for b in parts]),
            grade_b=np.concatenate([b.grade_b for b in parts]),
        )

    def subset(self, idx: Sequence[int] | np.ndarray) -> Battles:
        idx = np.asarray(idx, dtype=np.int64)
        return Battles(
            prompts=[self.prompts[i] for i in idx],
            model_a=[self.model_a[i] for i in idx],
            model_b=[self.model_b[i] for i in idx],
            outcome=self.outcome[idx],
            weight=self.weight[idx],
            source=[self.source[i] for i in idx],
            grade_a=self.grade_a[idx],
            grade_b=self.grade_b[idx],
        )

    def models(self) -> list[str]:
        """Every model name, sorted."""
        return sorted(set(self.model_a) | set(self.model_b))

    def unique_prompts(self) -> list[str]:
        return list(dict.fromkeys(self.prompts))

    def sources(self) -> list[str]:
        """Distinct source names, in order of first appearance."""
        return list(dict.fromkeys(self.source))

    def of_source(self, name: str) -> Battles:
        """The rows whose source is ``name``."""
        return self.subset([i for i, s in enumerate(self.source) if s == name])

    def default_pair(self) -> tuple[str, str]:
        """(strong, weak): the two most frequent models, the one with the higher win rate first."""
        counts: Counter[str] = Counter(self.model_a) + Counter(self.model_b)
        if len(counts) < 2:
            raise DataFormatError("battles name fewer than two models; a router needs a strong and a weak model.")
        wins: Counter[str] = Counter()
        for a, b, o in zip(self.model_a, self.model_b, self.outcome):
            wins[a] += o
            wins[b] += 1.0 - o
        top = [m for m, _ in counts.most_common(2)]
        top.sort(key=lambda m: wins[m] / counts[m], reverse=True)
        return top[0], top[1]


def _grades(values: Any, n: int) -> np.ndarray:
    """Per-row grades as a float array of length ``n`` (NaN = not graded), each in [0, 1]."""
    if values is None:
        return np.full(n, np.nan)
    out = np.asarray(values, dtype=np.float64)
    if out.shape != (n,):
        raise DataFormatError(f"battle grades have shape {out.shape}, expected ({n},).")
    known = out[~np.isnan(out)]
    if known.size and (np.isinf(known).any() or known.min() < 0.0 or known.max() > 1.0):
        raise DataFormatError("battle grades must lie in [0, 1] (NaN where a row has none).")
    return out


def judge_grade(value: Any, where: str) -> float:
    """A judge's 1-10 grade (``score_a`` / ``score_b``) rescaled to [0, 1]: ``(grade - 1) / 9``;
    NaN when the row has none."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return float("nan")
    grade = finite_number(f"{where}: judge grade", value, minimum=0.0, maximum=10.0,
                          hint="score_a / score_b are a judge's grades on the 1-10 scale.", error=DataFormatError)
    return min(1.0, max(0.0, (grade - 1.0) / 9.0))


# ---------------------------------------------------------------------------- files
def _is_utf8(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no lone surrogates, which JSON escapes can carry)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _battles_from_rows(rows: Iterable[tuple[int, dict[str, Any]]], source: str, name: str = "") -> Battles:
    prompts: list[str] = []
    ma: list[str] = []
    mb: list[str] = []
    out: list[float] = []
    weights: list[float] = []
    grades_a: list[float] = []
    grades_b: list[float] = []
    for lineno, row in rows:
        where = f"{source}:{lineno}"
        missing = [c for c in BATTLE_COLUMNS if c not in row or row[c] is None]
        if missing:
            raise DataFormatError(
                f"{where}: missing column(s) {', '.join(missing)}; a battle row needs "
                f"{', '.join(BATTLE_COLUMNS)} (winner: model_a, model_b or tie)."
            )
        prompt, a, b, winner = row["prompt"], row["model_a"], row["model_b"], row["winner"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise DataFormatError(f"{where}: prompt is empty or not text.")
        if not isinstance(a, str) or not isinstance(b, str) or not a or not b:
            raise DataFormatError(f"{where}: model_a and model_b must be non-empty model names.")
        if a == b:
            raise DataFormatError(f"{where}: model_a and model_b are both {a!r}; a battle needs two models.")
        w = str(winner).strip().lower()
        if w not in WINNER_VALUES:
            raise DataFormatError(
                f"{where}: unknown winner {winner!r}; use model_a, model_b or tie."
            )
        weight = row.get("weight", 1.0)
        if isinstance(weight, str):
            try:
                weight = float(weight) if weight.strip() else 1.0
            except ValueError:
                raise DataFormatError(f"{where}: weight {weight!r} is not a number.") from None
        weight = 1.0 if weight is None else finite_number(
            f"{where}: weight", weight, minimum=0.0, hint="Use a number >= 0 (default 1.0).", error=DataFormatError
        )
        prompts.append(prompt)
        ma.append(a)
        mb.append(b)
        out.append(WINNER_VALUES[w])
        weights.append(weight)
        ga, gb = judge_grade(row.get("score_a"), where), judge_grade(row.get("score_b"), where)
        if np.isnan(ga) or np.isnan(gb):
            ga = gb = float("nan")
        grades_a.append(ga)
        grades_b.append(gb)
    return Battles(prompts, ma, mb, np.asarray(out), np.asarray(weights), source=name,
                   grade_a=np.asarray(grades_a, dtype=np.float64), grade_b=np.asarray(grades_b, dtype=np.float64))


def read_battles(paths: str | Path | Sequence[str | Path]) -> Battles:
    """Read battle files (see module doc) into one Battles set; each file is one source, named
    by ``source_name`` (the file name without its data suffixes)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    return Battles.concat([_battles_from_rows(iter_rows(p), str(p), source_name(p)) for p in paths])
