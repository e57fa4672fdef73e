# The bundled default router's training data and options, sourced by scripts/train_default_router.sh
# (which trains it), scripts/train_heavy_router.sh and benchmarks/default_router_chat_eval.sh.
# Needs DATA (the shared data folder).
#
# pooled_ridge learns "how much a stronger model's answer beats a weaker one's on this prompt" from
# labels pooled over every model pair judged on a prompt (per file: strong tier = the stronger half of
# its models by Bradley-Terry strength, weak tier = the rest). Only permissively licensed data:
#   chat   arena-bench v1 grades (Apache-2.0), QLoRA GPT-4 pairwise on OpenAssistant and Vicuna-80
#          prompts (MIT; prompts Apache-2.0), FastChat Vicuna-80 reviews (Apache-2.0)
#   bench  RouteLLM's MMLU and GSM8K outcomes (Apache-2.0 repo; MIT questions), LLMRouter rows marked
#          "permissive": true (HumanEval, GSM8K, CommonsenseQA, MATH, MMLU test; MIT) without rows that
#          duplicate a MMLU/GSM8K benchmark question; the two llama3-chatqa runs are left out (the data
#          card: a prompt-format failure, not the models' quality)
# 20% of the benchmark prompts (by prompt hash) are held out and never trained on, so they can
# measure the checkpoint (benchmarks/default_router_card.py). Each file is one source; the source
# weights give chat and benchmark data about the same total weight.
# One scale (issue 19): a benchmark "battle" is a tie whenever both models are right (or both wrong)
# while a judge almost always names a winner, so benchmark ties are put on the judge's scale: they
# lean toward the file's stronger model by the rate the arena-bench / FastChat judges prefer the
# stronger model between two answers they both grade >= 8/10 (--golden-tie-advantage auto: 0.2297).
P=$DATA/preferences
CHAT_FILES=("$P/arena_hard_auto_arena_bench_v1.jsonl.gz" "$P/qlora_oa_gpt4_pairwise.jsonl.gz"
            "$P/fastchat_vicuna_bench.jsonl.gz" "$P/qlora_vicuna80_gpt4_pairwise.jsonl.gz")
GOLDEN_ARGS=(--golden "$DATA/benchmarks/mmlu.jsonl" "$DATA/benchmarks/gsm8k.jsonl"
             "$DATA/multimodel/llmrouter_benchmark_outcomes.jsonl.gz"
             --golden-all-pairs --golden-holdout 0.2 --golden-where permissive=true benchmark_overlap=null
             --drop-models llama3-chatqa-1.5-8b llama3-chatqa-1.5-70b --golden-tie-advantage auto)
# Distillation (issue 19): a fine-tuned all-MiniLM-L6-v2 (pooled_bert, the teacher) trained on the
# same labels ranks task types (maths, logic, code, extraction above open writing and chit-chat) far
# better than the ridge learns from the labels alone; each ridge target is 70% the teacher's
# predicted advantage (teacher_weight=0.7), MMLU weighted 5 (3 for the teacher) to keep its held-out
# rows. The teacher is also the encoder of the bundled heavier tier (scripts/train_heavy_router.sh).
TEACHER_OPTS=('source_weights={"arena_hard_auto_arena_bench_v1": 3, "qlora_oa_gpt4_pairwise": 2, "fastchat_vicuna_bench": 0.5, "qlora_vicuna80_gpt4_pairwise": 0.5, "mmlu": 3, "gsm8k": 1.5, "llmrouter_benchmark_outcomes": 2}'
              'max_source_prompts={"mmlu": 2000}' show_progress=false)
# RIDGE_OPTS: the same ridge without a teacher (the default before distillation, MMLU weight 3): the
# heavier tier blends it with the teacher.
RIDGE_OPTS=(alpha=40 stats_weight=1 embedding_weight=0.3
            'source_weights={"arena_hard_auto_arena_bench_v1": 3, "qlora_oa_gpt4_pairwise": 2, "fastchat_vicuna_bench": 0.5, "qlora_vicuna80_gpt4_pairwise": 0.5, "mmlu": 3, "gsm8k": 1.5, "llmrouter_benchmark_outcomes": 2}')
ROUTER_OPTS=(alpha=40 stats_weight=1 embedding_weight=0.3 teacher_weight=0.7
             'source_weights={"arena_hard_auto_arena_bench_v1": 3, "qlora_oa_gpt4_pairwise": 2, "fastchat_vicuna_bench": 0.5, "qlora_vicuna80_gpt4_pairwise": 0.5, "mmlu": 5, "gsm8k": 1.5, "llmrouter_benchmark_outcomes": 2}')
