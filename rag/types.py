"""The small, immutable values that flow between pipeline stages.

corpus file -> Article -> Chunk -> ScoredChunk -> (Citation, Answer)

Library types (llama-index nodes, Chroma rows) are converted to these at the edge,
so every stage can be read and tested without the libraries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any


@dataclass(frozen=True)
class Article:
    """A cleaned article: the text every offset refers to, and its metadata."""

    article_id: str  # file name without extension
    source: str  # file name as the user gave it
    title: str
    text: str  # cleaned body; Chunk/Citation offsets index into this string
    content_hash: str  # sha256 of `text` + metadata: what decides "changed"
    date: str | None = None  # YYYY-MM-DD
    publisher: str | None = None
    author: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: `article.text[start:end] == text`."""

    article_id: str
    version: str  # the article's content_hash when the chunk was made
    index: int
    text: str
    start: int
    end: int
    source: str = ""
    title: str = ""
    date: str | None = None

    @property
    def chunk_id(self) -> str:
        return make_chunk_id(self.article_id, self.version, self.index)


def make_chunk_id(article_id: str, version: str, index: int) -> str:
    """Chunk ids carry the article and its version, so orphans are found from ids alone.

    >>> make_chunk_id("002_x", "ab" * 32, 3)
    '002_x::abababababababab::3'
    """
    return f"{article_id}::{version[:16]}::{index}"


def parse_chunk_id(chunk_id: str) -> tuple[str, str, int]:
    """Inverse of make_chunk_id (article ids may themselves contain '::').

    >>> parse_chunk_id("a::b::c::0123456789abcdef::7")
    ('a::b::c', '0123456789abcdef', 7)
    """
    article_id, version, index = chunk_id.rsplit("::", 2)
    return article_id, version, int(index)


@dataclass(frozen=True)
class ScoredChunk:
    """A retrieved passage with its fused score (higher is better)."""

    chunk: Chunk
    score: float
    dense_score: float | None = None  # cosine similarity, when the dense retriever found it
    bm25_score: float | None = None

    def to_context(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "source": c.source,
            "article_id": c.article_id,
            "title": c.title,
            "date": c.date,
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class Citation:
    """A source the answer cites: the passage, and the span in it that supports the claim."""

    marker: int
    source: str
    article_id: str
    title: str
    date: str | None
    text: str  # the cited passage
    start: int  # passage offsets in the cleaned article text
    end: int
    score: float  # how well the cited span supports the sentence(s) citing it
    quote: str  # the supporting span: first to last passage sentence that supports a claim citing it
    quote_start: int  # span offsets in the cleaned article text
    quote_end: int
    publisher: str | None = None


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of the answer with the markers it carries after verification."""

    text: str
    markers: tuple[int, ...]
    supported: bool


@dataclass(frozen=True)
class Answer:
    """The answer contract shared by the Python API, the CLI, the UI and evaluation."""

    question: str
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    contexts: tuple[ScoredChunk, ...]
    backend: str
    timings: dict[str, float]
    sentences: tuple[AnswerSentence, ...] = ()
    notice: str | None = None  # e.g. "the local model failed; answered extractively"
    standalone_question: str | None = None  # for follow-ups: the rewritten question

    @property
    def unsupported(self) -> tuple[str, ...]:
        return tuple(s.text for s in self.sentences if not s.supported)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [asdict(c) for c in self.citations],
            "contexts": [sc.to_context() for sc in self.contexts],
            "backend": self.backend,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "unsupported": list(self.unsupported),
            "notice": self.notice,
            "standalone_question": self.standalone_question,
        }


@dataclass(frozen=True)
class Skipped:
    """A file that ingest did not take, and why (said so the user can fix it)."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0  # chunks embedded and written by this run
    seconds: float = 0.0
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)
    ignored: tuple[str, ...] = ()  # files of other types in the folders (.pdf, .docx, images)

    def line(self) -> str:
        text = (
            f"added {self.added} / updated {self.updated} / unchanged {self.unchanged} / "
            f"removed {self.removed} articles, {self.chunks} chunks embedded, {self.seconds:.1f} s"
        )
        if self.skipped:
            text += f"; {len(self.skipped)} file(s) skipped"
        if self.ignored:
            kinds = sorted({PurePath(p).suffix.lower() or "(no extension)" for p in self.ignored})
            text += f"; {len(self.ignored)} file(s) of other types ignored ({', '.join(kinds)}: only .txt, .md and .html are read)"
        return text

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["skipped"] = [asdict(s) for s in self.skipped]
        return d
