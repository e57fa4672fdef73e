"""``routellm score``: a prompt log scored with a router in batches, decisions and a spend report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from routellm_core import load_router
from routellm_core.cli import main
from routellm_core.evaluation.log_scoring import N_BINS, score_log

PRICES = '{"big": [10, 30], "small": [1, 2]}'
PROMPTS = ["hi", "Prove that there are infinitely many primes.", "thanks!",
           "Write a Python function that merges two sorted lists, with tests.", "What is 2+2?",
           "Derive the closed form of sum k^2 for k=1..n, step by step."]


def log_file(tmp_path: Path) -> Path:
    p = tmp_path / "log.jsonl"
    rows = [{"prompt": t} for t in PROMPTS[:3]] + [{"id": 9}] + [
        {"messages": [{"role": "user", "content": t}]} for t in PROMPTS[3:]]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


def test_scores_and_decisions_per_row_in_batches(tmp_path: Path, capsys) -> None:
    out = tmp_path / "scores.csv"
    assert main(["score", str(log_file(tmp_path)), "--out", str(out), "--threshold", "0.6", "--batch-size", "2",
                 "--no-progress"]) == 0
    rows = list(csv.DictReader(out.open()))
    router = load_router("default")
    expected = router.score(PROMPTS)
    assert [int(r["row"]) for r in rows] == [1, 2, 3, 5, 6, 7]  # line numbers; the row without a prompt skipped
    np.testing.assert_allclose([float(r["score"]) for r in rows], expected, atol=1e-6)
    assert [r["model"] for r in rows] == ["strong" if s >= 0.6 else "weak" for s in expected]
    text = capsys.readouterr().out
    assert f"scored 6 prompts (1 rows without a prompt skipped); threshold 0.6000: {int((expected >= 0.6).sum())} to strong" in text


def test_report_spend_savings_and_plot(tmp_path: Path, capsys) -> None:
    report_file, plot = tmp_path / "report.json", tmp_path / "spend.png"
    assert main(["score", str(log_file(tmp_path)), "--prices", PRICES, "--strong-fraction", "0.5",
                 "--output-tokens", "100", "--report", str(report_file), "--plot", str(plot), "--no-progress"]) == 0
    report = json.loads(report_file.read_text())
    router = load_router("default")
    scores = router.score(PROMPTS)
    t = router.threshold_for(0.5)
    strong = scores >= t
    tokens = np.maximum(np.array([len(p) for p in PROMPTS]) / 4.0, 1.0)
    cost_big = (10 * tokens + 30 * 100) / 1e6
    cost_small = (1 * tokens + 2 * 100) / 1e6
    assert report["strong"] == "big" and report["weak"] == "small"
    assert report["strong_share"] == pytest.approx(strong.mean())
    assert report["all_strong_spend"] == pytest.approx(cost_big.sum())
    assert report["expected_spend"] == pytest.approx(np.where(strong, cost_big, cost_small).sum())
    assert report["savings"] == pytest.approx(cost_big.sum() - report["expected_spend"])
    assert plot.stat().st_size > 1000
    assert "expected spend $" in capsys.readouterr().out


def test_budget_sets_the_threshold_from_the_calibration(tmp_path: Path) -> None:
    report_file = tmp_path / "r.json"
    router = load_router("default")
    tokens = router.calibration_input_tokens_
    big, small = (10 * tokens + 30 * 300) / 1e6, (1 * tokens + 2 * 300) / 1e6
    budget = small + 0.25 * (big - small)  # a quarter of the calls can go to the strong model
    assert main(["score", str(log_file(tmp_path)), "--prices", PRICES, "--budget", str(budget), "--report",
                 str(report_file), "--no-progress"]) == 0
    assert json.loads(report_file.read_text())["threshold"] == pytest.approx(router.threshold_for(0.25))


def test_spend_curve_runs_from_all_weak_to_all_strong(tmp_path: Path) -> None:
    router = load_router("default")
    result = score_log(router, log_file(tmp_path), None, threshold=0.5)
    share, spend = result.spend_curve((10, 30), (1, 2), 100)
    assert len(share) == N_BINS + 1 and share[0] == 0 and share[-1] == 1
    rep = result.report((10, 30), (1, 2), 100)
    assert spend[0] == pytest.approx(rep["all_weak_spend"]) and spend[-1] == pytest.approx(rep["all_strong_spend"])
    assert np.all(np.diff(spend) >= -1e-12)


@pytest.mark.parametrize("args, message", [
    (["--budget", "0.01"], "--budget needs --prices"),
    (["--prices", '{"a": 1, "b": 2, "c": 3}'], "say which are routed with --strong NAME --weak NAME"),
    (["--prices", "{oops"], "--prices is not valid JSON"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
])
def test_bad_options_are_one_line_errors(tmp_path: Path, capsys, args: list[str], message: str) -> None:
    assert main(["score", str(log_file(tmp_path)), "--no-progress", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("routellm score: error:") and message in err and "\n" not in err


def test_empty_log_and_missing_column(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["score", str(empty), "--no-progress"]) == 2
    assert "the log is empty" in capsys.readouterr().err
    other = tmp_path / "other.csv"
    other.write_text("text,id\nhello,1\n")
    assert main(["score", str(other), "--no-progress"]) == 2
    assert "no prompt column" in capsys.readouterr().err
