"""The fine-tuning loop of the transformer routers (``bert``, ``causal_llm``): length-bucketed
batches, linear warm-up/decay, weighted loss, early stopping on a validation split of the
prompts, progress bar, seed. torch is imported inside the functions only."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from routellm_core.errors import ConfigError


def split_by_prompt(prompts: Sequence[str], val_fraction: float, seed: int, *, min_val: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, val_idx): distinct prompts shuffled with ``seed``; a prompt's rows stay together.
    No validation split when there are too few prompts (fewer than ``min_val`` would be held out)."""
    if not 0.0 <= val_fraction < 1.0:
        raise ConfigError(f"val_fraction must be in [0, 1), got {val_fraction}.")
    uniq = list(dict.fromkeys(prompts))
    n_val = int(round(len(uniq) * val_fraction))
    all_idx = np.arange(len(prompts))
    if n_val < min_val or n_val >= len(uniq):
        return all_idx, np.zeros(0, dtype=np.int64)
    perm = np.random.default_rng(seed).permutation(len(uniq))
    val_prompts = {uniq[i] for i in perm[:n_val]}
    is_val = np.array([p in val_prompts for p in prompts], dtype=bool)
    return all_idx[~is_val], all_idx[is_val]


def length_batches(lengths: np.ndarray, idx: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (shuffle, sort inside chunks of 50 batches, shuffle)."""
    perm = idx[rng.permutation(len(idx))]
    chunk = batch_size * 50
    batches: list[np.ndarray] = []
    for s in range(0, len(perm), chunk):
        part = perm[s : s + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def fine_tune(
    *,
    model: Any,
    params: list[Any],
    loss_fn: Callable[[np.ndarray], tuple[Any, Any]],
    lengths: np.ndarray,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    epochs: int,
    lr: float,
    weight_decay: float,
    batch_size: int,
    patience: int,
    seed: int,
    show_progress: bool,
    desc: str,
    no_decay: Sequence[Any] = (),
    warmup: float = 0.06,
    max_grad_norm: float = 1.0,
    weights: np.ndarray | None = None,
) -> dict[str, Any]:
    """Fine-tune ``params`` of ``model`` with AdamW; return facts about the run.

    ``loss_fn(batch_indices) -> (weighted loss sum, weight sum)`` (tensors). A step minimises the
    batch's weighted loss sum over its size times the training examples' mean weight
    (``weights``: each example's weight; without them, over the batch's own weight sum), so that
    a batch of light examples (batches group prompts of similar length, often of one source)
    counts less than a batch of heavy ones: the weights act across batches, as in the weighted
    mean over the whole set. After every epoch the weighted validation loss is computed (when
    ``val_idx`` is not empty); the best epoch's parameters are restored at the end and training
    stops after ``patience`` epochs without improvement.
    """
    import torch
    from tqdm.auto import tqdm

    if epochs < 1:
        raise ConfigError(f"epochs must be >= 1, got {epochs}.")
    if batch_size < 1:
        raise ConfigError(f"batch_size must be >= 1, got {batch_size}.")
    rng = np.random.default_rng(seed)
    no_decay_ids = {id(p) for p in no_decay}
    groups = [
        {"params": [p for p in params if id(p) not in no_decay_ids], "weight_decay": weight_decay},
        {"params": [p for p in params if id(p) in no_decay_ids], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW([g for g in groups if g["params"]], lr=lr)
    steps_per_epoch = max(1, math.ceil(len(train_idx) / batch_size))
    total = steps_per_epoch * epochs
    warm = max(1, int(total * warmup))

    def schedule(step: int) -> float:
        return (step + 1) / warm if step < warm else max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    mean_weight = None
    if weights is not None and len(train_idx):
        mean_weight = float(np.mean(np.asarray(weights, dtype=np.float64)[train_idx]))
        if not math.isfinite(mean_weight) or mean_weight <= 0:
            raise ConfigError(f"the training examples' mean weight must be a number > 0, got {mean_weight}.")

    def evaluate() -> float:
        model.eval()
        tot, wsum = 0.0, 0.0
        with torch.no_grad():
            order = val_idx[np.argsort(lengths[val_idx], kind="stable")]
            for s in range(0, len(order), batch_size * 2):
                loss, w = loss_fn(order[s : s + batch_size * 2])
                tot += float(loss)
                wsum += float(w)
        return tot / max(wsum, 1e-12)

    best_loss = math.inf
    best_state: dict[int, Any] | None = None
    best_epoch = 0
    history: list[dict[str, float]] = []
    bad = 0
    t0 = time.perf_counter()
    bar = tqdm(total=total, desc=desc, disable=not show_progress, leave=False, unit="step")
    for epoch in range(1, epochs + 1):
        model.train()
        run, run_w = 0.0, 0.0
        for batch in length_batches(lengths, train_idx, batch_size, rng):
            loss, w = loss_fn(batch)
            mean = loss / w.clamp_min(1e-12) if mean_weight is None else loss / (mean_weight * len(batch))
            opt.zero_grad(set_to_none=True)
            mean.backward()
            if max_grad_norm:
                torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
            opt.step()
            sched.step()
            run += float(loss.detach())
            run_w += float(w)
            bar.update(1)
            bar.set_postfix(epoch=epoch, loss=f"{run / max(run_w, 1e-12):.4f}")
        rec = {"epoch": epoch, "train_loss": run / max(run_w, 1e-12)}
        if len(val_idx):
            val = evaluate()
            rec["val_loss"] = val
            if val < best_loss - 1e-6:
                best_loss, best_epoch, bad = val, epoch, 0
                best_state = {id(p): p.detach().clone() for p in params}
            else:
                bad += 1
        history.append({k: round(v, 6) for k, v in rec.items()})
        if len(val_idx) and bad > patience:
            break
    bar.close()
    if best_state is not None and best_epoch != history[-1]["epoch"]:
        with torch.no_grad():
            for p in params:
                p.copy_(best_state[id(p)])
    model.eval()
    return {
        "epochs_run": len(history),
        "best_epoch": best_epoch or len(history),
        "best_val_loss": None if best_state is None else round(best_loss, 6),
        "history": history,
        "train_rows": int(len(train_idx)),
        "val_rows": int(len(val_idx)),
        "seconds": round(time.perf_counter() - t0, 1),
    }
