"""Routers: ``base.Router`` and one module per router (``random``, ``sw_ranking``,
``matrix_factorization`` (``mf``), ``tfidf_ridge``, ``transformers.bert``,
``transformers.causal_llm``), the helpers of the embedding routers (``embedding``) and the
name -> class registry (``registry``). Routers import nothing above them: no loader, no policy."""
