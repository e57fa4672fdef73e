import csv
import gzip
import json
import subprocess
import sys

import numpy as np
import pytest

from routellm_core import DataFormatError, load_router
from routellm_core.cli import main
from routellm_core.data import golden_to_battles, read_battles, read_golden
from tests.helpers import EASY_EXAMPLE, HARD_EXAMPLE, tiny_battles, tiny_router_path


def _battle_rows(n=40):
    b = tiny_battles(n // 2)
    names = {1.0: "model_a", 0.0: "model_b", 0.5: "tie"}
    return [
        {"prompt": p, "model_a": a, "model_b": m, "winner": names[o]}
        for p, a, m, o in zip(b.prompts, b.model_a, b.model_b, b.outcome)
    ]


def _write_jsonl(path, rows, gz=False):
    text = "".join(json.dumps(r) + "\n" for r in rows)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def test_read_battles_jsonl_gz_csv_parquet_agree(tmp_path):
    rows = _battle_rows()
    j = read_battles(_write_jsonl(tmp_path / "b.jsonl", rows))
    g = read_battles(_write_jsonl(tmp_path / "b.jsonl.gz", rows, gz=True))
    with open(tmp_path / "b.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    c = read_battles(tmp_path / "b.csv")
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "b.parquet")
    p = read_battles(tmp_path / "b.parquet")
    for other in (g, c, p):
        assert other.prompts == j.prompts and other.model_b == j.model_b
        np.testing.assert_array_equal(other.outcome, j.outcome)
    assert j.models() == ["medium", "strong", "weak"]
    assert j.default_pair() == ("strong", "weak") or j.default_pair()[0] in ("strong", "medium")


def test_bad_battle_rows_report_file_and_line(tmp_path):
    rows = _battle_rows(6)
    rows[3] = {**rows[3], "winner": "model_c"}
    f = _write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DataFormatError, match=r"bad.jsonl:4: unknown winner 'model_c'; use model_a, model_b or tie"):
        read_battles(f)
    rows = _battle_rows(6)
    del rows[1]["model_b"]
    with pytest.raises(DataFormatError, match=r":2: missing column\(s\) model_b"):
        read_battles(_write_jsonl(tmp_path / "bad2.jsonl", rows))
    (tmp_path / "bad3.jsonl").write_text('{"prompt": "x"}\nnot json\n')
    with pytest.raises(DataFormatError, match=r"bad3.jsonl:1: missing column"):
        read_battles(tmp_path / "bad3.jsonl")
    with pytest.raises(DataFormatError, match="unknown file type"):
        read_battles(_write_jsonl(tmp_path / "b.txt", rows))
    with open(tmp_path / "bad.csv", "w") as fh:
        fh.write("prompt,model_a,model_b,winner\nhello,a,b,model_a\nworld,a,b,maybe\n")
    with pytest.raises(DataFormatError, match=r"bad.csv:3: unknown winner"):
        read_battles(tmp_path / "bad.csv")


def test_golden_rows_become_strong_vs_weak_battles(tmp_path):
    rows = [
        {"prompt": "q1", "scores": {"S": 1.0, "W": 0.0}},
        {"prompt": "q2", "scores": {"S": 1.0, "W": 1.0}},
        {"prompt": "q3", "scores": {"S": 0.0, "W": 1.0}},
        {"prompt": "q4", "scores": {"S": 0.0, "W": 1.0}, "contaminated": True},
    ]
    gold = read_golden(_write_jsonl(tmp_path / "g.jsonl", rows))
    assert [r.prompt for r in gold] == ["q1", "q2", "q3"]
    b = golden_to_battles(gold, "S", "W")
    assert b.outcome.tolist() == [1.0, 0.5, 0.0] and set(b.model_a) == {"S"}
    with pytest.raises(DataFormatError, match="no score for 'X'"):
        golden_to_battles(gold, "X", "W")
    _write_jsonl(tmp_path / "bad.jsonl", [{"prompt": "q", "scores": {"S": 2}}])
    with pytest.raises(DataFormatError, match=r"bad.jsonl:1: score of 'S' must be in \[0, 1\]"):
        read_golden(tmp_path / "bad.jsonl")


def test_cli_train_route_calibrate(tmp_path, capsys):
    battles = _write_jsonl(tmp_path / "battles.jsonl", _battle_rows(200))
    golden = _write_jsonl(
        tmp_path / "golden.jsonl",
        [{"prompt": f"Prove theorem {i} about integrals", "scores": {"strong": 1.0, "weak": 0.0}} for i in range(20)],
    )
    out = tmp_path / "router"
    rc = main(["train", "mf", "--battles", str(battles), "--golden", str(golden), "--strong", "strong",
               "--weak", "weak", "--epochs", "20", "--dim", "16", "--out", str(out)])
    assert rc == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["training"]["data"]["golden"][0]["rows_used"] == 20
    assert cfg["training"]["command"].startswith("routellm ") or cfg["training"]["command"] is None
    capsys.readouterr()
    assert main(["route", HARD_EXAMPLE, "--router", str(out), "--threshold", "0.5", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["model"] == "strong" and d["model_name"] == "strong" and d["router"] == "mf"
    prompts = tmp_path / "traffic.txt"
    prompts.write_text("\n".join([EASY_EXAMPLE + f" {i}" for i in range(7)] + [HARD_EXAMPLE + f" {i}" for i in range(3)]))
    assert main(["calibrate", "--router", str(out), "--prompts", str(prompts), "--strong-fraction", "0.3"]) == 0
    t = float(capsys.readouterr().out.strip())
    r = load_router(out)
    scores = r.score(prompts.read_text().splitlines())
    assert np.mean(scores >= t) == pytest.approx(0.3, abs=0.1)


def test_cli_train_sw_ranking_and_bad_input(tmp_path, capsys):
    battles = _write_jsonl(tmp_path / "battles.jsonl", _battle_rows(60))
    assert main(["train", "sw_ranking", "--battles", str(battles), "--out", str(tmp_path / "sw")]) == 0
    assert load_router(tmp_path / "sw").name == "sw_ranking"
    rows = _battle_rows(6)
    rows[2]["winner"] = "draw"
    bad = _write_jsonl(tmp_path / "bad.jsonl", rows)
    assert main(["train", "mf", "--battles", str(bad), "--out", str(tmp_path / "x")]) == 2
    assert "bad.jsonl:3: unknown winner 'draw'" in capsys.readouterr().err
    assert main(["route", "hello", "--router", "nope"]) == 2
    assert "unknown router 'nope'" in capsys.readouterr().err
    assert main(["route", "hello", "--router", str(tiny_router_path()), "--threshold", "1.5"]) == 2
    assert "threshold must be in [0, 1]" in capsys.readouterr().err
    assert main(["route", "  ", "--router", str(tiny_router_path())]) == 2
    assert "empty" in capsys.readouterr().err


def test_cli_demo_on_bundled_router(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "prompt" in out and "decision" in out and "prompts to the strong model" in out
    assert out.count("strong") >= 2 and "weak" in out


def test_routellm_help_lists_every_command():
    out = subprocess.run([sys.executable, "-m", "routellm_core.cli", "--help"], capture_output=True, text=True, check=True).stdout
    for cmd in ("route", "train", "calibrate", "eval", "demo"):
        assert cmd in out


def test_import_is_light():
    code = (
        "import sys, routellm_core, routellm_core.cli; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'openai', 'matplotlib') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_train_on_all_model_pairs_of_golden_rows(tmp_path):
    rows = []
    for i in range(30):
        hard = i % 2 == 0
        rows.append({"prompt": (f"Prove theorem {i} on integrals" if hard else f"hello friend {i}"),
                     "scores": {"big": 1.0, "mid": 1.0 if i % 4 == 0 else 0.0, "small": 0.0 if hard else 1.0}})
    golden = _write_jsonl(tmp_path / "multi.jsonl", rows)
    out = tmp_path / "r"
    assert main(["train", "mf", "--golden", str(golden), "--golden-all-pairs", "--strong", "big", "--weak", "small",
                 "--epochs", "10", "--dim", "8", "--out", str(out)]) == 0
    r = load_router(out)
    assert r.known_models() == ["big", "mid", "small"]
    assert 0 <= r.score("Prove theorem 99", strong="mid", weak="small") <= 1
    assert main(["train", "mf", "--golden", str(golden), "--out", str(tmp_path / "x")]) == 2
