"""A model server that hangs, answers garbage, or writes nonsense: the answer falls back to
the extractive one with a notice, within a bounded time, never with a traceback.

The faulty servers are real HTTP servers on loopback (threads in this process) speaking just
enough of the OpenAI protocol to fail in each way."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag import Assistant

QUESTION = "What casualty figure did Stoltenberg give for Russia's losses in the war?"


def _sse(text: str) -> bytes:
    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m",
             "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}  # fmt: skip
    return f"data: {json.dumps(chunk)}\n\n".encode() + b"data: [DONE]\n\n"


BEHAVIOURS = {
    "hangs": None,  # reads the request, then says nothing
    "garbage": (200, "text/event-stream", b"data: {not json at all\n\n<html>oops</html>\n\n"),
    "http_500": (500, "application/json", b'{"error": {"message": "model crashed"}}'),
    "nonsense": (200, "text/event-stream", _sse("Bananas are the official currency of the Moon [1]. Penguins run NATO [2].")),
}


@pytest.fixture
def faulty_server(request):
    behaviour = BEHAVIOURS[request.param]
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if behaviour is None:
                release.wait(30)
                return
            status, kind, body = behaviour
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield request.param, f"http://127.0.0.1:{server.server_address[1]}/v1"
    release.set()
    server.shutdown()


@pytest.mark.parametrize("faulty_server", list(BEHAVIOURS), indirect=True)
def test_a_faulty_model_server_falls_back_to_the_extractive_answer(faulty_server, shared_bot):
    kind, url = faulty_server
    bot = Assistant(data_dir=shared_bot.settings.data_dir, backend="openai", llm_base_url=url, llm_timeout_s=3)
    t0 = time.monotonic()
    answer = bot.ask(QUESTION)
    took = time.monotonic() - t0
    assert answer.backend == "extractive", (kind, answer.to_dict())
    assert answer.notice, kind
    assert not answer.refused and "300,000" in answer.text and answer.citations
    assert any(c.article_id == "002_fc072bcf967fd6d4" and "300,000" in c.text for c in answer.citations)
    assert "Bananas" not in answer.text and "Penguins" not in answer.text
    assert took < 30, f"{kind}: fell back after {took:.1f} s"


def test_a_missing_or_broken_model_file_falls_back_with_a_notice_that_says_how_to_fix_it(shared_bot, tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"this is not a model")
    for path, says in ((tmp_path / "absent.gguf", "does not exist"), (broken, "not a GGUF")):
        bot = Assistant(data_dir=shared_bot.settings.data_dir, backend="llama-cpp", llm_model=str(path))
        answer = bot.ask(QUESTION)
        assert answer.backend == "extractive" and "300,000" in answer.text and answer.citations
        assert says in (answer.notice or ""), answer.notice


class _RefusingModel:
    """Stands in for a small model that declines whatever it is asked (the real Qwen 1.5B
    does this for about a third of answerable questions: docs/NOTES.md)."""

    name = "llama-cpp"

    def compose(self, question, passages, ranked):
        yield "The sources do not cover this."


@pytest.mark.parametrize("override, refused", [(0.0, False), (5.0, True)])
def test_a_model_refusal_despite_strong_evidence_shows_the_passages_words(shared_bot, override, refused):
    bot = Assistant(data_dir=shared_bot.settings.data_dir, backend="extractive", llm_refusal_override=override)
    bot.pipeline.composer = _RefusingModel()
    answer = bot.ask(QUESTION)
    assert answer.refused is refused
    if not refused:
        assert answer.backend == "extractive" and "300,000" in answer.text and "model found no answer" in answer.notice
