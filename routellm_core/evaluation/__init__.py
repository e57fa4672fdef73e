"""Router evaluation on benchmark outcomes (the metrics of the RouteLLM paper, arXiv 2406.18665,
section 5): quality curves, PGR, APGR, CPT and cost savings (``metrics``), cross-validation
(``cross_validation``) and the quality-vs-share plot (``plots``). See ``metrics`` for the
conventions (units, ties, the exact APGR)."""

from routellm_core.evaluation.cross_validation import assign_folds, cross_val_scores, router_factory
from routellm_core.evaluation.metrics import (
    PAPER_STRONG_PRICE,
    PAPER_WEAK_PRICE,
    CurveResult,
    average_curves,
    check_benchmark,
    cost_saving,
    evaluate_scores,
    oracle_scores,
    outcome_arrays,
    per_call_costs,
    quality_curve,
    random_baseline,
    summarize,
)
from routellm_core.evaluation.plots import plot_curves

__all__ = [
    "PAPER_STRONG_PRICE",
    "PAPER_WEAK_PRICE",
    "CurveResult",
    "assign_folds",
    "average_curves",
    "check_benchmark",
    "cost_saving",
    "cross_val_scores",
    "evaluate_scores",
    "oracle_scores",
    "outcome_arrays",
    "per_call_costs",
    "plot_curves",
    "quality_curve",
    "random_baseline",
    "router_factory",
    "summarize",
]
