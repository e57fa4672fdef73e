"""The default router and the commands around pooled labels: train pooled_ridge from several
sources, evaluate on preference files (as loaded, K-fold, leave-one-source-out)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from routellm_core import DEFAULT_ROUTER, load_router
from routellm_core.cli import main
from routellm_core.data import read_golden
from tests.core.test_pooled import MODELS, _battles, _easy, _hard


def _write_battles(path, battles) -> None:
    winners = {1.0: "model_a", 0.0: "model_b", 0.5: "tie"}
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for p, a, b, o in zip(battles.prompts, battles.model_a, battles.model_b, battles.outcome):
            fh.write(json.dumps({"prompt": p, "model_a": a, "model_b": b, "winner": winners[float(o)]}) + "\n")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("pooled")
    _write_battles(d / "chat_a.jsonl.gz", _battles(_hard(1), _easy(1), "a", 0))
    _write_battles(d / "chat_b.jsonl.gz", _battles(_hard(2), _easy(2), "b", 1))
    _write_battles(d / "chat_c.jsonl.gz", _battles(_hard(3), _easy(3), "c", 2))
    rows = []
    n_hard = len(_hard(4))
    for i, p in enumerate(_hard(4) + _easy(4)):
        hard = i < n_hard
        scores = {m: (1.0 if (not hard or k < 2) else 0.0) for k, m in enumerate(MODELS)}
        scores["broken"] = 0.0
        rows.append({"prompt": p, "scores": scores, "permissive": i % 4 != 0, "id": f"g{i}"})
    rows.append({"prompt": "a row of a file without the licence field", "scores": {"x": 1.0, "y": 0.0}})
    (d / "golden.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return d


def test_load_router_with_no_argument_is_the_bundled_default():
    router = load_router()
    assert DEFAULT_ROUTER == "default"
    assert router.name == "pooled_ridge" and router.model_agnostic
    assert router.calibration_quantiles_ is not None
    hard, easy = router.score("Prove that the square root of 2 is irrational"), router.score("hi there!")
    assert hard > easy


def test_adapters_default_to_the_bundled_router():
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from langchain_routellm import RoutedChatModel

    llm = RoutedChatModel(strong=FakeListChatModel(responses=["s"]), weak=FakeListChatModel(responses=["w"]))
    assert llm.policy.router.name == "pooled_ridge"


def test_golden_where_keeps_matching_rows_and_rows_without_the_field(data_dir):
    rows = read_golden(data_dir / "golden.jsonl", where={"permissive": True}, drop_models=["broken"])
    assert len(rows) == 19  # 24 rows, 6 not permissive dropped, 1 row without the field kept
    assert all("broken" not in r.scores for r in rows)
    assert {r.source for r in rows} == {"golden"}


def test_train_pooled_ridge_from_several_sources(data_dir, tmp_path, capsys):
    out = tmp_path / "router"
    code = main([
        "train", "pooled_ridge",
        "--battles", str(data_dir / "chat_a.jsonl.gz"), str(data_dir / "chat_b.jsonl.gz"),
        "--golden", str(data_dir / "golden.jsonl"), "--golden-all-pairs",
        "--golden-where", "permissive=true", "--drop-models", "broken",
        "--opt", "alpha=1", "min_df=1", 'source_weights={"chat_a": 2}',
        "--calibrate-per-source", "5", "--out", str(out),
    ])
    assert code == 0, capsys.readouterr().err
    router = load_router(out)
    assert router.name == "pooled_ridge" and router.source_weights == {"chat_a": 2.0}
    assert set(router.sources_) == {"chat_a", "chat_b", "golden"}
    assert router.sources_["chat_a"]["weight"] == 2.0
    assert "broken" not in router.training_info_["models"]
    assert router.training_info_["data"]["golden_where"] == {"permissive": True}
    assert "up to 5 distinct prompts of each of the 3 training files" in router.calibration_source_
    assert np.all(router.score(_hard(9)) > router.score(_easy(9)).max())


def test_train_refuses_source_weights_for_a_source_it_does_not_have(data_dir, tmp_path, capsys):
    code = main([
        "train", "pooled_ridge", "--battles", str(data_dir / "chat_a.jsonl.gz"),
        "--opt", 'source_weights={"chat_x": 2}', "--out", str(tmp_path / "r"),
    ])
    assert code == 2
    assert "source_weights names 'chat_x'" in capsys.readouterr().err


def test_eval_preferences_as_loaded_and_held_out(data_dir, tmp_path, capsys):
    files = [str(data_dir / f"chat_{x}.jsonl.gz") for x in "abc"]
    report = tmp_path / "loso.json"
    code = main([
        "eval", "--preferences", *files, "--routers", "random", "pooled_ridge", "--leave-one-source-out",
        "--router-opt", "pooled_ridge.alpha=1", "--router-opt", "pooled_ridge.min_df=1",
        "--golden", str(data_dir / "golden.jsonl"), "--golden-all-pairs", "--drop-models", "broken",
        "--out-json", str(report), "--random-seeds", "3",
    ])
    out = capsys.readouterr().out
    assert code == 0
    assert "leave one source group out" in out and "headroom" in out
    data = json.loads(report.read_text())
    assert set(data["routers"]["pooled_ridge"]) == {"chat_a", "chat_b", "chat_c"}
    for result in data["routers"]["pooled_ridge"].values():
        assert result["headroom"] > 0.5 and result["oracle_apgr"] > result["apgr"] - 1e-9

    code = main(["eval", "--preferences", *files, "--routers", "random", "default", "--cv", "3",
                 "--router-opt", "pooled_ridge.min_df=1"])
    assert code == 0
    assert "3-fold cross-validation by prompt" in capsys.readouterr().out


def test_eval_preferences_refuses_mixed_modes(data_dir, capsys):
    f = str(data_dir / "chat_a.jsonl.gz")
    assert main(["eval", "--preferences", f, "--cv", "2", "--leave-one-source-out"]) == 2
    assert "not both" in capsys.readouterr().err
    assert main(["eval", "--benchmark", str(data_dir / "golden.jsonl"), "--leave-one-source-out",
                 "--strong", "top", "--weak", "poor"]) == 2
    assert "--preferences" in capsys.readouterr().err


def test_demo_names_the_default_router(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("router=pooled_ridge (model-agnostic)")
    assert "prompts to the strong model" in out
