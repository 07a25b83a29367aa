"""Article -> Chunks: sentence-aware passages sized in tokens, with overlap and offsets.

Small passages (about 80 tokens, 2-4 sentences) keep the prompt short for a CPU model,
stay far inside the 256 word pieces the embedding model reads, and let a citation point
at the few sentences that hold a claim. Pure logic: no model, no store.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from collections.abc import Callable
from pathlib import Path

from rag.types import Article, Chunk

# Words ending in a period that do not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "adm", "gov", "sen",
    "rep", "st", "jr", "sr", "vs", "no", "etc", "inc", "ltd", "co", "corp", "dept", "est",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "e.g", "i.e", "approx", "fig",
}  # fmt: skip
_BOUNDARY = re.compile(r"[.!?…]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9À-Ý])")


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text`, shifted by `offset`; lines always split.

    >>> t = "Gen. Smith met U.S. envoys on Nov. 3. They agreed.\\nA heading"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['Gen. Smith met U.S. envoys on Nov. 3.', 'They agreed.', 'A heading']
    """
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _BOUNDARY.finditer(text, line.start(), line.end()):
            word = re.search(r"([\w.]+)[.!?…]*[\"”’')\]]*\s+$", text[start : m.end()])
            token = word.group(1).lower().rstrip(".") if word else ""
            if token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token):
                continue  # "Gen. Smith", "J. Blinken"
            end = m.start() + len(m.group(0).rstrip())
            spans.append((start, end))
            start = m.end()
        tail = text[start : line.end()].rstrip()
        if tail.strip():
            lead = len(text[start : line.end()]) - len(text[start : line.end()].lstrip())
            spans.append((start + lead, start + len(tail)))
    return [(s + offset, e + offset) for s, e in spans]


@functools.cache
def token_counter() -> Callable[[str], int]:
    """tiktoken's cl100k counter, from the encoding file that llama-index-core ships.

    tiktoken would download the encoding on first use, which fails offline; llama-index-core
    carries it, so point tiktoken's cache there (without importing llama-index itself).
    """
    spec = importlib.util.find_spec("llama_index.core")
    if spec and spec.origin and not os.environ.get("TIKTOKEN_CACHE_DIR"):
        os.environ["TIKTOKEN_CACHE_DIR"] = str(Path(spec.origin).parent / "_static" / "tiktoken_cache")
    import tiktoken

    encoding = tiktoken.get_encoding("cl100k_base")
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def chunk_article(
    article: Article,
    *,
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: Callable[[str], int] | None = None,
) -> list[Chunk]:
    """Pack whole sentences into chunks of at most `max_tokens`; start each chunk with the
    trailing sentences of the previous one (up to `overlap_tokens`) so that a claim spread
    over a boundary is whole in one chunk. A heading never ends a chunk.
    """
    count = count_tokens or token_counter()
    units = _units(article.text, max_tokens, count)
    chunks: list[tuple[int, int]] = []
    current: list[tuple[int, int, int]] = []  # (start, end, tokens)
    i = 0
    while i < len(units):
        unit = units[i]
        if current and sum(u[2] for u in current) + unit[2] > max_tokens:
            carry: list[tuple[int, int, int]] = []
            if len(current) > 1 and not _is_sentence(article.text, current[-1]):
                carry = [current.pop()]  # a heading belongs to what follows it
            chunks.append((current[0][0], current[-1][1]))
            overlap: list[tuple[int, int, int]] = []
            for u in reversed(current[1:]):  # never repeat a whole chunk
                if sum(o[2] for o in overlap) + u[2] > overlap_tokens:
                    break
                overlap.insert(0, u)
            current = overlap + carry
            if current and sum(u[2] for u in current) + unit[2] > max_tokens:
                current = carry
            continue
        current.append(unit)
        i += 1
    if current:
        chunks.append((current[0][0], current[-1][1]))
    return [
        Chunk(
            article_id=article.article_id,
            version=article.content_hash,
            index=n,
            text=article.text[s:e],
            start=s,
            end=e,
            source=article.source,
            title=article.title,
            date=article.date,
        )
        for n, (s, e) in enumerate(chunks)
    ]


def _is_sentence(text: str, unit: tuple[int, int, int]) -> bool:
    return bool(re.search(r"[.!?…][\"”’')\]]*$", text[unit[0] : unit[1]]))


def _units(text: str, max_tokens: int, count: Callable[[str], int]) -> list[tuple[int, int, int]]:
    """Sentences with token counts; a sentence longer than a chunk is cut at word boundaries."""
    units = []
    for s, e in split_sentences(text):
        n = count(text[s:e])
        if n <= max_tokens:
            units.append((s, e, n))
            continue
        piece_start = s
        words = list(re.finditer(r"\S+", text[s:e]))
        acc = 0
        for w in words:
            wn = count(w.group(0)) + 1
            if acc + wn > max_tokens and acc:
                end = s + w.start()
                units.append((piece_start, end - 1 if text[end - 1] == " " else end, acc))
                piece_start, acc = end, 0
            acc += wn
        units.append((piece_start, e, acc))
    return units
