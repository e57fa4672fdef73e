"""Cross-validation of routers on benchmark outcomes: group k-fold by prompt or category, a
fresh router per fold trained on the other folds' golden labels (plus extra battles)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from routellm_core.data.battles import Battles
from routellm_core.data.golden import GoldenRow, golden_to_battles
from routellm_core.errors import ConfigError
from routellm_core.evaluation.metrics import outcome_arrays
from routellm_core.routers.base import Router
from routellm_core.routers.registry import router_class


def assign_folds(
    rows: Sequence[GoldenRow], folds: int = 5, *, split_by: str | None = None, seed: int = 0
) -> np.ndarray:
    """Fold id in 0..folds-1 for every row (group k-fold).

    Groups are the prompt text (``split_by=None`` or ``"prompt"``: duplicate prompts share a
    fold) or the category (``split_by="category"``: whole categories are held out). Groups are
    shuffled with ``seed`` and then placed largest first into the currently smallest fold."""
    if folds < 2:
        raise ConfigError(f"cross-validation needs at least 2 folds, got {folds}.")
    if split_by in (None, "prompt"):
        keys = [r.prompt for r in rows]
    elif split_by == "category":
        keys = [r.category for r in rows]
    else:
        raise ConfigError(f"split_by must be None, 'prompt' or 'category', got {split_by!r}.")
    groups = list(dict.fromkeys(keys))
    if len(groups) < folds:
        raise ConfigError(
            f"only {len(groups)} distinct {split_by or 'prompt'} group(s) for {folds} folds; use fewer folds."
        )
    gid = {g: i for i, g in enumerate(groups)}
    row_group = np.array([gid[k] for k in keys], dtype=np.int64)
    sizes = np.bincount(row_group, minlength=len(groups))
    perm = np.random.default_rng(seed).permutation(len(groups))
    order = perm[np.argsort(-sizes[perm], kind="stable")]  # largest first, random among equals
    fold_of_group = np.empty(len(groups), dtype=np.int64)
    load = np.zeros(folds, dtype=np.int64)
    for g in order:
        f = int(np.argmin(load))
        fold_of_group[g] = f
        load[f] += sizes[g]
    return fold_of_group[row_group]


def _training_battles(
    train_rows: Sequence[GoldenRow],
    strong: str,
    weak: str,
    extra_battles: Battles | None,
    held_out_prompts: set[str],
) -> Battles:
    parts = [golden_to_battles(train_rows, strong, weak)]
    if extra_battles is not None and len(extra_battles):
        keep = [i for i, p in enumerate(extra_battles.prompts) if p not in held_out_prompts]
        parts.append(extra_battles.subset(keep))
    return Battles.concat(parts)


def cross_val_scores(
    router_factory: Callable[[], Router],
    rows: Sequence[GoldenRow],
    strong: str,
    weak: str,
    folds: int = 5,
    split_by: str | None = None,
    seed: int = 0,
    extra_battles: Battles | None = None,
    max_train: int | None = None,
    *,
    progress: bool = True,
    desc: str = "cv",
) -> np.ndarray:
    """Out-of-fold router scores (n,) for ``rows``: for each fold, a fresh router from
    ``router_factory()`` is fit on ``golden_to_battles(other folds' rows)`` plus
    ``extra_battles`` and scores the held-out fold for the (strong, weak) pair.

    No router scores a prompt it was trained on: folds group duplicate prompts (see
    ``assign_folds``), and training rows / extra battles whose prompt text occurs in the
    held-out fold are dropped. ``max_train`` caps the golden training rows per fold (a random
    subset, seeded by ``seed`` and the fold)."""
    outcome_arrays(rows, strong, weak)  # clear errors first
    out = np.full(len(rows), np.nan, dtype=np.float64)
    for test_idx, train, held_out in fold_splits(
        rows, folds, split_by=split_by, seed=seed, max_train=max_train, progress=progress, desc=desc
    ):
        router = router_factory()
        router.fit(_training_battles(train, strong, weak, extra_battles, held_out))
        scores = router.score([rows[i].prompt for i in test_idx], strong=strong, weak=weak)
        out[test_idx] = np.atleast_1d(np.asarray(scores, dtype=np.float64))
    return out


def fold_splits(
    rows: Sequence[GoldenRow],
    folds: int = 5,
    *,
    split_by: str | None = None,
    seed: int = 0,
    max_train: int | None = None,
    progress: bool = True,
    desc: str = "cv",
) -> Iterator[tuple[np.ndarray, list[GoldenRow], set[str]]]:
    """For each fold (``assign_folds``): (indices of its rows, the training rows, the held-out
    prompt texts). Training rows are the other folds' rows whose prompt text is not held out, at
    most ``max_train`` of them (a random subset, seeded by ``seed`` and the fold)."""
    from tqdm.auto import tqdm

    if max_train is not None and max_train < 1:
        raise ConfigError(f"max_train must be >= 1, got {max_train}.")
    fold_ids = assign_folds(rows, folds, split_by=split_by, seed=seed)
    for f in tqdm(range(folds), desc=desc, disable=not progress, unit="fold"):
        test_idx = np.nonzero(fold_ids == f)[0]
        held_out = {rows[i].prompt for i in test_idx}
        train = [r for r, fid in zip(rows, fold_ids) if fid != f and r.prompt not in held_out]
        if max_train is not None and len(train) > max_train:
            pick = np.random.default_rng([seed, f]).choice(len(train), max_train, replace=False)
            train = [train[i] for i in np.sort(pick)]
        if not train:
            raise ConfigError(f"fold {f} has no training rows left; use fewer folds.")
        yield test_idx, train, held_out


def router_factory(
    name: str, *, strong: str | None = None, weak: str | None = None, seed: int = 0, **options: Any
) -> Callable[[], Router]:
    """A zero-argument factory of fresh, untrained routers of registered type ``name``
    (``options`` go to the constructor; progress bars of training are switched off)."""
    cls = router_class(name)
    params = cls.param_names()
    kwargs: dict[str, Any] = {"strong_model": strong, "weak_model": weak, "seed": seed}
    if "show_progress" in params and "show_progress" not in options:
        kwargs["show_progress"] = False
    unknown = [k for k in options if k not in params]
    if unknown:
        raise ConfigError(f"router {name!r} has no option(s) {', '.join(unknown)}; it takes: {', '.join(params)}.")
    kwargs.update(options)
    return lambda: cls(**kwargs)
