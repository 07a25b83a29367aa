"""The one place that decides which concrete backend fills each seam, from Settings."""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rag.compose import Composer, ExtractiveComposer
from rag.embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder
from rag.retrieval import HybridRetriever
from rag.settings import Settings
from vectorstore.base import Store

# Calibrated on corpus/eval/dev.jsonl (see docs/calibration.md); not on the gold set.
SUPPORT_THRESHOLD = 0.55  # a claim counts as supported by a passage sentence at or above this
QUESTION_SEMANTIC_WEIGHT = 0.6  # question -> sentence relevance: cosine vs lexical mix

_embedders: dict[tuple[str, str | None, int], Embedder] = {}


@dataclass
class Pipeline:
    settings: Settings
    store: Store
    embedder: Embedder
    retriever: HybridRetriever
    composer: Composer
    rewriter: Callable[[str, list[str]], str | None] | None = None
    support_threshold: float = SUPPORT_THRESHOLD
    question_semantic_weight: float = QUESTION_SEMANTIC_WEIGHT

    @contextmanager
    def ingest_lock(self) -> Iterator[None]:
        """One writer at a time per data directory (readers never wait)."""
        path = self.settings.data_dir / "ingest.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)


def build_pipeline(settings: Settings) -> Pipeline:
    store = build_store(settings)
    return Pipeline(
        settings=settings,
        store=store,
        embedder=build_embedder(settings),
        retriever=HybridRetriever(
            store,
            cache_dir=settings.data_dir / "cache",
            dense_weight=settings.dense_weight,
            bm25_weight=settings.bm25_weight,
        ),
        composer=build_composer(settings),
    )


def build_embedder(settings: Settings) -> Embedder:
    """One embedder per model per process: every Assistant shares the loaded model."""
    key = (settings.embedding_runtime, settings.embedding_model, settings.embed_batch_size)
    if key not in _embedders:
        kind = OnnxEmbedder if settings.embedding_runtime == "onnx" else SentenceTransformerEmbedder
        _embedders[key] = kind(settings.embedding_model, batch_size=settings.embed_batch_size)
    return _embedders[key]


def build_store(settings: Settings) -> Store:
    from vectorstore.chroma import ChromaStore

    if settings.chroma_url:
        return ChromaStore(url=settings.chroma_url)
    return ChromaStore(path=settings.data_dir / "chroma")


def wipe_unreadable_store(settings: Settings) -> None:
    """For `ingest --rebuild`: a local store that cannot even be opened is deleted."""
    from vectorstore.chroma import ChromaStore

    if not settings.chroma_url:
        ChromaStore.wipe_local(settings.data_dir / "chroma")


def build_composer(settings: Settings) -> Composer:
    return ExtractiveComposer()
