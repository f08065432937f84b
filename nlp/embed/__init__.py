"""Embedders: the offline LSA default and sentence-transformers, chosen by ``load_embedder``."""
from __future__ import annotations

from nlp.embed.base import Embedder, EmbedderUnavailable
from nlp.embed.lsa import LsaEmbedder

KINDS = ("auto", "lsa", "st")


def load_embedder(kind: str = "auto", model: str | None = None, **options) -> tuple[Embedder, str | None]:
    """Return the embedder to use and a warning when ``auto`` had to fall back to LSA.

    ``lsa``: the offline default. ``st``: the sentence-transformers model, raising
    EmbedderUnavailable when it cannot load. ``auto``: the model when it loads, else LSA.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown embedder {kind!r}; choose one of {', '.join(KINDS)}")
    if kind == "lsa" or (kind == "auto" and not model):
        return LsaEmbedder(), None
    from nlp.embed.sentence_transformers import SentenceTransformerEmbedder

    try:
        return SentenceTransformerEmbedder(model, **options), None
    except EmbedderUnavailable as error:
        if kind == "st":
            raise
        return LsaEmbedder(), f"embedding model {model!r} unavailable ({error}); using the offline LSA embedder"


__all__ = ["Embedder", "EmbedderUnavailable", "LsaEmbedder", "load_embedder"]
