"""Golden ties on a judge's scale: the rate measured on judge grades, ties resolved, the option."""

from __future__ import annotations

import json

import numpy as np
import pytest

from routellm_core.data import Battles
from routellm_core.data.golden import GoldenRow, golden_to_battles
from routellm_core.data.judge_scale import (
    parse_tie_advantage,
    resolve_correctness_ties,
    tie_advantage_from_grades,
)
from routellm_core.data.training_data import build_training_data
from routellm_core.errors import ConfigError


def _graded(rows: list[tuple[str, float, float]]) -> Battles:
    """Judge-graded battles of 'big' vs 'small' (1-10 grades) on the given prompts."""
    return Battles.from_records(
        {"prompt": p, "model_a": "big", "model_b": "small", "score_a": a, "score_b": b,
         "winner": "model_a" if a > b else "model_b" if b > a else "tie"}
        for p, a, b in rows
    )


def test_tie_advantage_counts_only_pairs_of_good_answers():
    battles = _graded([
        ("p1", 9, 8),   # both good, stronger graded higher: +1
        ("p2", 8, 8),   # both good, equal: 0
        ("p3", 8, 9),   # both good, weaker graded higher: -1
        ("p4", 10, 2),  # weak answer bad: not counted
        ("p5", 9, 7),   # weak answer below 8/10: not counted
        ("p6", 10, 1),
    ])
    # 'big' has the higher mean grade, so it is the stronger model: (1 + 0 - 1) / 3
    assert tie_advantage_from_grades(battles) == pytest.approx(0.0)
    assert tie_advantage_from_grades(battles, min_grade=7) == pytest.approx(0.25)  # p5 counts: (1 + 0 - 1 + 1) / 4
    assert tie_advantage_from_grades(battles, min_grade=9) is None  # no pair has both answers >= 9
    ungraded = Battles(["p"], ["a"], ["b"], np.array([0.5]))
    assert tie_advantage_from_grades(ungraded) is None


def test_resolve_correctness_ties_leans_toward_the_stronger_model():
    rows = [GoldenRow(prompt=f"q{i}", scores={"gpt": s, "mix": w}, source="bench")
            for i, (s, w) in enumerate([(1, 1), (1, 0), (0, 0), (0, 1), (1, 0)])]
    battles = golden_to_battles(rows, "gpt", "mix")
    out = resolve_correctness_ties(battles, 0.3)
    assert out.outcome.tolist() == [0.65, 1.0, 0.65, 0.0, 1.0]
    reverse = golden_to_battles(rows, "mix", "gpt")  # same rows, the stronger model as model_b
    assert resolve_correctness_ties(reverse, 0.3).outcome.tolist() == [0.35, 0.0, 0.35, 1.0, 0.0]
    with pytest.raises(ConfigError, match="tie advantage"):
        resolve_correctness_ties(battles, 1.5)


def test_parse_tie_advantage():
    judged = _graded([("p1", 9, 8), ("p2", 3, 2)])
    assert parse_tie_advantage(None, judged) is None
    assert parse_tie_advantage("0.2", judged) == 0.2
    assert parse_tie_advantage("auto", judged) == 1.0
    with pytest.raises(ConfigError, match="judge-graded"):
        parse_tie_advantage("auto", Battles(["p"], ["a"], ["b"], np.array([1.0])))
    with pytest.raises(ConfigError, match="'auto' or a number"):
        parse_tie_advantage("lots", judged)


def test_build_training_data_applies_the_measured_advantage(tmp_path):
    chat = tmp_path / "chat.jsonl"
    chat.write_text("".join(json.dumps(r) + "\n" for r in [
        {"prompt": "hi", "model_a": "big", "model_b": "small", "score_a": 9, "score_b": 8, "winner": "model_a"},
        {"prompt": "yo", "model_a": "small", "model_b": "big", "score_a": 9, "score_b": 9, "winner": "tie"},
    ]))
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in [
        {"prompt": "2+2?", "scores": {"gpt": 1, "mix": 1}},
        {"prompt": "17*23?", "scores": {"gpt": 1, "mix": 0}},
    ]))
    td = build_training_data(battle_files=[chat], golden_files=[bench], golden_all_pairs=True,
                             golden_tie_advantage="auto")
    assert td.summary["golden_tie_advantage"] == 0.5  # (+1 + 0) / 2
    golden = td.battles.of_source("bench")
    tie = golden.outcome[golden.prompts.index("2+2?")]
    stronger_is_a = golden.model_a[golden.prompts.index("2+2?")] == "gpt"
    assert tie == (0.75 if stronger_is_a else 0.25)
    plain = build_training_data(battle_files=[chat], golden_files=[bench], golden_all_pairs=True)
    assert "golden_tie_advantage" not in plain.summary
    assert plain.battles.of_source("bench").outcome[0] == 0.5


def test_eval_measures_auto_on_the_preference_files(tmp_path, capsys):
    """`routellm eval --preferences` with golden training data: `auto` is measured on the preference
    files' judge grades (there are no --battles files) and recorded in the report."""
    from routellm_core.cli import main

    rows = []
    for k in range(12):
        for p, (a, b) in ((f"prove theorem number {k} with care", (9, 8)), (f"hello friend number {k}", (9, 9))):
            rows.append({"prompt": p, "model_a": "big", "model_b": "small", "score_a": a, "score_b": b,
                         "winner": "model_a" if a > b else "tie"})
            rows.append({"prompt": p, "model_a": "small", "model_b": "tiny", "score_a": 8, "score_b": 2,
                         "winner": "model_a"})
    chat = tmp_path / "chat.jsonl"
    chat.write_text("".join(json.dumps(r) + "\n" for r in rows))
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"prompt": f"compute {k} * {k + 7}", "scores": {"big": 1, "small": k % 2}})
                             + "\n" for k in range(10)))
    report = tmp_path / "report.json"
    code = main(["eval", "--preferences", str(chat), "--routers", "random", "--golden", str(bench),
                 "--golden-all-pairs", "--golden-tie-advantage", "auto", "--cv", "2", "--random-seeds", "2",
                 "--out-json", str(report)])
    assert code == 0, capsys.readouterr().err
    # big vs small both >= 8 on every prompt: +1 on the first kind, 0 on the second -> 0.5
    assert json.loads(report.read_text())["training_data"]["golden_tie_advantage"] == 0.5
