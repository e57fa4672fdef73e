#!/usr/bin/env bash
# Train the bundled heavier tier (routellm_core/resources/routers/heavy, load_router("heavy")) from
# the shared data folder, after scripts/train_default_router.sh (whose teacher, a fine-tuned
# all-MiniLM-L6-v2 in runs/default_router/teacher, is the heavy tier's encoder): the default recipe's
# ridge without a teacher (RIDGE_OPTS in scripts/default_router_recipe.sh) blended with that encoder
# (blend: the sum of the two standardised scores, on the ridge's scale). Needs the classifiers extra;
# about 2 minutes on 2 CPU cores. Calibration: the distinct prompts of the chat files, as for the default.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
STAGE=runs/heavy_router
TEACHER=runs/default_router/teacher
DEST=${OUT:-routellm_core/resources/routers/heavy}
source scripts/default_router_recipe.sh
if [ ! -f "$TEACHER/config.json" ]; then
  echo "no $TEACHER: run scripts/train_default_router.sh first (it trains the encoder)" >&2
  exit 1
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
rm -rf "$STAGE"
.venv/bin/routellm train pooled_ridge --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" \
  --opt "${RIDGE_OPTS[@]}" --calibrate-on-battles --seed 0 --out "$STAGE/ridge"
.venv/bin/routellm train blend --member "$STAGE/ridge" --member "$TEACHER" \
  --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" --calibrate-on-battles --seed 0 --out "$STAGE/blend"
# replace the checkpoint files, keep the model card (README.md)
mkdir -p "$DEST"
rm -rf "$DEST/members" "$DEST/config.json" "$DEST/model.safetensors"
cp -r "$STAGE/blend/." "$DEST/"
echo "copied to $DEST"
