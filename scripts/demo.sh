#!/usr/bin/env bash
# Set up (if needed; the core only, no torch) and route a handful of prompts with the bundled
# default router, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh core
HF_HUB_OFFLINE=1 .venv/bin/routellm demo "$@"
