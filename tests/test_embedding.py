"""The ONNX runtime gives the sentence-transformers vectors (same model, same pooling)."""

from __future__ import annotations

import numpy as np

from rag.clean import load_article
from rag.embedding import OnnxEmbedder, SentenceTransformerEmbedder


def test_onnx_and_sentence_transformers_agree(corpus_dir, tmp_path):
    texts = [load_article(p, max_bytes=5_000_000).text[:900] for p in sorted(corpus_dir.glob("*.txt"))]
    texts += ["short", "How many casualties has Russia suffered?", "word " * 400]  # one past 256 word pieces
    onnx = OnnxEmbedder(cache_dir=tmp_path).embed(texts)
    ref = SentenceTransformerEmbedder().embed(texts)
    assert onnx.shape == ref.shape == (len(texts), 384)
    assert np.abs(onnx - ref).max() < 1e-4
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert list(tmp_path.glob("*.onnx")), "the export is cached"
