"""Pretrained sentence-transformers embedder (a hub name or a local model directory)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp.hub import model_source

from .base import Embedder, EmbedderUnavailable, normalise_rows

class SentenceTransformerEmbedder(Embedder):
    def __init__(
        self, model: str, *, device: str | None = None, batch_size: int = 64, show_progress: bool = False
    ) -> None:
        self.model_id = "st:" + model
        self.batch_size = batch_size
        self.show_progress = show_progress
        try:
            source, offline = model_source(model)
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(source, device=device, local_files_only=offline)
            get_dim = getattr(self._model, "get_embedding_dimension", None)  # 6.x name
            self.dim = (get_dim or self._model.get_sentence_embedding_dimension)()
        except Exception as exc:  # no network, no such path, broken files, missing package...
            reason = (str(exc).strip().splitlines() or [""])[0][:200]
            raise EmbedderUnavailable(
                f"cannot load sentence-transformers model {model!r}: {type(exc).__name__}: {reason}"
            ) from exc

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:  # encode([]) returns shape (0,), not (0, dim)
            return np.zeros((0, self.dim or 0), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return normalise_rows(vectors)
