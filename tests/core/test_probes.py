"""The benchmark probes' own arithmetic and inputs (no shared data): the task-type probe's halves
and its length-matched AUC, and the peers' stored scores."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import peers
        import task_type_probe
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return task_type_probe, peers


def test_the_two_halves_are_balanced_by_type(bench):
    probe, _ = bench
    for half in (probe.PROMPTS, probe.LENGTH_PROMPTS):
        assert set(half) == {*probe.HIGH, *probe.LOW}
        assert all(len(v) == 22 for v in half.values())
    every = [p for half in (probe.PROMPTS, probe.LENGTH_PROMPTS) for v in half.values() for p in v]
    assert len(set(every)) == len(every)


def test_length_alone_ranks_the_first_half_but_not_the_matched_pairs(bench):
    probe, peers = bench
    res = probe.probe(peers.PromptLength())
    assert res["auc_high_vs_low"] > 0.9  # the first half: HIGH prompts are the longer ones
    assert abs(res["auc_length_matched"] - 0.5) < 0.05
    assert res["threshold"] is None and res["types"]["math"]["to_strong"] is None


def test_matched_auc_counts_only_pairs_of_about_the_same_length(bench):
    probe, _ = bench
    neg, neg_len = np.array([0.0, 0.9]), np.array([10.0, 100.0])
    pos, pos_len = np.array([0.5]), np.array([12.0])
    assert probe.matched_auc(neg, neg_len, pos, pos_len) == 1.0  # only the pair (12, 10) is close
    assert probe.auc(neg, pos) == 0.5


def test_a_peer_file_scores_the_prompts_it_holds(bench, tmp_path):
    _, peers = bench
    path = tmp_path / "peer.json"
    path.write_text(json.dumps({"name": "keywords", "scores": {"a": 0.1, "b": 0.7}}))
    (name, scorer), = peers.scorers([str(path)], length=False).items()
    assert name == "keywords" and list(scorer.score(["b", "a"])) == [0.7, 0.1]
    with pytest.raises(KeyError, match="peer_scores.py"):
        scorer.score(["c"])
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a peer scores file"):
        peers.StoredScores(path)
