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

# Calibrated on corpus/eval/dev.jsonl (docs/NOTES.md); not on the gold set.
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
    rewriter: Callable[[str, list[str], str | None], str | None] | None = None
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
    composer = build_composer(settings)
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
        composer=composer,
        rewriter=build_rewriter(composer),
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
    """The answer writer for settings.backend; "auto" is the local model when it is installed.

    Nothing is loaded here: the model file is assembled, verified and loaded on the first
    question, so building a pipeline (for ingest, say) stays fast.
    """
    import importlib.util

    from rag.errors import ConfigError

    has_llama_cpp = importlib.util.find_spec("llama_cpp") is not None
    backend = settings.backend
    if backend == "auto":
        from rag.llm.models import packaged_model_installed

        local = bool(settings.llm_model) or packaged_model_installed()
        backend = "llama-cpp" if has_llama_cpp and local else "extractive"
    if backend == "extractive":
        return ExtractiveComposer()

    from rag.llm.composer import LLMComposer

    if backend == "openai":
        from rag.llm.openai_compat import OpenAICompatModel

        if not settings.llm_base_url:
            raise ConfigError("the openai backend needs a server: set RAGCHAT_LLM_BASE_URL=http://host:port/v1 (or llm_base_url)")
        server = OpenAICompatModel(settings.llm_base_url, settings.llm_api_key, settings.llm_model_name, settings.llm_timeout_s)
        return LLMComposer(server, context_tokens=settings.llm_context_tokens, max_tokens=settings.llm_max_tokens,
                           focus_sentences=settings.llm_focus_sentences)

    from rag.llm.llamacpp import LlamaCppModel
    from rag.llm.models import local_model_path

    if not has_llama_cpp:
        raise ConfigError("the llama-cpp backend needs llama-cpp-python: pip install 'ragchat[llm]', or use --backend extractive")
    local_model = LlamaCppModel(
        lambda: local_model_path(settings.llm_model),
        n_ctx=settings.llm_n_ctx, n_threads=settings.llm_threads, max_seconds=settings.llm_timeout_s,
    )  # fmt: skip
    return LLMComposer(local_model, context_tokens=settings.llm_context_tokens, max_tokens=settings.llm_max_tokens,
                       n_ctx=settings.llm_n_ctx, focus_sentences=settings.llm_focus_sentences)


def build_rewriter(composer: Composer) -> Callable[[str, list[str], str | None], str | None] | None:
    """Follow-ups are rewritten by the answering model, and only when the question leans on
    the conversation (rag.followup's rule): a model call costs seconds on a CPU."""
    from rag.followup import needs_context
    from rag.llm.composer import LLMComposer, rewrite_question

    if not isinstance(composer, LLMComposer):
        return None
    model = composer.model

    def rewrite(question: str, earlier: list[str], last_answer: str | None = None) -> str | None:
        if not earlier or not needs_context(question):
            return None
        return rewrite_question(model, question, earlier, last_answer)

    return rewrite
