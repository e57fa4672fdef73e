"""The training loop of the ``mf`` router (torch, imported lazily): only ``routellm train`` and
``fit`` need torch."""

from __future__ import annotations

import numpy as np

from routellm_core.errors import ConfigError, install_hint


def _progress(total: int, desc: str, enabled: bool):  # noqa: ANN202
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, leave=False)


def train_mf(
    emb: np.ndarray,
    *,
    prompt_idx: np.ndarray,
    a_idx: np.ndarray,
    b_idx: np.ndarray,
    outcome: np.ndarray,
    weight: np.ndarray,
    n_models: int,
    dim: int,
    hidden: int,
    epochs: int,
    lr: float,
    weight_decay: float,
    batch_size: int,
    dropout: float,
    seed: int,
    show_progress: bool,
) -> dict[str, np.ndarray]:
    """Fit the matrix-factorization router with the Bradley-Terry (BCE) loss; deterministic per seed.

    Returns arrays: ``model_embeddings`` [M, k], ``model_bias`` [M], ``classifier`` [k],
    ``proj`` [k, d] (or [hidden, d] plus ``proj_bias`` [hidden] and ``proj2`` [k, hidden]).
    """
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - depends on install
        raise ConfigError(f"training needs torch: {install_hint('train')}") from exc

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    X = torch.from_numpy(np.ascontiguousarray(emb, dtype=np.float32))
    d = X.shape[1]
    P = torch.nn.Parameter(torch.randn(n_models, dim, generator=gen) * 0.1)
    bias = torch.nn.Parameter(torch.zeros(n_models))
    clf = torch.nn.Parameter(torch.randn(dim, generator=gen) * 0.1 + 1.0)
    if hidden:
        l1 = torch.nn.Linear(d, hidden)
        l2 = torch.nn.Linear(hidden, dim, bias=False)
        proj_params = list(l1.parameters()) + list(l2.parameters())

        def project(x: torch.Tensor) -> torch.Tensor:
            return l2(torch.nn.functional.dropout(torch.relu(l1(x)), dropout, training=True))
    else:
        lin = torch.nn.Linear(d, dim, bias=False)
        proj_params = list(lin.parameters())

        def project(x: torch.Tensor) -> torch.Tensor:
            return lin(torch.nn.functional.dropout(x, dropout, training=True))

    params = [P, bias, clf, *proj_params]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    pi = torch.from_numpy(prompt_idx)
    ai = torch.from_numpy(a_idx)
    bi = torch.from_numpy(b_idx)
    y = torch.from_numpy(outcome.astype(np.float32))
    w = torch.from_numpy(weight.astype(np.float32))
    n = len(pi)
    steps = max(1, (n + batch_size - 1) // batch_size)
    bar = _progress(epochs * steps, "train mf", show_progress)
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for s in range(steps):
            idx = perm[s * batch_size : (s + 1) * batch_size]
            h = project(X[pi[idx]])
            Pn = torch.nn.functional.normalize(P, dim=1)
            sa = (Pn[ai[idx]] * h) @ clf + bias[ai[idx]]
            sb = (Pn[bi[idx]] * h) @ clf + bias[bi[idx]]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(sa - sb, y[idx], weight=w[idx], reduction="sum")
            loss = loss / w[idx].sum().clamp_min(1e-9)
            opt.zero_grad()
            loss.backward()
            opt.step()
            bar.update(1)
    bar.close()
    out = {
        "model_embeddings": P.detach().numpy().copy(),
        "model_bias": bias.detach().numpy().copy(),
        "classifier": clf.detach().numpy().copy(),
    }
    if hidden:
        out["proj"] = l1.weight.detach().numpy().copy()
        out["proj_bias"] = l1.bias.detach().numpy().copy()
        out["proj2"] = l2.weight.detach().numpy().copy()
    else:
        out["proj"] = lin.weight.detach().numpy().copy()
    return out
