"""The ``blend`` router: trained routers' standardised scores, weighted, on the first member's
scale; fitted on a seeded sample of training prompts; saved with its members; every bad input
refused with a one-line error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from routellm_core import load_router
from routellm_core.errors import CheckpointError, ConfigError, UnknownRouterError
from routellm_core.routers.base import Router
from routellm_core.routers.blend import BlendRouter
from routellm_core.routers.pooled_ridge import PooledRidgeRouter
from routellm_core.routers.tfidf_ridge import TfidfRidgeRouter
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_battles

PROMPTS = [HARD_EXAMPLE, EASY_EXAMPLE, "Write a proof that 7 is prime.", "thanks, bye", "Tell me a joke about cats."]


@pytest.fixture(scope="module")
def battles():
    return tiny_battles(80)


@pytest.fixture(scope="module")
def pooled(battles):
    return PooledRidgeRouter(alpha=1.0, min_df=1).fit(battles)


@pytest.fixture(scope="module")
def tfidf(battles):
    return TfidfRidgeRouter(strong_model="strong", weak_model="weak", n_features_log2=12, min_df=1).fit(battles)


@pytest.fixture(scope="module")
def blend(battles, pooled, tfidf):
    return BlendRouter(members=[pooled, tfidf]).fit(battles)


def _by_hand(battles, members, weights, n_sample=2000, seed=0):
    prompts = sorted(set(battles.prompts))
    sample = [prompts[i] for i in np.random.default_rng(seed).permutation(len(prompts))[:n_sample]]
    scale = [(float(np.mean(m.score(sample))), max(float(np.std(m.score(sample))), 1e-9)) for m in members]
    w = np.asarray(weights, dtype=np.float64)
    z = sum(wi * (np.asarray(m.score(PROMPTS)) - mu) / sd for wi, m, (mu, sd) in zip(w, members, scale)) / w.sum()
    return scale, np.clip(scale[0][0] + scale[0][1] * z, 0.0, 1.0)


def test_scores_are_the_standardised_weighted_sum_on_the_first_members_scale(blend, battles, pooled, tfidf):
    scale, expected = _by_hand(battles, [pooled, tfidf], [1.0, 1.0])
    np.testing.assert_allclose(blend.scale_, scale, rtol=1e-12)
    np.testing.assert_allclose(blend.score(PROMPTS), expected, rtol=0, atol=1e-12)
    assert blend.score(PROMPTS[0]) == pytest.approx(expected[0])  # a single prompt is a float, the same value
    assert blend.score(HARD_EXAMPLE) > blend.score(EASY_EXAMPLE)
    assert blend.known_models() == tfidf.known_models()  # pooled knows any model: the intersection is tfidf's
    assert blend.name == "blend" and blend.model_agnostic and not blend.uses_embedder


def test_the_scale_sample_and_seed_pick_the_prompts_like_the_benchmark(battles, pooled, tfidf):
    small = BlendRouter(members=[pooled, tfidf], scale_sample=10, seed=3).fit(battles)
    scale, expected = _by_hand(battles, [pooled, tfidf], [1.0, 1.0], n_sample=10, seed=3)
    np.testing.assert_allclose(small.scale_, scale, rtol=1e-12)
    np.testing.assert_allclose(small.score(PROMPTS), expected, atol=1e-12)


def test_weights_act(battles, pooled, tfidf):
    weighted = BlendRouter(members=[pooled, tfidf], weights=[1.0, 3.0]).fit(battles)
    _, expected = _by_hand(battles, [pooled, tfidf], [1.0, 3.0])
    np.testing.assert_allclose(weighted.score(PROMPTS), expected, atol=1e-12)
    # weight 0 on the first member: the ranking is the second member's (the level stays the first's)
    only_tfidf = BlendRouter(members=[pooled, tfidf], weights=[0, 1]).fit(battles)
    assert list(np.argsort(only_tfidf.score(PROMPTS))) == list(np.argsort(tfidf.score(PROMPTS)))
    # weight 0 on the second member: exactly the first member's scores
    only_pooled = BlendRouter(members=[pooled, tfidf], weights=[2, 0]).fit(battles)
    np.testing.assert_allclose(only_pooled.score(PROMPTS), pooled.score(PROMPTS), atol=1e-12)


def test_strong_and_weak_are_passed_to_the_members(blend, tfidf):
    swapped = blend.score(PROMPTS, strong="weak", weak="strong")
    assert not np.allclose(swapped, blend.score(PROMPTS))
    np.testing.assert_allclose(tfidf.score(PROMPTS, strong="weak", weak="strong"), 1 - tfidf.score(PROMPTS))
    with pytest.raises(Exception, match="medium"):
        blend.score(PROMPTS, strong="medium", weak="weak")  # tfidf knows one pair only


def test_calibration_and_strong_fraction(blend):
    assert blend.calibration_quantiles_ is not None
    decisions = blend.route(PROMPTS, strong_fraction=0.3)
    assert len(decisions) == len(PROMPTS) and {d.model for d in decisions} <= {"strong", "weak"}
    t = blend.calibrate(PROMPTS, strong_fraction=0.4)
    assert t == blend.threshold_for(0.4)
    assert sum(s >= t for s in blend.score(PROMPTS)) == 2  # 40% of the 5 calibration prompts


def test_save_load_round_trip(blend, tmp_path):
    out = blend.save(tmp_path / "b")
    assert (out / "members" / "0" / "config.json").is_file() and (out / "members" / "1" / "config.json").is_file()
    config = json.loads((out / "config.json").read_text())
    assert config["router"] == "blend" and "members" not in config["params"]
    assert config["state"]["members"] == ["pooled_ridge", "tfidf_ridge"]
    for loaded in (Router.load(out), BlendRouter.load(out), load_router(str(out)), load_router(out)):
        assert isinstance(loaded, BlendRouter)
        assert [m.name for m in loaded.members] == ["pooled_ridge", "tfidf_ridge"]
        np.testing.assert_array_equal(loaded.score(PROMPTS), blend.score(PROMPTS))
        assert loaded.scale_ == blend.scale_
        for f in (0.1, 0.3, 0.5, 0.9):
            assert loaded.threshold_for(f) == blend.threshold_for(f)
    weighted = BlendRouter(members=blend.members, weights=[1, 2], seed=1, scale_sample=50)
    weighted.fit(tiny_battles(40))
    again = Router.load(weighted.save(tmp_path / "w"))
    assert (again.weights, again.seed, again.scale_sample) == ([1.0, 2.0], 1, 50)
    np.testing.assert_array_equal(again.score(PROMPTS), weighted.score(PROMPTS))


def test_load_router_by_bare_name_says_to_train(tmp_path):
    with pytest.raises(UnknownRouterError, match="routellm train blend"):
        load_router("blend")


# ---------------------------------------------------------------------------- refusals
def test_constructor_refusals(pooled, tfidf, blend):
    with pytest.raises(ConfigError, match="needs 2 to 8 members, got 1"):
        BlendRouter(members=[pooled])
    with pytest.raises(ConfigError, match="needs 2 to 8 members, got 9"):
        BlendRouter(members=[pooled] * 9)
    with pytest.raises(ConfigError, match="members must be a list"):
        BlendRouter(members=pooled)
    with pytest.raises(ConfigError, match=r"members\[1\] is a str, not a Router; load it first"):
        BlendRouter(members=[pooled, "./my-bert"])
    with pytest.raises(ConfigError, match="itself a blend; blends do not nest"):
        BlendRouter(members=[pooled, blend])
    with pytest.raises(ConfigError, match="takes no embedder"):
        BlendRouter(members=[pooled, tfidf], embedder="minilm-static")
    with pytest.raises(ConfigError, match="weights are all 0"):
        BlendRouter(members=[pooled, tfidf], weights=[0, 0])
    with pytest.raises(ConfigError, match=r"weights\[1\] must be"):
        BlendRouter(members=[pooled, tfidf], weights=[1, -1])
    with pytest.raises(ConfigError, match="weights has 3 entries but the blend has 2 members"):
        BlendRouter(members=[pooled, tfidf], weights=[1, 1, 1])
    with pytest.raises(ConfigError, match="weights must be a list"):
        BlendRouter(members=[pooled, tfidf], weights="1,1")
    with pytest.raises(ConfigError, match="scale_sample must be"):
        BlendRouter(members=[pooled, tfidf], scale_sample=1)


def test_fit_refusals(battles, pooled):
    with pytest.raises(ConfigError, match="no members; give members="):
        BlendRouter().fit(battles)
    with pytest.raises(ConfigError, match="weights has 3 entries"):
        BlendRouter(weights=[1, 1, 1]).set_params(members=[pooled, pooled]).fit(battles)  # members set after
    untrained = TfidfRidgeRouter(strong_model="strong", weak_model="weak")
    with pytest.raises(ConfigError, match=r"member 1 \(tfidf_ridge\) cannot score.*not trained.*Train each member first"):
        BlendRouter(members=[pooled, untrained]).fit(battles)
    with pytest.raises(ConfigError, match="blend router is not trained"):
        BlendRouter(members=[pooled, pooled]).score("hi")
    with pytest.raises(ConfigError, match="not trained, so there is nothing to save"):
        BlendRouter(members=[pooled, pooled]).save(Path("unused-folder-never-written"))
    assert not Path("unused-folder-never-written").exists()


def _edit_config(folder: Path, edit) -> None:
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


@pytest.fixture()
def saved(blend, tmp_path):
    return blend.save(tmp_path / "blend")


def test_a_deleted_member_folder_is_refused(saved):
    shutil.rmtree(saved / "members" / "1")
    with pytest.raises(CheckpointError, match=r"member 1 \(tfidf_ridge\) is missing.*copy the whole blend folder"):
        load_router(str(saved))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["state"]["scale"].pop(), r"state.scale must list 2..8"),
        (lambda c: c["state"]["scale"].append([0.5, 0.1]), r"state.members must name one router per scale entry \(3\)"),
        (lambda c: c["state"].update(scale=[[0.5, 0.1]] * 9, members=["pooled_ridge"] * 9), r"state.scale must list 2..8"),
        (lambda c: c["state"]["scale"][1].__setitem__(1, 0.0), r"state.scale\[1\] std must be > 0"),
        (lambda c: c["state"]["scale"][0].__setitem__(0, "NaN"), r"state.scale\[0\] mean"),
        (lambda c: c["state"]["scale"].__setitem__(0, 0.5), r"state.scale\[0\] must be \[mean, std\]"),
        (lambda c: c["state"]["members"].reverse(), r"0 holds a 'pooled_ridge' router, but .* says member 0 is 'tfidf_ridge'"),
        (lambda c: c["params"].update(weights=[1, 1, 1]), r"3 weights but 2 members"),
        (lambda c: c["params"].update(weights=[0, 0]), r"weights are all 0"),
        (lambda c: c["params"].update(embedder="minilm-static"), r"takes no embedder"),
    ],
)
def test_an_edited_checkpoint_is_refused(saved, edit, message):
    _edit_config(saved, edit)
    with pytest.raises(CheckpointError, match=message):
        load_router(str(saved))


def test_a_nested_blend_checkpoint_is_refused(saved, tmp_path):
    shutil.copytree(saved, tmp_path / "inner")
    shutil.rmtree(saved / "members" / "1")
    shutil.copytree(tmp_path / "inner", saved / "members" / "1")
    _edit_config(saved, lambda c: c["state"].update(members=["pooled_ridge", "blend"]))
    with pytest.raises(CheckpointError, match="is itself a blend"):
        Router.load(saved)


# ---------------------------------------------------------------------------- command line
def _write_battles(path: Path, battles) -> Path:
    winners = {1.0: "model_a", 0.0: "model_b", 0.5: "tie"}
    rows = [{"prompt": p, "model_a": a, "model_b": b, "winner": winners[float(o)]}
            for p, a, b, o in zip(battles.prompts, battles.model_a, battles.model_b, battles.outcome)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory, battles, tfidf):
    d = tmp_path_factory.mktemp("blend-cli")
    return {"battles": _write_battles(d / "chat.jsonl", battles), "tfidf": tfidf.save(d / "tfidf"), "dir": d}


def test_cli_trains_a_blend_that_loads_and_scores(cli_files, tmp_path, capsys):
    from routellm_core.cli import main

    out = tmp_path / "blend"
    code = main(["train", "blend", "--member", "default", "--member", str(cli_files["tfidf"]),
                 "--member-weight", "2", "--member-weight", "1", "--battles", str(cli_files["battles"]),
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert f"saved blend router to {out}" in capsys.readouterr().out
    router = load_router(str(out))
    members = [load_router("default"), load_router(str(cli_files["tfidf"]))]
    expected = BlendRouter(members=members, weights=[2, 1]).fit(tiny_battles(80))
    np.testing.assert_allclose(router.score(PROMPTS), expected.score(PROMPTS), atol=1e-12)
    assert router.weights == [2.0, 1.0] and router.training_info_["members"] == ["default", str(cli_files["tfidf"])]
    assert router.calibration_quantiles_ is not None

    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in PROMPTS))
    scores = tmp_path / "scores.csv"
    assert main(["score", str(log), "--router", str(out), "--out", str(scores), "--no-progress"]) == 0
    rows = scores.read_text().splitlines()[1:]
    np.testing.assert_allclose([float(r.split(",")[1]) for r in rows], router.score(PROMPTS), atol=1e-6)


def test_cli_takes_the_weights_as_an_opt_too(cli_files, tmp_path, capsys):
    from routellm_core.cli import main

    out = tmp_path / "blend"
    assert main(["train", "blend", "--member", "default", "--member", str(cli_files["tfidf"]),
                 "--opt", "weights=[0, 1]", "scale_sample=20", "--battles", str(cli_files["battles"]),
                 "--out", str(out)]) == 0, capsys.readouterr().err
    router = load_router(str(out))
    assert (router.weights, router.scale_sample) == ([0.0, 1.0], 20)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["blend", "--member", "default"], "needs at least 2 trained members, got 1; give each with --member"),
        (["blend"], "needs at least 2 trained members, got 0"),
        (["pooled_ridge", "--member", "default"], "--member and --member-weight are options of `routellm train blend`"),
        (["blend", "--member", "default", "--member", "default", "--member-weight", "1"],
         "1 --member-weight for 2 --member"),
        (["blend", "--member", "default", "--member", "default", "--member-weight", "1", "--member-weight", "1",
          "--opt", "weights=[1,1]"], "give the blend's weights once"),
        (["blend", "--member", "default", "--member", "./no-such-router"], "no checkpoint folder at './no-such-router'"),
        (["blend", "--member", "default", "--member", "default", "--embedder", "minilm-static"], "takes no embedder"),
        (["blend", "--member", "default", "--member", "default", "--member-weight", "0", "--member-weight", "0"],
         "weights are all 0"),
    ],
)
def test_cli_refusals(cli_files, tmp_path, capsys, args, message):
    from routellm_core.cli import main

    assert main(["train", *args, "--battles", str(cli_files["battles"]), "--out", str(tmp_path / "x")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x" / "config.json").exists()


def test_cli_refuses_a_blend_as_member(cli_files, blend, tmp_path, capsys):
    from routellm_core.cli import main

    inner = blend.save(tmp_path / "inner")
    assert main(["train", "blend", "--member", "default", "--member", str(inner), "--battles",
                 str(cli_files["battles"]), "--out", str(tmp_path / "x")]) == 2
    assert "itself a blend; blends do not nest" in capsys.readouterr().err
