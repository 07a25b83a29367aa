"""Scale-out: the same behaviour against a real Chroma server on loopback; clear errors when
the server or the local store is unusable."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import Assistant, StoreError

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert chroma, "the chroma CLI comes with chromadb"
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_ask_against_a_chroma_server(chroma_url, tmp_path, corpus_dir):
    bot = Assistant(data_dir=tmp_path, chroma_url=chroma_url, backend="extractive")
    s = bot.ingest([corpus_dir])
    assert s.added == 5
    assert bot.ingest([corpus_dir]).unchanged == 5
    a = bot.ask("How much assistance has the U.S. provided to Ukraine?")
    assert "$77 billion" in a.text and a.citations[0].article_id == "002_fc072bcf967fd6d4"
    assert not (tmp_path / "chroma").exists(), "nothing was written to the local store"
    # a second client (another process would do the same) sees the same index
    other = Assistant(data_dir=tmp_path / "other", chroma_url=chroma_url, backend="extractive")
    assert len(other.articles()) == 5


def test_the_cli_works_against_the_server(chroma_url, tmp_path):
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "rag.cli", "--chroma-url", chroma_url, "--data-dir", str(tmp_path), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip

    ingest = cli("ingest", str(ROOT / "corpus"))  # idempotent: whatever an earlier test stored stays
    assert ingest.returncode == 0, ingest.stderr
    # extractive: this test is about the store server; the LLM backends have their own tests
    out = cli("ask", "When did NATO foreign ministers conclude their Brussels meeting?", "--json", "--backend", "extractive")
    assert out.returncode == 0, out.stderr
    assert "November 29, 2023" in json.loads(out.stdout)["answer"]


def test_a_chroma_server_that_is_down_gives_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(StoreError, match="127.0.0.1"):
        Assistant(data_dir=tmp_path, chroma_url=url).ask("What did NATO decide?")
    out = subprocess.run([sys.executable, "-m", "rag.cli", "--chroma-url", url, "ask", "What did NATO decide?"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert url in out.stderr and "Traceback" not in out.stderr


def test_a_corrupted_local_store_says_to_rebuild_and_rebuild_fixes_it(tmp_path, corpus_dir):
    data = tmp_path / "data"
    Assistant(data_dir=data, backend="extractive").ingest([corpus_dir])
    for f in (data / "chroma").rglob("*.sqlite3"):
        f.write_bytes(b"this is not a database" * 100)
    out = subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(data), "ask", "What did NATO decide?"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "--rebuild" in out.stderr
    fixed = subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(data), "ingest", str(corpus_dir), "--rebuild"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert fixed.returncode == 0, fixed.stderr
    assert "added 5" in fixed.stdout


def test_a_store_from_another_version_says_so(tmp_path, corpus_dir):
    from vectorstore.chroma import STATE_ID

    data = tmp_path / "data"
    bot = Assistant(data_dir=data, backend="extractive")
    bot.ingest([corpus_dir])
    bot.pipeline.store.meta.upsert(ids=[STATE_ID], embeddings=[[1.0]], metadatas=[{"generation": 1, "schema": 99}], documents=[""])
    with pytest.raises(StoreError, match="another ragchat version.*--rebuild"):
        Assistant(data_dir=data, backend="extractive").articles()
