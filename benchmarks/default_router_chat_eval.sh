#!/usr/bin/env bash
# The bundled default router's recipe on chat data nobody trained on (figures for its model card
# and docs/benchmarks.md):
#   1. leave one source out: each chat source scored by a router trained on the other sources plus
#      the benchmark data (scripts/default_router_recipe.sh's ridge without its teacher, RIDGE_OPTS:
#      `routellm eval` cannot train a teacher per split; benchmarks/label_scale_eval.py measures the
#      distilled recipe with one);
#   2. 5-fold cross-validation by prompt over the same chat sources (the same ridge);
#   3. the bundled checkpoint as it is on research/evaluation-only preference sets (never trained on).
# Usage: DATA=../shared/data bash benchmarks/default_router_chat_eval.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
OUT=${1:-docs/results}
source scripts/default_router_recipe.sh
EVAL=(.venv/bin/routellm eval --preferences "${CHAT_FILES[@]}" --routers random pooled_ridge --random-seeds 50
      "${GOLDEN_ARGS[@]}")
for r in "${RIDGE_OPTS[@]}"; do EVAL+=(--router-opt "pooled_ridge.$r"); done
"${EVAL[@]}" --leave-one-source-out --out-json "$OUT/default_router_loso.json"
"${EVAL[@]}" --cv 5 --out-json "$OUT/default_router_cv5.json"
for f in alpaca_eval tulu1_human_pairwise pandalm_human_pairwise; do
  .venv/bin/routellm eval --preferences "$P/$f.jsonl.gz" --routers random default mf --random-seeds 50 \
    --out-json "$OUT/default_router_heldout_$f.json"
done
