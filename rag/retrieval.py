"""Hybrid retrieval: dense (the store's vector query) and keyword (BM25), fused by rank.

The keyword index is bm25s, built as llama-index's BM25Retriever builds it, from the
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

from rag.types import Chunk, ScoredChunk, parse_chunk_id
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


def with_leaders(fused: list[tuple[str, float]], rankings: Sequence[Sequence[str]], k: int) -> list[tuple[str, float]]:
    """The fused top k, and after them each ranking's first item that they lack: fusion by
    rank buries the one chunk that holds a question's rare name when the dense side misses
    it ("what position does tobias billstrom have?": first for BM25, 14th fused, behind
    chunks both sides rank fifth). The passages are chosen from these by their sentences.

    >>> with_leaders([("a", 3.0), ("b", 2.0), ("c", 1.0)], [["a", "b"], ["c", "a"]], 2)
    [('a', 3.0), ('b', 2.0), ('c', 1.0)]
    >>> with_leaders([("a", 3.0), ("b", 2.0), ("c", 1.0)], [["a"], ["b"]], 2)
    [('a', 3.0), ('b', 2.0)]
    """
    top = fused[:k]
    missing = {r[0] for r in rankings if r} - {item for item, _ in top}
    return top + [x for x in fused[k:] if x[0] in missing]


@dataclass(frozen=True)
class _Snapshot:
    """What one store generation looks like to a reader."""

    generation: int
    articles: dict[str, ArticleRecord]  # the committed manifest
    chunk_ids: list[str]  # committed chunks only; their texts stay in the store until needed
    bm25: _KeywordIndex | None  # None when the store is empty
    versions: dict[str, str]  # article id -> committed version


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
        if not snap.chunk_ids or where.articles == ():
            return []
        n = max(self.candidates, top_k * 4)
        dense = self._dense(snap, query_vector, n, where)  # chunk id -> (Chunk or None, similarity)
        keyword = self._bm25(snap, question, n, where)
        rankings = [list(dense), list(keyword)]
        fused = with_leaders(reciprocal_rank_fusion(rankings, [self.dense_weight, self.bm25_weight]), rankings, top_k)
        # Only the fused top k (and a leader they lack) are read from the store, in one call by
        # id: the candidates' texts are never loaded (not into the snapshot, not with the dense query).
        fetched = self._fetch([cid for cid, _ in fused if dense.get(cid, (None,))[0] is None])
        out = []
        for chunk_id, score in fused:
            chunk = dense.get(chunk_id, (None,))[0] or fetched.get(chunk_id)
            if chunk is None:
                continue  # deleted by an ingest since this snapshot was taken
            out.append(
                ScoredChunk(
                    chunk=chunk,
                    score=score,
                    dense_score=dense[chunk_id][1] if chunk_id in dense else None,
                    bm25_score=keyword.get(chunk_id),
                )
            )
        return out

    def _dense(self, snap: _Snapshot, vector: np.ndarray, n: int, where: Where) -> dict[str, tuple[Chunk | None, float]]:
        """The store's nearest committed chunks. A store with `query_ids` returns ids and
        similarities only (at 100k chunks Chroma takes ~1.5 ms for that, ~12 ms when it also
        reads back 40 documents and metadata and counts the collection first)."""
        out: dict[str, tuple[Chunk | None, float]] = {}
        query_ids = getattr(self.store, "query_ids", None)
        if query_ids is not None:
            for chunk_id, sim in query_ids(vector, n, where):
                if _committed(chunk_id, snap.versions):
                    out[chunk_id] = (None, sim)
            return out
        for chunk, sim in self.store.query(vector, n, where):
            if snap.versions.get(chunk.article_id) == chunk.version:
                out[chunk.chunk_id] = (chunk, sim)
        return out

    def _bm25(self, snap: _Snapshot, question: str, n: int, where: Where) -> dict[str, float]:
        if snap.bm25 is None:
            return {}
        # A filter is a 0/1 weight per document inside bm25s's scoring, so the top n are the
        # top n admitted ones (asking for every document and filtering in Python cost
        # ~100 ms a question at 100k chunks).
        mask = snap.bm25.mask(where, snap.articles)
        if mask is not None and not mask.any():
            return {}
        hits = snap.bm25.search(question, k=min(n, len(snap.bm25.ids)), weight_mask=mask)
        return {node_id: score for node_id, score in hits if score > 0}

    def _fetch(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        get = getattr(self.store, "get_chunks", None)
        if get is not None:
            found = get(ids)
        else:  # a store without reads by id
            wanted = set(ids)
            found = [c for c in self.store.all_chunks() if c.chunk_id in wanted]
        return {c.chunk_id: c for c in found}

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
        ids = sorted(cid for cid in self.store.chunk_ids() if _committed(cid, versions))
        bm25 = None
        if ids:
            path = self._cache_path(ids)
            bm25 = _KeywordIndex.load(path)
            if bm25 is None:  # texts are read only to build the index
                chunks = {c.chunk_id: c for c in self.store.all_chunks() if versions.get(c.article_id) == c.version}
                bm25 = _KeywordIndex.build(chunks, path)
        return _Snapshot(generation, articles, ids, bm25, versions)

    def _cache_path(self, sorted_ids: list[str]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256("\n".join(sorted_ids).encode()).hexdigest()[:16]
        return self.cache_dir / f"bm25-{digest}"


def _committed(chunk_id: str, versions: dict[str, str]) -> bool:
    article_id, version, _ = parse_chunk_id(chunk_id)
    return versions.get(article_id) == version


class _KeywordIndex:
    """BM25 over the committed chunks with bm25s, the library under llama-index's
    BM25Retriever: built the way that retriever builds it, searched with a per-query k
    (query stopwords dropped as in the corpus), saved and reloaded with bm25s alone so
    neither ingest nor a question pays for importing llama-index."""

    def __init__(self, bm25: object, ids: list[str]) -> None:
        self.bm25 = bm25
        self.ids = ids
        self._columns: tuple[np.ndarray, np.ndarray, dict[str, int]] | None = None
        self._masks: dict[Where, np.ndarray] = {}
        self._mask_lock = threading.Lock()

    def mask(self, where: Where, articles: dict[str, ArticleRecord]) -> np.ndarray | None:
        """Where.admits for every indexed chunk at once, as a float 0/1 array (None: no filter).
        Same semantics: an undated chunk fails any date bound; dates compare as strings. A
        chunk's date is its article's (rag.chunking), read here from the manifest."""
        if where.empty:
            return None
        with self._mask_lock:
            cached = self._masks.get(where)
            if cached is not None:
                return cached
            if self._columns is None:
                owners = [parse_chunk_id(i)[0] for i in self.ids]
                codes: dict[str, int] = {}
                article = np.array([codes.setdefault(a, len(codes)) for a in owners], dtype=np.int64)
                dated = {a: (r.article.date or "") for a, r in articles.items()}
                dates = np.array([dated.get(a, "") for a in codes], dtype="U10")[article]
                self._columns = (dates, article, codes)
            dates, article, codes = self._columns
            ok = np.ones(len(self.ids), dtype=bool)
            if where.articles is not None:
                ok &= np.isin(article, [codes[a] for a in where.articles if a in codes])
            if where.since or where.until:
                ok &= dates != ""
                if where.since:
                    ok &= dates >= where.since
                if where.until:
                    ok &= dates <= where.until
            mask = ok.astype(np.float32)
            if len(self._masks) >= 32:  # a few distinct filters per generation is the norm
                self._masks.clear()
            self._masks[where] = mask
            return mask

    @classmethod
    def load(cls, path: Path | None) -> _KeywordIndex | None:
        """The cached index, or None when there is none (or it is damaged: it is rebuilt)."""
        if path is None or not (path / "ids.json").exists():
            return None
        import bm25s

        try:
            bm25 = bm25s.BM25.load(str(path), load_corpus=False, show_progress=False)
            return cls(bm25, json.loads((path / "ids.json").read_text()))
        except (OSError, ValueError, KeyError) as e:
            log.warning("rebuilding the keyword index: %s", e)
            return None

    @classmethod
    def build(cls, chunks: dict[str, Chunk], path: Path | None) -> _KeywordIndex:
        import bm25s
        # Exactly what llama-index's BM25Retriever(nodes, token_pattern=...) does to build its
        # index (same tokenizer call, English stopwords, Snowball stemmer, default BM25
        # parameters; the arrays come out identical), without importing llama-index, which
        # cost ~1.4 s of every ingest (bench/README.md).
        tokens = bm25s.tokenize(
            [keyword_text(c) for c in chunks.values()],
            stopwords="en", stemmer=_stemmer(), token_pattern=TOKEN_PATTERN, show_progress=False,
        )  # fmt: skip
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        index = cls(bm25, list(chunks))
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

    def search(self, query: str, k: int, weight_mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; documents weighted 0 by `weight_mask` score 0."""
        import bm25s

        tokens = bm25s.tokenize(
            query, stemmer=_stemmer(), stopwords="en", token_pattern=TOKEN_PATTERN, show_progress=False
        )
        if not tokens.vocab or not any(tokens.ids):
            return []
        indexes, scores = self.bm25.retrieve(  # type: ignore[attr-defined]
            tokens, k=min(k, len(self.ids)), show_progress=False, n_threads=0, weight_mask=weight_mask
        )
        return [(self.ids[int(i)], float(s)) for i, s in zip(indexes[0], scores[0])]


@functools.cache
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")  # the one BM25Retriever indexes with


def keyword_text(chunk: Chunk) -> str:
    """What BM25 indexes: the passage and its article's title (titles name the subject)."""
    return f"{chunk.title}\n{chunk.text}" if chunk.title else chunk.text
