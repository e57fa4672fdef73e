"""Training loops, imported by the routers' ``fit`` (torch is imported lazily, inside the
functions): ``mf.train_mf`` (the matrix-factorization router), ``fine_tune.fine_tune`` (the
transformer routers), ``lora`` (low-rank adapters for ``causal_llm``)."""
