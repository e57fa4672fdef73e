#!/usr/bin/env bash
# Set up (if needed; everything: torch CPU, every extra, the test tools) and run the whole test
# suite (unit, integration, cookbook notebooks), offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh all
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
