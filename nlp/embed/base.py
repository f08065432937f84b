"""The embedder contract: texts in, L2-normalised float32 vectors out."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Embedder(ABC):
    """Turns short texts into vectors.

    ``fit`` sees the whole corpus of a run first (corpus-trained embedders such as LSA
    learn their vocabulary there; pretrained ones ignore it), then ``embed`` encodes.
    """

    #: identifies the model in run records and embedding caches
    model_id: str = "base"
    #: whether a run centres the vectors on its own mean (and rescales them to unit length) before
    #: clustering: pretrained encoders put every text in one narrow cone
    centred: bool = False
    #: the clusterer's weight on the keyword graph beside these vectors (``HdbscanClusterer.word_share``)
    keyword_share: float = 0.9
    #: distinct keywords from which a message's keyword row counts in full
    #: (``HdbscanClusterer.keywords_full``; None: every row does)
    keywords_full: int | None = None

    @property
    def keyword_weighting(self) -> dict:
        """The clusterer options that weigh the keyword graph beside these vectors."""
        return {"word_share": self.keyword_share, "keywords_full": self.keywords_full}

    def fit(self, texts: Sequence[str]) -> "Embedder":
        return self

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dim), rows of unit length."""

    def fit_embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.fit(texts).embed(texts)

    def for_clustering(self, vectors: np.ndarray) -> np.ndarray:
        """A run's vectors as the clusterer reads them: centred on their mean when ``centred``."""
        return centre_rows(vectors) if self.centred else vectors


class PretrainedEmbedder(Embedder):
    """A pretrained sentence encoder (e5, a sentence-transformers model). Its vectors lie in one
    narrow cone (any two Chinese messages score cosine ~0.9), so a run centres them on the night's
    mean before clustering, and the clusterer weighs the keyword graph less beside them than beside
    LSA's, the less the fewer keywords a message has: these vectors read a short message better
    than its two or three words do. Chosen on the DEV sets with e5 (docs/DESIGN.md)."""

    centred = True
    keyword_share = 0.6
    keywords_full = 30


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def centre_rows(vectors: np.ndarray) -> np.ndarray:
    """The rows minus their mean, at unit length again (cosines then tell texts apart instead of
    all reading ~0.9)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    return normalise_rows(vectors - vectors.mean(axis=0)) if len(vectors) > 1 else vectors


class EmbedderUnavailable(RuntimeError):
    """The configured model cannot be loaded here (no weights, no network, bad path)."""
