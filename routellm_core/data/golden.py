"""Benchmark ("golden") outcomes: rows ``prompt, scores: {model: 0..1}``, and how they become
battles (the model with the higher score wins; equal scores tie)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.data.battles import Battles
from routellm_core.data.readers import iter_rows, source_name
from routellm_core.errors import DataFormatError
from routellm_core.utils.validation import finite_number


@dataclass
class GoldenRow:
    """One benchmark outcome: ``scores[model]`` in [0, 1] (1 = correct); ``source`` names the file;
    ``costs[model]``: the USD cost of that model's call, where the file records it (RouterBench)."""

    prompt: str
    scores: dict[str, float]
    id: str = ""
    category: str = ""
    contaminated: bool = False
    source: str = ""
    costs: dict[str, float] | None = None


def read_golden(
    paths: str | Path | Sequence[str | Path],
    *,
    drop_contaminated: bool = True,
    where: Mapping[str, Any] | None = None,
    drop_models: Collection[str] = (),
) -> list[GoldenRow]:
    """Read benchmark-outcome files (``prompt``, ``scores: {model: 0..1}``).

    ``where`` filters on row fields: a row that has field ``key`` is kept only if it equals the
    value (e.g. ``{"permissive": True}``; rows without the field, as in files that do not record
    it, are kept); ``drop_models`` removes those models' scores (e.g. runs a data card calls
    broken)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    conditions = dict(where or {})
    dropped = set(drop_models)
    rows: list[GoldenRow] = []
    for p in paths:
        for lineno, row in iter_rows(p):
            if any(key in row and row[key] != value for key, value in conditions.items()):
                continue
            at = f"{p}:{lineno}"
            if "prompt" not in row or "scores" not in row:
                raise DataFormatError(f"{at}: a benchmark row needs 'prompt' and 'scores' ({{model: 0..1}}).")
            scores = row["scores"]
            if isinstance(scores, str):
                try:
                    scores = json.loads(scores)
                except json.JSONDecodeError:
                    raise DataFormatError(f"{at}: scores must be a JSON object {{model: 0..1}}.") from None
            if not isinstance(scores, dict) or not scores:
                raise DataFormatError(f"{at}: scores must be a non-empty object {{model: 0..1}}.")
            clean = {
                str(k): finite_number(f"{at}: score of {k!r}", v, minimum=0.0, maximum=1.0,
                                      hint="Scores are benchmark outcomes in [0, 1] (1 = correct).",
                                      error=DataFormatError)
                for k, v in scores.items()
                if str(k) not in dropped
            }
            if not isinstance(row["prompt"], str) or not row["prompt"].strip():
                raise DataFormatError(f"{at}: prompt is empty or not text.")
            costs = _costs(row.get("costs"), at, dropped)
            contaminated = parse_flag(row.get("contaminated"), f"{at}: contaminated")
            if contaminated and drop_contaminated:
                continue
            rows.append(
                GoldenRow(
                    prompt=row["prompt"],
                    scores=clean,
                    id=str(row.get("id", f"{Path(p).name}:{lineno}")),
                    category=str(row.get("category", "") or ""),
                    contaminated=contaminated,
                    source=source_name(p),
                    costs=costs,
                )
            )
    return rows


def _costs(value: Any, at: str, dropped: set[str]) -> dict[str, float] | None:
    """A row's ``costs`` column ({model: USD per call, >= 0}) or None when absent."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise DataFormatError(f"{at}: costs must be a JSON object {{model: USD per call}}.") from None
    if not isinstance(value, dict):
        raise DataFormatError(f"{at}: costs must be an object {{model: USD per call}}.")
    return {
        str(k): finite_number(f"{at}: cost of {k!r}", v, minimum=0.0, hint="A cost is USD per call, >= 0.",
                              error=DataFormatError)
        for k, v in value.items()
        if str(k) not in dropped
    }


_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", ""}


def parse_flag(value: Any, name: str) -> bool:
    """A yes/no column as a bool: JSON/Parquet booleans, 0/1, or the text true/false/yes/no/1/0
    (any case; empty or missing is False). Anything else is a DataFormatError, never ``bool(text)``."""
    if value is None:
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
    elif finite_number(name, value, error=DataFormatError) in (0.0, 1.0):
        return bool(value)
    raise DataFormatError(f"{name} must be true or false (or 1/0, yes/no), got {value!r}.")


def _outcome(score_a: float, score_b: float) -> float:
    """Battle outcome of two benchmark scores: 1 if a is higher, 0 if b is, 0.5 if equal."""
    return 1.0 if score_a > score_b else 0.0 if score_a < score_b else 0.5


def golden_to_battles(
    rows: Sequence[GoldenRow], strong: str, weak: str, *, weight: float = 1.0
) -> Battles:
    """The paper's golden-label augmentation: one strong-vs-weak battle per row. The model with
    the higher score wins; equal scores are a tie. Rows lacking either model raise."""
    if strong == weak:
        raise DataFormatError(
            f"--strong and --weak are both {strong!r}; golden labels compare two different models."
        )
    weight = _golden_weight(weight)
    prompts, ma, mb, out, ga, gb = [], [], [], [], [], []
    for r in rows:
        if strong not in r.scores or weak not in r.scores:
            raise DataFormatError(
                f"benchmark row {r.id!r} has no score for {strong!r} and/or {weak!r} "
                f"(it has {', '.join(sorted(r.scores))}); pass --strong/--weak names from the file."
            )
        prompts.append(r.prompt)
        ma.append(strong)
        mb.append(weak)
        out.append(_outcome(r.scores[strong], r.scores[weak]))
        ga.append(r.scores[strong])
        gb.append(r.scores[weak])
    return Battles(
        prompts, ma, mb, np.asarray(out), np.full(len(prompts), float(weight)), source=[r.source for r in rows],
        grade_a=np.asarray(ga, dtype=np.float64), grade_b=np.asarray(gb, dtype=np.float64),
    )


def golden_to_all_pair_battles(rows: Sequence[GoldenRow], *, weight: float = 1.0) -> Battles:
    """Battles between every pair of models scored on each row (multi-model benchmark files)."""
    weight = _golden_weight(weight)
    prompts, ma, mb, out, sources, ga, gb = [], [], [], [], [], [], []
    for r in rows:
        names = sorted(r.scores)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                prompts.append(r.prompt)
                ma.append(a)
                mb.append(b)
                out.append(_outcome(r.scores[a], r.scores[b]))
                sources.append(r.source)
                ga.append(r.scores[a])
                gb.append(r.scores[b])
    return Battles(
        prompts, ma, mb, np.asarray(out), np.full(len(prompts), float(weight)), source=sources,
        grade_a=np.asarray(ga, dtype=np.float64), grade_b=np.asarray(gb, dtype=np.float64),
    )


def _golden_weight(weight: Any) -> float:
    return finite_number("golden weight", weight, minimum=0.0, hint="A weight scales the rows' share of the loss: use 1.0.")
