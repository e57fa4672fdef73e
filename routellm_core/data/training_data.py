"""One training set from battle files and benchmark (golden) files, as ``routellm train`` and
``routellm eval`` build it: weights, golden hold-out by prompt hash, row filters and dropped models
are applied here once, and what was used is summarised for the checkpoint's model card."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from routellm_core.data.battles import Battles, read_battles
from routellm_core.data.golden import golden_to_all_pair_battles, golden_to_battles, read_golden
from routellm_core.data.judge_scale import parse_tie_advantage, resolve_correctness_ties
from routellm_core.errors import ConfigError
from routellm_core.utils.validation import finite_number


def holdout(prompt: str, fraction: float) -> bool:
    """Deterministic split by prompt text: True for the held-out share ``fraction`` (in [0, 1))."""
    h = int.from_bytes(hashlib.sha256(prompt.encode("utf-8")).digest()[:8], "big") / 2.0**64
    return h < fraction


@dataclass
class TrainingData:
    """``battles`` to train on (each row's ``source`` is its file), the golden prompts held out
    (never trained on), the distinct prompts of the battle files, and a JSON summary."""

    battles: Battles
    held_out_golden: list[str] = field(default_factory=list)
    battle_prompts: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def build_training_data(
    *,
    battle_files: Sequence[str | Path] = (),
    golden_files: Sequence[str | Path] = (),
    battles_weight: float = 1.0,
    golden_weight: float = 1.0,
    strong: str | None = None,
    weak: str | None = None,
    golden_all_pairs: bool = False,
    golden_holdout: float = 0.0,
    golden_where: Mapping[str, Any] | None = None,
    drop_models: Collection[str] = (),
    golden_tie_advantage: float | str | None = None,
    judged: Battles | None = None,
) -> TrainingData:
    """Read and combine training files.

    Battle rows get ``battles_weight``; golden rows become battles of ``strong`` vs ``weak`` (or of
    every scored pair with ``golden_all_pairs``) with ``golden_weight``, except the share
    ``golden_holdout`` of prompts chosen by ``holdout``. ``golden_where`` keeps golden rows whose
    fields equal the values given; ``drop_models`` removes every battle and score of those models.
    ``golden_tie_advantage`` (a number in [0, 1], or ``"auto"`` to measure it on the judge grades of
    the battle files, or of ``judged`` when given) puts golden ties on a judge's scale
    (``routellm_core.data.judge_scale``).
    """
    if not battle_files and not golden_files:
        raise ConfigError("give training data: --battles FILE... and/or --golden FILE...")
    battles_weight = finite_number("--battles-weight", battles_weight, minimum=0.0)
    golden_weight = finite_number("--golden-weight", golden_weight, minimum=0.0)
    golden_holdout = finite_number(
        "--golden-holdout", golden_holdout, minimum=0.0, maximum=1.0, max_exclusive=True,
        hint="It is the share of golden prompts never trained on, e.g. 0.1.",
    )
    if golden_files and not golden_all_pairs and (not strong or not weak):
        raise ConfigError(
            "--golden needs --strong and --weak (the model names in the files' scores), "
            "or --golden-all-pairs to train on every pair of scored models."
        )
    dropped = set(drop_models)
    parts: list[Battles] = []
    summary: dict[str, Any] = {"battles": [], "golden": []}
    battle_prompts: list[str] = []
    for path in battle_files:
        b = read_battles(path)
        if dropped:
            b = b.subset([i for i, (x, y) in enumerate(zip(b.model_a, b.model_b)) if x not in dropped and y not in dropped])
        b.weight = b.weight * battles_weight
        parts.append(b)
        battle_prompts.extend(b.prompts)
        summary["battles"].append({"file": Path(path).name, "rows": len(b), "prompts": len(b.unique_prompts())})
    tie_advantage = None
    if golden_files and golden_tie_advantage is not None:
        graded = judged if judged is not None else Battles.concat(parts)
        tie_advantage = parse_tie_advantage(golden_tie_advantage, graded)
    held_out: list[str] = []
    for path in golden_files:
        rows = read_golden(path, where=golden_where, drop_models=dropped)
        seen = [r for r in rows if not holdout(r.prompt, golden_holdout)]
        held_out.extend(r.prompt for r in rows if holdout(r.prompt, golden_holdout))
        if golden_all_pairs:
            golden = golden_to_all_pair_battles(seen, weight=golden_weight)
        else:
            golden = golden_to_battles(seen, strong, weak, weight=golden_weight)  # type: ignore[arg-type]
        parts.append(golden if tie_advantage is None else resolve_correctness_ties(golden, tie_advantage))
        summary["golden"].append(
            {"file": Path(path).name, "rows_used": len(seen), "rows_held_out": len(rows) - len(seen),
             "contaminated_rows": "excluded"}
        )
    if golden_where:
        summary["golden_where"] = dict(golden_where)
    if tie_advantage is not None:
        summary["golden_tie_advantage"] = round(tie_advantage, 6)
    if dropped:
        summary["dropped_models"] = sorted(dropped)
    if golden_files and golden_holdout > 0:
        summary["golden_holdout_rule"] = (
            f"a row is held out (never trained on) iff int(sha256(prompt)[:8 bytes], big-endian) / 2**64 "
            f"< {golden_holdout}"
        )
    battles = Battles.concat(parts)
    if not len(battles):
        raise ConfigError("the training files hold no usable rows (after filters, hold-out and dropped models).")
    return TrainingData(battles, held_out, list(dict.fromkeys(battle_prompts)), summary)


def per_source_sample(battles: Battles, per_source: int, seed: int = 0) -> list[str]:
    """Up to ``per_source`` distinct prompts of every source (a seeded sample), e.g. to calibrate
    on a mix in which no single big file dominates."""
    if per_source < 1:
        raise ConfigError(f"the per-source sample size must be >= 1, got {per_source}.")
    out: list[str] = []
    rng = np.random.default_rng(seed)
    for name in battles.sources():
        prompts = battles.of_source(name).unique_prompts()
        if len(prompts) > per_source:
            prompts = [prompts[i] for i in sorted(rng.choice(len(prompts), per_source, replace=False))]
        out.extend(prompts)
    return list(dict.fromkeys(out))
