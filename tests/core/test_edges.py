"""Bad input and resource limits at routellm_core's edges (issue 12): non-finite numbers, wrong
prompt types, yes/no columns, identical model pairs, exact calibration round trips, bundled names
vs local folders, shared routers, byte-bounded caches, the OpenAI embedder's timeout."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from routellm_core import (
    CheckpointError,
    ConfigError,
    DataFormatError,
    InvalidPromptError,
    RoutingError,
    RoutingPolicy,
    load_router,
)
from routellm_core.data import Battles, read_battles, read_golden
from routellm_core.embeddings import CachedEmbedder, OpenAIEmbedder
from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter
from routellm_core.routing.calibration import threshold_for_budget
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_battles, tiny_router_path

NAN, INF = float("nan"), float("inf")


def copy_tiny(tmp_path: Path, name: str = "tiny") -> Path:
    return Path(shutil.copytree(tiny_router_path(), tmp_path / name))


# ---------------------------------------------------------------------------- 1. non-finite numbers
@pytest.mark.parametrize("weight", [NAN, INF, "nan", -1.0])
def test_battle_weight_must_be_finite_and_non_negative(weight):
    rows = [{"prompt": "p", "model_a": "a", "model_b": "b", "winner": "model_a", "weight": weight}]
    with pytest.raises(DataFormatError, match=r"<records>:1: weight must be (a finite number|>= 0)"):
        Battles.from_records(rows)
    with pytest.raises(DataFormatError, match="battle weights"):
        Battles(["p"], ["a"], ["b"], np.array([1.0]), np.array([weight if isinstance(weight, float) else NAN]))


def test_nan_in_a_golden_score_is_refused(tmp_path):
    f = tmp_path / "g.jsonl"
    f.write_text('{"prompt": "q", "scores": {"S": NaN, "W": 1}}\n')  # json accepts the NaN literal
    with pytest.raises(DataFormatError, match="g.jsonl:1: score of 'S' must be a finite number"):
        read_golden(f)


@pytest.mark.parametrize("params", [{"lr": NAN}, {"lr": INF}, {"dim": 0}, {"epochs": -1}, {"batch_size": 0},
                                    {"dropout": 1.0}, {"hidden": -2}, {"dim": 2.5}, {"weight_decay": NAN}])
def test_training_parameters_are_checked_at_construction(params):
    name = next(iter(params))
    with pytest.raises(ConfigError, match=rf"^{name} must be"):
        MatrixFactorizationRouter(**params)


def test_sw_ranking_and_tfidf_parameters_are_checked():
    from routellm_core.routers.sw_ranking import SWRankingRouter
    from routellm_core.routers.tfidf_ridge import TfidfRidgeRouter

    with pytest.raises(ConfigError, match="gamma must be a finite number"):
        SWRankingRouter(gamma=NAN)
    with pytest.raises(ConfigError, match="gamma must be > 1"):
        SWRankingRouter(gamma=0.5)
    with pytest.raises(ConfigError, match="alpha must be a finite number"):
        TfidfRidgeRouter(alpha=NAN)  # NaN <= 0 is False: used to pass


def test_nan_tensor_in_a_checkpoint_is_refused(tmp_path):
    folder = copy_tiny(tmp_path)
    tensors = load_file(str(folder / "model.safetensors"))
    tensors["classifier"][0] = np.nan
    save_file(tensors, str(folder / "model.safetensors"))
    with pytest.raises(CheckpointError, match="tensor 'classifier' holds 1 non-finite value"):
        load_router(folder)


@pytest.mark.parametrize("bad", [NAN, INF, 2.0])
def test_bad_calibration_quantiles_in_a_checkpoint_are_refused(tmp_path, bad):
    folder = copy_tiny(tmp_path)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["calibration"]["quantiles"][500] = bad
    (folder / "config.json").write_text(json.dumps(cfg))  # writes NaN / Infinity literals
    with pytest.raises(CheckpointError, match="calibration quantiles"):
        load_router(folder)


def test_a_router_that_scores_nan_raises_instead_of_routing_weak(tmp_path):
    router = load_router(tiny_router_path())
    router.weights_["classifier"] = np.full_like(router.weights_["classifier"], np.nan)
    router._pair_cache.clear()
    with pytest.raises(RoutingError, match="non-finite"):
        router.route(HARD_EXAMPLE, threshold=0.5)
    with pytest.raises(ConfigError, match="non-finite"):
        router.save(tmp_path / "nan-router")
    assert not (tmp_path / "nan-router" / "config.json").exists()


@pytest.mark.parametrize("kw", [{"budget_per_call": NAN}, {"strong_cost": INF}, {"weak_cost": NAN}])
def test_budget_threshold_refuses_non_finite_numbers(kw):
    args = {"budget_per_call": 0.004, "strong_cost": 0.01, "weak_cost": 0.001, **kw}
    with pytest.raises(ConfigError, match="finite"):
        threshold_for_budget(np.linspace(0, 1, 11), **args)


@pytest.mark.parametrize("value", [np.float32(0.3), np.float64(0.3), np.int64(1), np.float16(0.5)])
def test_numpy_scalars_are_numbers(value):
    router = load_router("random")
    assert router.route(EASY_EXAMPLE, threshold=value).threshold == pytest.approx(float(value), abs=1e-3)
    assert RoutingPolicy(router, strong_fraction=value).threshold >= 0.0


# ---------------------------------------------------------------------------- 2. yes/no columns
def test_golden_contaminated_column_is_parsed_not_truth_tested(tmp_path):
    f = tmp_path / "g.csv"
    f.write_text(
        'prompt,scores,contaminated\n'
        'q1,"{""S"": 1, ""W"": 0}",false\n'
        'q2,"{""S"": 0, ""W"": 1}",False\n'
        'q3,"{""S"": 1, ""W"": 1}",\n'
        'q4,"{""S"": 1, ""W"": 0}",true\n'
        'q5,"{""S"": 1, ""W"": 0}",1\n'
    )
    assert [r.prompt for r in read_golden(f)] == ["q1", "q2", "q3"]
    assert [r.contaminated for r in read_golden(f, drop_contaminated=False)] == [False, False, False, True, True]
    f.write_text('prompt,scores,contaminated\nq1,"{""S"": 1, ""W"": 0}",maybe\n')
    with pytest.raises(DataFormatError, match=r"g.csv:2: contaminated must be true or false"):
        read_golden(f)


# ---------------------------------------------------------------------------- 3. prompt types
@pytest.mark.parametrize(
    "bad, match",
    [
        ({"role": "user", "content": "hi"}, "message\\['content'\\]"),
        (b"hello", "decode it first"),
        ({"hello", "there"}, "ordered list"),
        (["ok", b"bytes"], "prompt #1 must be a string, got bytes; decode"),
        ([{"role": "user", "content": "hi"}], "prompt #0 must be a string, got dict"),
        ("broken \udc80 text", "lone surrogate"),
    ],
)
def test_prompts_that_are_not_text_are_refused_not_iterated(bad, match):
    router = load_router("random")
    with pytest.raises(InvalidPromptError, match=match):
        router.score(bad)


def test_a_str_where_a_list_belongs_is_not_split_into_characters():
    policy = RoutingPolicy("random", threshold=0.5)
    with pytest.raises(InvalidPromptError, match="takes a list of prompts, got one str"):
        policy.decide_batch("hello")
    with pytest.raises(InvalidPromptError, match="takes one prompt"):
        policy.decide(["hello"])
    with pytest.raises(InvalidPromptError, match="takes a list of prompts"):
        load_router("random").calibrate("hello")
    assert len(policy.decide_batch(("a", "b"))) == 2  # any ordered sequence of str is fine


# ---------------------------------------------------------------------------- 4. identical pair
def test_strong_and_weak_must_differ():
    with pytest.raises(ConfigError, match="strong and weak model are both 'x'"):
        MatrixFactorizationRouter(strong_model="x", weak_model="x")
    router = load_router(tiny_router_path())
    with pytest.raises(ConfigError, match="both 'weak'"):
        router.score(EASY_EXAMPLE, strong="weak")
    # one given, the other taken from the battles: never the same model twice
    r = MatrixFactorizationRouter(weak_model="strong", epochs=1, dim=4, show_progress=False).fit(tiny_battles(20))
    assert r.strong_model != r.weak_model == "strong"


# ---------------------------------------------------------------------------- 7. exact calibration
def test_calibration_round_trips_exactly_so_strong_fraction_zero_keeps_its_meaning(tmp_path):
    router = load_router(tiny_router_path())
    prompts = [f"{t} {i}" for i in range(40) for t in (EASY_EXAMPLE, HARD_EXAMPLE)]
    router.calibrate(prompts)
    before = router.threshold_for(0.0)
    back = load_router(router.save(tmp_path / "cal"))
    np.testing.assert_array_equal(back.calibration_quantiles_, router.calibration_quantiles_)
    assert back.threshold_for(0.0) == before
    assert not (np.asarray(back.score(prompts)) >= back.threshold_for(0.0)).any()


# ---------------------------------------------------------------------------- 8. names vs folders
def test_a_local_folder_named_like_the_bundled_router_never_shadows_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    copy_tiny(tmp_path, "mf")
    with pytest.warns(UserWarning, match=r"pass './mf' to load it"):
        bundled = load_router("mf")
    assert "resources" in bundled.checkpoint_path_
    assert load_router("./mf").known_models() == ["medium", "strong", "weak"]
    shutil.rmtree(tmp_path / "mf")
    (tmp_path / "mf").write_text("not a checkpoint")
    with pytest.warns(UserWarning, match="local file 'mf'"):
        assert load_router("mf").name == "mf"  # used to fail: "mf is a file"


# ---------------------------------------------------------------------------- shared routers
def test_one_loaded_router_per_checkpoint_is_shared(tmp_path):
    from routellm_core.loading.loader import shared_router

    folder = copy_tiny(tmp_path)
    a, b = shared_router(str(folder)), shared_router(folder)
    assert a is b
    assert RoutingPolicy(str(folder), threshold=0.5).router is a
    assert shared_router("mf") is shared_router("mf") is RoutingPolicy("mf").router
    assert load_router(str(folder)) is not a  # load_router always gives the caller its own copy
    cfg = folder / "config.json"
    cfg.write_text(cfg.read_text() + "\n")  # a changed checkpoint is loaded again
    assert shared_router(str(folder)) is not a


# ---------------------------------------------------------------------------- resource limits
def test_byte_lru_is_bounded_by_bytes():
    from routellm_core.utils.lru import ByteLRU, approx_bytes

    vec = np.zeros(100, dtype=np.float32)
    per_entry = approx_bytes("k000") + approx_bytes(vec)
    lru: ByteLRU[np.ndarray] = ByteLRU(10 * per_entry)
    for i in range(50):
        lru.put(f"k{i:03d}", vec)
    assert len(lru) == 10 and lru.nbytes <= 10 * per_entry
    assert lru.get("k000") is None and lru.get("k049") is not None
    lru.put("huge", np.zeros(10**6, dtype=np.float32))  # larger than the whole budget: not kept
    assert "huge" not in lru and len(lru) == 10


def test_embedding_cache_holds_bytes_not_prompt_copies():
    class Counting:
        name, dim, max_chars = "counting", 8, 4096

        def __init__(self):
            self.seen = 0

        def embed(self, texts):
            self.seen += len(texts)
            return np.ones((len(texts), self.dim), dtype=np.float32)

    inner = Counting()
    cache = CachedEmbedder(inner, max_bytes=2**20)
    megabyte = "x" * 2**20
    cache.embed([f"{i} {megabyte}" for i in range(200)])  # 200 distinct 1 MB prompts
    assert cache.nbytes < 100_000, cache.nbytes  # digests of the embedded prefix, not 200 MB of keys
    inner.seen = 0
    cache.embed(["same prefix " + megabyte, "same prefix " + megabyte + "different tail"])
    assert inner.seen == 1  # only the first max_chars characters are embedded, so one entry serves both


def test_the_embedder_is_built_once_under_concurrent_first_calls(monkeypatch):
    import routellm_core.embeddings.resolve as emb

    built = []
    real = emb.make_embedder

    def slow_make(spec):
        built.append(spec)
        time.sleep(0.2)  # widen the window in which other threads see no embedder yet
        return real(spec)

    monkeypatch.setattr(emb, "make_embedder", slow_make)
    router = load_router(tiny_router_path())
    start = threading.Barrier(16)
    errors = []

    def first_call():
        start.wait()
        try:
            router.score(HARD_EXAMPLE)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=first_call) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(built) == 1


def test_openai_embedder_times_out_with_a_clear_error():
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(8)  # accepts connections (kernel backlog) but never answers
    try:
        port = hung.getsockname()[1]
        emb = OpenAIEmbedder(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test", timeout=0.5, max_retries=0)
        with pytest.raises(RoutingError, match=r"timed out after 0.5 s .*raise timeout="):
            emb.embed(["hello"])
    finally:
        hung.close()


def test_openai_embedder_without_a_key_names_the_fix(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="needs an OpenAI API key: set OPENAI_API_KEY"):
        OpenAIEmbedder().embed(["hello"])


def test_csv_with_bom_and_huge_fields_is_read(tmp_path):
    big = "Explain " + "very " * 40_000  # ~200 KB, over csv's default 128 KB field limit
    f = tmp_path / "b.csv"
    f.write_bytes(("\ufeffprompt,model_a,model_b,winner\n" f'"{big}",a,b,model_a\nhi,a,b,tie\n').encode("utf-8"))
    b = read_battles(f)
    assert b.prompts == [big, "hi"] and b.outcome.tolist() == [1.0, 0.5]


# ---------------------------------------------------------------------------- 6. fallback rule
def test_fallback_attempts_chain_the_errors_of_both_models():
    from routellm_core.routing.fallback import Attempts

    attempts = Attempts("weak", fallback=True)
    first, second = RuntimeError("weak is down"), RuntimeError("strong is down")
    assert list(attempts) == ["weak", "strong"]
    attempts.next_or_raise(first)  # the other model is left: no raise
    assert attempts.first_error is first
    with pytest.raises(RuntimeError, match="strong is down") as info:
        attempts.next_or_raise(second)
    assert info.value.__cause__ is first
    streaming = Attempts("strong", fallback=True)
    with pytest.raises(RuntimeError) as info:  # after streamed output there is no fallback
        streaming.next_or_raise(first, started=True)
    assert info.value is first and info.value.__cause__ is None
    assert list(Attempts("strong", fallback=False)) == ["strong"]
