"""``routellm label`` and ``routellm_core.labeling`` over HTTP to the local provider server:
strong, weak and judge are all served by it (the judge's grades scripted with ``set_reply``)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from routellm_core.cli import main
from routellm_core.data import read_battles
from routellm_core.errors import ConfigError, DataFormatError
from routellm_core.labeling import Labeler, LabelSettings, iter_prompts, read_prompts, sample_prompts
from tests.provider_fixtures import FAKE_OPENAI_KEY, provider_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PRICES = {"gpt-4o": [2.5, 10], "gpt-4o-mini": [0.15, 0.6], "judge": [1, 1]}
_ANSWER = re.compile(r"\[The Start of Assistant's Answer\]\n\[([^\]]+)\]")
_ANSWER_A = re.compile(r"\[The Start of Assistant A's Answer\]\n\[([^\]]+)\]")


def grade(text: str) -> str:
    """A scripted single-answer judge: gpt-4o's answers to prompts with 'prove' get 9, every
    other answer 6; prompts with 'garble' get a reply with no rating."""
    if "garble" in text:
        return "I am not sure what to say here."
    m = _ANSWER.search(text)
    model = m.group(1) if m else ""
    return f"Explanation. Rating: [[{9 if model == 'gpt-4o' and 'prove' in text else 6}]]"


def prompts_file(tmp_path: Path, prompts: list[str], name: str = "log.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join(json.dumps({"prompt": t}) + "\n" for t in prompts), encoding="utf-8")
    return p


def label_args(srv, log: Path, out: Path, *extra: str) -> list[str]:
    return ["label", str(log), "--strong", "openai:gpt-4o", "--weak", "openai:gpt-4o-mini", "--judge", "openai:judge",
            "--out", str(out), "--model-opt", f"base_url={srv.openai_base_url}", f"api_key={FAKE_OPENAI_KEY}",
            "--no-progress", *extra]


def chat_bodies(srv) -> list[str]:
    return [json.dumps([r.model, r.body.get("messages")], sort_keys=True) for r in srv.requests if r.endpoint == "chat"]


def test_labels_are_battles_naming_judge_and_models(provider_server, tmp_path: Path, capsys) -> None:  # noqa: F811
    provider_server.set_reply("judge", grade)
    log = prompts_file(tmp_path, ["prove that 17 is prime", "hi there", "prove the sum of angles is 180", "hi there"])
    out = tmp_path / "labels.jsonl"
    assert main(label_args(provider_server, log, out)) == 0
    battles = read_battles(out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(battles) == 3  # the duplicate prompt was dropped
    assert {(r["model_a"], r["model_b"], r["judge"], r["mode"]) for r in rows} == {("gpt-4o", "gpt-4o-mini", "judge", "single")}
    by_prompt = {r["prompt"]: r["winner"] for r in rows}
    assert by_prompt == {"prove that 17 is prime": "model_a", "hi there": "tie", "prove the sum of angles is 180": "model_a"}
    # 1 judge check + 3 prompts x (2 answers + 2 grades)
    assert provider_server.count_requests() == 13
    assert provider_server.count_requests("judge") == 7
    err = capsys.readouterr().err
    assert "estimate" in err and "3 battles" in err


def test_interrupted_run_resumed_repeats_no_request(provider_server, tmp_path: Path) -> None:  # noqa: F811
    provider_server.set_reply("judge", grade)
    provider_server.set_delay("gpt-4o-mini", 0.15)
    log = prompts_file(tmp_path, [f"prove claim number {i}" for i in range(40)])
    out = tmp_path / "labels.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "import sys; from routellm_core.cli import main; sys.exit(main())",
           *label_args(provider_server, log, out, "--concurrency", "4")]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while provider_server.count_requests("gpt-4o-mini") < 8 and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = proc.communicate(timeout=60)
    first = chat_bodies(provider_server)
    assert 8 <= provider_server.count_requests("gpt-4o-mini") < 40, err
    assert "interrupted" in err and "run the same command again" in err
    provider_server.set_delay("gpt-4o-mini", 0.0)
    assert main(label_args(provider_server, log, out)) == 0
    everything = chat_bodies(provider_server)
    assert len(everything) > len(first)
    repeated = {body: n for body, n in Counter(everything).items() if n > 1}
    assert repeated == {}
    assert len(read_battles(out)) == 40
    # and a third run is free
    before = len(everything)
    assert main(label_args(provider_server, log, out)) == 0
    assert len(chat_bodies(provider_server)) == before


def test_cost_cap_stops_spending_cleanly(provider_server, tmp_path: Path, capsys) -> None:  # noqa: F811
    provider_server.set_reply("judge", grade)
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"gpt-4o": [2000, 2000], "gpt-4o-mini": [100, 100], "judge": [500, 500]}))
    log = prompts_file(tmp_path, [f"prove claim {i} " + "word " * 20 for i in range(30)])
    out = tmp_path / "labels.jsonl"
    assert main(label_args(provider_server, log, out, "--prices", str(prices), "--max-cost", "2.0",
                           "--output-tokens", "50", "--concurrency", "2")) == 0
    err = capsys.readouterr().err
    spent = float(re.search(r"paid calls \(\$([\d.]+)\)", err).group(1))
    assert 0 < spent <= 2.0
    assert "stopped: the cost cap $2 would be passed" in err
    n = len(read_battles(out))
    assert 0 < n < 30
    calls = provider_server.count_requests()
    assert calls < 1 + 30 * 4
    # the dry run of the rest: no call made, the finished prompts counted as cached
    assert main(label_args(provider_server, log, out, "--prices", str(prices), "--dry-run")) == 0
    assert provider_server.count_requests() == calls
    assert "already in the cache" in capsys.readouterr().err


def test_garbled_judge_reply_is_counted_and_kept(provider_server, tmp_path: Path, capsys) -> None:  # noqa: F811
    provider_server.set_reply("judge", grade)
    log = prompts_file(tmp_path, ["prove it", "please garble this one", "hello"])
    out = tmp_path / "labels.jsonl"
    assert main(label_args(provider_server, log, out)) == 0
    err = capsys.readouterr().err
    assert "1 unparsed judge replies" in err
    assert len(read_battles(out)) == 2
    kept = [json.loads(line) for line in (tmp_path / "labels.unparsed.jsonl").read_text().splitlines()]
    assert len(kept) == 1 and kept[0]["prompt"] == "please garble this one"
    assert kept[0]["raw"] == {"gpt-4o": "I am not sure what to say here.", "gpt-4o-mini": "I am not sure what to say here."}


def test_pairwise_judges_both_orders(provider_server, tmp_path: Path) -> None:  # noqa: F811
    log = prompts_file(tmp_path, ["prove it", "hello"])
    # a judge that always picks the first answer: position bias, cancelled into ties
    provider_server.set_reply("judge", lambda text: "[[A]]")
    out = tmp_path / "biased.jsonl"
    assert main(label_args(provider_server, log, out, "--mode", "pairwise")) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["winner"] for r in rows] == ["tie", "tie"]
    assert {(r["verdict_a_first"], r["verdict_b_first"]) for r in rows} == {("A", "A")}
    firsts = [_ANSWER_A.search(r.body["messages"][-1]["content"]).group(1)
              for r in provider_server.requests if r.model == "judge" and "prove it" in r.body["messages"][-1]["content"]]
    assert sorted(firsts) == ["gpt-4o", "gpt-4o-mini"]  # each order once

    # a judge that prefers gpt-4o wherever it is shown: the same winner from both orders
    provider_server.reset()
    def prefers_gpt4o(text: str) -> str:
        first = _ANSWER_A.search(text)
        return "[[B]]" if first and first.group(1) == "gpt-4o-mini" else "[[A]]"

    provider_server.set_reply("judge", prefers_gpt4o)
    out = tmp_path / "fair.jsonl"
    assert main(label_args(provider_server, log, out, "--mode", "pairwise", "--cache", str(tmp_path / "c2.sqlite"))) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["winner"] for r in rows] == ["model_a", "model_a"]
    assert {(r["verdict_a_first"], r["verdict_b_first"]) for r in rows} == {("A", "B")}


def test_n_models_give_every_pair(provider_server, tmp_path: Path) -> None:  # noqa: F811
    provider_server.set_reply("judge", grade)
    log = prompts_file(tmp_path, ["prove it"])
    out = tmp_path / "labels.jsonl"
    args = label_args(provider_server, log, out)
    args[args.index("--strong"):args.index("--judge")] = ["--models", "openai:gpt-4o", "openai:gpt-4o-mini", "openai:gpt-4.1"]
    assert main(args) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {(r["model_a"], r["model_b"]) for r in rows} == {
        ("gpt-4o", "gpt-4o-mini"), ("gpt-4o", "gpt-4.1"), ("gpt-4o-mini", "gpt-4.1")}


def test_python_api_with_model_objects(provider_server, tmp_path: Path) -> None:  # noqa: F811
    from langchain_openai import ChatOpenAI

    provider_server.set_reply("judge", grade)
    make = lambda m: ChatOpenAI(model=m, base_url=provider_server.openai_base_url, api_key=FAKE_OPENAI_KEY, max_retries=0)
    lab = Labeler([make("gpt-4o"), ("mini", make("gpt-4o-mini"))], make("judge"), cache=tmp_path / "c.sqlite",
                  settings=LabelSettings(concurrency=2, rate=200.0))
    report = lab.run(["prove it", "hi"])
    lab.close()
    assert [(b["model_a"], b["model_b"], b["winner"]) for b in report.battles] == [
        ("gpt-4o", "mini", "model_a"), ("gpt-4o", "mini", "tie")]
    assert report.paid_calls == 9 and report.spent == 0.0


def test_failing_calls_are_retried_then_reported(provider_server, tmp_path: Path) -> None:  # noqa: F811
    provider_server.set_reply("judge", grade)
    provider_server.fail_model("gpt-4o-mini", status=500, times=1)
    lab = Labeler(["openai:gpt-4o", "openai:gpt-4o-mini"], "openai:judge", cache=tmp_path / "c.sqlite",
                  settings=LabelSettings(backoff=0.01, retries=2),
                  model_options={"base_url": provider_server.openai_base_url, "api_key": FAKE_OPENAI_KEY, "max_retries": 0})
    report = lab.run(["prove it"])
    assert len(report.battles) == 1 and not report.failed  # one retry fixed it
    provider_server.fail_model("gpt-4o-mini", status=500)
    report = lab.run(["another prompt"])
    lab.close()
    assert report.failed and "failed 3 times" in report.failed[0]["error"]
    assert provider_server.count_requests("gpt-4o-mini") == 2 + 3


# ------------------------------------------------------------------ inputs
def test_messages_column_langsmith_export_csv_and_parquet(tmp_path: Path) -> None:
    msgs = tmp_path / "chat.jsonl"
    msgs.write_text("\n".join(json.dumps(r) for r in [
        {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "first"},
                      {"role": "assistant", "content": "ok"}, {"role": "user", "content": [{"type": "text", "text": "second"}]}]},
        {"messages": [{"role": "system", "content": "only a system turn"}]},
    ]) + "\n")
    assert read_prompts(msgs) == ["second"]
    smith = tmp_path / "runs.jsonl"
    smith.write_text("\n".join(json.dumps(r) for r in [
        {"id": "1", "run_type": "llm", "inputs": {"messages": [[
            {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "SystemMessage"], "kwargs": {"content": "sys"}},
            {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "HumanMessage"],
             "kwargs": {"content": "What is RAG?", "type": "human"}}]]}},
        {"id": "2", "run_type": "chain", "inputs": {"messages": [{"type": "human", "content": "Summarise this"},
                                                                 {"type": "ai", "content": "ok"}]}},
        {"id": "3", "run_type": "chain", "inputs": {"question": "Where is Paris?"}},
        {"id": "4", "run_type": "tool", "inputs": {"tool_input": 3}},
    ]) + "\n")
    assert read_prompts(smith) == ["What is RAG?", "Summarise this", "Where is Paris?"]
    csv_file = tmp_path / "log.csv"
    csv_file.write_text('id,messages\n1,"[{""role"": ""user"", ""content"": ""from csv""}]"\n')
    assert read_prompts(csv_file) == ["from csv"]
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"prompt": ["a parquet prompt", "another"]}), tmp_path / "log.parquet")
    assert read_prompts(tmp_path / "log.parquet") == ["a parquet prompt", "another"]
    assert read_prompts(csv_file, column="messages") == ["from csv"]


def test_sampling_dedupes_and_stratifies_by_length() -> None:
    prompts = [("x" * (i % 50 + 1)) + f" {i}" for i in range(500)] + ["dup", "DUP ", "dup"]
    assert sample_prompts(["a", " A", "b"], None) == ["a", "b"]
    picked = sample_prompts(prompts, 100, seed=3)
    assert len(picked) == 100 == len(set(picked))
    lengths = sorted(len(p) for p in prompts[:500])
    cuts = [lengths[len(lengths) * k // 5] for k in range(1, 5)]
    bands = Counter(sum(len(p) >= c for c in cuts) for p in picked)
    assert all(15 <= bands[b] <= 25 for b in range(5)), bands
    assert sample_prompts(prompts, 100, seed=3) == picked
    assert sample_prompts(prompts, 100, seed=4) != picked


# ------------------------------------------------------------------ errors before any paid call
@pytest.mark.parametrize("case", ["empty", "no_column", "provider", "key", "refuses", "no_provider"])
def test_bad_inputs_are_one_line_errors_before_any_paid_call(case, provider_server, tmp_path: Path, capsys,  # noqa: F811
                                                            monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    log = prompts_file(tmp_path, ["prove it"])
    out = tmp_path / "labels.jsonl"
    args = label_args(provider_server, log, out)
    want = {
        "empty": "the log is empty",
        "no_column": "no prompt column: rows need 'prompt', 'messages'",
        "provider": "unknown provider 'nosuch'",
        "key": "no API key for openai; set OPENAI_API_KEY",
        "refuses": "refused or ignored the verdict format",
        "no_provider": "give a model as provider:model",
    }[case]
    if case == "empty":
        log.write_text("")
    elif case == "no_column":
        log.write_text(json.dumps({"text": "hi", "id": 1}) + "\n")
    elif case == "provider":
        args[args.index("openai:gpt-4o")] = "nosuch:model"
    elif case == "no_provider":
        args[args.index("openai:gpt-4o")] = "gpt-4o"
    elif case == "key":
        args.remove(f"api_key={FAKE_OPENAI_KEY}")
    else:
        provider_server.set_reply("judge", "I'm sorry, but I can't help with grading.")
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len([line for line in err if "error:" in line]) == 1 and want in err[-1], err
    assert err[-1].startswith("routellm label: error:")
    # nothing but (for the refusing judge) its one test grading was called
    assert provider_server.count_requests("gpt-4o") == provider_server.count_requests("gpt-4o-mini") == 0
    assert provider_server.count_requests() == (1 if case == "refuses" else 0)
    assert not out.exists()


def test_api_errors() -> None:
    with pytest.raises(ConfigError, match="at least two models"):
        Labeler(["openai:gpt-4o"], "openai:judge", cache="unused.sqlite")
    with pytest.raises(ConfigError, match="lacks \\{answer_b\\}"):
        LabelSettings(mode="pairwise", template="{question} {answer_a}")
    with pytest.raises(DataFormatError, match="data file not found"):
        list(iter_prompts("no/such/log.jsonl"))


def test_core_labeling_does_not_import_langchain_at_import_time() -> None:
    code = ("import sys, routellm_core.labeling, routellm_core.cli.label, routellm_core.cli; "
            "print(sorted(m for m in sys.modules if m.startswith(('langchain', 'openai', 'anthropic'))))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
