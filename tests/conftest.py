"""Shared fixtures. Every test that writes gets its own store under tmp_path; the read-only
tests share one ingested copy of corpus/ (built once per session, with the real model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def shared_bot(tmp_path_factory: pytest.TempPathFactory):
    """An extractive Assistant over the shipped corpus. Read-only: do not ingest into it."""
    from rag import Assistant

    bot = Assistant(data_dir=tmp_path_factory.mktemp("shared-store"), backend="extractive")
    summary = bot.ingest([CORPUS])
    assert summary.added == 5, summary
    return bot
