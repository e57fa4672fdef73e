"""Evaluation of routing among N models: hulls, AIQ, oracle and random mix on hand-computed cases,
the router curves, and ``routellm eval --multimodel`` end to end on small files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from routellm_core.cli.evaluate import main
from routellm_core.data.golden import GoldenRow
from routellm_core.evaluation.multimodel import (
    CostCurve,
    call_cost_estimates,
    concave_hull,
    efficient_models,
    multimodel_data,
    oracle_curve,
    quality_router_curve,
    random_mix,
    single_models,
    summarize,
    tiers_router_curve,
)
from tests.helpers import EASY_PROMPTS, HARD_PROMPTS

#: four prompts, three models: A (cost 4) solves 3, B (cost 2) solves 2, C (cost 1) solves 1
SCORES = {"p0": (1, 1, 1), "p1": (1, 1, 0), "p2": (1, 0, 0), "p3": (0, 0, 0)}
COSTS = {"A": 4.0, "B": 2.0, "C": 1.0}


def hand_rows(with_costs: bool = True) -> list[GoldenRow]:
    return [GoldenRow(p, dict(zip("ABC", map(float, s))), id=p, costs=dict(COSTS) if with_costs else None)
            for p, s in SCORES.items()]


def test_hull_is_upper_non_decreasing_and_concave() -> None:
    hc, hq = concave_hull(np.array([1, 2, 3, 2.5, 4, 1.5]), np.array([0.5, 0.7, 0.8, 0.6, 0.75, 0.55]))
    assert hc.tolist() == [1, 2, 3] and hq.tolist() == [0.5, 0.7, 0.8]  # (1.5, .55) under, (4, .75) lower


def test_single_models_random_mix_and_oracle_by_hand() -> None:
    data = multimodel_data(hand_rows())
    assert data.models == ["A", "B", "C"]  # dearest first
    singles = single_models(data)
    assert [(s.cost[0], s.quality[0]) for s in singles.values()] == [(4, 0.75), (2, 0.5), (1, 0.25)]
    mix = random_mix(data)
    assert mix.hull[0].tolist() == [1, 2, 4] and mix.aiq(1, 4) == pytest.approx((0.375 + 1.25) / 3)
    oracle = oracle_curve(data)
    # lam small: p0->C, p1->B, p2->A, p3->C (cost 2, quality .75); then p2->C; then all C
    assert oracle.hull[0].tolist() == [1.0, 1.25, 2.0] and oracle.hull[1].tolist() == [0.25, 0.5, 0.75]
    assert oracle.aiq(1, 4) == pytest.approx((0.09375 + 0.46875 + 1.5) / 3)
    assert singles["B"].aiq(1, 4) == pytest.approx(0.5 * 2 / 3) and singles["A"].aiq(1, 4) == 0.0
    assert oracle.cost_for(0.75) == 2.0 and mix.cost_for(0.75) == 4.0 and mix.cost_for(0.8) is None
    assert mix.cost_for(0.625) == pytest.approx(3.0) and oracle.quality_at(0.5) == 0.0
    summary = summarize({**singles, "random mix": mix, "oracle": oracle}, data)
    assert summary["best_single"] == {"model": "A", "quality": 0.75, "cost": 4.0}
    assert summary["cost_range"] == [1.0, 4.0]
    o = summary["systems"]["oracle"]
    assert o["aiq"] == pytest.approx(0.6875) and o["cost_to_match_best"] == 2.0
    assert o["quality_at_half_best_cost_point"] == 0.75 and o["shares_at_that_point"] == {"A": 0.25, "B": 0.25, "C": 0.5}
    assert summary["systems"]["random mix"]["quality_at_half_best_cost_point"] == 0.5


def test_a_perfect_quality_router_is_the_oracle_and_tiers_span_the_costs() -> None:
    data = multimodel_data(hand_rows())
    perfect = quality_router_curve(data.scores.copy(), data)
    oracle = oracle_curve(data)
    assert perfect.hull[0].tolist() == oracle.hull[0].tolist() and perfect.hull[1].tolist() == oracle.hull[1].tolist()
    tiers = tiers_router_curve(np.array([0.1, 0.5, 0.9, 0.2]), data, ["A", "B", "C"])
    assert tiers.cost.min() == 1.0 and tiers.cost.max() == 4.0
    assert efficient_models(data) == ["A", "B", "C"]


def test_costs_from_prices_and_without_costs() -> None:
    rows = hand_rows(with_costs=False)
    priced = multimodel_data(rows, prices={"A": 1, "B": 3, "C": (2, 0)}, tokens=(1000, 1000))
    assert priced.models == ["B", "A", "C"] and priced.costs[0].tolist() == pytest.approx([6e-3, 2e-3, 2e-3])
    bare = multimodel_data(rows)
    assert bare.costs is None
    assert random_mix(bare).quality[0] == pytest.approx(0.5)  # a random model per prompt
    assert oracle_curve(bare).quality[0] == 0.75
    assert quality_router_curve(bare.scores.copy(), bare).quality[0] == 0.75
    with pytest.raises(Exception, match="lack a score"):
        multimodel_data(rows, models=["A", "Z"])


def test_costs_per_prompt_and_the_estimates_a_router_routes_by() -> None:
    """tokens=("prompt", OUT) prices each row by its prompt; ``call_cost_estimates`` (a price per
    prompt token and a fixed part, fitted on a reference) reproduces such costs exactly; with no
    signal in the predicted qualities, pricing each call lets a router send the short prompts to
    the dear model first, above the random mix, which the same router with mean costs only ties."""
    rows = [GoldenRow("x" * (40 * (1 + i % 10)), {"A": 1.0, "C": float(i % 2)}, id=str(i)) for i in range(200)]
    data = multimodel_data(rows, prices={"A": (10, 30), "C": (1, 3)}, tokens=("prompt", 100))
    n_in = np.array([len(r.prompt) / 4 for r in rows])
    assert data.models == ["A", "C"]
    assert data.costs[:, 0] == pytest.approx((n_in * 10 + 100 * 30) / 1e6)
    assert call_cost_estimates(data, data.prompts) == pytest.approx(data.costs)
    flat = multimodel_data(rows, prices={"A": (10, 30), "C": (1, 3)}, tokens=(1000, 100))
    assert call_cost_estimates(flat, data.prompts) == pytest.approx(flat.costs)  # no slope on flat costs
    assert call_cost_estimates(multimodel_data(rows), data.prompts) is None
    flat_q = np.tile([0.9, 0.5], (len(rows), 1))  # the router knows nothing about the prompts
    lo, hi = float(data.costs.mean(axis=0).min()), float(data.costs.mean(axis=0).max())
    mix = random_mix(data).aiq(lo, hi)
    by_mean = quality_router_curve(flat_q, data).aiq(lo, hi)
    by_call = quality_router_curve(flat_q, data, call_costs=call_cost_estimates(data, data.prompts)).aiq(lo, hi)
    assert by_mean == pytest.approx(mix) and by_call > mix + 0.01


def test_aiq_of_a_curve_starting_inside_the_range() -> None:
    curve = CostCurve(np.array([2.0, 3.0]), np.array([0.6, 0.9]))
    assert curve.aiq(1.0, 4.0) == pytest.approx((0.75 + 0.9) / 3)  # nothing below 2, flat after 3
    assert curve.best_point_within(2.5) == 0 and curve.best_point_within(1.0) is None


# ---------------------------------------------------------------------------- the CLI
def _write(path: Path, n: int, seed: int, costs: bool = True) -> Path:
    """'big' (cost 10) solves everything, 'mid' (3) small talk and half the maths, 'small' (1)
    small talk only; prob_if_correct-style scores (0 when wrong)."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            hard = i % 2 == 0
            prompt = (HARD_PROMPTS if hard else EASY_PROMPTS)[i % 5].format(n=seed * 1000 + i)
            scores = {"big": 0.9, "mid": 0.7 if (not hard or rng.random() < 0.5) else 0.0, "small": 0.0 if hard else 0.6}
            row = {"id": f"r{i}", "prompt": prompt, "scores": scores, "score_type": "prob_if_correct",
                   "split": "test" if seed else "train"}
            if costs:
                row["costs"] = {"big": 10.0, "mid": 3.0, "small": 1.0}
            fh.write(json.dumps(row) + "\n")
    return path


def test_cli_multimodel_train_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train, test = _write(tmp_path / "train.jsonl", 80, 0), _write(tmp_path / "test.jsonl", 40, 1)
    out, png = tmp_path / "mm.json", tmp_path / "mm.png"
    rc = main(["--multimodel", str(test), "--train", str(train), "--routers", "random", "quality_ridge",
               "--router-opt", "quality_ridge.embedding_weight=0", "--binarize", "--quiet",
               "--out-json", str(out), "--plot", str(png)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "AIQ" in text and "quality_ridge" in text and "oracle" in text and "random mix" in text
    report = json.loads(out.read_text())
    systems = report["summary"]["systems"]
    assert set(systems) == {"big", "mid", "small", "random mix", "quality_ridge", "oracle"}
    assert report["summary"]["best_single"]["model"] == "big"
    assert systems["quality_ridge"]["aiq"] > systems["random mix"]["aiq"]
    # at half of big's cost: small talk to small, maths to big (5.5 a call) is just over; mid's lucky half
    # of the maths cannot be told from the text. The mix reaches only mid's 0.75 there.
    assert systems["quality_ridge"]["quality_at_half_best_cost_point"] >= 0.9
    assert systems["random mix"]["quality_at_half_best_cost_point"] == pytest.approx(0.75, abs=0.06)
    assert systems["oracle"]["aiq"] >= systems["quality_ridge"]["aiq"] - 1e-12
    assert report["routers"]["quality_ridge"].startswith("strategy quality")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_multimodel_prices_cv_tiers_and_quality_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import tiny_router_path

    both = _write(tmp_path / "all.jsonl", 60, 0, costs=False)
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"_source": "a note", "big": 10, "mid": [3, 3], "small": 1}))
    out = tmp_path / "cv.json"
    rc = main(["--multimodel", str(both), "--cv", "3", "--prices", str(prices), "--routers", "quality_ridge",
               str(tiny_router_path()), "--router-opt", "quality_ridge.embedding_weight=0",
               "--binarize", "score_type=prob_if_correct", "--quiet", "--out-json", str(out)])
    assert rc == 0
    report = json.loads(out.read_text())
    assert "3-fold" in report["routers"]["quality_ridge"]
    assert report["tiers"] == ["big", "mid", "small"]  # the checkpoint routes by tiers
    assert str(tiny_router_path()) in report["summary"]["systems"]
    capsys.readouterr()
    bars = tmp_path / "bars.png"
    assert main(["--multimodel", str(both), "--routers", "random", "--quiet", "--plot", str(bars)]) == 0
    assert "quality figures only" in capsys.readouterr().out and bars.read_bytes()[:4] == b"\x89PNG"
    per_prompt = tmp_path / "per_prompt.json"
    assert main(["--multimodel", str(both), "--cv", "2", "--prices", str(prices), "--tokens", "prompt", "50",
                 "--routers", "quality_ridge", "--router-opt", "quality_ridge.embedding_weight=0", "--binarize",
                 "--quiet", "--out-json", str(per_prompt)]) == 0
    report = json.loads(per_prompt.read_text())
    assert "each prompt's own input + 50 output" in report["costs"]
    assert report["summary"]["systems"]["quality_ridge"]["aiq"] is not None
    capsys.readouterr()
    assert main(["--multimodel", str(both), "--prices", str(prices), "--tokens", "prompt", "prompt", "--quiet"]) == 2
    assert "only IN" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--multimodel", str(both), "--prices", str(prices), "--tokens", "words", "1"])
    assert main(["--multimodel", str(both), "--train", str(both), "--cv", "2", "--quiet"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["--multimodel", str(both), "--strong", "big", "--quiet"]) == 2
    assert main(["--benchmark", str(both), "--train", str(both), "--strong", "big", "--weak", "small"]) == 2
    assert "--train" in capsys.readouterr().err


def test_cli_multimodel_gives_quality_routers_the_known_costs_as_prices(tmp_path: Path) -> None:
    from routellm_core.cli.evaluate_multimodel import cost_prices
    from routellm_core.evaluation.multimodel import multimodel_data
    from routellm_core.data import read_golden

    train, test = _write(tmp_path / "train.jsonl", 80, 0), _write(tmp_path / "test.jsonl", 40, 1)
    assert cost_prices(multimodel_data(read_golden([train], where={}))) == {"big": 10.0, "mid": 3.0, "small": 1.0}
    base = ["--multimodel", str(test), "--train", str(train), "--routers", "quality_ridge",
            "--router-opt", "quality_ridge.embedding_weight=0", "--binarize", "--quiet", "--out-json"]
    assert main([*base, str(tmp_path / "auto.json")]) == 0
    auto = json.loads((tmp_path / "auto.json").read_text())
    assert auto["routers"]["quality_ridge"].endswith("prices = the known costs")
    # prices given by hand are used as given
    same = '{"big": 1, "mid": 1, "small": 1}'
    assert main([*base, str(tmp_path / "hand.json"), "--router-opt", f"quality_ridge.prices={same}"]) == 0
    assert "prices" not in json.loads((tmp_path / "hand.json").read_text())["routers"]["quality_ridge"]
    # no costs, no prices
    no_costs = _write(tmp_path / "plain.jsonl", 40, 1, costs=False)
    train_no_costs = _write(tmp_path / "plain_train.jsonl", 80, 0, costs=False)
    assert main(["--multimodel", str(no_costs), "--train", str(train_no_costs), "--routers", "quality_ridge", "--binarize",
                 "--router-opt", "quality_ridge.embedding_weight=0", "--quiet", "--out-json",
                 str(tmp_path / "plain.json")]) == 0
    assert "prices" not in json.loads((tmp_path / "plain.json").read_text())["routers"]["quality_ridge"]
