"""LoRA in a few lines: low-rank adapters on named linear layers, merged back into the weights
after training (used by the ``causal_llm`` router). torch is imported inside the functions."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from routellm_core.errors import ConfigError


def apply_lora(model: Any, *, r: int, alpha: float, dropout: float, targets: Sequence[str]) -> list[Any]:
    """Wrap every ``torch.nn.Linear`` whose qualified name ends with one of ``targets`` with a
    low-rank adapter ``W x + (alpha / r) * B A x`` (A random, B zero, so the model is unchanged at
    start). Freezes nothing itself; returns the new trainable adapter parameters."""
    import torch

    class LoRALinear(torch.nn.Module):
        def __init__(self, base: Any) -> None:
            super().__init__()
            self.base = base
            self.scale = alpha / r
            self.drop = torch.nn.Dropout(dropout)
            dev, dt = base.weight.device, base.weight.dtype
            self.lora_a = torch.nn.Parameter(torch.empty(r, base.in_features, device=dev, dtype=dt))
            self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, r, device=dev, dtype=dt))
            torch.nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))

        def forward(self, x: Any) -> Any:
            return self.base(x) + (self.drop(x) @ self.lora_a.T @ self.lora_b.T) * self.scale

    found: list[tuple[Any, str, Any]] = []
    for name, module in model.named_modules():
        for child_name, child in module.named_children():
            full = f"{name}.{child_name}" if name else child_name
            if isinstance(child, torch.nn.Linear) and any(full.endswith(t) for t in targets):
                found.append((module, child_name, child))
    if not found:
        raise ConfigError(
            f"LoRA found no linear layer named like {list(targets)} in this model; set lora_targets "
            "to names of its attention/MLP projections, or lora_r=0 for full fine-tuning."
        )
    params: list[Any] = []
    for parent, child_name, child in found:
        wrapped = LoRALinear(child)
        setattr(parent, child_name, wrapped)
        params += [wrapped.lora_a, wrapped.lora_b]
    return params


def merge_lora(model: Any) -> int:
    """Fold every adapter into its base weight and put the plain Linear back; returns the count."""
    import torch

    n = 0
    for _name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if hasattr(child, "lora_a") and hasattr(child, "base"):
                with torch.no_grad():
                    delta = (child.lora_b.float() @ child.lora_a.float()) * child.scale
                    child.base.weight += delta.to(child.base.weight.dtype)
                setattr(module, child_name, child.base)
                n += 1
    return n
