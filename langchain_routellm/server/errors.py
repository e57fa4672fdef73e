"""OpenAI-style error bodies, and how an exception from routing or an upstream becomes one.

Every error the server returns has the body OpenAI clients parse::

    {"error": {"message": "...", "type": "rate_limit_error", "param": null, "code": "rate_limit_exceeded"}}

An upstream's HTTP status is passed on (429 stays 429, 500 stays 500), except 401/403: those
mean the *server's* provider key was refused, so the client gets 502 rather than a hint that its
own key is wrong. Timeouts become 504, unreachable upstreams 502.
"""

from __future__ import annotations

import asyncio
from typing import Any

from routellm_core.errors import ConfigError, InvalidPromptError, RouteLLMError

#: error ``type`` for each status, as OpenAI names them
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    502: "upstream_error",
    504: "timeout_error",
}
_MESSAGE_LIMIT = 500


class APIError(Exception):
    """An error response: HTTP ``status`` plus an OpenAI-style body."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, type: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.type = type or ERROR_TYPES.get(
            status, "server_error" if status >= 500 else "invalid_request_error"
        )

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": None, "code": self.code}}


def _status_of(exc: BaseException) -> int | None:
    """The HTTP status an SDK exception carries (openai, anthropic, httpx and most others)."""
    for source in (exc, getattr(exc, "response", None)):
        status = getattr(source, "status_code", None)
        if isinstance(status, int) and 400 <= status <= 599:
            return status
    return None


def _named(exc: BaseException, word: str) -> bool:
    return any(word in cls.__name__ for cls in type(exc).__mro__)


def _upstream_message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text)[:_MESSAGE_LIMIT]


def to_api_error(exc: BaseException) -> APIError:
    """The error response for an exception raised while routing or calling an upstream."""
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, (InvalidPromptError, ConfigError)):
        return APIError(400, str(exc), code="invalid_request")
    if isinstance(exc, RouteLLMError):
        return APIError(500, f"routing failed: {exc}", code="routing_error")
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) or _named(exc, "Timeout"):
        return APIError(
            504,
            "the upstream model did not answer in time; retry, or raise the server's --timeout.",
            code="upstream_timeout",
        )
    status = _status_of(exc)
    if status in (401, 403):
        return APIError(
            502,
            f"the upstream model refused the server's provider credentials ({status}): "
            f"{_upstream_message(exc)}",
            code="upstream_authentication_failed",
        )
    if status is not None:
        code = "rate_limit_exceeded" if status == 429 else "upstream_error"
        return APIError(
            status, f"the upstream model returned HTTP {status}: {_upstream_message(exc)}", code=code
        )
    if _named(exc, "Connection") or _named(exc, "Transport") or isinstance(exc, ConnectionError):
        # SDK connection errors, httpx transport errors (also a stream cut off mid-way)
        return APIError(
            502,
            f"the connection to the upstream model failed: {_upstream_message(exc)}",
            code="upstream_connection_error",
        )
    if isinstance(exc, (ValueError, TypeError, NotImplementedError)):
        # LangChain's own validation of a request (e.g. a tool the provider cannot take)
        return APIError(400, f"{type(exc).__name__}: {_upstream_message(exc)}", code="invalid_request")
    return APIError(500, f"{type(exc).__name__}: {_upstream_message(exc)}", code="internal_error")
