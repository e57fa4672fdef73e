"""``RoutedChatModel.with_structured_output``: LangChain's own routing runnable (a
``RunnableLambda`` returning the chosen model's ``with_structured_output`` runnable). With
``fallback_to_other`` the chosen runnable is wrapped in ``_Attempted`` rather than
``with_fallbacks``, which raises the chosen model's error when both fail; we raise the last one
chained to it (``test_both_models_failing_keeps_both_errors``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda, RunnableSerializable
from pydantic import ConfigDict

from routellm_core.routing.decision import RoutingDecision
from routellm_core.routing.fallback import Attempts


def routed_structured_output(
    model: Any, schema: Any, include_raw: bool, **kwargs: Any
) -> Runnable[LanguageModelInput, Any]:
    """Route each call of the ``RoutedChatModel`` ``model``, then run the chosen model's own
    ``with_structured_output(schema, ...)``."""
    outputs = {
        label: model._target(label)[0].with_structured_output(schema, include_raw=include_raw, **kwargs)
        for label in model._members()
    }

    def chosen(decision: RoutingDecision) -> Runnable[Any, Any]:
        runnable = outputs[decision.model]
        if model.fallback_to_other:
            others = model.policy.fallback_order(decision.model)
            runnable = _Attempted(runnables=outputs, model=decision.model, others=others)
        return runnable.with_config(model._run_config(model._routed_call(decision)))

    def route(input: LanguageModelInput, config: RunnableConfig) -> Runnable[Any, Any]:
        return chosen(model.decide(model._messages(input), config))

    async def aroute(input: LanguageModelInput, config: RunnableConfig) -> Runnable[Any, Any]:
        return chosen(await model.adecide(model._messages(input), config))

    return RunnableLambda(route, afunc=aroute, name="RoutedStructuredOutput")


class _Attempted(RunnableSerializable[Any, Any]):
    """``runnables[model]``, then the other one if it raises (core's ``Attempts``; see the module
    docstring for why not ``with_fallbacks``)."""

    runnables: dict[str, Runnable[Any, Any]]
    model: str
    others: list[str]

    model_config = ConfigDict(arbitrary_types_allowed=True)

    def _attempts(self) -> Attempts:
        return Attempts(self.model, fallback=True, others=self.others)

    def _on(self, method: str, input: Any, config: RunnableConfig | None, kwargs: dict[str, Any]) -> Any:
        return lambda side: getattr(self.runnables[side], method)(input, config, **kwargs)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._attempts().call(self._on("invoke", input, config, kwargs))

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return await self._attempts().acall(self._on("ainvoke", input, config, kwargs))

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Iterator[Any]:
        yield from self._attempts().stream(self._on("stream", input, config, kwargs))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async for item in await self._attempts().astream(self._on("astream", input, config, kwargs)):
            yield item
