"""Labels for your own models and traffic: read a prompt log, sample it, answer each prompt with
two (or N) models, grade the answers with a judge model, and write battles ``routellm train``
reads (``routellm label``). LangChain is imported only when models are built, never here."""

from routellm_core.labeling.inputs import iter_prompts, read_prompts, sample_prompts
from routellm_core.labeling.runner import Estimate, Labeler, LabelReport, LabelSettings, write_rows

__all__ = ["Estimate", "LabelReport", "LabelSettings", "Labeler", "iter_prompts", "read_prompts", "sample_prompts",
           "write_rows"]
