"""OpenAI-style error bodies, and how an exception from routing or an upstream becomes one.

Every error the server returns has the body OpenAI clients parse::

    {"error": {"message": "...", "type": "rate_limit_error", "param": null, "code": "rate_limit_exceeded"}}

An upstream's HTTP status is passed on (429 stays 429, 500 stays 500), except 401/403: those
mean the *server's* provider key was refused, so the client gets 502 with a generic message
(provider bodies may quote parts of the key; the details go to the server log only). Timeouts
become 504, unreachable upstreams and answers that are not a valid completion (not JSON, empty,
the wrong shape, invalid Unicode) 502.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from routellm_core.errors import ConfigError, InvalidPromptError, RouteLLMError, SpendCapError

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
#: where upstream error details that clients do not see (auth failures) are logged
log = logging.getLogger("routellm.serve")


class APIError(Exception):
    """An error response: HTTP ``status`` plus an OpenAI-style body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.type = type or ERROR_TYPES.get(
            status, "server_error" if status >= 500 else "invalid_request_error"
        )

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


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


def earlier_errors(exc: BaseException) -> list[BaseException]:
    """The errors of the models tried before the one that raised ``exc`` (a fallback; core's
    ``Attempts`` records them as ``earlier_attempt_errors``)."""
    return list(getattr(exc, "earlier_attempt_errors", ()) or ())


def _invalid_answer(exc: BaseException) -> bool:
    """Whether ``exc``, raised by an upstream call, says its answer could not be read (not JSON,
    empty, the wrong shape) rather than that the request was wrong."""
    if isinstance(exc, (json.JSONDecodeError, UnicodeError, KeyError, IndexError, AttributeError, TypeError)):
        return True
    return isinstance(exc, ValueError) and "response" in str(exc).lower()


def to_api_error(exc: BaseException, *, upstream: bool = False) -> APIError:
    """The error response for an exception raised while routing or calling an upstream
    (``upstream``: raised by the upstream call itself, after the request was accepted)."""
    error = _to_api_error(exc, upstream=upstream)
    earlier = earlier_errors(exc) if upstream or not isinstance(exc, APIError) else []
    if earlier:
        summary = "; ".join(
            f"{_to_api_error(e, upstream=True).status} {_to_api_error(e, upstream=True).code}" for e in earlier
        )
        error.message += f" (the models tried before it failed too: {summary})"
    return error


def _to_api_error(exc: BaseException, *, upstream: bool = False) -> APIError:
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, (InvalidPromptError, ConfigError)):
        return APIError(400, str(exc), code="invalid_request")
    if isinstance(exc, SpendCapError):  # the route's daily spend cap (online daily_spend_cap)
        return APIError(429, str(exc), code="insufficient_quota")
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
        # provider error bodies may quote parts of the server's key: the client gets none of it
        log.warning("upstream refused the provider credentials (HTTP %s): %s", status, _upstream_message(exc))
        return APIError(
            502,
            f"the upstream model refused this server's provider credentials (HTTP {status}); the server's "
            "operator should check its provider key (details are in the server log).",
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
    if upstream and _invalid_answer(exc):
        log.warning("upstream answer could not be read: %s: %s", type(exc).__name__, _upstream_message(exc))
        return APIError(
            502,
            f"the upstream model's answer is not a valid chat completion ({type(exc).__name__}: "
            f"{_upstream_message(exc)[:200]}); the request was fine, retry it.",
            code="upstream_invalid_response",
        )
    if isinstance(exc, (ValueError, TypeError, NotImplementedError)):
        # LangChain's own validation of a request (e.g. a tool the provider cannot take)
        return APIError(400, f"{type(exc).__name__}: {_upstream_message(exc)}", code="invalid_request")
    return APIError(500, f"{type(exc).__name__}: {_upstream_message(exc)}", code="internal_error")
