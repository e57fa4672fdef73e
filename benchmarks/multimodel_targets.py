"""Routing among N models on the multi-model benchmarks: trained on each train split, scored on its
test split, against every single model, the random mix and the oracle.

Each benchmark is one ``routellm eval --multimodel`` run (the same code as the command; its table
is printed as it goes, its JSON and plot are written to ``--out``). Then, per benchmark, the
issue's target (at least 98% of the best single model's quality at no more than 50% of its
cost) and the AIQ of every system.

Benchmarks (research and evaluation only; nothing here is shipped):

* RouterBench ARC-Challenge (11 models, per-call costs in the files), RouterDC's train/test split;
* LLMRouter (9 open models, 13 tasks), its train/test split, prices from LLMRouter's own model
  table (``benchmarks/prices/llmrouter.json``) for 1,000 tokens a call;
* RouterDC (7 open 7-8B models), six tasks' train files -> their test files, pooled and per task;
  no costs (the models are the same size), so quality figures only. Scores of the
  ``prob_if_correct`` files count as correct when > 0.

    .venv/bin/python benchmarks/multimodel_targets.py ../shared/data [--routers quality_ridge mf default]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

HERE = Path(__file__).resolve().parent
DC7_TASKS = ["mmlu", "cmmlu", "gsm8k", "arc_challenge", "arc_easy", "humaneval"]


def _file(folder: Path, stem: str) -> str:
    for suffix in (".jsonl", ".jsonl.gz"):
        if (folder / f"{stem}{suffix}").exists():
            return str(folder / f"{stem}{suffix}")
    raise SystemExit(f"{folder / stem}.jsonl(.gz) not found; pass the shared data folder.")


def benchmarks(data: Path) -> dict[str, list[str]]:
    mm = data / "multimodel"
    llmr = _file(mm, "llmrouter_benchmark_outcomes")
    binarize = ["--binarize", "score_type=prob_if_correct"]
    out = {
        "routerbench_arc": ["--multimodel", _file(mm, "routerbench_arc_challenge_test"),
                            "--train", _file(mm, "routerbench_arc_challenge_train")],
        "llmrouter": ["--multimodel", llmr, "--where", "split=test", "--train", llmr, "--train-where", "split=train",
                      "--prices", os.path.relpath(HERE / "prices" / "llmrouter.json"), "--tokens", "1000", "0"],
        "routerdc7_pooled": ["--multimodel", *[_file(mm, f"routerdc7_{t}_test") for t in DC7_TASKS],
                             "--train", *[_file(mm, f"routerdc7_{t}_train") for t in DC7_TASKS], *binarize],
    }
    for t in DC7_TASKS:
        out[f"routerdc7_{t}"] = ["--multimodel", _file(mm, f"routerdc7_{t}_test"),
                                 "--train", _file(mm, f"routerdc7_{t}_train"), *binarize]
    return out


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def report_targets(name: str, report: dict[str, Any], routers: list[str]) -> None:
    s = report["summary"]
    best = s["best_single"]
    systems = s["systems"]
    print(f"\n== {name} (n={report['n']}, {len(report['models'])} models; {report['costs']})")
    if systems[routers[0]]["aiq"] is None:
        print(f"best single {best['model']}: quality {_pct(best['quality'])}; random model per prompt "
              f"{_pct(systems['random mix']['max_quality'])}; oracle {_pct(systems['oracle']['max_quality'])}")
        for r in routers:
            if r in systems:
                q = systems[r]["max_quality"]
                print(f"  {r:<14} quality {_pct(q)} = {_pct(q / best['quality'])} of the best single model "
                      "(no costs: the target's cost half does not apply)")
        return
    print(f"best single {best['model']}: quality {_pct(best['quality'])} at {best['cost']:.3g} USD a call")
    print(f"{'system':<16} {'q @ <=50% cost':>14} {'of best':>8} {'(hull)':>8} {'match best at':>14} "
          f"{'of its cost':>11} {'AIQ':>7}  target")
    for r in [*routers, "random mix", "oracle"]:
        if r not in systems:
            continue
        e = systems[r]
        point = e["quality_at_half_best_cost_point"]
        ratio = None if point is None else point / best["quality"]
        match = e["cost_to_match_best"]
        met = "met" if ratio is not None and ratio >= 0.98 else "not met"
        print(f"{r:<16} {_pct(point):>14} {_pct(ratio):>8} {_pct(e['quality_at_half_best_cost_hull'] / best['quality']):>8} "
              f"{('%.3g' % match) if match is not None else 'never':>14} "
              f"{_pct(None if match is None else match / best['cost']):>11} {e['aiq']:7.4f}  {met}")
    print("AIQ of every system: " + ", ".join(
        f"{m.split('/')[-1]} {e['aiq']:.4f}" for m, e in sorted(systems.items(), key=lambda kv: -kv[1]["aiq"])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="the shared data folder (holds multimodel/)")
    ap.add_argument("--routers", nargs="+", default=["quality_ridge", "mf", "default"])
    ap.add_argument("--only", nargs="+", default=None, help="run only these benchmarks")
    ap.add_argument("--out", default=os.path.relpath(HERE.parent / "docs"), help="folder for results/ and img/ (default docs/)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from routellm_core.cli import main as routellm

    out = Path(args.out)
    for name, files in benchmarks(Path(args.data)).items():
        if args.only and name not in args.only:
            continue
        json_path = out / "results" / f"mm_{name}.json"
        argv = ["eval", *files, "--routers", *args.routers, "--seed", str(args.seed), "--quiet",
                "--out-json", str(json_path)]
        if not name.startswith("routerdc7_") or name == "routerdc7_pooled":
            argv += ["--plot", str(out / "img" / f"mm_{name}.png")]
        print(f"\n$ routellm {' '.join(argv)}", flush=True)
        text = io.StringIO()
        with contextlib.redirect_stdout(text):
            rc = routellm(argv)
        (out / "results" / f"mm_{name}.txt").write_text(text.getvalue(), encoding="utf-8")
        print(text.getvalue(), end="")
        if rc != 0:
            raise SystemExit(rc)
        report_targets(name, json.loads(json_path.read_text(encoding="utf-8")), args.routers)


if __name__ == "__main__":
    main()
