"""The command line explains itself (issue 24): every option of every subcommand has help text,
``--version``, ``eval --help`` shows its examples as written, ``route`` names no missing model,
and the eval plot's title stays inside the figure."""

from __future__ import annotations

import argparse
import importlib.metadata

import pytest

from routellm_core.cli import build_parser, main


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _undocumented(parser: argparse.ArgumentParser) -> list[str]:
    return [
        "/".join(a.option_strings) or a.dest
        for a in parser._actions
        if not (a.help and a.help.strip()) or a.help == argparse.SUPPRESS
    ]


def test_every_option_of_every_subcommand_has_help():
    subcommands = _subcommands()
    assert {"route", "train", "calibrate", "demo", "eval", "fake-provider", "serve"} <= set(subcommands)
    missing = {name: _undocumented(p) for name, p in subcommands.items()}
    assert {name: m for name, m in missing.items() if m} == {}
    assert _undocumented(build_parser()) == []


def test_version_prints_the_installed_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"routellm {importlib.metadata.version('routellm-plugins')}"


def test_eval_help_shows_the_examples_as_written_and_no_developer_note(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    out = capsys.readouterr().out
    assert "reST" not in out and "plain text" not in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("routellm eval --multimodel"))
    assert lines[start].endswith(" \\") and lines[start + 1].strip().startswith("--routers quality_ridge")
    assert all("\\  " not in line for line in lines)  # no continuation run into the next line


def test_route_names_the_model_only_when_it_is_known(capsys):
    assert main(["route", "hi there"]) == 0
    out = capsys.readouterr().out
    assert "None" not in out and out.split()[0] in ("strong", "weak")
    assert main(["route", "hi there", "--strong", "gpt-4o", "--weak", "gpt-4o-mini"]) == 0
    assert capsys.readouterr().out.split()[1] in ("(gpt-4o)", "(gpt-4o-mini)")


def test_a_long_plot_title_stays_inside_the_figure(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    from routellm_core.evaluation.plots import set_title

    title = "mmlu_golden_permissive.jsonl: gpt-4-1106-preview vs mistralai/Mixtral-8x7B-Instruct-v0.1 (5-fold CV)"
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)  # the size plot_curves draws at
    set_title(ax, title)
    fig.tight_layout()
    fig.canvas.draw()
    box, frame = ax.title.get_window_extent(), fig.bbox
    plt.close(fig)
    assert box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y1 <= frame.y1
    assert " ".join(ax.title.get_text().split()) == title
