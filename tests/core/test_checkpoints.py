import json

import numpy as np
import pytest

from routellm_core import (
    CheckpointError,
    EmbedderMismatchError,
    UnknownRouterError,
    available_routers,
    load_router,
)
from routellm_core.embeddings import CachedEmbedder, StaticEmbedder
from routellm_core.utils.lru import approx_bytes
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_router_path


class TinyEmbedder:
    """A stand-in embedder with another name and size (for mismatch checks)."""

    def __init__(self, name: str = "tiny", dim: int = 8) -> None:
        self.name, self.dim = name, dim

    def embed(self, texts):
        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(self.dim)


def test_bundled_mf_loads_offline_and_scores():
    r = load_router("mf")
    assert r.name == "mf"
    s = r.score(["Prove that sqrt(2) is irrational", "hi"])
    assert s.shape == (2,) and ((0 <= s) & (s <= 1)).all()
    assert isinstance(r.score("hello there"), float)
    assert r.strong_model and r.weak_model
    assert r.calibration_quantiles_ is not None
    d = r.route("hi", threshold=0.4)
    assert d.router == "mf" and d.threshold == 0.4
    files = [d["file"] for kind in ("battles", "golden") for d in r.training_info_["data"][kind]]
    # only permissively licensed files (see the model card), never alpaca_eval or RouterDC-derived ones
    assert files and not any(f.startswith(("alpaca_eval", "routerdc")) for f in files)


def test_unknown_router_name():
    with pytest.raises(UnknownRouterError, match="unknown router 'bert-large'.*mf"):
        load_router("bert-large")
    assert {"random", "sw_ranking", "mf"} <= set(available_routers())


def test_untrained_type_name_explains_how_to_train():
    with pytest.raises(UnknownRouterError, match="routellm train sw_ranking"):
        load_router("sw_ranking")


def test_missing_checkpoint_folder(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoint folder"):
        load_router(str(tmp_path / "nope") + "/")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="no config.json"):
        load_router(tmp_path / "empty")


def test_corrupt_checkpoint(tmp_path):
    import shutil

    ck = tmp_path / "ck"
    shutil.copytree(tiny_router_path(), ck)
    (ck / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_router(ck)
    (ck / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="corrupt"):
        load_router(ck)


def test_checkpoint_from_newer_version_or_unknown_router(tmp_path):
    import shutil

    ck = tmp_path / "ck"
    shutil.copytree(tiny_router_path(), ck)
    cfg = json.loads((ck / "config.json").read_text())
    cfg["format_version"] = 99
    (ck / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="newer routellm"):
        load_router(ck)
    cfg["format_version"] = 1
    cfg["router"] = "quantum"
    (ck / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="quantum"):
        load_router(ck)


def test_embedder_mismatch_is_caught_on_load():
    with pytest.raises(EmbedderMismatchError, match="size 8.*256"):
        load_router(tiny_router_path(), embedder=TinyEmbedder(dim=8))
    with pytest.raises(EmbedderMismatchError, match="trained with embedder 'minilm-static'"):
        load_router(tiny_router_path(), embedder=TinyEmbedder(name="other", dim=256))
    ok = load_router(tiny_router_path(), embedder=StaticEmbedder())
    assert ok.score(HARD_EXAMPLE) > ok.score(EASY_EXAMPLE)


def test_hub_id_that_cannot_be_fetched_gets_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CheckpointError, match="Hugging Face Hub"):
        load_router("some-org/some-router")


def test_hub_id_is_resolved_through_huggingface_hub(monkeypatch):
    import huggingface_hub

    calls = []

    def fake_snapshot_download(repo_id, **kw):
        calls.append(repo_id)
        return str(tiny_router_path())

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    r = load_router("acme/tiny-router")
    assert calls == ["acme/tiny-router"]
    assert r.score(HARD_EXAMPLE) > 0.5


def test_embedding_cache_embeds_each_prompt_once():
    calls = []

    class Counting(TinyEmbedder):
        def embed(self, texts):
            calls.append(list(texts))
            return super().embed(texts)

    one_entry = approx_bytes("a") + approx_bytes(np.zeros(8, dtype=np.float32))
    cache = CachedEmbedder(Counting(), max_bytes=2 * one_entry)  # room for two entries
    cache.embed(["a", "b", "a"])
    cache.embed(["a", "b"])
    assert calls == [["a", "b"]]
    assert cache.hits == 2 and cache.misses == 2
    cache.embed(["c"])  # evicts the least recently used
    cache.embed(["a"])
    assert calls[-1] == ["a"]


def test_router_scoring_twice_hits_the_cache():
    from routellm_core.routers.base import Router

    r = load_router(tiny_router_path())
    assert isinstance(r, Router)
    r.score("a prompt scored twice")
    before = r.get_embedder().misses
    r.score("a prompt scored twice")
    assert r.get_embedder().misses == before
