"""``RouteLLMDecisionModel``: a RouteLLM router as a LangChain ``BaseDecisionModel``.

It plugs into ``langchain.agents.middleware.ModelRouterMiddleware`` (LangChain 1.5+), which
classifies the latest human message once per agent run and uses the chosen label's model for
every model call of the run::

    from langchain.agents import create_agent
    from langchain.agents.middleware import ModelChoice, ModelRouterMiddleware
    from langchain_routellm import RouteLLMDecisionModel

    middleware = ModelRouterMiddleware(
        choices={
            "strong": ModelChoice(model=strong_llm, criteria="Hard tasks."),
            "weak": ModelChoice(model=weak_llm, criteria="Everything else."),
        },
        instructions="Pick the cheapest model that will answer well.",
        classifier=RouteLLMDecisionModel(router="mf", strong_fraction=0.3),
    )
    agent = create_agent(weak_llm, tools=[...], middleware=[middleware])

A router answers one question, "is the strong model clearly better for this prompt?", so:

* a ``Choice`` question must offer the labels ``strong_label`` and ``weak_label`` (default
  ``"strong"``/``"weak"``; other labels may be present and get probability 0). The answer picks
  ``strong_label`` iff the router score >= the threshold; ``probabilities`` are
  ``{strong: score, weak: 1 - score}``; ``confidence`` is how far the score lies past the
  threshold, scaled to [0, 1] (0 at the threshold, 1 at score 0 or 1);
* a ``Noul`` question gets ``noul = score`` (the probability that the strong model is needed);
* ``Score`` and ``Box`` questions raise ``ConfigError``.

The decision is made by ``routellm_core.RoutingPolicy`` like every other route in this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.decisions import (
    BaseDecisionModel,
    Choice,
    ChoiceAnswer,
    ClassifierResponse,
    Noul,
    NoulAnswer,
    Question,
    State,
)
from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import ConfigDict, PrivateAttr

from routellm_core.errors import ConfigError, InvalidPromptError
from routellm_core.utils.arguments import check_keywords
from routellm_core.routing.decision import RoutingDecision
from routellm_core.routers.registry import DEFAULT_ROUTER
from routellm_core.policy.routing_policy import RoutingPolicy

__all__ = ["RouteLLMDecisionModel"]


def _state_text(state: Any) -> str:
    """The text to score from a decision-model state: a string, a message, the last human
    message of a list, or the ``messages``/``input``/``question`` entry of a mapping."""
    if isinstance(state, str):
        return state
    if isinstance(state, BaseMessage):
        return state.text
    if isinstance(state, Mapping):
        for key in ("messages", "input", "question", "query", "prompt", "text"):
            if key in state:
                return _state_text(state[key])
        raise InvalidPromptError(
            "RouteLLMDecisionModel could not find text in the state mapping; give a string, a "
            "message, a list of messages, or a mapping with a 'messages' or 'input' entry."
        )
    if isinstance(state, Sequence):
        for item in reversed(state):
            if isinstance(item, HumanMessage) or getattr(item, "type", None) == "human":
                return item.text
        for item in reversed(state):
            if isinstance(item, str):
                return item
        raise InvalidPromptError("RouteLLMDecisionModel found no human message in the state to score.")
    raise InvalidPromptError(f"RouteLLMDecisionModel cannot score a state of type {type(state).__name__}.")


class RouteLLMDecisionModel(BaseDecisionModel):
    """A RouteLLM router answering ``Choice``/``Noul`` questions (see the module docstring)."""

    router: Any = DEFAULT_ROUTER
    """Router name, checkpoint folder, hub id, ``Router`` or ``RoutingPolicy``."""
    threshold: float | None = None
    strong_fraction: float | None = None
    strong_label: str = "strong"
    weak_label: str = "weak"
    model: str = ""
    """Reported as ``ls_model_name``; defaults to ``routellm-<router name>``."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    _policy: RoutingPolicy = PrivateAttr()

    def __init__(self, **data: Any) -> None:
        check_keywords(type(self).__name__, data, type(self).model_fields)
        super().__init__(**data)
        self._policy = RoutingPolicy.build(
            self.router, threshold=self.threshold, strong_fraction=self.strong_fraction
        )
        if self.strong_label == self.weak_label:
            raise ConfigError("strong_label and weak_label must differ.")
        if not self.model:
            self.model = f"routellm-{self._policy.router_name}"

    @property
    def policy(self) -> RoutingPolicy:
        return self._policy

    @property
    def _provider(self) -> str:
        return "routellm"

    def _response(self, decision: RoutingDecision, questions: dict[str, Question]) -> ClassifierResponse:
        answers: dict[str, Any] = {}
        score = decision.score
        for qid, question in questions.items():
            if isinstance(question, Noul):
                answers[qid] = NoulAnswer(type="noul", noul=score)
            elif isinstance(question, Choice):
                labels = list(question.criteria)
                missing = [x for x in (self.strong_label, self.weak_label) if x not in labels]
                if missing:
                    raise ConfigError(
                        f"question {qid!r} offers labels {labels}, but a RouteLLM router chooses between "
                        f"{self.strong_label!r} (strong model) and {self.weak_label!r} (weak model); name the "
                        "choices that way, or set strong_label=/weak_label= on RouteLLMDecisionModel."
                    )
                probabilities = {label: 0.0 for label in labels}
                probabilities[self.strong_label] = score
                probabilities[self.weak_label] = 1.0 - score
                answers[qid] = ChoiceAnswer(
                    type="choice",
                    choice=self.strong_label if decision.is_strong else self.weak_label,
                    probabilities=probabilities,
                    confidence=decision.confidence,
                )
            else:
                raise ConfigError(
                    f"question {qid!r} is a {type(question).__name__}; a RouteLLM router answers only "
                    "Choice (strong vs weak) and Noul (is the strong model needed?) questions."
                )
        return ClassifierResponse(model=self.model, answers=answers)

    def _classify(self, state: State, questions: dict[str, Question]) -> ClassifierResponse:
        return self._response(self._policy.decide(_state_text(state)), questions)

    async def _aclassify(self, state: State, questions: dict[str, Question]) -> ClassifierResponse:
        return self._response(await self._policy.adecide(_state_text(state)), questions)
