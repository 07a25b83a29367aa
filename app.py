"""The Gradio chat UI (`python app.py` or `ragchat serve`): a thin page over rag.Assistant.

One set of Assistants (one per backend, built on first use, all on the same store) serves
every visitor; each visitor's conversation lives in their own gr.State. Questions go
through Gradio's queue, so concurrent questions wait their turn instead of being dropped.
What the page shows is rendered by rag.ui_render (pure, escaped, unit-tested).
"""

from __future__ import annotations

import os

# Before gradio is imported: no analytics, no hub calls (the page must work offline).
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gradio as gr  # noqa: E402

from rag import ui_render as ui  # noqa: E402
from rag.clean import SUPPORTED_SUFFIXES  # noqa: E402
from rag.errors import InvalidInput, RagchatError  # noqa: E402
from rag.service import Assistant  # noqa: E402
from rag.settings import BACKENDS, Settings, load_settings  # noqa: E402
from rag.types import Answer  # noqa: E402

EXAMPLE_QUESTIONS = (
    "How many casualties has Russia suffered according to Stoltenberg?",
    "Which Swedish official passed on Turkey's message about ratifying Sweden's accession?",
    "Where are alliance leaders planning to hold the inaugural NATO-Ukraine Council meeting?",
)
BACKEND_CHOICES = [
    ("auto: the local model if installed, else extractive", "auto"),
    ("llama-cpp: the local model", "llama-cpp"),
    ("openai: an OpenAI-compatible server (RAGCHAT_LLM_BASE_URL)", "openai"),
    ("extractive: the articles' own sentences, no model", "extractive"),
]
log = logging.getLogger("ragchat.app")
ANSWER_CONCURRENCY = 2  # questions answered at once (2 CPU cores); the rest wait in the queue


# -- shared, server-side state ------------------------------------------------------------


class Assistants:
    """One Assistant per backend, created on first use and kept; all share the store.

    Corpus work (listing, ingest, removal) goes through the extractive one, so managing
    articles never loads a language model.
    """

    def __init__(self, settings: Settings, config_file: str | None = None) -> None:
        self.settings = settings
        self._config_file = config_file
        self._bots: dict[str, Assistant] = {}
        self._lock = threading.Lock()

    def get(self, backend: str | None = None) -> Assistant:
        backend = backend or self.settings.backend
        if backend not in BACKENDS:
            raise InvalidInput(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        with self._lock:
            if backend not in self._bots:
                self._bots[backend] = Assistant(
                    config_file=self._config_file, data_dir=self.settings.data_dir, backend=backend,
                    chroma_url=self.settings.chroma_url,
                )  # fmt: skip
            return self._bots[backend]

    @property
    def corpus(self) -> Assistant:
        return self.get("extractive")


class FeedbackLog:
    """Thumbs up/down, one JSON line each, in <data_dir>/feedback.jsonl (feeds evaluation)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, answer: Answer, vote: str) -> None:
        row = {
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "vote": vote,
            "question": answer.question,
            "standalone_question": answer.standalone_question,
            "answer": answer.text,
            "refused": answer.refused,
            "backend": answer.backend,
            "citations": [asdict(c) for c in answer.citations],
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


# -- one visitor's conversation ------------------------------------------------------------


@dataclass
class Turn:
    """A question and what came of it: an Answer (with the article texts it cites, as they
    were when it was answered) or the message of the error that stopped it."""

    question: str
    answer: Answer | None = None
    error: str | None = None
    stopped: bool = False  # its asker pressed Stop before the answer was finished
    texts: dict[str, str | None] = field(default_factory=dict)


def chat_messages(turns: list[Turn]) -> list[dict[str, str]]:
    """The chat as Gradio shows it: two messages per turn, so message i is turn i // 2."""
    out = []
    for i, t in enumerate(turns):
        out.append({"role": "user", "content": ui.render_question(t.question)})
        body = (ui.render_answer(t.answer, turn=i) if t.answer else ui.render_stopped() if t.stopped
                else ui.render_error(t.error or ""))
        out.append({"role": "assistant", "content": body})
    return out


def answered_questions(turns: list[Turn]) -> list[str]:
    return [t.question for t in turns if t.answer is not None]


def last_answer_text(turns: list[Turn]) -> str | None:
    """The text of the conversation's last answer, for "that summit" in a follow-up (a refusal names nothing)."""
    answered = [t.answer for t in turns if t.answer is not None]
    return answered[-1].text if answered and not answered[-1].refused else None


def _answering(busy: bool) -> tuple[Any, Any]:
    """(Ask, Stop): Stop shows only while an answer is being written."""
    return gr.update(visible=not busy), gr.update(visible=busy, value="Stop", interactive=True)


def _filters(top_k: float | None, articles: list[str] | None, since: str | None, until: str | None) -> dict[str, Any]:
    return {
        "top_k": int(top_k) if top_k else None,
        "articles": list(articles) if articles else None,
        "since": (since or "").strip() or None,
        "until": (until or "").strip() or None,
    }


# -- what the page does ---------------------------------------------------------------------


class ChatPage:
    """The page's event handlers. Shared: the Assistants, the feedback log, the uploads
    folder. Per visitor: only what Gradio passes in (their turns, their settings)."""

    def __init__(self, assistants: Assistants) -> None:
        self.assistants = assistants
        self.settings = assistants.settings
        self.feedback = FeedbackLog(self.settings.data_dir / "feedback.jsonl")
        self.uploads = self.settings.data_dir / "uploads"

    # chat

    def stream_answer(self, question: str, earlier: list[str], backend: str | None,
                      options: dict[str, Any], last_answer: str | None = None) -> Iterator[str | Answer]:
        """Follow-ups are rewritten into a standalone question using the earlier ones and the
        last answer. (The local model serialises its own use, with a time limit: rag.llm.llamacpp.)"""
        bot = self.assistants.get(backend)
        standalone = bot.standalone_question(question, earlier, last_answer) if earlier else question
        yield from bot.stream(standalone, _asked=question, **options)

    def respond(self, question: str, turns: list[Turn], backend: str, top_k: float, articles: list[str],
                since: str, until: str) -> Iterator[tuple[Any, ...]]:
        """Show the question, stream the answer into its bubble, then the verified answer and
        its sources. Outputs: (question box, chat, turns, sources panel, the question being
        answered, Ask, Stop): while the answer is written, Stop takes Ask's place."""
        question = (question or "").strip()
        if not question:
            yield (gr.skip(),) * 7
            return
        same = gr.skip(), gr.skip(), gr.skip()
        shown = chat_messages(turns) + [{"role": "user", "content": ui.render_question(question)}]
        pending = ui.render_streaming("Searching the articles…")
        yield "", shown + [{"role": "assistant", "content": pending}], turns, gr.skip(), question, *_answering(True)
        turn = Turn(question)
        text = ""
        try:
            options = _filters(top_k, articles, since, until)
            for item in self.stream_answer(question, answered_questions(turns), backend, options, last_answer_text(turns)):
                if isinstance(item, Answer):
                    turn.answer = item
                else:
                    text += item
                    partial = {"role": "assistant", "content": ui.render_streaming(text)}
                    yield gr.skip(), shown + [partial], turns, gr.skip(), *same
        except RagchatError as e:
            turn.error = str(e)
        except Exception:  # noqa: BLE001 - the page's last line of defence: say so, log the traceback
            log.exception("answering %r failed", question)
            turn.error = "something went wrong inside ragchat; the server log has the details"
        if turn.answer is not None:
            bot = self.assistants.corpus
            turn.texts = {c.article_id: bot.article_text(c.article_id) for c in turn.answer.citations}
        turns = turns + [turn]
        panel = ui.render_sources(turn.answer, turn.texts, turn=len(turns) - 1) if turn.answer else gr.skip()
        # the box was emptied when the question was shown: what was typed since is the next question;
        # Ask comes back in answer_ended, which runs after the answer whether it finished or was stopped
        yield gr.skip(), chat_messages(turns), turns, panel, "", gr.skip(), gr.skip()

    @staticmethod
    def stopping() -> Any:
        """Stop pressed: Gradio cancels the answer once its generator next yields (the local
        model writes a token at a time, so within seconds); until then Stop says so."""
        return gr.update(value="Stopping…", interactive=False)

    @staticmethod
    def answer_ended(asking: str, turns: list[Turn]) -> tuple[Any, ...]:
        """After every answer event, finished or stopped. A stopped one still holds its question
        in `asking` (a finished one cleared it): the unchecked text is dropped and the question
        stays in the conversation, marked as stopped. Outputs: (chat, turns, asking, Ask, Stop)."""
        if not asking:
            return gr.skip(), gr.skip(), gr.skip(), *_answering(False)
        turns = turns + [Turn(asking, stopped=True)]
        return chat_messages(turns), turns, "", *_answering(False)

    def show_sources(self, turns: list[Turn], evt: gr.SelectData) -> Any:
        """A click on a message shows that answer's sources."""
        n = _message_index(evt.index) // 2
        if 0 <= n < len(turns) and turns[n].answer is not None:
            return ui.render_sources(turns[n].answer, turns[n].texts, turn=n)
        return gr.skip()

    def record_vote(self, turns: list[Turn], evt: gr.LikeData) -> None:
        n = _message_index(evt.index) // 2
        if 0 <= n < len(turns) and turns[n].answer is not None:
            vote = "up" if evt.liked is True else "down" if evt.liked is False else str(evt.liked)
            self.feedback.record(turns[n].answer, vote)
            gr.Info("Thanks: your feedback was saved.")

    @staticmethod
    def new_conversation() -> tuple[Any, ...]:
        return [], [], ui.render_sources(None, {}, turn=0)

    # corpus

    def corpus_views(self, selected: list[str] | None = None) -> tuple[Any, ...]:
        """(the articles table, the remove choices, the chat's article filter choices). The
        filter keeps what was `selected` and is still indexed: a removed article left in it
        would fail the page's every question."""
        records = self.assistants.corpus.articles()
        rows = [[r.article.article_id, r.article.title, r.article.date or "", r.article.publisher or "", r.chunks]
                for r in records]
        ids = [r.article.article_id for r in records]
        labels = [(f"{r.article.title[:80]} ({r.article.article_id})", r.article.article_id) for r in records]
        kept = [a for a in selected or [] if a in ids]
        return rows, gr.update(choices=ids, value=None), gr.update(choices=labels, value=kept)

    def add_article(self, path: str | None, selected: list[str] | None = None,
                    progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        if not path:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        try:
            status = ui.render_status(self.ingest_upload(Path(path), progress), ok=True)
        except RagchatError as e:
            status = ui.render_status(str(e), ok=False)
        return (status, *self.corpus_views(selected), None)

    def ingest_upload(self, path: Path, progress: gr.Progress) -> str:
        """Copy the upload into <data_dir>/uploads under a safe name, then ingest that file alone."""
        original = path.name
        name = ui.safe_upload_name(original, SUPPORTED_SUFFIXES)
        if name is None:
            raise InvalidInput(f"{original}: only {', '.join(SUPPORTED_SUFFIXES)} files can be added")
        size = path.stat().st_size
        if size > self.settings.max_file_mb * 1e6:
            raise InvalidInput(f"{original}: {size / 1e6:.1f} MB is over the {self.settings.max_file_mb:g} MB "
                               "limit for one article")
        dest = self.uploads / name
        bot = self.assistants.corpus
        existing = {r.article.article_id: r for r in bot.articles()}.get(dest.stem)
        if existing is not None and existing.path != str(dest.resolve()):
            raise InvalidInput(f"an article with the id {existing.article.article_id} is already indexed "
                               f"(from {Path(existing.path).name}); rename the file and upload it again")
        self.uploads.mkdir(parents=True, exist_ok=True)
        progress(0.05, desc=f"saving {name}")
        shutil.copyfile(path, dest)

        def report(done: int, total: int, current: str) -> None:
            progress((done, max(total, 1)), desc=f"indexing {current or name}", unit="files")

        summary = bot.ingest([dest], progress=report)
        if summary.skipped:
            if existing is None:
                dest.unlink(missing_ok=True)
            raise InvalidInput("; ".join(s.reason for s in summary.skipped))
        if summary.unchanged:
            return f"{name} was already indexed with the same text; nothing changed"
        record = {r.article.article_id: r for r in bot.articles()}.get(dest.stem)
        title = record.article.title if record else name
        verb = "updated" if summary.updated else "added"
        saved = "" if name == original else f" (saved as {name})"
        passages = f"{summary.chunks} passage" + ("" if summary.chunks == 1 else "s")
        return f"{verb} “{title}” from {original}{saved}: {passages}, searchable now"

    def remove_article(self, article_id: str | None, selected: list[str] | None = None) -> tuple[Any, ...]:
        if not article_id:
            return (ui.render_status("choose an article to remove first", ok=False), *self.corpus_views(selected))
        try:
            bot = self.assistants.corpus
            record = {r.article.article_id: r for r in bot.articles()}.get(article_id)
            if record is None or not bot.remove(article_id):
                raise InvalidInput(f"no article {article_id!r} in the index (someone may have removed it already)")
            if record.path and Path(record.path).parent == self.uploads.resolve():
                Path(record.path).unlink(missing_ok=True)  # an upload's copy goes with it
            status = ui.render_status(f"removed {article_id} ({record.article.title})", ok=True)
        except RagchatError as e:
            status = ui.render_status(str(e), ok=False)
        return (status, *self.corpus_views(selected))

    @staticmethod
    def pick_article(evt: gr.SelectData) -> Any:
        """A click on a table row chooses that article for removal."""
        return gr.update(value=evt.row_value[0]) if evt.row_value else gr.skip()

    # the API for programs (gradio_client): a question in, the answer contract out; an article in

    def add_article_api(self, file_name: str, text: str) -> dict:
        """Add (or update) one article from its text, as the Corpus tab's upload does. file_name:
        a plain name such as "exercise.txt" (.txt, .md, .html; no folders); its stem is the
        article id. Returns {"article_id", "message"}."""
        try:
            if not isinstance(file_name, str) or not isinstance(text, str):
                raise InvalidInput("give a file name and the article's text")
            if re.search(r"[\\/\0]", file_name):
                raise InvalidInput(f"{file_name!r}: give a plain file name, not a path")
            name = ui.safe_upload_name(file_name, SUPPORTED_SUFFIXES)
            if name is None:
                raise InvalidInput(f"{file_name}: only {', '.join(SUPPORTED_SUFFIXES)} files can be added")
            data = text.encode("utf-8")
            if len(data) > self.settings.max_file_mb * 1e6:
                raise InvalidInput(f"{file_name}: {len(data) / 1e6:.1f} MB is over the "
                                   f"{self.settings.max_file_mb:g} MB limit for one article")
            with tempfile.TemporaryDirectory(prefix="ragchat-api-") as tmp:
                path = Path(tmp) / name
                path.write_bytes(data)
                message = self.ingest_upload(path, lambda *_, **__: None)
            return {"article_id": Path(name).stem, "message": message}
        except RagchatError as e:
            raise gr.Error(str(e), print_exception=False) from None

    def ask(self, question: str, earlier_questions: list[str] | None = None, backend: str = "", top_k: int = 0,
            articles: list[str] | None = None, since: str = "", until: str = "") -> dict:
        """Answer a question from the articles; returns Answer.to_dict() (answer, citations, ...).
        earlier_questions: the conversation's earlier questions, oldest first (for follow-ups)."""
        try:
            answer = None
            for item in self.stream_answer(question, list(earlier_questions or []), backend or None,
                                           _filters(top_k, articles, since, until)):
                answer = item
            assert isinstance(answer, Answer)  # stream always ends with one
            return answer.to_dict()
        except RagchatError as e:
            raise gr.Error(str(e), print_exception=False) from None


def _message_index(index: int | tuple[int, ...] | list[int]) -> int:
    return index if isinstance(index, int) else index[0]


# -- the page layout ------------------------------------------------------------------------


def build_ui(assistants: Assistants) -> gr.Blocks:
    """Lay out the page and wire its events to a ChatPage; no logic of its own."""
    settings = assistants.settings
    page = ChatPage(assistants)
    with gr.Blocks(title="ragchat", analytics_enabled=False) as demo:
        turns = gr.State([])
        gr.Markdown("## ragchat: ask the news articles\nEvery answer cites its passages; click a [n] marker to see it.")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="Conversation", show_label=False, height=520, elem_id="rc-chat",
                                             feedback_options=("Like", "Dislike"), buttons=["copy"],
                                             placeholder="Ask about the articles, or pick an example below.")
                        with gr.Row():
                            question = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False,
                                                  scale=5, max_lines=4, elem_id="rc-question", autofocus=True)
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=72, elem_id="rc-send")
                            stop = gr.Button("Stop", variant="stop", scale=1, min_width=72, elem_id="rc-stop",
                                             visible=False)
                        with gr.Row():
                            examples = [gr.Button(q, size="sm", elem_classes=["rc-example"]) for q in EXAMPLE_QUESTIONS]
                        clear = gr.Button("New conversation", size="sm", variant="secondary")
                        with gr.Accordion("Settings", open=False, elem_id="rc-settings"):
                            backend = gr.Dropdown(BACKEND_CHOICES, value=settings.backend, label="Backend")
                            top_k = gr.Slider(1, 20, value=settings.top_k, step=1, label="Passages to retrieve (top-k)")
                            article_filter = gr.Dropdown([], multiselect=True, label="Only these articles",
                                                         info="empty: all articles", elem_id="rc-article-filter")
                            with gr.Row():
                                since = gr.Textbox(label="Since (YYYY-MM-DD)", placeholder="2024-01-01")
                                until = gr.Textbox(label="Until (YYYY-MM-DD)", placeholder="2024-12-31")
                    with gr.Column(scale=2):
                        gr.Markdown("### Sources")
                        sources = gr.HTML(ui.render_sources(None, {}, turn=0), elem_id="rc-sources-panel",
                                          max_height=680, js_on_load=None)
            with gr.Tab("Corpus", id="corpus"):
                table = gr.Dataframe(headers=["id", "title", "date", "publisher", "chunks"],
                                     datatype=["str", "str", "str", "str", "number"], interactive=False, wrap=True,
                                     column_widths=["19%", "46%", "11%", "17%", "7%"],
                                     label="Indexed articles (click a row to choose it for removal)",
                                     elem_id="rc-articles")
                refresh = gr.Button("Refresh list", size="sm")
                with gr.Row():
                    with gr.Column():
                        upload = gr.File(label=f"Add an article ({', '.join(SUPPORTED_SUFFIXES)}; "
                                         f"up to {settings.max_file_mb:g} MB)", file_types=list(SUPPORTED_SUFFIXES),
                                         type="filepath", elem_id="rc-upload")
                        upload_status = gr.HTML(elem_id="rc-upload-status", js_on_load=None)
                    with gr.Column():
                        remove_id = gr.Dropdown([], label="Article to remove", elem_id="rc-remove-id")
                        remove = gr.Button("Remove article", variant="stop", elem_id="rc-remove")
                        remove_status = gr.HTML(elem_id="rc-remove-status", js_on_load=None)

        answer_events = dict(concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY, api_visibility="private")
        options = [turns, backend, top_k, article_filter, since, until]
        asking = gr.State("")  # the question being answered, for Stop
        outputs = [question, chatbot, turns, sources, asking, send, stop]
        answers = [question.submit(page.respond, [question, *options], outputs, **answer_events),
                   send.click(page.respond, [question, *options], outputs, **answer_events)]
        answers += [button.click(page.respond, [button, *options], outputs, **answer_events) for button in examples]
        # The buttons come back only once Gradio has finished cancelling (a `then` runs after it):
        # a question asked before that would be dropped by the page, the answer still counting as running.
        stop.click(page.stopping, None, [stop], cancels=answers, queue=False, api_visibility="private")
        for answer in answers:
            answer.then(page.answer_ended, [asking, turns], [chatbot, turns, asking, send, stop], queue=False,
                        api_visibility="private")
        for reset in (clear.click, chatbot.clear):
            reset(page.new_conversation, None, [chatbot, turns, sources], api_visibility="private")
        chatbot.select(page.show_sources, [turns], [sources], api_visibility="private")
        chatbot.like(page.record_vote, [turns], None, api_visibility="private")

        views = [table, remove_id, article_filter]
        corpus_events = dict(concurrency_id="corpus", concurrency_limit=1, api_visibility="private")
        demo.load(page.corpus_views, None, views, api_visibility="private")
        refresh.click(page.corpus_views, [article_filter], views, api_visibility="private")
        upload.upload(page.add_article, [upload, article_filter], [upload_status, *views, upload], **corpus_events)
        remove.click(page.remove_article, [remove_id, article_filter], [remove_status, *views], **corpus_events)
        table.select(page.pick_article, None, [remove_id], api_visibility="private")
        gr.api(page.ask, api_name="ask", concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)
        # (not "add_article": that is the upload event's own, private, name)
        gr.api(page.add_article_api, api_name="ingest_article", concurrency_id="corpus", concurrency_limit=1)
    return demo


# -- start ---------------------------------------------------------------------------------


def page_theme() -> gr.themes.Base:
    """System fonts only: the default theme would fetch web fonts, and the page must work offline."""
    return gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


def launch(data_dir: Path, log: Path, *, backend: str = "extractive", timeout_s: float = 180,
           **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python app.py` on a free loopback port in a clean environment (no user
    RAGCHAT_* settings, analytics off) and return it with its address once it printed it.
    For the browser tests and the load runs; raises RuntimeError with the log if it fails."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RAGCHAT_", "GRADIO_SERVER"))}
    clean.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **env)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--data-dir", str(data_dir), "--backend", backend,
             "--port", str(port)],
            cwd=Path(__file__).resolve().parent, env=clean, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "the chat is open at" in text:
            return proc, text.split("the chat is open at", 1)[1].split()[0]
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}:\n{text}")
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"app.py did not start within {timeout_s:.0f} s:\n{log.read_text(errors='replace')}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options of `ragchat serve` (plus the CLI's global ones), for `python app.py`."""
    p = argparse.ArgumentParser(prog="app.py", description="The ragchat chat UI in the browser.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--backend", help="auto, extractive, llama-cpp or openai")
    p.add_argument("--no-ingest", action="store_true", help="do not ingest the corpus when the store is empty")
    p.add_argument("--data-dir", help="where the index lives (default .ragchat/, or RAGCHAT_DATA_DIR)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    p.add_argument("--config", help="a TOML settings file")
    return p.parse_args(argv)


def serve(args: argparse.Namespace | None = None) -> int:
    """Start the UI; blocks until interrupted. Returns a process exit code."""
    args = args if args is not None else parse_args([])
    try:
        settings = load_settings(args.config, data_dir=args.data_dir, backend=args.backend,
                                 chroma_url=args.chroma_url)
        assistants = Assistants(settings, args.config)
        if not args.no_ingest and not assistants.corpus.articles():
            ingest_corpus(assistants.corpus, settings.corpus_dir)
        demo = build_ui(assistants)
        default = assistants.get()
        default.pipeline  # built here, so the warm-up thread only loads the model
    except RagchatError as e:
        print(f"ragchat: error: {e}", file=sys.stderr)
        return e.exit_code
    auth = tuple(settings.auth.split(":", 1)) if settings.auth else None
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=256)
    try:
        _, url, _ = demo.launch(
            server_name=args.host, server_port=args.port, auth=auth, quiet=True, prevent_thread_lock=True,
            footer_links=[], enable_monitoring=False, show_error=False,
            # Gradio's own cap (the clear message for a slightly bigger file comes from the app)
            max_file_size=f"{int(settings.max_file_mb * 4) + 1}mb",
            theme=page_theme(), css=ui.CSS, head=ui.CLICK_SCRIPT,
        )  # fmt: skip
    except OSError as e:
        print(f"ragchat: error: cannot listen on {args.host}:{args.port} ({e}); try --port", file=sys.stderr)
        return 1
    print(f"ragchat: the chat is open at {url}  (Ctrl+C stops it)", flush=True)
    # The local model reads its fixed instructions while the page opens, so the first
    # question is as fast as the next ones. Started after the line above: llama.cpp silences
    # stdout and stderr of the whole process while it loads a model.
    threading.Thread(target=default.warm_up, name="warm-up", daemon=True).start()
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    return 0


def ingest_corpus(bot: Assistant, corpus_dir: Path) -> None:
    print(f"ragchat: the index is empty; ingesting {corpus_dir} first ...", file=sys.stderr, flush=True)

    def report(done: int, total: int, name: str) -> None:
        if name:
            print(f"  [{done + 1}/{total}] {name}", file=sys.stderr, flush=True)

    summary = bot.ingest([corpus_dir], progress=report)
    for s in summary.skipped:
        print(f"  skipped {s.path}: {s.reason}", file=sys.stderr)
    print(f"ragchat: {summary.line()}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(serve(parse_args()))
