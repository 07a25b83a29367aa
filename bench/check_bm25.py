"""Check that ragchat's keyword index is the one llama-index's BM25Retriever would build.

    .venv/bin/python -m bench.check_bm25 [--passages 3000]

rag/retrieval.py builds its BM25 index with bm25s directly (no llama-index import at
ingest). This builds both from the same synthetic passages (bench/corpora.py) and fails
unless the vocabularies and every score array are identical; it also prints both build
times and llama-index's import time.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.check_bm25")
    p.add_argument("--passages", type=int, default=3000)
    n = p.parse_args(argv).passages

    from bench.corpora import synthetic_passages, synthetic_titles
    from rag.retrieval import TOKEN_PATTERN, _KeywordIndex, keyword_text
    from rag.types import Chunk

    titles = synthetic_titles()
    chunks = {}
    for i, passage in enumerate(synthetic_passages(n, real=min(n, 1000))):
        title, date = titles[i % len(titles)]
        c = Chunk(f"a{i // 20}", "0" * 16, i % 20, passage.text, 0, len(passage.text), "", title, date)
        chunks[c.chunk_id] = c

    t = time.perf_counter()
    ours = _KeywordIndex.build(chunks, None).bm25
    ours_s = time.perf_counter() - t

    t = time.perf_counter()
    from llama_index.core.schema import TextNode
    from llama_index.retrievers.bm25 import BM25Retriever

    import_s = time.perf_counter() - t
    t = time.perf_counter()
    nodes = [TextNode(id_=cid, text=keyword_text(c)) for cid, c in chunks.items()]
    theirs = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(100, len(nodes)), token_pattern=TOKEN_PATTERN).bm25
    theirs_s = time.perf_counter() - t

    problems = []
    if ours.vocab_dict != theirs.vocab_dict:  # type: ignore[attr-defined]
        problems.append("vocabularies differ")
    for key, value in theirs.scores.items():  # type: ignore[attr-defined]
        mine = ours.scores.get(key)  # type: ignore[attr-defined]
        same = np.array_equal(value, mine) if isinstance(value, np.ndarray) else value == mine
        if not same:
            problems.append(f"scores[{key!r}] differ")
    for attr in ("k1", "b", "delta", "method", "idf_method"):
        if getattr(ours, attr) != getattr(theirs, attr):
            problems.append(f"{attr} differs")
    print(f"{len(chunks)} passages: bm25s direct {ours_s:.2f} s; llama-index BM25Retriever {theirs_s:.2f} s "
          f"(+ {import_s:.2f} s to import it)")  # fmt: skip
    print("identical" if not problems else "DIFFERENT: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
