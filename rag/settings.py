"""One typed settings object: defaults < settings file < environment < explicit arguments.

Stage code never reads settings; the factory hands each stage the values it needs.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from rag.errors import ConfigError

Backend = Literal["auto", "extractive", "llama-cpp", "openai"]
BACKENDS: tuple[str, ...] = get_args(Backend)
EmbeddingRuntime = Literal["onnx", "sentence-transformers"]

# Environment variable for each setting that users set from the shell.
ENV = {
    "data_dir": "RAGCHAT_DATA_DIR",
    "backend": "RAGCHAT_BACKEND",
    "chroma_url": "RAGCHAT_CHROMA_URL",
    "llm_model": "RAGCHAT_LLM_MODEL",
    "llm_base_url": "RAGCHAT_LLM_BASE_URL",
    "llm_api_key": "RAGCHAT_LLM_API_KEY",
    "llm_model_name": "RAGCHAT_LLM_MODEL_NAME",
    "llm_timeout_s": "RAGCHAT_LLM_TIMEOUT",
    "top_k": "RAGCHAT_TOP_K",
    "embedding_model": "RAGCHAT_EMBEDDING_MODEL",
    "auth": "RAGCHAT_AUTH",
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".ragchat")
    corpus_dir: Path = Path("corpus")
    backend: Backend = "auto"
    top_k: int = 5
    # Passages fusion hands to the sentence reranker, which keeps the top_k best (rag.evidence.rerank_passages).
    rerank_candidates: int = 12
    # Chunking: small passages keep the prompt short for a CPU model and the citation precise.
    chunk_tokens: int = 80
    chunk_overlap_tokens: int = 30
    max_file_mb: float = 5.0
    max_question_chars: int = 2000
    embedding_model: str | None = None  # a sentence-transformers dir; default: the packaged MiniLM
    # onnx: the same model exported once to ONNX (same vectors, faster start and encoding)
    embedding_runtime: EmbeddingRuntime = "onnx"
    embed_batch_size: int = 64
    chroma_url: str | None = None  # http://host:port -> a Chroma server instead of the local store
    # Retrieval fusion: weight of the dense ranking against BM25 in reciprocal rank fusion.
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    # Refusal: below this evidence score the question is refused without calling a model.
    refusal_threshold: float = 0.42
    # A model refusal is overridden by the extractive answer when the best sentence scores at least this.
    # 0.0: always, once the pre-model refusal rules let the question through; the 1.5B model's own
    # refusals past them were right 1 time in 10 on gold (docs/NOTES.md). Raise it to trust the model.
    llm_refusal_override: float = 0.0
    # LLM
    llm_model: str | None = None  # path to a GGUF; default: the packaged Qwen2.5 1.5B
    llm_n_ctx: int = 4096
    llm_threads: int | None = None
    llm_max_tokens: int = 256
    llm_context_tokens: int = 700  # budget for the sources in the prompt
    llm_focus_sentences: int = 6  # the model reads the best N sentences of the passages; 0 = whole passages
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model_name: str = "default"
    llm_timeout_s: float = 120.0
    # UI
    auth: str | None = None  # "user:password"

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(
                f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}"
            )
        for name in ("top_k", "chunk_tokens", "embed_batch_size", "llm_n_ctx", "llm_max_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive whole number, not {value!r}")
        if self.embedding_runtime not in get_args(EmbeddingRuntime):
            raise ConfigError(f"embedding_runtime must be onnx or sentence-transformers, not {self.embedding_runtime!r}")
        for name in ("rerank_candidates", "llm_focus_sentences"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ConfigError(f"{name} must be a whole number >= 0, not {value!r}")
        if self.top_k > 50:
            raise ConfigError(f"top_k must be at most 50, not {self.top_k}")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise ConfigError("chunk_overlap_tokens must be >= 0 and smaller than chunk_tokens")
        if self.chunk_tokens > 240:
            raise ConfigError(
                "chunk_tokens must be at most 240: the embedding model reads 256 word pieces"
            )
        if self.max_file_mb <= 0 or self.llm_timeout_s <= 0:
            raise ConfigError("max_file_mb and llm_timeout_s must be positive")
        if self.chroma_url and not self.chroma_url.startswith(("http://", "https://")):
            raise ConfigError(f"chroma_url must start with http:// or https://, not {self.chroma_url!r}")
        if self.auth and ":" not in self.auth:
            raise ConfigError("auth must look like user:password")
        if self.data_dir.exists() and not self.data_dir.is_dir():
            raise ConfigError(f"the data directory {self.data_dir} is a file: give a folder for the index (--data-dir DIR)")

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the non-None overrides applied and coerced to the field types."""
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in known:
                raise ConfigError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
            clean[key] = _coerce(key, value, getattr(self, key))
        return replace(self, **clean)


def _coerce(key: str, value: Any, current: Any) -> Any:
    if key in ("data_dir", "corpus_dir"):
        return Path(value).expanduser()
    if isinstance(current, bool):
        return str(value).lower() in ("1", "true", "yes", "on")
    try:
        if isinstance(current, int) or key in ("top_k", "chunk_tokens", "llm_threads"):
            return int(value)
        if isinstance(current, float):
            return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key} must be a number, not {value!r}") from None
    return value


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then a TOML file (`RAGCHAT_CONFIG` or the argument), then env, then overrides."""
    settings = Settings()
    path = config_file or os.environ.get("RAGCHAT_CONFIG")
    if path:
        settings = settings.with_overrides(**read_settings_file(path))
    from_env = {key: os.environ[var] for key, var in ENV.items() if os.environ.get(var)}
    return settings.with_overrides(**from_env).with_overrides(**overrides)


def read_settings_file(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"settings file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"settings file {path} is not valid TOML: {e}") from None
    return data.get("ragchat", data)
