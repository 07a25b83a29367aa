"""The Chroma adapter: an embedded persistent store under the data directory, or a server.

Chroma never embeds anything here (ragchat passes its own vectors, so Chroma's default
embedding function, which would download a model, is never used) and telemetry is off.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.errors import StoreError
from rag.types import Article, Chunk, parse_chunk_id
from vectorstore.base import SCHEMA_VERSION, ArticleRecord, Where

CHUNKS = "ragchat-chunks"
ARTICLES = "ragchat-articles"
STATE_ID = "__ragchat_state__"
_PAGE = 2000


def chroma_settings():  # noqa: ANN201 - chromadb type imported lazily
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False, allow_reset=True)


class ChromaStore:
    """See vectorstore.base.Store for the contract."""

    def __init__(self, *, path: Path | None = None, url: str | None = None) -> None:
        if (path is None) == (url is None):
            raise ValueError("give exactly one of path= or url=")
        self.path = path
        self.url = url
        self.location = url or str(path)
        with self._errors("open"):
            import chromadb

            if url:
                parsed = urlparse(url)
                self.client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings(),
                )
                self.client.heartbeat()
            else:
                assert path is not None
                path.mkdir(parents=True, exist_ok=True)
                self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings())
            self._open_collections()

    def _open_collections(self) -> None:
        self.chunks = self.client.get_or_create_collection(
            CHUNKS, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
        )
        self.meta = self.client.get_or_create_collection(ARTICLES, embedding_function=None)
        state = self.meta.get(ids=[STATE_ID], include=["metadatas"])
        if not state["ids"]:
            self._write_state(0)
        else:
            schema = (state["metadatas"] or [{}])[0].get("schema")
            if schema != SCHEMA_VERSION:
                raise StoreError(
                    f"the store at {self.location} was written by another ragchat version "
                    f"(schema {schema}, this one reads {SCHEMA_VERSION}): re-run `ragchat ingest --rebuild`"
                )

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn Chroma and connection failures into a StoreError that says what to do."""
        try:
            yield
        except StoreError:
            raise
        except Exception as e:  # chromadb raises many unrelated types (httpx, sqlite, rust)
            if self.url:
                hint = f"is the Chroma server at {self.url} running? (`chroma run --path DIR --host 127.0.0.1 --port N`)"
            else:
                hint = f"the store at {self.location} may be damaged or from another version: re-run `ragchat ingest --rebuild`"
            raise StoreError(f"cannot {action} the vector store ({type(e).__name__}: {e}); {hint}") from None

    # -- manifest -------------------------------------------------------------------------

    def _write_state(self, generation: int) -> None:
        self.meta.upsert(
            ids=[STATE_ID],
            embeddings=[[1.0]],
            metadatas=[{"generation": generation, "schema": SCHEMA_VERSION}],
            documents=[""],
        )

    def generation(self) -> int:
        with self._errors("read"):
            got = self.meta.get(ids=[STATE_ID], include=["metadatas"])
        return int((got["metadatas"] or [{}])[0].get("generation", 0)) if got["ids"] else 0

    def bump_generation(self) -> None:
        with self._errors("write"):
            self._write_state(self.generation() + 1)

    def articles(self) -> dict[str, ArticleRecord]:
        with self._errors("read"):
            got = self.meta.get(include=["metadatas"])
        records = {}
        for rid, md in zip(got["ids"], got["metadatas"] or []):
            if rid == STATE_ID or md is None:
                continue
            records[rid] = _record_from_metadata(rid, md, text="")
        return records

    def article_text(self, article_id: str) -> str | None:
        with self._errors("read"):
            got = self.meta.get(ids=[article_id], include=["documents"])
        return (got["documents"] or [None])[0] if got["ids"] else None

    def commit_articles(self, records: list[ArticleRecord]) -> None:
        """Several manifest records in one write (each becomes visible with its chunks)."""
        with self._errors("write"):
            for i in range(0, len(records), 1000):
                part = records[i : i + 1000]
                self.meta.upsert(
                    ids=[r.article.article_id for r in part],
                    embeddings=[[1.0]] * len(part),
                    metadatas=[_record_metadata(r) for r in part],
                    documents=[r.article.text for r in part],
                )

    def remove_article(self, article_id: str) -> None:
        with self._errors("write"):
            self.meta.delete(ids=[article_id])

    # -- chunks ---------------------------------------------------------------------------

    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        with self._errors("write"):
            batch = max(1, min(self.client.get_max_batch_size(), 1000))
            for i in range(0, len(chunks), batch):
                part = chunks[i : i + batch]
                self.chunks.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=vectors[i : i + batch],
                    documents=[c.text for c in part],
                    metadatas=[_chunk_metadata(c) for c in part],
                )

    def chunk_ids(self) -> list[str]:
        ids: list[str] = []
        with self._errors("read"):
            while True:
                got = self.chunks.get(include=[], limit=_PAGE * 5, offset=len(ids))
                ids.extend(got["ids"])
                if len(got["ids"]) < _PAGE * 5:
                    return ids

    def get_chunks(self, ids: list[str]) -> list[Chunk]:
        """The stored chunks among `ids` (absent ones are left out)."""
        if not ids:
            return []
        with self._errors("read"):
            got = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return [_chunk_from_row(*row) for row in zip(got["ids"], got["documents"], got["metadatas"])]

    def delete_chunks(self, ids: list[str]) -> None:
        with self._errors("write"):
            for i in range(0, len(ids), 1000):
                self.chunks.delete(ids=ids[i : i + 1000])

    def query(self, vector: np.ndarray, n: int, where: Where) -> list[tuple[Chunk, float]]:
        with self._errors("query"):
            count = self.chunks.count()
            if count == 0:
                return []
            got = self.chunks.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=min(n, count),
                where=_chroma_where(where),
                include=["documents", "metadatas", "distances"],
            )
        return [
            (_chunk_from_row(cid, doc, md), 1.0 - float(dist))
            for cid, doc, md, dist in zip(
                got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0]
            )
        ]

    def query_ids(self, vector: np.ndarray, n: int, where: Where) -> list[tuple[str, float]]:
        """Like query, but (chunk id, similarity) only: no documents or metadata are read,
        and no count() first (Chroma returns fewer results when it holds fewer)."""
        with self._errors("query"):
            got = self.chunks.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=max(1, n),
                where=_chroma_where(where),
                include=["distances"],
            )
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(got["ids"][0], got["distances"][0])]

    def all_chunks(self) -> list[Chunk]:
        out: list[Chunk] = []
        with self._errors("read"):
            while True:
                got = self.chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=len(out))
                out.extend(_chunk_from_row(*row) for row in zip(got["ids"], got["documents"], got["metadatas"]))
                if len(got["ids"]) < _PAGE:
                    return out

    def reset(self) -> None:
        with self._errors("reset"):
            for name in (CHUNKS, ARTICLES):
                try:
                    self.client.delete_collection(name)
                except Exception:  # noqa: BLE001 - absent already is fine
                    pass
            self._open_collections()

    @classmethod
    def wipe_local(cls, path: Path) -> None:
        """Delete an embedded store that cannot even be opened (for `--rebuild`)."""
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()  # chroma keeps one (now broken) system per path
        if path.exists():
            shutil.rmtree(path)


def _record_metadata(record: ArticleRecord) -> dict[str, Any]:
    a = record.article
    return {
        "source": a.source, "title": a.title, "content_hash": a.content_hash,
        "chunks": record.chunks, "date": a.date or "", "publisher": a.publisher or "",
        "author": a.author or "", "url": a.url or "", "path": record.path,
        "text_hash": record.text_hash,
    }  # fmt: skip


def _chunk_metadata(c: Chunk) -> dict[str, Any]:
    md: dict[str, Any] = {
        "article_id": c.article_id, "source": c.source, "title": c.title,
        "start": c.start, "end": c.end, "date": c.date or "",
    }  # fmt: skip
    if c.date:
        md["date_int"] = int(c.date.replace("-", ""))
    return md


def _chunk_from_row(chunk_id: str, document: str | None, md: dict[str, Any] | None) -> Chunk:
    md = md or {}
    article_id, version, index = parse_chunk_id(chunk_id)
    return Chunk(
        article_id=article_id,
        version=version,
        index=index,
        text=document or "",
        start=int(md.get("start", 0)),
        end=int(md.get("end", 0)),
        source=str(md.get("source", "")),
        title=str(md.get("title", "")),
        date=str(md.get("date") or "") or None,
    )


def _record_from_metadata(article_id: str, md: dict[str, Any], text: str) -> ArticleRecord:
    article = Article(
        article_id=article_id,
        source=str(md.get("source", "")),
        title=str(md.get("title", "")),
        text=text,
        content_hash=str(md.get("content_hash", "")),
        date=str(md.get("date") or "") or None,
        publisher=str(md.get("publisher") or "") or None,
        author=str(md.get("author") or "") or None,
        url=str(md.get("url") or "") or None,
    )
    return ArticleRecord(
        article=article,
        chunks=int(md.get("chunks", 0)),
        path=str(md.get("path", "")),
        text_hash=str(md.get("text_hash", "")),
    )


def _chroma_where(where: Where) -> dict[str, Any] | None:
    """Where -> Chroma's filter language.

    >>> _chroma_where(Where(articles=("a",), since="2024-01-02"))
    {'$and': [{'article_id': {'$in': ['a']}}, {'date_int': {'$gte': 20240102}}]}
    """
    clauses: list[dict[str, Any]] = []
    if where.articles is not None:
        clauses.append({"article_id": {"$in": list(where.articles)}})
    if where.since:
        clauses.append({"date_int": {"$gte": int(where.since.replace("-", ""))}})
    if where.until:
        clauses.append({"date_int": {"$lte": int(where.until.replace("-", ""))}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
