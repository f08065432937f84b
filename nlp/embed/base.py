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

    def fit(self, texts: Sequence[str]) -> "Embedder":
        return self

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dim), rows of unit length."""

    def fit_embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.fit(texts).embed(texts)


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class EmbedderUnavailable(RuntimeError):
    """The configured model cannot be loaded here (no weights, no network, bad path)."""
