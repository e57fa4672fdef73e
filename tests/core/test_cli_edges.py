"""The ``routellm`` command line on bad input (issue 12): every user error is one line naming the
problem and the fix, with exit status 2 and no traceback; a bug keeps its traceback."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from routellm_core.cli import build_parser, main
from routellm_core.routers.registry import available_routers
from tests.helpers import tiny_battles, tiny_router_path


@pytest.fixture
def battles_file(tmp_path: Path) -> Path:
    b = tiny_battles(20)
    names = {1.0: "model_a", 0.0: "model_b", 0.5: "tie"}
    rows = [{"prompt": p, "model_a": a, "model_b": m, "winner": names[o]}
            for p, a, m, o in zip(b.prompts, b.model_a, b.model_b, b.outcome)]
    f = tmp_path / "battles.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return f


def user_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI, expect exit status 2 and one error line (argparse usage lines and progress
    lines allowed); returns the whole stderr."""
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse rejected an option value
        status = exc.code
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if "error:" in ln]
    assert len(lines) == 1, err
    return err


# ---------------------------------------------------------------------------- train options
@pytest.mark.parametrize(
    "extra, message",
    [
        (["--battles-weight", "nan"], "--battles-weight: 'nan' is not a finite number"),
        (["--battles-weight", "-1"], "--battles-weight must be >= 0"),
        (["--golden-weight", "inf"], "--golden-weight: 'inf' is not a finite number"),
        (["--lr", "nan"], "--lr: 'nan' is not a finite number"),
        (["--opt", "batch_size=0"], "batch_size must be >= 1"),
        (["--opt", "lr=NaN"], "lr must be a finite number"),
        (["--opt", "batch_size"], "use KEY=VALUE"),
        (["--epochs", "-1"], "epochs must be >= 1"),
        (["--dim", "0"], "dim must be >= 1"),
        (["--strong", "gpt-4o", "--weak", "gpt-4o"], "strong and weak model are both 'gpt-4o'"),
    ],
)
def test_bad_training_options_are_one_line_errors(capsys, tmp_path, battles_file, extra, message):
    line = user_error(capsys, ["train", "mf", "--battles", str(battles_file), "--out", str(tmp_path / "o"), *extra])
    assert message in line
    assert not (tmp_path / "o").exists()


def test_out_pointing_at_a_file_is_reported_before_training(capsys, tmp_path, battles_file):
    (tmp_path / "taken").write_text("x")
    err = user_error(capsys, ["train", "mf", "--battles", str(battles_file), "--out", str(tmp_path / "taken")])
    assert "--out" in err and "is a file" in err and "training mf" not in err


def test_openai_embedder_without_key_is_a_user_error(capsys, tmp_path, battles_file, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    line = user_error(capsys, ["train", "mf", "--battles", str(battles_file), "--out", str(tmp_path / "o"),
                               "--embedder", "openai:text-embedding-3-small", "--epochs", "1"])
    assert "set OPENAI_API_KEY" in line


# ---------------------------------------------------------------------------- data files
def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = json.dumps({"prompt": "p", "model_a": "a", "model_b": "b", "winner": "tie"}) + "\n"
    files = {
        "not gzip": (tmp_path / "a.jsonl.gz", b"this is not gzip data", "not a valid gzip file"),
        "truncated gzip": (tmp_path / "b.jsonl.gz", gzip.compress(good.encode() * 50)[:-12], "not a valid gzip file"),
        "latin-1": (tmp_path / "c.jsonl", good.replace('"p"', '"caf\xe9"').encode("latin-1"), "c.jsonl:1: not UTF-8"),
        "corrupt parquet": (tmp_path / "d.parquet", b"PAR1 garbage", "not a readable Parquet file"),
        "empty parquet": (tmp_path / "e.parquet", b"", "not a readable Parquet file"),
    }
    out = {}
    for name, (path, data, message) in files.items():
        path.write_bytes(data)
        out[name] = (path, message)
    return out


@pytest.mark.parametrize("kind", ["not gzip", "truncated gzip", "latin-1", "corrupt parquet", "empty parquet"])
def test_unreadable_data_files_are_one_line_errors(capsys, tmp_path, kind):
    path, message = _bad_files(tmp_path)[kind]
    line = user_error(capsys, ["train", "mf", "--battles", str(path), "--out", str(tmp_path / "o")])
    assert message in line and str(path) in line


def test_missing_prompts_file(capsys, tmp_path):
    line = user_error(capsys, ["calibrate", "--router", "random", "--prompts", str(tmp_path / "nope.txt"),
                               "--strong-fraction", "0.3"])
    assert "prompts file not found" in line


def test_config_json_that_is_not_an_object(capsys, tmp_path):
    folder = Path(shutil.copytree(tiny_router_path(), tmp_path / "r"))
    (folder / "config.json").write_text("[1, 2, 3]")
    assert "not an object" in user_error(capsys, ["route", "hello", "--router", str(folder)])


def test_lone_surrogate_in_a_prompt(capsys):
    assert "lone surrogate" in user_error(capsys, ["route", "caf\udce9 au lait", "--router", "random"])


def test_route_json_is_valid_json(capsys):
    assert main(["route", "hello there", "--json", "--router", "mf"]) == 0
    out = json.loads(capsys.readouterr().out)  # would fail on a bare NaN
    assert 0.0 <= out["score"] <= 1.0


def test_eval_output_pointing_at_a_folder_is_reported_before_evaluating(capsys, tmp_path):
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"prompt": f"q{i}", "scores": {"S": i % 2, "W": 0}}) + "\n" for i in range(10)))
    (tmp_path / "out").mkdir()
    line = user_error(capsys, ["eval", "--benchmark", str(bench), "--strong", "S", "--weak", "W",
                               "--routers", "random", "--out-json", str(tmp_path / "out")])
    assert "--out-json" in line and "is a folder" in line


# ---------------------------------------------------------------------------- calibrate --save
def test_calibrate_save_never_writes_over_the_bundled_router(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    prompts = tmp_path / "p.txt"
    prompts.write_text("hello\nProve Fermat's little theorem\nthanks\n")
    line = user_error(capsys, ["calibrate", "--router", "mf", "--prompts", str(prompts), "--strong-fraction", "0.3",
                               "--save"])
    assert "--out DIR" in line and not (tmp_path / "mf").exists()
    assert main(["calibrate", "--router", "mf", "--prompts", str(prompts), "--strong-fraction", "0.3",
                 "--out", "my-mf"]) == 0
    assert "load_router('./my-mf')" in capsys.readouterr().err
    from routellm_core import load_router

    assert load_router("./my-mf").calibration_source_.startswith("p.txt")


# ---------------------------------------------------------------------------- bugs and help
def test_a_bug_keeps_its_traceback(monkeypatch):
    import routellm_core.cli.demo as demo

    def broken(args):
        raise RuntimeError("a real bug")

    monkeypatch.setattr(demo, "run", broken)
    with pytest.raises(RuntimeError, match="a real bug"):
        main(["demo"])


@pytest.mark.parametrize("command", ["train", "eval"])
def test_help_lists_every_router_in_plain_text(command):
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    text = sub.choices[command].format_help()
    for name in available_routers():
        assert name in text, f"{command} --help does not mention {name}"
    for command_parser in sub.choices.values():
        assert "``" not in command_parser.format_help() and ":class:" not in command_parser.format_help()


# ---------------------------------------------------------------------------- plug-in subcommands
def register_hello(subparsers):
    """A plug-in subcommand, as another package would register it (entry point ``routellm.cli``)."""
    p = subparsers.add_parser("hello", help="say hello")
    p.add_argument("--name", default="world")
    p.set_defaults(func=lambda args: print(f"hello {args.name}") or 0)
    return p


def test_subcommands_from_other_packages(monkeypatch, capsys):
    import importlib.metadata

    plugins = [
        importlib.metadata.EntryPoint("hello", f"{__name__}:register_hello", "routellm.cli"),
        importlib.metadata.EntryPoint("serve", "no_such_package_for_routellm.server:register", "routellm.cli"),
        importlib.metadata.EntryPoint("route", f"{__name__}:register_hello", "routellm.cli"),  # cannot replace a built-in
    ]
    real = importlib.metadata.entry_points
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda **kw: plugins if kw.get("group") == "routellm.cli" else real(**kw))
    assert main(["hello", "--name", "you"]) == 0
    assert capsys.readouterr().out == "hello you\n"
    line = user_error(capsys, ["serve", "--port", "8000"])
    assert "'serve' subcommand" in line and "no_such_package_for_routellm" in line
    assert "route" in build_parser().format_help() and main(["route", "hi", "--router", "random"]) == 0
