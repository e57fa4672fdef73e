"""Exceptions raised by routellm_core. Each message names the problem and the fix."""

from __future__ import annotations

#: the name this project is installed under (``pip install routellm-plugins``); the import
#: packages are ``routellm_core``, ``langchain_routellm`` and ``llamaindex_routellm``
DISTRIBUTION = "routellm-plugins"


def install_hint(extra: str) -> str:
    """The command that installs an optional extra, e.g. ``pip install 'routellm-plugins[train]'``."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def missing_extra_error(exc: ImportError, what: str, extra: str, packages: tuple[str, ...]) -> ImportError:
    """An ImportError naming the extra to install when ``exc`` is a missing (or too old) framework
    package among ``packages`` (top-level import names); ``exc`` itself otherwise."""
    missing = (exc.name or "").split(".")[0]
    if missing in packages or (not exc.name and any(p in str(exc) for p in packages)):
        return ImportError(
            f"{what} needs {missing or extra}, which is not installed or too old ({exc}); "
            f"install the extra: {install_hint(extra)}"
        )
    return exc


class RouteLLMError(Exception):
    """Base class of every error this library raises on purpose."""


class ConfigError(RouteLLMError, ValueError):
    """A parameter is outside its allowed range or of the wrong type."""


class InvalidPromptError(RouteLLMError, ValueError):
    """A prompt is empty or not a string."""


class UnknownRouterError(RouteLLMError, KeyError):
    """A router name matches no registered router, local folder or hub id."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0]) if self.args else ""


class CheckpointError(RouteLLMError, OSError):
    """A checkpoint folder is missing, incomplete, corrupt or made by other code."""


class EmbedderMismatchError(RouteLLMError, ValueError):
    """A checkpoint was trained with another embedder (name or size) than the one given."""


class DataFormatError(RouteLLMError, ValueError):
    """A training or benchmark file has a bad row: missing column, unknown winner, bad JSON."""


class UnknownModelError(RouteLLMError, KeyError):
    """A model name is not among those a router was trained on."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class RoutingError(RouteLLMError, RuntimeError):
    """The router failed while scoring a prompt (the wrapped LLM call was not made)."""


class SpendCapError(RoutingError):
    """A route's daily spend cap (online ``daily_spend_cap``) is reached: not even the cheapest
    model's call fits in what is left of the day (UTC)."""


class RouteOnError(RoutingError, InvalidPromptError):
    """A ``route_on`` hook returned something other than the text to score (a str) or None.
    It is both a routing failure and an invalid prompt, so either ``except`` catches it."""


class UnknownArgumentError(ConfigError, TypeError):
    """A keyword argument no parameter of the class or function has (a typo, usually); the
    message names the closest valid one. A TypeError too, like Python's own message for it."""
