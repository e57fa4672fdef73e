#!/usr/bin/env bash
# Retrain the bundled default router (routellm_core/resources/routers/pooled_ridge) from the shared
# data folder; the recipe (files, licences, weights, the golden tie advantage, the teacher) is in
# scripts/default_router_recipe.sh. The teacher (runs/default_router/teacher) is kept: it is the
# encoder of the heavier tier (scripts/train_heavy_router.sh).
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
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
rm -rf "$STAGE"
# the teacher: pooled_bert on the same data (about 5-8 minutes on 2 CPU cores; needs the classifiers extra)
.venv/bin/routellm train pooled_bert --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" \
  --opt "${TEACHER_OPTS[@]}" --calibrate-on-battles --seed 0 --out "$STAGE/teacher"
.venv/bin/routellm train pooled_ridge --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" \
  --opt "${ROUTER_OPTS[@]}" --teacher "$STAGE/teacher" --calibrate-on-battles --seed 0 --out "$STAGE/router"
mkdir -p "$DEST"
cp "$STAGE/router/config.json" "$STAGE/router/model.safetensors" "$DEST/"
echo "copied to $DEST"
