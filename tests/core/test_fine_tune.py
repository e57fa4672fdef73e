"""``training.fine_tune``: example weights act across batches (a weighted mean over the set)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from routellm_core import ConfigError  # noqa: E402
from routellm_core.training.fine_tune import fine_tune  # noqa: E402


def _fit(weights: np.ndarray | None, example_weights: tuple[float, float] = (1.0, 9.0)) -> float:
    """One parameter pulled toward 0 by example 0 and toward 1 by example 1, one example a batch;
    returns where it ends."""
    torch.manual_seed(0)
    model = torch.nn.Module()
    model.theta = torch.nn.Parameter(torch.zeros(1))
    target, w = torch.tensor([0.0, 1.0]), torch.tensor(example_weights)

    def loss_fn(idx: np.ndarray) -> tuple[object, object]:
        i = torch.as_tensor(idx)
        return ((model.theta - target[i]) ** 2 * w[i]).sum(), w[i].sum()

    fine_tune(model=model, params=[model.theta], loss_fn=loss_fn, lengths=np.array([1, 1]), train_idx=np.array([0, 1]),
              val_idx=np.array([], dtype=np.int64), epochs=300, lr=0.05, weight_decay=0.0, batch_size=1, patience=0,
              seed=0, show_progress=False, desc="test", weights=weights)
    return float(model.theta.detach())


def test_weights_act_across_batches() -> None:
    # the weighted mean's minimum is 9 / (1 + 9): reached when each batch counts by its weight
    assert _fit(np.array([1.0, 9.0])) == pytest.approx(0.9, abs=0.01)
    # without the weights each batch is its own weighted mean, so a one-example batch counts fully
    assert _fit(None) == pytest.approx(0.5, abs=0.01)


def test_weights_must_have_a_positive_mean() -> None:
    with pytest.raises(ConfigError, match="mean weight"):
        _fit(np.array([0.0, 0.0]), example_weights=(0.0, 0.0))
