"""Scorers beside the project's routers in the probes and ``label_scale_eval.py``: a prompt's
length in characters (the baseline issue 19 names) and a peer's stored scores
(``benchmarks/peer_scores.py``). Both have the routers' ``score(prompts)``; neither is trained."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class PromptLength:
    """Scores a prompt by its length in characters: longer is harder."""

    name = "length"

    def score(self, prompts: list[str]) -> np.ndarray:
        return np.array([len(p) for p in prompts], dtype=np.float64)


class StoredScores:
    """A peer's scores read from the JSON file ``benchmarks/peer_scores.py`` writes."""

    def __init__(self, path: str | Path) -> None:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict) or not isinstance(doc.get("scores"), dict):
            raise ValueError(f"{path}: not a peer scores file; write one with benchmarks/peer_scores.py")
        self.path, self.name = str(path), str(doc.get("name", Path(path).stem))
        self.scores = {str(p): float(s) for p, s in doc["scores"].items()}

    def score(self, prompts: list[str]) -> np.ndarray:
        missing = [p for p in prompts if p not in self.scores]
        if missing:
            raise KeyError(f"{self.path} has no score for {len(missing)} prompt(s), e.g. {missing[0][:60]!r}: "
                           "re-run benchmarks/peer_scores.py on the prompts of --dump-prompts")
        return np.array([self.scores[p] for p in prompts], dtype=np.float64)

    def default_threshold(self) -> float:
        raise NotImplementedError(f"{self.name} has no threshold on this project's scale")


def scorers(peer_files: list[str] | None, length: bool = True) -> dict[str, object]:
    """Name -> scorer: the length baseline (when ``length``) and each peer file."""
    out: dict[str, object] = {"length": PromptLength()} if length else {}
    for path in peer_files or []:
        peer = StoredScores(path)
        out[peer.name] = peer
    return out
