#!/usr/bin/env bash
# Create .venv/ at the repository root and install routellm-plugins with everything, plus the test
# tools of requirements-dev.txt (idempotent). torch is installed first, pinned to the CPU build
# (torch==2.13.0): the package metadata only asks for torch>=2.2, which it then satisfies, so
# nothing pulls a CUDA build. Keep that order.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.routellm-installed
want=$(cat pyproject.toml requirements-dev.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # this project was once installed under the distribution name "routellm" (lm-sys's on PyPI)
  .venv/bin/python -m pip uninstall --quiet --yes routellm >/dev/null 2>&1 || true
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".[all]" -r requirements-dev.txt
  echo "$want" > "$stamp"
fi
