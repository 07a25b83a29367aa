"""`ragchat`: a thin command line over rag.Assistant. Heavy imports wait for the command."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ragchat",
        description="Cited answers from a folder of news articles.",
        epilog="Settings also come from RAGCHAT_* variables and --config FILE (see README).",
    )
    p.add_argument("--data-dir", help="where the index lives (default .ragchat/, or RAGCHAT_DATA_DIR)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (or RAGCHAT_CHROMA_URL)")
    p.add_argument("--config", help="a TOML settings file")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ing = sub.add_parser("ingest", help="add, update and remove articles (default: corpus/)")
    ing.add_argument("paths", nargs="*", help="files or folders of .txt/.md/.html articles")
    ing.add_argument("--rebuild", action="store_true", help="start the index over")
    ing.add_argument("--json", action="store_true", help="print the summary as JSON")

    ask = sub.add_parser("ask", help="ask one question")
    ask.add_argument("question")
    _answer_options(ask)
    ask.add_argument("--json", action="store_true", help="print the answer contract as JSON")

    chat = sub.add_parser("chat", help="a conversation in the terminal (follow-up questions work)")
    _answer_options(chat)

    serve = sub.add_parser("serve", help="the chat UI in the browser")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--backend", help="auto, extractive, llama-cpp or openai")
    serve.add_argument("--no-ingest", action="store_true", help="do not ingest the corpus when the store is empty")

    ev = sub.add_parser("eval", help="evaluate on a question file (JSONL)")
    ev.add_argument("--questions", required=True)
    ev.add_argument("--out", help="output folder (default eval-runs/<timestamp>/)")
    ev.add_argument("--backend")
    ev.add_argument("--top-k", type=int)
    ev.add_argument("--config", dest="configs", action="append", help="a configuration to compare (repeatable)")
    ev.add_argument("--limit", type=int, help="only the first N questions")

    sub.add_parser("articles", help="list the indexed articles")
    rm = sub.add_parser("remove", help="remove an article from the index")
    rm.add_argument("article_id")
    return p


def _answer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", help="auto, extractive, llama-cpp or openai (or RAGCHAT_BACKEND)")
    p.add_argument("--top-k", type=int, help="passages to retrieve")
    p.add_argument("--article", action="append", dest="articles", help="only this article id (repeatable)")
    p.add_argument("--since", help="only articles dated on or after YYYY-MM-DD")
    p.add_argument("--until", help="only articles dated on or before YYYY-MM-DD")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from rag.errors import RagchatError

    try:
        return _run(args)
    except RagchatError as e:
        print(f"ragchat: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("ragchat: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ragchat ask ... | head -3`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141


def _assistant(args: argparse.Namespace, **extra: Any):  # noqa: ANN202
    from rag.service import Assistant

    return Assistant(
        data_dir=args.data_dir, backend=getattr(args, "backend", None), chroma_url=args.chroma_url,
        config_file=args.config, top_k=getattr(args, "top_k", None), **extra,
    )  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    if args.command == "ingest":
        return _ingest(args)
    if args.command == "ask":
        return _ask(args)
    if args.command == "chat":
        return _chat(args)
    if args.command == "serve":
        from app import serve

        return serve(args)
    if args.command == "eval":
        from rag.eval.runner import main as eval_main

        return eval_main(args)
    bot = _assistant(args)
    if args.command == "articles":
        for rec in bot.articles():
            a = rec.article
            print(f"{a.article_id}\t{a.date or '-'}\t{rec.chunks} chunks\t{a.title}")
        return 0
    if args.command == "remove":
        if bot.remove(args.article_id):
            print(f"removed {args.article_id}")
            return 0
        print(f"ragchat: error: no article {args.article_id!r} in the index (see `ragchat articles`)", file=sys.stderr)
        return 2
    raise AssertionError(args.command)


def _ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    bot = _assistant(args)
    bar = tqdm(total=0, unit="file", desc="ingest", file=sys.stderr, disable=None)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(name[:40], refresh=True)

    summary = bot.ingest(args.paths or None, rebuild=args.rebuild, progress=progress)
    bar.close()
    for s in summary.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    print(json.dumps(summary.to_dict(), indent=2) if args.json else summary.line())
    return 1 if summary.skipped else 0


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {"articles": args.articles, "since": args.since, "until": args.until}


def _ask(args: argparse.Namespace) -> int:
    from rag.types import Answer

    bot = _assistant(args)
    if args.json:
        print(json.dumps(bot.ask(args.question, **_options(args)).to_dict(), ensure_ascii=False, indent=2))
        return 0
    answer = None
    streamed = False
    for item in bot.stream(args.question, **_options(args)):
        if isinstance(item, Answer):
            answer = item
        elif sys.stdout.isatty():
            print(item, end="", flush=True)
            streamed = True
    assert answer is not None
    print(format_answer(answer, replace_stream=streamed))
    return 0


def _chat(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    # the local model loads and reads its fixed instructions now, not at the first question
    # (not in the background: llama.cpp silences the terminal while it loads a model)
    if bot.pipeline.composer.name == "llama-cpp":
        print("Loading the local model ...", file=sys.stderr, flush=True)
        bot.warm_up()
    messages: list[dict[str, str]] = []
    print("Ask about the articles; an empty line ends the chat.", file=sys.stderr)
    while True:
        try:
            question = input("you> ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        messages.append({"role": "user", "content": question})
        from rag.errors import InvalidInput

        try:
            answer = bot.chat(messages, **_options(args))
        except InvalidInput as e:
            print(f"ragchat: {e}", file=sys.stderr)
            messages.pop()
            continue
        if answer.standalone_question:
            print(f"(understood as: {answer.standalone_question})", file=sys.stderr)
        print(format_answer(answer))
        messages.append({"role": "assistant", "content": answer.text})


def format_answer(answer: Any, *, replace_stream: bool = False) -> str:
    """The answer, a notice if any, and a numbered source list a person can read."""
    lines = []
    if replace_stream:
        lines.append("\n" + "-" * 40 + " verified:")
    lines.append(answer.text)
    if answer.notice:
        lines.append(f"\nNote: {answer.notice}")
    if answer.unsupported:
        lines.append("\nNot supported by the articles (shown without a citation):")
        lines.extend(f"  - {s}" for s in answer.unsupported)
    if answer.citations:
        lines.append("\nSources:")
        for c in answer.citations:
            meta = ", ".join(x for x in (c.date, c.publisher) if x)
            lines.append(f"[{c.marker}] {c.title}" + (f" ({meta})" if meta else "") + f" - {c.source}, chars {c.start}-{c.end}")
            lines.append(textwrap.fill(f"“{c.quote}”", width=100, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
