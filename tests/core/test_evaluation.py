"""Evaluation metrics (PGR, APGR, CPT, savings), cross-validation and the ``eval`` CLI.

Metric cases are small and computed by hand; no file under /work/shared is read."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from routellm_core.cli.evaluate import main
from routellm_core.cli.evaluate import register as add_eval_parser
from routellm_core.data import Battles, GoldenRow
from routellm_core.errors import ConfigError, UnknownModelError
from routellm_core.evaluation import (
    CurveResult,
    assign_folds,
    cost_saving,
    cross_val_scores,
    evaluate_scores,
    oracle_scores,
    outcome_arrays,
    per_call_costs,
    random_baseline,
    router_factory,
)
from routellm_core.routers.base import Router


# ============================================================================ metrics
def test_ties_use_expected_quality_of_the_tied_block() -> None:
    strong, weak = [1, 0, 1, 1], [0, 0, 0, 1]  # gains 1, 0, 1, 0
    res = evaluate_scores([0.9, 0.5, 0.5, 0.1], strong, weak)
    # k=2 takes half of the tied block {gain 0, gain 1} in expectation: (1 + 1 + 0.5) / 4
    np.testing.assert_allclose(res.quality_curve, [0.25, 0.5, 0.625, 0.75, 0.75])
    np.testing.assert_allclose(res.pgr_curve, [0, 0.5, 0.75, 1, 1])
    assert res.apgr == pytest.approx(0.25 * (0.25 + 0.625 + 0.875 + 1.0))  # 0.6875
    assert res.cpt(0.5) == pytest.approx(0.25)
    assert res.cpt(0.8) == pytest.approx(0.55)  # interpolated between k=2 (0.75) and k=3 (1.0)
    # the order of tied items in the input does not matter
    again = evaluate_scores([0.9, 0.5, 0.5, 0.1][::-1], strong[::-1], weak[::-1])
    np.testing.assert_allclose(again.quality_curve, res.quality_curve)


def test_constant_scores_give_the_straight_line() -> None:
    res = evaluate_scores(np.full(5, 0.3), [1, 1, 0, 1, 0], [0, 1, 0, 0, 0])
    np.testing.assert_allclose(res.pgr_curve, np.linspace(0, 1, 6))
    assert res.apgr == pytest.approx(0.5)


def test_perfect_and_reversed_router() -> None:
    strong, weak = [1, 1, 0, 0], [0, 0, 0, 0]
    perfect = evaluate_scores(oracle_scores(strong, weak), strong, weak)
    np.testing.assert_allclose(perfect.pgr_curve, [0, 0.5, 1, 1, 1])
    assert perfect.apgr == pytest.approx(0.75)
    assert perfect.cpt(0.5) == pytest.approx(0.25)
    assert perfect.cpt(0.8) == pytest.approx(0.4)
    reversed_ = evaluate_scores(-oracle_scores(strong, weak), strong, weak)
    np.testing.assert_allclose(reversed_.pgr_curve, [0, 0, 0, 0.5, 1])
    assert reversed_.apgr == pytest.approx(0.25)
    assert reversed_.cpt(0.5) == pytest.approx(0.75)
    assert perfect.cpt(1.5) is None  # never reached
    assert perfect.quality_at(0.125) == pytest.approx(0.125)


def test_oracle_can_exceed_pgr_one_when_weak_is_sometimes_better() -> None:
    strong, weak = [1, 1, 0], [0, 0, 1]
    res = evaluate_scores(oracle_scores(strong, weak), strong, weak)
    assert res.pgr_curve.max() > 1.0
    assert res.pgr_curve[-1] == pytest.approx(1.0)
    assert res.cpt(0.0) == 0.0


def test_random_router_expectation_is_one_half() -> None:
    rng = np.random.default_rng(1)
    strong = (rng.random(400) < 0.8).astype(float)
    weak = (rng.random(400) < 0.5).astype(float)
    base = random_baseline(strong, weak, seeds=30, seed=0)
    assert base.apgr == pytest.approx(0.5, abs=0.02)
    assert isinstance(base, CurveResult) and base.n == 400


def test_cost_savings() -> None:
    assert cost_saving(0.5, 1.0, 0.0) == pytest.approx(0.5)
    assert cost_saving(0.0, 2.0, 1.0) == pytest.approx(0.5)
    assert cost_saving(None, 1.0, 0.0) is None
    assert per_call_costs(strong_price=10.0, weak_price=1.0, tokens_per_call=500) == pytest.approx((0.005, 0.0005))
    assert per_call_costs(strong_cost=3.0, weak_cost=1.0) == (3.0, 1.0)
    with pytest.raises(ConfigError):
        per_call_costs(strong_cost=3.0)


def test_degenerate_empty_and_mismatched_benchmarks_raise_clear_errors() -> None:
    with pytest.raises(ConfigError, match="same quality"):
        evaluate_scores([0.1, 0.9], [1, 0], [0, 1])
    with pytest.raises(ConfigError, match="no prompts"):
        evaluate_scores([], [], [])
    with pytest.raises(ConfigError, match="router scores"):
        evaluate_scores([0.1], [1, 0], [0, 0])
    with pytest.raises(ConfigError, match="NaN"):
        evaluate_scores([np.nan, 0.1], [1, 0], [0, 0])


# ============================================================================ data + CV
def _rows(n: int = 40, *, dup_every: int = 0, categories: int = 4) -> list[GoldenRow]:
    rows = []
    for i in range(n):
        prompt = f"question {i // 2 if dup_every and i % dup_every < 2 else i} about topic {i % 7}"
        hard = i % 3 == 0
        rows.append(GoldenRow(prompt=prompt, scores={"strong": 1.0, "weak": 0.0 if hard else 1.0},
                              id=f"r{i}", category=f"cat{i % categories}"))
    return rows


def test_outcome_arrays_errors() -> None:
    rows = _rows(6)
    with pytest.raises(UnknownModelError, match="not in the benchmark"):
        outcome_arrays(rows, "gpt-9", "weak")
    with pytest.raises(ConfigError, match="no rows"):
        outcome_arrays([], "strong", "weak")
    s, w = outcome_arrays(rows, "strong", "weak")
    assert s.shape == w.shape == (6,)


def test_folds_group_duplicate_prompts_and_categories() -> None:
    rows = _rows(60, dup_every=4)
    folds = assign_folds(rows, 5, seed=3)
    by_prompt: dict[str, set[int]] = {}
    for r, f in zip(rows, folds):
        by_prompt.setdefault(r.prompt, set()).add(int(f))
    assert any(sum(r.prompt == p for r in rows) > 1 for p in by_prompt)  # duplicates exist
    assert all(len(fs) == 1 for fs in by_prompt.values())
    assert set(folds.tolist()) == set(range(5))
    assert np.array_equal(folds, assign_folds(rows, 5, seed=3))  # deterministic
    cat_folds = assign_folds(rows, 4, split_by="category", seed=0)
    for c in {r.category for r in rows}:
        assert len({int(f) for r, f in zip(rows, cat_folds) if r.category == c}) == 1
    with pytest.raises(ConfigError, match="fewer folds"):
        assign_folds(rows, 5, split_by="category")


class SpyRouter(Router):
    """Records what it was trained on; scores are a deterministic function of the prompt."""

    name: ClassVar[str] = "spy"
    uses_embedder: ClassVar[bool] = False
    instances: ClassVar[list[SpyRouter]] = []

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trained: set[str] = set()
        self.n_golden = 0
        self.batches: list[list[str]] = []
        SpyRouter.instances.append(self)

    def _fit(self, battles: Any) -> None:
        self.trained = set(battles.prompts)
        self.n_golden = sum(1 for a in battles.model_a if a == "strong")

    def _score(self, prompts: list[str], strong: str | None, weak: str | None) -> np.ndarray:
        self.batches.append(list(prompts))
        return np.array([len(p) % 5 / 5 for p in prompts])


def test_cross_val_never_scores_a_prompt_the_router_was_trained_on() -> None:
    rows = _rows(50, dup_every=3)
    extra = Battles.from_records(
        [{"prompt": r.prompt, "model_a": "strong", "model_b": "weak", "winner": "model_a"} for r in rows[:10]]
        + [{"prompt": "unrelated chat", "model_a": "weak", "model_b": "strong", "winner": "tie"}]
    )
    SpyRouter.instances.clear()
    out = cross_val_scores(lambda: SpyRouter(), rows, "strong", "weak", folds=5, seed=0,
                           extra_battles=extra, max_train=20, progress=False)
    assert out.shape == (50,) and np.all(np.isfinite(out))
    assert len(SpyRouter.instances) == 5
    scored: list[str] = []
    for spy in SpyRouter.instances:
        held_out = spy.batches[-1]  # the earlier batch is fit()'s calibration on training prompts
        assert not set(held_out) & spy.trained
        assert "unrelated chat" in spy.trained
        assert spy.n_golden <= 20 + 10  # max_train golden rows + extra strong-vs-weak battles
        scored += held_out
    assert sorted(scored) == sorted(r.prompt for r in rows)  # every prompt scored exactly once


def test_router_factory_builds_fresh_routers_and_checks_options() -> None:
    make = router_factory("random", strong="strong", weak="weak", seed=4)
    a, b = make(), make()
    assert a is not b and a.seed == 4
    with pytest.raises(ConfigError, match="no option"):
        router_factory("mf", bogus=1)


# ============================================================================ CLI
def _write_benchmark(path: Path, n: int = 48, *, same_quality: bool = False) -> Path:
    from tests.helpers import EASY_PROMPTS, HARD_PROMPTS

    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            hard = i % 2 == 0
            prompt = (HARD_PROMPTS if hard else EASY_PROMPTS)[i % 5].format(n=i // 4)  # some duplicates
            weak = 0.0 if hard else 1.0
            strong = weak if same_quality else 1.0
            fh.write(json.dumps({"id": f"t{i}", "prompt": prompt, "category": f"c{i % 3}",
                                 "scores": {"strong": strong, "weak": weak, "medium": 0.5},
                                 "contaminated": i == n - 1}) + "\n")
    return path


def test_cli_end_to_end_with_cv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _write_benchmark(tmp_path / "bench.jsonl")
    out_json, png, scores = tmp_path / "e.json", tmp_path / "e.png", tmp_path / "s.jsonl"
    rc = main(["--benchmark", str(bench), "--strong", "strong", "--weak", "weak",
               "--routers", "random", "mf", "--cv", "3", "--router-opt", "mf.epochs=3",
               "--router-opt", "mf.dim=8", "--random-seeds", "3", "--quiet",
               "--out-json", str(out_json), "--plot", str(png), "--scores-out", str(scores)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "APGR" in text and "oracle" in text and "1 contaminated dropped" in text
    report = json.loads(out_json.read_text())
    assert report["n"] == 47 and report["cv"] == 3
    assert set(report["routers"]) == {"random", "mf", "oracle"}
    assert report["routers"]["oracle"]["apgr"] == pytest.approx(0.75, abs=0.02)
    assert len(report["routers"]["mf"]["curve"]["fractions"]) == 201
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = [json.loads(x) for x in scores.read_text().splitlines()]
    assert len(lines) == 2 * 47
    assert {x["router"] for x in lines} == {"random", "mf"}
    assert set(lines[0]) == {"id", "router", "score", "fold"}


def test_cli_without_cv_loads_a_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import tiny_router_path

    bench = _write_benchmark(tmp_path / "bench.jsonl")
    ckpt = str(tiny_router_path())
    rc = main(["--benchmark", str(bench), "--strong", "strong", "--weak", "weak", "--routers", ckpt,
               "--quiet", "--out-json", str(tmp_path / "e.json")])
    assert rc == 0
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["routers"][ckpt]["apgr"] > 0.6  # the tiny router separates hard from easy


def test_cli_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _write_benchmark(tmp_path / "bench.jsonl")
    flat = _write_benchmark(tmp_path / "flat.jsonl", same_quality=True)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    base = ["--strong", "strong", "--weak", "weak", "--routers", "random", "--quiet"]
    assert main(["--benchmark", str(flat), *base]) == 2
    assert "same quality" in capsys.readouterr().err
    assert main(["--benchmark", str(empty), *base]) == 2
    assert "no rows" in capsys.readouterr().err
    assert main(["--benchmark", str(bench), "--strong", "gpt-9", "--weak", "weak", "--routers", "random"]) == 2
    assert "gpt-9" in capsys.readouterr().err
    assert main(["--benchmark", str(bench), *base, "--router-opt", "mf-epochs"]) == 2


def test_add_eval_parser_registers_subcommand() -> None:
    parser = argparse.ArgumentParser(prog="routellm")
    add_eval_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "--benchmark", "b.jsonl", "--strong", "s", "--weak", "w", "--cv", "5"])
    assert args.command == "eval" and args.cv == 5 and callable(args.func)
