"""Small real routers and data that tests share (no file under ../shared is read by tests)."""

from __future__ import annotations

import functools
from typing import Any
import random
from pathlib import Path

from routellm_core.data import Battles
from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter

HARD_PROMPTS = [
    "Prove that the square root of {n} is irrational using a rigorous argument.",
    "Derive the closed form of the integral of x^{n} * exp(-x) and prove convergence.",
    "Write a proof that there are infinitely many primes congruent to {n} mod 4.",
    "Solve the differential equation y'' + {n}y = sin(x) and prove uniqueness.",
    "Explain the proof of the spectral theorem for {n}-dimensional Hermitian matrices.",
]
EASY_PROMPTS = [
    "hi there, how are you doing today {n}?",
    "Say hello to my friend number {n}.",
    "What is a good name for a cat? Give {n} ideas.",
    "thanks, that's all for now {n}",
    "Tell me a short joke about {n} dogs.",
]
#: prompts the tiny router sends to strong / weak at threshold 0.5
HARD_EXAMPLE = "Prove rigorously that the square root of 2 is irrational."
EASY_EXAMPLE = "hi there, how are you?"


def tiny_battles(n: int = 200, seed: int = 0) -> Battles:
    """Synthetic battles: 'strong' wins hard math prompts, 'weak' ties or wins small talk.
    A third model, 'medium', appears so the router knows more than one pair."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        hard = i % 2 == 0
        template = rng.choice(HARD_PROMPTS if hard else EASY_PROMPTS)
        prompt = template.format(n=i)
        rows.append({"prompt": prompt, "model_a": "strong", "model_b": "weak",
                     "winner": "model_a" if hard else rng.choice(["model_b", "tie"])})
        rows.append({"prompt": prompt, "model_a": "medium", "model_b": "weak",
                     "winner": "model_a" if hard and rng.random() < 0.6 else "tie"})
    return Battles.from_records(rows, source="tiny_battles")


@functools.lru_cache(maxsize=1)
def _tiny_router_dir() -> Path:
    import tempfile

    router = MatrixFactorizationRouter(epochs=25, dim=16, show_progress=False, seed=0)
    router.fit(tiny_battles())
    out = Path(tempfile.mkdtemp(prefix="routellm-tiny-")) / "tiny-mf"
    router.save(out)
    return out


def tiny_router_path() -> Path:
    """Folder of a small real mf router (trained once per test session on synthetic battles).
    With threshold=0.5 it sends HARD_EXAMPLE to strong and EASY_EXAMPLE to weak."""
    return _tiny_router_dir()


def tiny_router() -> MatrixFactorizationRouter:
    """A fresh load of the tiny mf router (its own embedding cache)."""
    from routellm_core import load_router

    return load_router(str(tiny_router_path()))  # type: ignore[return-value]


def count_calls(monkeypatch: Any, targets: dict[str, tuple[Any, str]]) -> dict[str, int]:
    """Count the calls of each ``owner.name`` in ``targets`` (``{key: (owner, name)}``) from now
    on (``monkeypatch`` undoes the spies); returns the live ``{key: calls}`` dict."""
    seen = {key: 0 for key in targets}
    for key, (owner, name) in targets.items():
        real = getattr(owner, name)

        def wrapper(*args: Any, _real: Any = real, _key: str = key, **kwargs: Any) -> Any:
            seen[_key] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)
    return seen
