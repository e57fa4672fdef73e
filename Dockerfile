# routellm serve in a container: python:3.11-slim, the package with its `serve` extra (no torch:
# the bundled default router is numpy-only), the OpenAI and Anthropic LangChain integrations, a
# non-root user and a health check. Build and run: docs/deploy.md.
#
#   docker build -t routellm-serve .
#   docker run --rm -p 6060:6060 -e OPENAI_API_KEY -e ANTHROPIC_API_KEY -e ROUTELLM_SERVER_API_KEY routellm-serve

# ---- build the wheel from this checkout
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY routellm_core ./routellm_core
COPY langchain_routellm ./langchain_routellm
COPY llamaindex_routellm ./llamaindex_routellm
COPY llama_index ./llama_index
RUN pip wheel --no-deps --wheel-dir /wheels .

# ---- the image
FROM python:3.11-slim
# the LangChain packages of the providers to route to (add langchain-google-genai, ...)
ARG PROVIDERS="langchain-openai langchain-anthropic"
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN pip install "$(ls /wheels/routellm_plugins-*.whl)[serve]" ${PROVIDERS} \
    && rm -rf /wheels \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin routellm
USER 10001:10001
WORKDIR /home/routellm
EXPOSE 6060
# /health answers 200 once the routers are loaded and the server listens (slim has no curl)
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:6060/health', timeout=2).status != 200)"]
# upstream keys (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...) and ROUTELLM_SERVER_API_KEY come from the
# environment; override the command to pick other models, routers or flags
CMD ["routellm", "serve", "--host", "0.0.0.0", "--port", "6060", \
     "--strong", "anthropic:claude-sonnet-4-5", "--weak", "openai:gpt-4o-mini", "--strong-fraction", "0.3"]
