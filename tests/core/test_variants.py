"""Shortened variants of training prompts (``data.variants``) and ``pooled_ridge``'s
``variant_weight``: the teacher alone labels them, they carry the asked share of the weight, and
the option is refused without a teacher."""

from __future__ import annotations

import numpy as np
import pytest

from routellm_core import ConfigError
from routellm_core.data.variants import MAX_CHARS, shortened_variant, shortened_variants
from routellm_core.routers.pooled_ridge import PooledRidgeRouter
from routellm_core.data import Battles
from tests.core.test_distill import EASY, HARD, OPTS
from tests.core.test_distill import contrary as contrary  # noqa: F401 (shared fixture)
from tests.core.test_pooled import EASY_TOPICS, HARD_TOPICS, _battles

QUESTION = "Which gas makes up most of the Earth's atmosphere?"


@pytest.mark.parametrize("options", ["\nA. Oxygen\nB. Nitrogen", "\n(A) Oxygen\n(B) Nitrogen", "\n  A) Oxygen"])
def test_a_multiple_choice_question_loses_its_options(options):
    assert shortened_variant(QUESTION + options) == QUESTION


def test_a_prompt_of_several_sentences_keeps_its_last():
    prompt = "Natalia sold clips to 48 friends in April. In May she sold half as many. How many did she sell?"
    assert shortened_variant(prompt) == "How many did she sell?"


@pytest.mark.parametrize("prompt", [
    "hello there",  # one sentence: nothing shorter
    "Write a poem about rain.",  # one sentence
    "I like tea. Ok?",  # the last sentence is a fragment
    "Context. " + "x" * (MAX_CHARS + 1) + ".",  # the last sentence is not short
    "Hi\nA. one",  # the stem is a fragment
])
def test_no_variant_without_a_shorter_text(prompt):
    assert shortened_variant(prompt) is None


def test_variants_are_distinct_and_new():
    prompts = ["Intro one. What is 2 + 2 times 3?", "Intro two. What is 2 + 2 times 3?", "What is 2 + 2 times 3?"]
    assert shortened_variants(prompts) == []  # the variant is already a training prompt
    assert shortened_variants(prompts[:2]) == ["What is 2 + 2 times 3?"]


@pytest.fixture(scope="module")
def battles() -> Battles:
    """Two sources of prompts of two sentences each (the shared fixture's are one sentence)."""
    def prompts(topics, k):
        return [f"This is for my course, part {k}. {t}, explained for a beginner." for t in topics]
    return Battles.concat([_battles(prompts(HARD_TOPICS, 1), prompts(EASY_TOPICS, 1), "alpha", 0),
                           _battles(prompts(HARD_TOPICS, 2), prompts(EASY_TOPICS, 2), "beta", 1)])


class _Recorder:
    """A teacher that scores every prompt 0.9 and records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def score(self, prompts):
        self.asked += list(prompts)
        return np.full(len(prompts), 0.9)


def test_the_teacher_labels_the_variants_with_the_asked_weight(battles):
    teacher = _Recorder()
    router = PooledRidgeRouter(teacher_weight=0.5, variant_weight=0.25, **OPTS)
    router._teacher = teacher
    prompts, targets, weights = router._training_set(battles)
    router._teacher = None
    labelled = len(set(battles.prompts))
    variants = prompts[labelled:]
    assert variants and variants == shortened_variants(prompts[:labelled])
    assert teacher.asked == prompts
    assert np.allclose(targets[labelled:], 2 * 0.9 - 1)  # the teacher's target alone
    assert weights[labelled:].sum() == pytest.approx(0.25 * weights[:labelled].sum())


def test_variants_move_the_ranking_toward_the_teacher(battles, contrary):
    """A contrary teacher on the variants as well as the labelled prompts: the hard/easy gap falls."""
    def gap(router):
        s = router.score(HARD + EASY)
        return float(s[:3].mean() - s[3:].mean())
    without = PooledRidgeRouter(teacher_weight=0.3, **OPTS).fit(battles, teacher=contrary)
    with_variants = PooledRidgeRouter(teacher_weight=0.3, variant_weight=2.0, **OPTS).fit(battles, teacher=contrary)
    assert gap(with_variants) < gap(without)
    assert with_variants.get_params()["variant_weight"] == 2.0


def test_variant_weight_is_checked():
    with pytest.raises(ConfigError, match="variant_weight needs a teacher"):
        PooledRidgeRouter(variant_weight=0.5)
    with pytest.raises(ConfigError, match="variant_weight"):
        PooledRidgeRouter(teacher_weight=0.5, variant_weight=-1)
