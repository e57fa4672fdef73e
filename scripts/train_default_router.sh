#!/usr/bin/env bash
# Retrain the bundled default router (routellm_core/resources/routers/pooled_ridge) from the shared
# data folder; the recipe (files, licences, weights) is in scripts/default_router_recipe.sh.
# Calibration: up to 300 distinct prompts of each training file, so that strong_fraction refers to a
# mix of chat requests and benchmark questions in which no file dominates.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
OUT=${OUT:-routellm_core/resources/routers/pooled_ridge}
source scripts/default_router_recipe.sh
.venv/bin/routellm train pooled_ridge --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" \
  --opt "${ROUTER_OPTS[@]}" --calibrate-on-battles --seed 0 --out "$OUT"
