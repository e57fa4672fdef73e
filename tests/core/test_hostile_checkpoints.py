"""Hostile and corrupt checkpoints, built here in temp folders: each is refused with a one-line
CheckpointError before anything large is allocated and before any code from the folder runs
(issue 20, rows 1, 2, 13, 14, 15, 20)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from routellm_core import load_router
from routellm_core.loading.upstream_format import load_routellm_checkpoint
from routellm_core.data import Battles
from routellm_core.errors import CheckpointError, ConfigError, DataFormatError
from routellm_core.routers.quality_ridge import QualityRidgeRouter
from routellm_core.routers.sw_ranking import SWRankingRouter
from routellm_core.routers.tfidf_ridge import TfidfRidgeRouter
from tests.helpers import tiny_battles, tiny_router_path

ROOT = Path(__file__).resolve().parents[2]


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit(folder: Path, config=None, tensors=None) -> Path:
    """Apply ``config(cfg)`` / ``tensors(dict)`` edits to a saved checkpoint, in place."""
    if config is not None:
        cfg = json.loads((folder / "config.json").read_text())
        config(cfg)
        (folder / "config.json").write_text(json.dumps(cfg))
    if tensors is not None:
        t = dict(load_file(str(folder / "model.safetensors")))
        tensors(t)
        save_file(t, str(folder / "model.safetensors"))
    return folder


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture(scope="module")
def tfidf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    router = TfidfRidgeRouter(strong_model="strong", weak_model="weak", n_features_log2=12, min_df=1)
    router.fit(tiny_battles(60))
    return router.save(tmp_path_factory.mktemp("tfidf") / "r")


@pytest.fixture(scope="module")
def quality_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    router = QualityRidgeRouter(n_features_log2=12, min_df=1)
    router.fit(tiny_battles(60))
    return router.save(tmp_path_factory.mktemp("quality") / "r")


# ------------------------------------------------------------------ row 1: no checkpoint code
def _hf_folder(tmp_path: Path, arch: str, auto_map_in: str = "config.json") -> Path:
    folder = tmp_path / "remote-code"
    folder.mkdir()
    config = {"architectures": [arch], "model_type": "bert", "num_labels": 3}
    tok_config: dict = {"tokenizer_class": "BertTokenizer"}
    (config if auto_map_in == "config.json" else tok_config)["auto_map"] = {
        "AutoModelForSequenceClassification": "evil.EvilModel",
        "AutoTokenizer": ["evil.EvilTokenizer", None],
    }
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config))
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\nhello\n")
    (folder / "model.safetensors").write_bytes(b"")
    marker = tmp_path / "PWNED"
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    return folder


@pytest.mark.parametrize("where", ["config.json", "tokenizer_config.json"])
def test_auto_map_classifier_is_refused_without_prompt(tmp_path: Path, where: str) -> None:
    folder = _hf_folder(tmp_path, "BertForSequenceClassification", where)
    with pytest.raises(CheckpointError, match="auto_map.*never runs checkpoint code") as info:
        load_router(str(folder))
    _one_line(info.value)
    assert not (tmp_path / "PWNED").exists()


def test_auto_map_refused_by_cli_route_with_no_stdin_prompt(tmp_path: Path) -> None:
    """`routellm route --router ./folder` exits with a one-line error; stdin answering "y" does
    not matter because nothing asks."""
    folder = _hf_folder(tmp_path, "BertForSequenceClassification")
    proc = subprocess.run(
        [sys.executable, "-c", "from routellm_core.cli import main; raise SystemExit(main())", "route", "--router", str(folder), "hi"],
        input="y\n", capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode != 0
    assert "never runs checkpoint code" in proc.stderr and "Traceback" not in proc.stderr
    assert "[y/N]" not in proc.stdout + proc.stderr
    assert not (tmp_path / "PWNED").exists()


def test_every_from_pretrained_passes_trust_remote_code_false() -> None:
    """Every transformers/sentence-transformers load in the package says trust_remote_code=False."""
    sources = [p for p in (ROOT / "routellm_core").rglob("*.py")]
    for path in sources:
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if ".from_pretrained(" in line and "auto_cls.from_pretrained" not in line:
                raise AssertionError(f"{path}:{lineno} calls from_pretrained directly; use pretrained()")
            if "SentenceTransformer(" in line and "import" not in line and "class " not in line \
                    and "trust_remote_code=False" not in line and '"""' not in line:
                raise AssertionError(f"{path}:{lineno} builds a SentenceTransformer without trust_remote_code=False")


# ------------------------------------------------------------------ row 2: sizes before allocation
def _mf_folder(tmp_path: Path, config: dict, tensors: dict) -> Path:
    folder = tmp_path / "mf"
    folder.mkdir()
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    save_file(tensors, str(folder / "model.safetensors"))
    return folder


def test_routellm_mf_without_projection_is_refused_before_allocating(tmp_path: Path) -> None:
    """64 x 25000 P with use_proj=false: a 6.4 MB file that used to build a 25000 x 25000 identity
    (2.5 GB) before being refused."""
    folder = _mf_folder(
        tmp_path,
        {"dim": 25000, "num_models": 64, "text_dim": 25000, "num_classes": 1, "use_proj": False},
        {"P.weight": np.zeros((64, 25000), np.float32), "classifier.0.weight": np.zeros((1, 25000), np.float32)},
    )
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError) as info:
            load_routellm_checkpoint(folder)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    _one_line(info.value)
    assert "25000" in str(info.value)
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MiB before the refusal"


@pytest.mark.parametrize(
    "config, message",
    [
        ({"dim": "64"}, "dim must be a positive integer"),
        ({"use_proj": "false"}, "use_proj must be true or false"),
        ({"num_models": -1}, "num_models must be a positive integer"),
        ({"text_dim": 3}, "text_dim=3 in config.json but 1536"),
    ],
)
def test_routellm_mf_config_fields_are_typed(tmp_path: Path, config: dict, message: str) -> None:
    folder = _mf_folder(
        tmp_path, config,
        {"P.weight": np.zeros((64, 8), np.float32), "classifier.0.weight": np.zeros((1, 8), np.float32),
         "text_proj.0.weight": np.zeros((8, 1536), np.float32)},
    )
    with pytest.raises(CheckpointError, match=message) as info:
        load_routellm_checkpoint(folder)
    _one_line(info.value)


def test_routellm_mf_projection_size_checked_against_embedder_before_loading(tmp_path: Path) -> None:
    folder = _mf_folder(
        tmp_path, None,
        {"P.weight": np.zeros((64, 8), np.float32), "classifier.0.weight": np.zeros((1, 8), np.float32),
         "text_proj.0.weight": np.zeros((8, 7), np.float32)},
    )
    with pytest.raises(CheckpointError, match="projects 7-dim prompt embeddings"):
        load_routellm_checkpoint(folder)


# ------------------------------------------------------------------ row 13: every tensor's shape
@pytest.mark.parametrize(
    "edit, tensor",
    [
        (lambda t: t.update(idf=np.ones((), np.float32)), "idf"),
        (lambda t: t.update(coef_text=np.zeros((), np.float32)), "coef_text"),
        (lambda t: t.update(stats_mean=np.zeros(1)), "stats_mean"),
        (lambda t: t.update(stats_std=np.ones(1)), "stats_std"),
        (lambda t: t.update(coef_stats=np.zeros(3, np.float32)), "coef_stats"),
        (lambda t: t.update(buckets=np.concatenate([t["buckets"][:1], t["buckets"][:-1]])), "buckets"),
    ],
)
def test_tfidf_tensor_shapes_checked(tmp_path: Path, tfidf_dir: Path, edit, tensor: str) -> None:
    folder = _edit(_copy(tfidf_dir, tmp_path / "r"), tensors=edit)
    with pytest.raises(CheckpointError, match=repr(tensor)) as info:
        load_router(str(folder))
    _one_line(info.value)


@pytest.mark.parametrize(
    "edit, tensor",
    [
        (lambda t: t.update(idf=np.ones((), np.float32)), "idf"),
        (lambda t: t.update(coef_text=t["coef_text"][:, :1]), "coef_text"),
        (lambda t: t.update(intercepts=np.zeros(1)), "intercepts"),
        (lambda t: t.update(coef_stats=np.zeros((7, 1), np.float32)), "coef_stats"),
        (lambda t: t.update(coef_embedding=np.zeros((5, 3), np.float32)), "coef_embedding|prompt embeddings"),
    ],
)
def test_quality_ridge_tensor_shapes_checked(tmp_path: Path, quality_dir: Path, edit, tensor: str) -> None:
    folder = _edit(_copy(quality_dir, tmp_path / "r"), tensors=edit)
    with pytest.raises(CheckpointError, match=tensor):
        load_router(str(folder))


@pytest.mark.parametrize(
    "edit, tensor",
    [
        (lambda t: t.update(model_bias=np.zeros(1, np.float32)), "model_bias"),
        (lambda t: t.update(classifier=np.zeros((), np.float32)), "classifier"),
        (lambda t: t.update(model_embeddings=t["model_embeddings"][:, :3]), "model_embeddings"),
    ],
)
def test_mf_tensor_shapes_checked(tmp_path: Path, edit, tensor: str) -> None:
    folder = _edit(_copy(tiny_router_path(), tmp_path / "r"), tensors=edit)
    with pytest.raises(CheckpointError, match=tensor):
        load_router(str(folder))


def test_sw_ranking_tensor_shapes_checked(tmp_path: Path) -> None:
    router = SWRankingRouter(strong_model="strong", weak_model="weak").fit(tiny_battles(40))
    folder = _edit(router.save(tmp_path / "sw"), tensors=lambda t: t.update(pair_wins=np.zeros(1, np.float32)))
    with pytest.raises(CheckpointError, match="pair_wins"):
        load_router(str(folder))


# ------------------------------------------------------------------ row 20: embedding size at load
def test_embedding_size_mismatch_found_at_load(tmp_path: Path) -> None:
    """The proj of the mf checkpoint takes 256-dim embeddings; a config that says 384 (and
    names all-MiniLM-L6-v2, which makes 384) fails at load, not at the first request."""
    folder = _edit(
        _copy(tiny_router_path(), tmp_path / "r"),
        config=lambda c: c.update(embedder={"name": "all-MiniLM-L6-v2", "dim": 384}),
    )
    with pytest.raises(CheckpointError, match="256-dim prompt embeddings.*384"):
        load_router(str(folder))


def test_declared_size_of_a_known_embedder_is_checked(tmp_path: Path) -> None:
    folder = _edit(
        _copy(tiny_router_path(), tmp_path / "r"),
        config=lambda c: c.update(embedder={"name": "minilm-static", "dim": 384}),
    )
    with pytest.raises(CheckpointError, match="makes 384-dim vectors, but it makes 256"):
        load_router(str(folder))


@pytest.mark.parametrize("name", ["/etc/passwd", "evil-org/evil-model", "st:evil-org/model", "../../x"])
def test_checkpoint_may_not_name_arbitrary_embedder(tmp_path: Path, name: str) -> None:
    folder = _edit(
        _copy(tiny_router_path(), tmp_path / "r"), config=lambda c: c.update(embedder={"name": name, "dim": 256})
    )
    with pytest.raises(CheckpointError, match="not a bundled or well-known one") as info:
        load_router(str(folder))
    assert "embedder=" in _one_line(info.value)


# ------------------------------------------------------------------ row 14: wrong-typed config
@pytest.mark.parametrize("key, value", [("training", "x"), ("training", [1, 2]), ("state", "x"), ("state", [1])])
def test_wrong_typed_config_sections(tmp_path: Path, key: str, value: object) -> None:
    folder = _edit(_copy(tiny_router_path(), tmp_path / "r"), config=lambda c: c.update({key: value}))
    with pytest.raises(CheckpointError, match=f"'{key}' must be an object") as info:
        load_router(str(folder))
    _one_line(info.value)


@pytest.mark.parametrize("models", ["abc", [1, 2, 3], ["strong", "strong", "weak"]])
def test_wrong_typed_model_list(tmp_path: Path, models: object) -> None:
    folder = _edit(_copy(tiny_router_path(), tmp_path / "r"), config=lambda c: c["state"].update(models=models))
    with pytest.raises(CheckpointError, match="state.models must be a list of distinct model names"):
        load_router(str(folder))


def test_wrong_typed_intercept(tmp_path: Path, tfidf_dir: Path) -> None:
    folder = _edit(_copy(tfidf_dir, tmp_path / "r"), config=lambda c: c["state"].update(intercept="0.1"))
    with pytest.raises(CheckpointError, match="intercept must be a finite number"):
        load_router(str(folder))


# ------------------------------------------------------------------ row 14: bad training inputs
def test_lone_surrogate_in_training_prompt() -> None:
    rows = [{"prompt": "ok \ud800 bad", "model_a": "a", "model_b": "b", "winner": "model_a"}]
    with pytest.raises(DataFormatError, match="lone surrogate") as info:
        Battles.from_records(rows)
    _one_line(info.value)


def test_lone_surrogate_in_training_file(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"prompt": "x \\ud800", "model_a": "a", "model_b": "b", "winner": "model_a"}\n')
    from routellm_core.data import read_battles

    with pytest.raises(DataFormatError, match="lone surrogate"):
        read_battles(path)


def test_huge_weights_are_one_line_error() -> None:
    rows = [{"prompt": f"p{i}", "model_a": "a", "model_b": "b", "winner": "model_a", "weight": 1e308} for i in range(2)]
    with pytest.raises(DataFormatError, match="sum to more than a float can hold"):
        Battles.from_records(rows)


# ------------------------------------------------------------------ row 15: --out safety
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from routellm_core.cli import main; raise SystemExit(main())", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture
def battles_file(tmp_path: Path) -> Path:
    path = tmp_path / "battles.jsonl"
    with path.open("w") as fh:
        for i in range(40):
            fh.write(json.dumps({"prompt": f"question {i}", "model_a": "s", "model_b": "w",
                                 "winner": "model_a" if i % 2 else "model_b"}) + "\n")
    return path


def test_train_refuses_foreign_folder_unless_force(tmp_path: Path, battles_file: Path) -> None:
    out = tmp_path / "precious"
    out.mkdir()
    (out / "config.json").write_text('{"mine": true}')
    (out / "model.safetensors").write_text("not yours")
    args = ("train", "tfidf_ridge", "--battles", str(battles_file), "--strong", "s", "--weak", "w",
            "--opt", "min_df=1", "n_features_log2=10", "--out", str(out))
    proc = _cli(*args, cwd=tmp_path)
    assert proc.returncode != 0
    assert "is not empty" in proc.stderr and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads((out / "config.json").read_text()) == {"mine": True}
    # a checkpoint of the same router type may be retrained in place; --force overwrites anything
    assert _cli(*args, "--force", cwd=tmp_path).returncode == 0
    assert _cli(*args, cwd=tmp_path).returncode == 0
    other = _cli("train", "mf", "--battles", str(battles_file), "--strong", "s", "--weak", "w", "--epochs", "1",
                 "--out", str(out), cwd=tmp_path)
    assert other.returncode != 0 and "a tfidf_ridge checkpoint" in other.stderr


def test_never_writes_inside_the_bundled_routers(tmp_path: Path, battles_file: Path) -> None:
    from routellm_core.loading.loader import bundled_checkpoint_dir

    bundled = bundled_checkpoint_dir("mf")
    before = {p.name: p.stat().st_mtime_ns for p in bundled.iterdir()}
    proc = _cli("train", "mf", "--battles", str(battles_file), "--strong", "s", "--weak", "w", "--epochs", "1",
                "--out", str(bundled), "--force", cwd=tmp_path)
    assert proc.returncode != 0 and "bundled routers" in proc.stderr
    router = load_router("mf")
    with pytest.raises(CheckpointError, match="bundled routers"):
        router.save(bundled)
    with pytest.raises(CheckpointError, match="bundled routers"):
        router.save(bundled.parent / "new-one")
    assert {p.name: p.stat().st_mtime_ns for p in bundled.iterdir()} == before
    with pytest.raises(ConfigError, match="bundled routers"):
        from routellm_core.utils.files import check_checkpoint_dir

        check_checkpoint_dir(bundled, "mf", force=True)
