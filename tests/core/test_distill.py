"""pooled_ridge distilled from a teacher router (``teacher_weight``, ``fit(..., teacher=)``,
``routellm train pooled_ridge --teacher``): the teacher's share of each target acts, the mixing is
checked, and the CLI records the teacher."""

from __future__ import annotations

import json

import numpy as np
import pytest

from routellm_core import ConfigError, load_router
from routellm_core.cli import main
from routellm_core.data import Battles
from routellm_core.routers.pooled_ridge import PooledRidgeRouter
from tests.core.test_pooled import _battles, _easy, _hard, two_sources  # noqa: F401 (the shared fixture)
from tests.core.test_cli_edges import user_error
from tests.core.test_pooled_cli import _write_battles

OPTS = dict(embedder="minilm-static", alpha=1.0)
HARD = [f"Prove and derive step by step the spectral theorem, then implement it in Python (test {k})." for k in range(3)]
EASY = ["hello, how are you? (test)", "thanks a lot! (test)", "good morning :) (test)"]


@pytest.fixture(scope="module")
def battles(two_sources) -> Battles:
    return two_sources


@pytest.fixture(scope="module")
def contrary(battles) -> PooledRidgeRouter:
    """A teacher that ranks small talk above hard prompts (trained on battles where the stronger
    models win the small talk and tie on the hard prompts)."""
    swapped = Battles.concat([_battles(_easy(1), _hard(1), "alpha", 0), _battles(_easy(2), _hard(2), "beta", 1)])
    return PooledRidgeRouter(**OPTS).fit(swapped)


def _gap(router) -> float:
    s = router.score(HARD + EASY)
    return float(s[:3].mean() - s[3:].mean())


def test_the_teacher_share_moves_the_ranking_toward_the_teacher(battles, contrary):
    assert _gap(contrary) < 0
    plain = PooledRidgeRouter(**OPTS).fit(battles)
    assert _gap(plain) > 0
    half = PooledRidgeRouter(teacher_weight=0.5, **OPTS).fit(battles, teacher=contrary)
    full = PooledRidgeRouter(teacher_weight=1.0, **OPTS).fit(battles, teacher=contrary)
    assert _gap(plain) > _gap(half) > _gap(full)
    assert _gap(full) < 0  # only the teacher's targets: its ranking


def test_full_distillation_learns_the_teachers_targets(battles):
    """teacher_weight=1: the targets are 2 * teacher score - 1, so a teacher whose score is
    sigmoid(2 * advantage) of a pooled_ridge gives a student close to it."""
    teacher = PooledRidgeRouter(**OPTS).fit(battles)
    student = PooledRidgeRouter(teacher_weight=1.0, **OPTS).fit(battles, teacher=teacher)
    t, s = teacher.score(HARD + EASY), student.score(HARD + EASY)
    assert np.corrcoef(t, s)[0, 1] > 0.95
    assert student.get_params()["teacher_weight"] == 1.0


def test_distillation_errors_name_the_fix(battles, contrary):
    with pytest.raises(ConfigError, match="teacher="):
        PooledRidgeRouter(teacher_weight=0.5, **OPTS).fit(battles)
    with pytest.raises(ConfigError, match="set teacher_weight"):
        PooledRidgeRouter(**OPTS).fit(battles, teacher=contrary)
    with pytest.raises(ConfigError, match="teacher_weight"):
        PooledRidgeRouter(teacher_weight=1.5)


def test_cli_trains_a_distilled_router_and_records_the_teacher(tmp_path, capsys, battles, contrary):
    data = tmp_path / "chat.jsonl.gz"
    _write_battles(data, battles)
    contrary.save(tmp_path / "teacher")
    out = tmp_path / "student"
    assert main(["train", "pooled_ridge", "--battles", str(data), "--teacher", str(tmp_path / "teacher"),
                 "--opt", "teacher_weight=1", "embedder=\"minilm-static\"", "alpha=1", "--out", str(out)]) == 0
    student = load_router(str(out))
    assert _gap(student) < 0
    info = json.loads((out / "config.json").read_text())["training"]
    assert info["teacher"] == str(tmp_path / "teacher")
    for argv, message in (
        (["train", "pooled_ridge"], "teacher_weight=W"),
        (["train", "tfidf_ridge", "--strong", "top", "--weak", "poor"], "works with pooled_ridge"),
    ):
        line = user_error(capsys, [*argv, "--battles", str(data), "--teacher", str(tmp_path / "teacher"),
                                   "--out", str(tmp_path / "x")])
        assert message in line
