"""Benchmark outcomes on a judge's scale: correctness ties resolved at the judge's rate.

A benchmark "battle" between two models is a tie whenever both are right (or both wrong), while a
judge comparing two answers almost always names a winner: shown two correct answers, it still
prefers the stronger model's (clearer, better explained) most of the time. Pooled as they are,
benchmark files therefore label prompts on a lower scale than judged chat files, and the label
type, not the difficulty, sets a source's level.

``tie_advantage_from_grades`` measures that rate on judge-graded battles (rows with ``grade_a`` /
``grade_b``, e.g. arena-bench's 1-10 grades): among answers the judge graded as good (both at least
``min_grade`` on the 1-10 scale), the stronger model's net win rate
``P(stronger graded higher) - P(weaker graded higher)``. ``resolve_correctness_ties`` then moves each
tied benchmark battle from 0.5 to ``0.5 +- advantage / 2`` in favour of the model with the higher
mean score in that file: the expected verdict of such a judge.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from routellm_core.data.battles import Battles
from routellm_core.errors import ConfigError
from routellm_core.utils.validation import finite_number

#: answers graded at least this (1-10 scale) count as "both good" when measuring the tie advantage
MIN_GOOD_GRADE = 8.0


def _mean_grades(battles: Battles) -> dict[tuple[str, str], float]:
    """(source, model) -> mean grade over the graded rows the model appears in."""
    total: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s, a, b, ga, gb in zip(battles.source, battles.model_a, battles.model_b, battles.grade_a, battles.grade_b):
        if np.isfinite(ga) and np.isfinite(gb):
            for m, g in ((a, ga), (b, gb)):
                acc = total[(s, m)]
                acc[0] += g
                acc[1] += 1.0
    return {k: v[0] / v[1] for k, v in total.items()}


def tie_advantage_from_grades(battles: Battles, min_grade: float = MIN_GOOD_GRADE) -> float | None:
    """The judge's net preference (in [-1, 1]) for the stronger model among pairs of answers it
    graded at least ``min_grade`` (1-10 scale) each; the stronger model of a pair is the one with
    the higher mean grade in its source. None when no graded pair qualifies."""
    threshold = (finite_number("min_grade", min_grade, minimum=1.0, maximum=10.0) - 1.0) / 9.0
    mean = _mean_grades(battles)
    signs: list[float] = []
    seen: set[tuple[str, str, str, str]] = set()
    for p, s, a, b, ga, gb in zip(battles.prompts, battles.source, battles.model_a, battles.model_b,
                                  battles.grade_a, battles.grade_b):
        if not (np.isfinite(ga) and np.isfinite(gb)) or ga < threshold or gb < threshold:
            continue
        key = (s, p, *sorted((a, b)))
        if key in seen:  # the same two grades in both orders count once
            continue
        seen.add(key)
        if mean[(s, a)] == mean[(s, b)]:
            continue
        signs.append(float(np.sign(ga - gb)) if mean[(s, a)] > mean[(s, b)] else float(np.sign(gb - ga)))
    return float(np.mean(signs)) if signs else None


def resolve_correctness_ties(battles: Battles, advantage: float) -> Battles:
    """A copy of benchmark ``battles`` whose ties (outcome 0.5) lean ``advantage / 2`` toward the
    model with the higher mean score in the row's source (``advantage`` in [0, 1])."""
    advantage = finite_number(
        "the golden tie advantage", advantage, minimum=0.0, maximum=1.0,
        hint="It is a judge's net preference for the stronger model between equally correct answers, e.g. 0.25.",
    )
    mean = _mean_grades(battles)
    outcome = battles.outcome.copy()
    for i, (s, a, b, o) in enumerate(zip(battles.source, battles.model_a, battles.model_b, battles.outcome)):
        if o != 0.5:
            continue
        ma, mb = mean.get((s, a)), mean.get((s, b))
        if ma is None or mb is None or ma == mb:
            continue
        outcome[i] = 0.5 + advantage / 2 if ma > mb else 0.5 - advantage / 2
    return Battles(battles.prompts, battles.model_a, battles.model_b, outcome, battles.weight, battles.source,
                   grade_a=battles.grade_a, grade_b=battles.grade_b)


def parse_tie_advantage(value: float | str | None, judged: Battles) -> float | None:
    """Resolve the ``--golden-tie-advantage`` option: None (off), a number in [0, 1], or ``"auto"``
    (measured on the judge-graded rows of ``judged`` by ``tie_advantage_from_grades``)."""
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "auto":
        measured = tie_advantage_from_grades(judged)
        if measured is None:
            raise ConfigError(
                "--golden-tie-advantage auto measures the rate on judge-graded battles (rows with "
                "score_a/score_b), but the --battles files hold none; give a number in [0, 1] instead."
            )
        return max(0.0, measured)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"--golden-tie-advantage must be 'auto' or a number in [0, 1], got {value!r}.") from None
    return finite_number("--golden-tie-advantage", value, minimum=0.0, maximum=1.0,
                         hint="Use 'auto' or a number in [0, 1], e.g. 0.25.")
