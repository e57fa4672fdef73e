#!/usr/bin/env bash
# Train the bundled heavier tier (routellm_core/resources/routers/heavy, load_router("heavy")) from
# the shared data folder: the default recipe's data and source weights (scripts/default_router_recipe.sh)
# teach a fine-tuned all-MiniLM-L6-v2 (pooled_bert: top 2 layers and head, 128 tokens, 2 epochs,
# MMLU capped at 2,000 of its training prompts), which is then blended with the bundled default
# (blend: the sum of the two standardised scores, on the default's scale). Needs the classifiers
# extra (torch, transformers); about 5 minutes on 2 CPU cores. Calibration: the distinct prompts of
# the chat files, as for the default.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
STAGE=runs/heavy_router
DEST=${OUT:-routellm_core/resources/routers/heavy}
source scripts/default_router_recipe.sh
for opt in "${ROUTER_OPTS[@]}"; do [[ $opt == source_weights=* ]] && SOURCE_WEIGHTS=$opt; done
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
rm -rf "$STAGE"
.venv/bin/routellm train pooled_bert --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" \
  --opt "$SOURCE_WEIGHTS" 'max_source_prompts={"mmlu": 2000}' show_progress=false \
  --calibrate-on-battles --seed 0 --out "$STAGE/encoder"
.venv/bin/routellm train blend --member default --member "$STAGE/encoder" \
  --battles "${CHAT_FILES[@]}" "${GOLDEN_ARGS[@]}" --calibrate-on-battles --seed 0 --out "$STAGE/blend"
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -r "$STAGE/blend" "$DEST"
echo "copied to $DEST"
