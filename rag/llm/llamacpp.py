"""A GGUF model run by llama.cpp in this process (llama-cpp-python), on the CPU.

- Loaded on the first question, once per process per (file, n_ctx, n_threads), and shared
  by every Assistant: a 1.5B model is ~1.1 GB of memory and a few seconds to load.
- One generation at a time per loaded model (a llama.cpp context is not thread-safe);
  concurrent questions queue on a lock.
- llama.cpp keeps the previous prompt's tokens in its KV cache and re-reads only what
  differs, so prompts put their fixed part (system rules, example) first.
- A deadline bounds a generation: prompt reading is aborted through llama.cpp's abort
  callback, token generation by checking between tokens; both raise LLMUnavailable.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import ConfigError, LLMUnavailable, ModelError
from rag.llm.base import Message


@dataclass
class _Loaded:
    """A loaded model, the lock that serialises its use, and the deadline its abort callback reads."""

    llama: Any
    load_seconds: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    deadline: float = float("inf")
    abort_callback: Any = None  # keeps the ctypes callback alive as long as the model


_loaded: dict[tuple[str, int, int], _Loaded] = {}
_loading = threading.Lock()


class LlamaCppModel:
    """ChatModel over llama.cpp. `path` may be a callable, resolved on the first question,
    so that assembling or hashing the packaged model never happens at construction."""

    name = "llama-cpp"

    def __init__(self, path: str | Path | Callable[[], Path], *, n_ctx: int = 4096,
                 n_threads: int | None = None, max_seconds: float = 120.0) -> None:
        self._path = path
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1  # llama-cpp-python's default is half the cores
        self.max_seconds = max_seconds

    @property
    def path(self) -> Path:
        return Path(self._path() if callable(self._path) else self._path)

    def load(self) -> _Loaded:
        """The shared loaded model (loads it on first call)."""
        path = self.path
        key = (str(path.resolve()), self.n_ctx, self.n_threads)
        with _loading:
            if key not in _loaded:
                _loaded[key] = _load(path, n_ctx=self.n_ctx, n_threads=self.n_threads)
            return _loaded[key]

    def stream_chat(self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        model = self.load()
        if not model.lock.acquire(timeout=self.max_seconds):
            raise LLMUnavailable(f"the local model was busy for {self.max_seconds:g} s with other questions: ask again later")
        try:
            model.deadline = time.monotonic() + self.max_seconds
            yield from self._generate(model, messages, max_tokens=max_tokens, stop=stop)
        finally:
            model.deadline = float("inf")
            model.lock.release()

    def prime(self, messages: list[Message]) -> None:
        """Load the model and read `messages` into its cache without answering, so the
        next prompt that starts the same way (the fixed system rules) reads only the rest.
        The first question after a start then costs what every later one does."""
        model = self.load()
        with model.lock:
            model.deadline = time.monotonic() + self.max_seconds
            try:
                model.llama.create_chat_completion(messages=messages, temperature=0.0, max_tokens=1)
            except (RuntimeError, ValueError) as e:
                raise LLMUnavailable(f"the local model failed to read its instructions ({e})") from None
            finally:
                model.deadline = float("inf")

    def _generate(self, model: _Loaded, messages: list[Message], *, max_tokens: int, stop: list[str] | None) -> Iterator[str]:
        too_slow = LLMUnavailable(
            f"the local model took longer than {self.max_seconds:g} s (too slow on this machine): "
            "raise RAGCHAT_LLM_TIMEOUT, lower the context, or use a smaller model or a GPU server"
        )
        wrote = False
        try:
            chunks = model.llama.create_chat_completion(
                messages=messages, stream=True, temperature=0.0, max_tokens=max_tokens, stop=stop
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    wrote = wrote or bool(piece.strip())
                    yield piece
                if time.monotonic() > model.deadline:
                    raise too_slow
        except RuntimeError as e:  # llama_decode failed; returns 2 when our abort callback fired
            if time.monotonic() > model.deadline:
                raise too_slow from None
            raise LLMUnavailable(f"the local model failed while answering ({e}): ask again, or use --backend extractive") from None
        except ValueError as e:  # "Requested tokens exceed context window"
            raise LLMUnavailable(f"the prompt does not fit the model's window ({e}): lower llm_context_tokens or raise llm_n_ctx") from None
        if not wrote:
            raise LLMUnavailable("the local model returned an empty answer: ask again, or use --backend extractive")


def _load(path: Path, *, n_ctx: int, n_threads: int) -> _Loaded:
    try:
        import llama_cpp
    except ImportError:
        raise ConfigError("the llama-cpp backend needs llama-cpp-python: pip install 'ragchat[llm]'") from None
    t0 = time.perf_counter()
    try:
        llama = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)
    except (ValueError, RuntimeError, OSError) as e:
        raise ModelError(f"llama.cpp could not load {path} ({e}): check that it is a complete GGUF chat model") from None
    loaded = _Loaded(llama, time.perf_counter() - t0)
    # Called by llama.cpp between graph nodes while it reads a prompt or writes a token:
    # returning True aborts llama_decode, which bounds a long prompt by the deadline.
    loaded.abort_callback = llama_cpp.ggml_abort_callback(lambda _data: time.monotonic() > loaded.deadline)
    llama_cpp.llama_set_abort_callback(llama._ctx.ctx, loaded.abort_callback, None)
    return loaded
