"""One latent scale for every label source: model abilities and prompt parameters fitted jointly.

Sources label prompts in different currencies: a judge's 1-10 grades, a benchmark's 0/1
correctness, a judge's pairwise verdict (which almost always names a winner, while a correctness
"battle" is a tie whenever both models are right or both wrong). Pooling each source's win rates
(``routellm_core.data.pooling``) keeps each source on its own scale, so a router learns "which
source does this look like" instead of "how much does a stronger model gain here".

This module fits one item-response model over all sources together:

- every model ``m`` has an **ability** ``theta[m]`` (one value across sources: names that denote the
  same model in different files are merged by ``canonical_model``);
- every prompt ``p`` has a **discrimination** ``d[p] > 0`` and a **difficulty** ``b[p]``; a model's
  expected **quality** on it, in [0, 1], is ``q(m, p) = sigmoid(d[p] * (theta[m] - b[p]))``;
- a **graded** observation (a judge's grade rescaled to [0, 1], or a benchmark score) is a
  Bernoulli-type outcome with mean ``q(m, p)``;
- a **pairwise** verdict between ``a`` and ``b`` (win 1, tie 0.5) is an outcome with mean
  ``sigmoid(k[s] * (q(a, p) - q(b, p)))``, where ``k[s] > 0`` is the sharpness of source ``s``'s
  judge: a judge that names a winner for a small quality gap has a large ``k``.

Models that occur in several sources (GPT-4, GPT-3.5, Mixtral, Vicuna, ...) tie the sources'
scales together; weak Gaussian priors on ``theta``, ``log d``, ``b`` and ``log k`` fix the rest. The
fit is a deterministic full-batch Adam run (numpy only).

A prompt's routing label is then ``gain(p) = q(strong, p) - q(weak, p)`` for a reference pair of
abilities: the expected quality a stronger model adds on this prompt, in the same units for every
source (by default the abilities of GPT-4-1106-preview and Mixtral-8x7B-Instruct, a typical
strong/weak gap; any pair of fitted models or abilities may be given).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routellm_core.errors import DataFormatError

# Names that denote the same model (or the same generation of it) in different files, as each
# source spells them after ``canonical_model``'s normalisation (lower case, organisation prefix
# dropped). Dated snapshots of the 2023 API models are merged with the undated name of the same
# period (QLoRA's May-2023 "gpt-4" answers are GPT-4-0314's).
MODEL_ALIASES: dict[str, str] = {
    "gpt4_1106_preview": "gpt-4-1106-preview",
    "gpt4": "gpt-4-0314",
    "gpt-4": "gpt-4-0314",
    "gpt4_0314": "gpt-4-0314",
    "gpt-3.5-turbo-20230327": "gpt-3.5-turbo",
    "gpt-3.5-turbo-0301": "gpt-3.5-turbo",
    "chatgpt": "gpt-3.5-turbo",
    "mixtral-8x7b-chat": "mixtral-8x7b-instruct-v0.1",
    "vicuna-13b-20230322-clean-lang": "vicuna-13b",
    "vicuna-13b-20230322-new-hp-fp16": "vicuna-13b",
    "vicuna-7b-20230322-fp16": "vicuna-7b",
    "bard-20230327": "bard",
    "llama-13b-v1": "llama-13b",
    "alpaca-13b-v1": "alpaca-13b",
    "llama-2-70b-chat-hf": "llama-2-70b-chat",
    # the one bridge from LLMRouter's 2024 open models to the other sources: the same 7B model,
    # two releases apart (v0.3 mainly extends the vocabulary and adds function calling)
    "mistral-7b-instruct-v0.3": "mistral-7b-instruct-v0.1",
}
REFERENCE_STRONG = "gpt-4-1106-preview"
REFERENCE_WEAK = "mixtral-8x7b-instruct-v0.1"


def canonical_model(name: str) -> str:
    """The name under which a model's ability is shared across sources: lower case, without an
    organisation prefix (``mistralai/``), then ``MODEL_ALIASES``."""
    short = name.strip().lower().rsplit("/", 1)[-1]
    short = re.sub(r"\s+", "-", short)
    return MODEL_ALIASES.get(short, short)


@dataclass(frozen=True)
class LatentScale:
    """A fitted joint model: ``ability[i]`` of ``models[i]``; per prompt ``discrimination`` (> 0)
    and ``difficulty``; per source the judge ``sharpness`` (pairwise sources only, else NaN)."""

    models: list[str]
    ability: np.ndarray
    prompts: list[str]
    discrimination: np.ndarray
    difficulty: np.ndarray
    sources: list[str]
    sharpness: np.ndarray

    def ability_of(self, model: str) -> float:
        """The fitted ability of ``model`` (any spelling ``canonical_model`` maps to a fitted name)."""
        name = canonical_model(model)
        if name not in self.models:
            raise DataFormatError(
                f"model {model!r} is not in the latent scale's training data; known: {', '.join(self.models)}."
            )
        return float(self.ability[self.models.index(name)])

    def quality(self, ability: float) -> np.ndarray:
        """Expected quality in [0, 1] on every prompt of a model with ``ability``."""
        return _sigmoid(self.discrimination * (ability - self.difficulty))

    def gain(self, strong: float, weak: float) -> np.ndarray:
        """Per prompt, the expected quality a model of ability ``strong`` adds over one of ability
        ``weak`` (in [-1, 1])."""
        return self.quality(strong) - self.quality(weak)

    def reference_pair(self) -> tuple[float, float]:
        """(strong, weak) abilities used for routing labels: GPT-4-1106-preview and Mixtral-8x7B when
        both were fitted, else the mean ability of the stronger and of the weaker half of the models."""
        if REFERENCE_STRONG in self.models and REFERENCE_WEAK in self.models:
            return self.ability_of(REFERENCE_STRONG), self.ability_of(REFERENCE_WEAK)
        ranked = np.sort(self.ability)[::-1]
        half = max(1, len(ranked) // 2)
        return float(ranked[:half].mean()), float(ranked[half:].mean() if len(ranked) > half else ranked[-1])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@dataclass
class _Observations:
    # graded: prompt, model, grade in [0, 1], weight
    gp: np.ndarray
    gm: np.ndarray
    gy: np.ndarray
    gw: np.ndarray
    # pairwise: prompt, model a, model b, outcome in [0, 1], weight, source
    pp: np.ndarray
    pa: np.ndarray
    pb: np.ndarray
    po: np.ndarray
    pw: np.ndarray
    ps: np.ndarray


def _observations(battles, prompts: list[str], models: list[str], sources: list[str]) -> _Observations:
    """Graded rows become one observation per (source, prompt, model) (a model's grade repeats in
    every battle it is in); ungraded rows stay pairwise verdicts."""
    pi = {p: i for i, p in enumerate(prompts)}
    mi = {m: i for i, m in enumerate(models)}
    si = {s: i for i, s in enumerate(sources)}
    graded: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    pair: list[tuple[int, int, int, float, float, int]] = []
    for k, (p, a, b, o, w, s) in enumerate(
        zip(battles.prompts, battles.model_a, battles.model_b, battles.outcome, battles.weight, battles.source)
    ):
        if w <= 0:
            continue
        ga, gb = battles.grade_a[k], battles.grade_b[k]
        ca, cb = mi[canonical_model(a)], mi[canonical_model(b)]
        if ca == cb:
            continue
        if np.isfinite(ga) and np.isfinite(gb):
            for m, g in ((ca, ga), (cb, gb)):
                acc = graded[(si[s], pi[p], m)]
                acc[0] += w * g
                acc[1] += w
                acc[2] += 1.0
        else:
            pair.append((pi[p], ca, cb, float(o), float(w), si[s]))
    keys = list(graded)
    gy = np.array([graded[k][0] / graded[k][1] for k in keys]) if keys else np.zeros(0)
    gw = np.array([graded[k][1] / graded[k][2] for k in keys]) if keys else np.zeros(0)
    g = np.array(keys, dtype=np.int64).reshape(-1, 3)
    q = np.array(pair, dtype=np.float64).reshape(-1, 6)
    return _Observations(
        gp=g[:, 1], gm=g[:, 2], gy=gy, gw=gw,
        pp=q[:, 0].astype(np.int64), pa=q[:, 1].astype(np.int64), pb=q[:, 2].astype(np.int64),
        po=q[:, 3], pw=q[:, 4], ps=q[:, 5].astype(np.int64),
    )


def fit_latent_scale(
    battles,
    *,
    steps: int = 1500,
    learning_rate: float = 0.05,
    ability_prior: float = 2.0,
    discrimination_prior: float = 1.0,
    difficulty_prior: float = 2.0,
    sharpness_prior: tuple[float, float] = (5.0, 1.0),
) -> LatentScale:
    """Fit the joint model of the module doc to ``battles`` (rows with both ``grade_a`` and
    ``grade_b`` are graded observations, the others pairwise verdicts; ``source`` per row).

    Priors (standard deviations): ``ability_prior`` on abilities, ``discrimination_prior`` on
    ``log d``, ``difficulty_prior`` on difficulties, ``sharpness_prior = (median k, sd of log k)``.
    Deterministic: full-batch Adam for ``steps`` steps at ``learning_rate``.
    """
    if not len(battles):
        raise DataFormatError("the latent scale needs battles or graded rows to fit.")
    prompts = list(dict.fromkeys(battles.prompts))
    models = sorted({canonical_model(m) for m in battles.model_a} | {canonical_model(m) for m in battles.model_b})
    sources = list(dict.fromkeys(battles.source))
    if len(models) < 2:
        raise DataFormatError("the latent scale needs outcomes of at least two models.")
    obs = _observations(battles, prompts, models, sources)
    M, P, S = len(models), len(prompts), len(sources)
    n_obs = len(obs.gy) + len(obs.po)
    if not n_obs:
        raise DataFormatError("no battle has a positive weight; the latent scale has nothing to fit.")
    # row weights as given: a prompt's parameters weigh its own observations against their priors
    gw, pw = obs.gw, obs.pw

    theta = np.zeros(M)
    u = np.zeros(P)
    b = np.zeros(P)
    k_mu, k_sd = float(np.log(sharpness_prior[0])), float(sharpness_prior[1])
    logk = np.full(S, k_mu)
    params = [theta, u, b, logk]
    m1 = [np.zeros_like(x) for x in params]
    m2 = [np.zeros_like(x) for x in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        d = np.exp(u)
        # graded
        lg = d[obs.gp] * (theta[obs.gm] - b[obs.gp])
        qg = _sigmoid(lg)
        rg = gw * (qg - obs.gy)  # dL/dlogit
        # pairwise
        la = d[obs.pp] * (theta[obs.pa] - b[obs.pp])
        lb = d[obs.pp] * (theta[obs.pb] - b[obs.pp])
        qa, qb = _sigmoid(la), _sigmoid(lb)
        k = np.exp(logk)[obs.ps]
        z = k * (qa - qb)
        rz = pw * (_sigmoid(z) - obs.po)  # dL/dz
        ra = rz * k * qa * (1.0 - qa)  # dL/dlogit_a
        rb = -rz * k * qb * (1.0 - qb)
        # gradients
        g_theta = (
            np.bincount(obs.gm, weights=rg * d[obs.gp], minlength=M)
            + np.bincount(obs.pa, weights=ra * d[obs.pp], minlength=M)
            + np.bincount(obs.pb, weights=rb * d[obs.pp], minlength=M)
            + theta / ability_prior**2
        )
        g_b = (
            -np.bincount(obs.gp, weights=rg * d[obs.gp], minlength=P)
            - np.bincount(obs.pp, weights=(ra + rb) * d[obs.pp], minlength=P)
            + b / difficulty_prior**2
        )
        g_u = (
            np.bincount(obs.gp, weights=rg * lg, minlength=P)
            + np.bincount(obs.pp, weights=ra * la + rb * lb, minlength=P)
            + u / discrimination_prior**2
        )
        g_k = np.bincount(obs.ps, weights=rz * z, minlength=S) + (logk - k_mu) / k_sd**2
        for x, g, a1, a2 in zip(params, (g_theta, g_u, g_b, g_k), m1, m2):
            a1 *= beta1
            a1 += (1.0 - beta1) * g
            a2 *= beta2
            a2 += (1.0 - beta2) * g * g
            x -= learning_rate * (a1 / (1.0 - beta1**t)) / (np.sqrt(a2 / (1.0 - beta2**t)) + eps)
    has_pairs = np.bincount(obs.ps, minlength=S) > 0
    return LatentScale(
        models=models,
        ability=theta.copy(),
        prompts=prompts,
        discrimination=np.exp(u),
        difficulty=b.copy(),
        sources=sources,
        sharpness=np.where(has_pairs, np.exp(logk), np.nan),
    )


def latent_labels(scale: LatentScale, strong: float | None = None, weak: float | None = None) -> np.ndarray:
    """Per prompt of ``scale.prompts``, the routing label ``gain`` for the given abilities (default:
    ``scale.reference_pair()``)."""
    ref_s, ref_w = scale.reference_pair()
    return scale.gain(ref_s if strong is None else strong, ref_w if weak is None else weak)


__all__: Sequence[str] = [
    "LatentScale",
    "MODEL_ALIASES",
    "canonical_model",
    "fit_latent_scale",
    "latent_labels",
]
