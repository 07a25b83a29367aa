"""The store seam: what ragchat needs from a vector store, and nothing more.

Two kinds of record live in a store:
- chunks: text, offsets, a vector; ids are `article::version::index` (see rag.types);
- the manifest: one record per *committed* article (metadata, cleaned text, version).

Ingest writes an article's new chunks first and commits its manifest record last, so a
question only ever sees chunks whose version matches the manifest: an ingest killed at
any point leaves every committed article whole, and the next ingest deletes the orphans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.types import Article, Chunk

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ArticleRecord:
    """A committed article: its metadata (text omitted unless asked for) and chunk count."""

    article: Article
    chunks: int
    path: str = ""  # where the file was read from; lets a re-scan notice deletions
    text_hash: str = ""  # sha256 of the cleaned text alone; finds the same article under two names

    @property
    def version(self) -> str:
        return self.article.content_hash[:16]


@dataclass(frozen=True)
class Where:
    """Filters a question may carry; None means no restriction."""

    articles: tuple[str, ...] | None = None
    since: str | None = None  # YYYY-MM-DD, inclusive
    until: str | None = None

    def admits(self, chunk: Chunk) -> bool:
        """The same filter in Python, for results that did not come through the store's query.

        >>> c = Chunk("a", "v", 0, "t", 0, 1, date="2024-04-03")
        >>> Where(since="2024-01-01").admits(c), Where(articles=("b",)).admits(c)
        (True, False)
        """
        return self.admits_article(chunk.article_id, chunk.date)

    def admits_article(self, article_id: str, date: str | None) -> bool:
        if self.articles is not None and article_id not in self.articles:
            return False
        if self.since or self.until:
            if not date:
                return False  # an undated article cannot be shown to be in range
            if self.since and date < self.since:
                return False
            if self.until and date > self.until:
                return False
        return True

    @property
    def empty(self) -> bool:
        return self.articles is None and not self.since and not self.until


class Store(Protocol):
    """A vector store holding chunks and the article manifest. See the module docstring."""

    location: str  # a path or URL, for messages

    def generation(self) -> int:
        """Bumped after every ingest that changed something; readers cache per generation."""
        ...

    def bump_generation(self) -> None: ...

    def articles(self) -> dict[str, ArticleRecord]:
        """The committed manifest (article texts left empty)."""
        ...

    def article_text(self, article_id: str) -> str | None: ...

    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None: ...

    def commit_articles(self, records: list[ArticleRecord]) -> None:
        """Make each record (with its full text) the visible version of its article, in as few
        writes as the store allows."""
        ...

    def remove_article(self, article_id: str) -> None:
        """Drop an article from the manifest (its chunks become orphans)."""
        ...

    def chunk_ids(self) -> list[str]: ...

    def delete_chunks(self, ids: list[str]) -> None: ...

    def query(self, vector: np.ndarray, n: int, where: Where) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity (higher is closer), filtered by `where`."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every chunk (for building the keyword index)."""
        ...

    def reset(self) -> None:
        """Remove everything (`ingest --rebuild`)."""
        ...
