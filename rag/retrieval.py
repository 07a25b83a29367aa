"""Hybrid retrieval: dense (the store's vector query) and keyword (BM25), fused by rank.

The keyword index is llama-index's BM25Retriever (bm25s underneath), built from the
committed chunks and cached on disk per store generation, so it is built once per
ingest, not once per question. Only chunks whose version matches the manifest are ever
returned: a half-finished ingest stays invisible.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.types import Chunk, ScoredChunk
from vectorstore.base import ArticleRecord, Store, Where

log = logging.getLogger(__name__)

RRF_K = 60  # the constant of Cormack et al. (2009); rank 1 scores 1/61
# BM25 tokens: single characters count too, so "Resolution 7" and "F-16" keep their numbers.
TOKEN_PATTERN = r"(?u)\b\w+\b"


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(id) = sum_i w_i / (k + rank_i(id)), best first.

    llama-index's QueryFusionRetriever does the same for its own retrievers; here the dense
    side is the store seam (embedded or server Chroma), so fusion is this small pure function.

    >>> reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=0)
    [('b', 1.5), ('a', 1.0), ('c', 0.5)]
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + w / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass(frozen=True)
class _Snapshot:
    """What one store generation looks like to a reader."""

    generation: int
    articles: dict[str, ArticleRecord]  # the committed manifest
    chunks: dict[str, Chunk]  # chunk_id -> Chunk, committed chunks only
    bm25: _KeywordIndex | None  # None when the store is empty


class HybridRetriever:
    def __init__(
        self,
        store: Store,
        *,
        cache_dir: Path | None = None,
        dense_weight: float = 1.0,
        bm25_weight: float = 1.0,
        candidates: int = 40,
    ) -> None:
        self.store = store
        self.cache_dir = cache_dir
        self.dense_weight = dense_weight
        self.bm25_weight = bm25_weight
        self.candidates = candidates
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    def retrieve(self, question: str, query_vector: np.ndarray, *, top_k: int, where: Where) -> list[ScoredChunk]:
        snap = self.snapshot()
        if not snap.chunks or where.articles == ():
            return []
        n = max(self.candidates, top_k * 4)
        dense: dict[str, tuple[Chunk, float]] = {}
        for chunk, sim in self.store.query(query_vector, n, where):
            record = snap.articles.get(chunk.article_id)
            if record is not None and record.version == chunk.version:
                dense[chunk.chunk_id] = (chunk, sim)
        keyword = self._bm25(snap, question, n, where)
        fused = reciprocal_rank_fusion(
            [list(dense), list(keyword)], [self.dense_weight, self.bm25_weight]
        )
        out = []
        for chunk_id, score in fused[:top_k]:
            chunk = dense[chunk_id][0] if chunk_id in dense else snap.chunks[chunk_id]
            out.append(
                ScoredChunk(
                    chunk=chunk,
                    score=score,
                    dense_score=dense[chunk_id][1] if chunk_id in dense else None,
                    bm25_score=keyword.get(chunk_id),
                )
            )
        return out

    def _bm25(self, snap: _Snapshot, question: str, n: int, where: Where) -> dict[str, float]:
        if snap.bm25 is None:
            return {}
        # Filters are applied after scoring; ask for more when a filter may discard many.
        k = len(snap.chunks) if not where.empty else n
        hits = snap.bm25.search(question, k=min(k, len(snap.chunks)))
        out: dict[str, float] = {}
        for node_id, score in hits:
            chunk = snap.chunks.get(node_id)
            if chunk is not None and score > 0 and where.admits(chunk):
                out[node_id] = score
                if len(out) >= n:
                    break
        return out

    def snapshot(self) -> _Snapshot:
        """The current generation's manifest and keyword index (reloaded when ingest changed it)."""
        generation = self.store.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap
        with self._lock:
            if self._snapshot is not None and self._snapshot.generation == generation:
                return self._snapshot
            self._snapshot = self._load(generation)
            return self._snapshot

    def invalidate(self) -> None:
        self._snapshot = None

    def _load(self, generation: int) -> _Snapshot:
        articles = self.store.articles()
        versions = {aid: rec.version for aid, rec in articles.items()}
        chunks = {
            c.chunk_id: c for c in self.store.all_chunks() if versions.get(c.article_id) == c.version
        }
        bm25 = _KeywordIndex.load_or_build(chunks, self._cache_path(chunks)) if chunks else None
        return _Snapshot(generation, articles, chunks, bm25)

    def _cache_path(self, chunks: dict[str, Chunk]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256("\n".join(sorted(chunks)).encode()).hexdigest()[:16]
        return self.cache_dir / f"bm25-{digest}"


class _KeywordIndex:
    """BM25 over the committed chunks: built with llama-index's BM25Retriever, searched with
    the bm25s index underneath it (per-query k, query stopwords dropped as in the corpus),
    reloaded from disk with bm25s alone so a question never pays for importing llama-index."""

    def __init__(self, bm25: object, ids: list[str]) -> None:
        self.bm25 = bm25
        self.ids = ids

    @classmethod
    def load_or_build(cls, chunks: dict[str, Chunk], path: Path | None) -> _KeywordIndex:
        import bm25s

        if path is not None and (path / "ids.json").exists():
            try:
                bm25 = bm25s.BM25.load(str(path), load_corpus=False, show_progress=False)
                return cls(bm25, json.loads((path / "ids.json").read_text()))
            except (OSError, ValueError, KeyError) as e:  # a damaged cache is rebuilt
                log.warning("rebuilding the keyword index: %s", e)
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [TextNode(id_=cid, text=keyword_text(c)) for cid, c in chunks.items()]
        retriever = BM25Retriever.from_defaults(
            nodes=nodes, similarity_top_k=min(100, len(nodes)), token_pattern=TOKEN_PATTERN
        )
        index = cls(retriever.bm25, list(chunks))
        if path is not None:
            index._persist(path)
        return index

    def _persist(self, path: Path) -> None:
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self.bm25.save(str(tmp))  # type: ignore[attr-defined]
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        for old in path.parent.glob("bm25-*"):
            if old.name != tmp.name:
                shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, path)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first."""
        import bm25s

        tokens = bm25s.tokenize(
            query, stemmer=_stemmer(), stopwords="en", token_pattern=TOKEN_PATTERN, show_progress=False
        )
        if not tokens.vocab or not any(tokens.ids):
            return []
        indexes, scores = self.bm25.retrieve(tokens, k=min(k, len(self.ids)), show_progress=False, n_threads=0)  # type: ignore[attr-defined]
        return [(self.ids[int(i)], float(s)) for i, s in zip(indexes[0], scores[0])]


@functools.cache
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")  # the one BM25Retriever indexes with


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes: the passage and its article's title (titles name the subject)."""
    return f"{chunk.title}\n{chunk.text}" if chunk.title else chunk.text
