"""The transformer classifier routers: ``bert`` (a fine-tuned encoder) and ``causal_llm`` (a
causal LM rating the prompt through label tokens), and what they share (``common``). torch and
transformers load on first use (``pip install 'routellm-plugins[classifiers]'``)."""
