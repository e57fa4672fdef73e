"""Exceptions raised by routellm_core. Each message names the problem and the fix."""

from __future__ import annotations


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
