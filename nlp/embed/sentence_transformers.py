"""Pretrained sentence-transformers embedder (a hub name or a local model directory)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import Embedder, EmbedderUnavailable, normalise_rows

_TRUTHY = {"1", "true", "yes", "on"}


def hub_reachable(timeout: float = 2.0) -> bool:
    """Whether the model hub answers at all; without it, only the local cache is tried.

    Spares minutes of download retries on machines with no network.
    """
    import socket
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    endpoint = urlsplit(constants.ENDPOINT)
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=timeout).close()
        return True
    except OSError:
        return False


class SentenceTransformerEmbedder(Embedder):
    def __init__(
        self, model: str, *, device: str | None = None, batch_size: int = 64, show_progress: bool = False
    ) -> None:
        self.model_id = "st:" + model
        self.batch_size = batch_size
        self.show_progress = show_progress
        local = Path(model).expanduser()
        looks_like_path = local.is_absolute() or model.startswith((".", "~"))
        try:
            if local.exists():
                source, offline = str(local), True  # never ask the hub about a local directory
            elif looks_like_path:
                raise FileNotFoundError(f"no model directory at {model}")
            else:
                source = model
                offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUTHY or not hub_reachable()
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
