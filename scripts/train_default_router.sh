#!/usr/bin/env bash
# Retrain the bundled default router (routellm_core/resources/routers/pooled_ridge) from the shared
# data folder; the recipe (files, licences, weights, the golden tie advantage) is in
# scripts/default_router_recipe.sh.
# Calibration: the distinct prompts of the chat files (--calibrate-on-battles), so that
# strong_fraction refers to chat requests, not benchmark questions.
# The library never writes inside its bundled routers, so the router is trained into runs/ (a fixed
# path: the command recorded in config.json names it) and its two files are copied into the package.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
STAGE=runs/default_router
DEST=${OUT:-routellm_core/resources/routers/pooled_ridge}
source scripts/default_router_recipe.sh
rm -rf "$STAGE"
.venv/bin/routellm train pooled_ridge --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" \
  --opt "${ROUTER_OPTS[@]}" --calibrate-on-battles --seed 0 --out "$STAGE"
mkdir -p "$DEST"
cp "$STAGE/config.json" "$STAGE/model.safetensors" "$DEST/"
echo "copied to $DEST"
