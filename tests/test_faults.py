"""Faults: an ingest killed with SIGKILL, and questions asked while an ingest runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import Assistant
from rag.types import make_chunk_id

ROOT = Path(__file__).resolve().parent.parent


def _make_articles(folder: Path, corpus_dir: Path, n: int) -> None:
    """n distinct articles built from two corpus articles: each gets a unique closing sentence."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(corpus_dir.glob("00[01]_*.txt"))  # articles without a footer, so the added line stays
    for i in range(n):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        (folder / f"extra_{i:03d}.txt").write_text(
            text + f"\nThe delegation number {i} visited the harbour of Port {i} on day {i}.\n", encoding="utf-8"
        )


def _assert_consistent(data_dir: Path) -> Assistant:
    """Every committed article has all of its chunks; a question works."""
    bot = Assistant(data_dir=data_dir, backend="extractive")
    store = bot.pipeline.store
    ids = set(store.chunk_ids())
    for rec in bot.articles():
        wanted = {make_chunk_id(rec.article.article_id, rec.article.content_hash, i) for i in range(rec.chunks)}
        assert wanted <= ids, f"{rec.article.article_id} is committed but misses chunks"
    answer = bot.ask("How many casualties has Russia incurred, according to Stoltenberg?")
    assert not answer.refused and "300,000" in answer.text
    return bot


def _ingest_cmd(data_dir: Path, *paths: Path) -> list[str]:
    return [sys.executable, "-m", "rag.cli", "--data-dir", str(data_dir), "ingest", *map(str, paths)]


@pytest.mark.parametrize("kill_after_s", [2.0, 4.0, 6.0])
def test_sigkill_during_ingest_leaves_the_index_whole(tmp_path, corpus_dir, kill_after_s):
    data = tmp_path / "data"
    base = Assistant(data_dir=data, backend="extractive")
    assert base.ingest([corpus_dir]).added == 5
    del base
    extra = tmp_path / "extra"
    _make_articles(extra, corpus_dir, 200)

    proc = subprocess.Popen(_ingest_cmd(data, corpus_dir, extra), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(kill_after_s)
    finished_early = proc.poll() is not None
    if not finished_early:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    bot = _assert_consistent(data)
    before = len(bot.articles())
    assert before >= 5
    done = subprocess.run(_ingest_cmd(data, corpus_dir, extra), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    bot = _assert_consistent(data)
    records = bot.articles()
    assert len(records) == 205
    assert bot.pipeline.store.chunks.count() == sum(r.chunks for r in records), "no duplicates or orphans"
    if finished_early:
        pytest.skip("the ingest finished before the kill; nothing was interrupted")


def test_questions_during_an_ingest_get_consistent_answers(tmp_path, corpus_dir):
    data = tmp_path / "data"
    bot = Assistant(data_dir=data, backend="extractive")
    bot.ingest([corpus_dir])
    extra = tmp_path / "extra"
    _make_articles(extra, corpus_dir, 30)
    proc = subprocess.Popen(_ingest_cmd(data, corpus_dir, extra), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    asked = 0
    try:
        while proc.poll() is None and asked < 200:
            answer = bot.ask("Which harbour did delegation number 7 visit?")
            committed = {r.article.article_id: r.version for r in bot.pipeline.retriever.snapshot().articles.values()}
            for c in answer.contexts:
                assert committed.get(c.chunk.article_id) == c.chunk.version, "a half-indexed article was visible"
            asked += 1
    finally:
        proc.wait(timeout=300)
    assert proc.returncode == 0
    assert asked > 0
    final = bot.ask("Which harbour did delegation number 7 visit?")
    assert "Port 7" in final.text
