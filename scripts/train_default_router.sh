#!/usr/bin/env bash
# Retrain the bundled default `mf` router (routellm_core/resources/routers/mf) from ../shared/data.
# Only permissively licensed files: arena_hard_auto and fastchat_vicuna battles (Apache-2.0),
# MMLU and GSM8K outcomes from RouteLLM (Apache-2.0 repo; MIT questions). 20% of the MMLU/GSM8K
# prompts (by prompt hash) are held out and never trained on, so they can measure the checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
ARENA_WEIGHT=${ARENA_WEIGHT:-0.3}
.venv/bin/routellm train mf \
  --battles "$DATA/preferences/arena_hard_auto_arena_bench_v1.jsonl.gz" "$DATA/preferences/fastchat_vicuna_bench.jsonl.gz" \
  --battles-weight "$ARENA_WEIGHT" \
  --golden "$DATA/benchmarks/mmlu.jsonl" "$DATA/benchmarks/gsm8k.jsonl" \
  --strong gpt-4-1106-preview --weak mistralai/Mixtral-8x7B-Instruct-v0.1 \
  --golden-holdout 0.2 --epochs 30 --seed 0 --calibrate-on-battles \
  --out routellm_core/resources/routers/mf
