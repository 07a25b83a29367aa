"""How fast is the default local model inside ragchat, and where does the time go?

    .venv/bin/python bench/llm_speed.py [--model PATH] [--questions corpus/eval/dev.jsonl] [--n 5]

Reports, on this machine:
  - model load time, and the warm-up that reads the fixed instructions once (Assistant.warm_up);
  - the model's raw speed, measured in the same run: prompt processing (tokens/s, a
    ~500-token prompt read from scratch) and generation (tokens/s);
  - per question: prompt tokens (exact, with the model's chat template and tokenizer),
    how many of them llama.cpp had to read (the rest is the cached prefix), time to first
    token from the question, total answer time; median and p95.
Writes bench/results/llm_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag import Assistant  # noqa: E402
from rag.types import Answer  # noqa: E402

QUESTION_IDS = ["d003", "d008", "d011", "d014", "d022", "d016", "d004", "d013"]


def raw_speed(llama) -> dict[str, float]:  # noqa: ANN001
    """Prompt processing and generation speed of the bare model (no ragchat code)."""
    text = (ROOT / "corpus" / "002_fc072bcf967fd6d4.txt").read_text()
    tokens = llama.tokenize(text.encode(), add_bos=False)[:500]
    llama.reset()
    llama.eval(tokens[:64])  # warm-up: the first pass pages the weights in
    llama.reset()
    t0 = time.perf_counter()
    llama.eval(tokens)
    pp = len(tokens) / (time.perf_counter() - t0)
    llama.reset()
    stamps = [time.perf_counter() for _ in llama.create_completion(
        "Write a long story about a NATO summit in Brussels.\n", max_tokens=64, temperature=0.0, stream=True)]
    gen = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    llama.reset()
    return {"prompt_tokens_per_s": round(pp, 1), "generation_tokens_per_s": round(gen, 1), "raw_tokens_measured": len(tokens)}


def prompt_tokens(llama, messages: list[dict[str, str]]) -> list[int]:  # noqa: ANN001
    """The exact tokens llama.cpp reads for these messages (the GGUF's chat template)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    eos = llama._model.token_get_text(llama.token_eos())
    bos = llama._model.token_get_text(llama.token_bos()) if llama.token_bos() != -1 else ""
    fmt = Jinja2ChatFormatter(template=llama.metadata["tokenizer.chat_template"], eos_token=eos, bos_token=bos)
    result = fmt(messages=messages)
    return llama.tokenize(result.prompt.encode(), add_bos=not result.added_special, special=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="a GGUF (default: the packaged Qwen2.5-Coder-1.5B)")
    ap.add_argument("--questions", default=str(ROOT / "corpus" / "eval" / "dev.jsonl"))
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--context-tokens", type=int)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "llm_speed.json"))
    args = ap.parse_args()

    qs = {q["id"]: q for q in map(json.loads, Path(args.questions).read_text().splitlines())}
    questions = [qs[i] for i in QUESTION_IDS if i in qs][: args.n]
    data_dir = Path(tempfile.mkdtemp(prefix="ragchat-bench-"))
    try:
        bot = Assistant(data_dir=data_dir, backend="llama-cpp", llm_model=args.model, llm_context_tokens=args.context_tokens)
        corpus = data_dir / "corpus"
        shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns("eval"))
        bot.ingest([corpus])
        bot.pipeline.embedder.embed(["warm-up"])
        composer = bot.pipeline.composer
        model = composer.model

        t0 = time.perf_counter()
        path = model.path  # assembles and verifies the packaged model on first use
        verify_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        loaded = model.load()
        load_s = time.perf_counter() - t0
        llama = loaded.llama
        raw = raw_speed(llama)
        # what the chat UI and `ragchat chat` do at start: the fixed instructions are read
        # once, before the first question (Assistant.warm_up)
        t0 = time.perf_counter()
        bot.warm_up()
        warm_s = time.perf_counter() - t0

        rows = []
        for q in questions:
            # The prompt the composer will send (same retrieval as stream(), computed beforehand).
            started = time.perf_counter()
            first = None
            pieces = []
            answer = None
            cached_before = list(llama._input_ids[: llama.n_tokens])
            for item in bot.stream(q["question"]):
                if isinstance(item, Answer):
                    answer = item
                else:
                    first = first or time.perf_counter() - started
                    pieces.append(item)
            total = time.perf_counter() - started
            assert answer is not None
            from rag.llm.composer import focus_on
            from rag.prompting import answer_messages

            ranked = bot.evidence(q["question"]).ranked  # the same sentences stream() ranked (cached vectors)
            messages, included = answer_messages(
                answer.question, list(answer.contexts), context_tokens=composer.context_tokens,
                max_tokens=composer.max_tokens, n_ctx=composer.n_ctx, count_tokens=composer.count_tokens,
                focus=focus_on(ranked, composer.focus_sentences) if composer.focus_sentences else None,
            )  # fmt: skip
            tokens = prompt_tokens(llama, messages)
            reused = 0
            for a, b in zip(cached_before, tokens):
                if a != b:
                    break
                reused += 1
            rows.append({
                "id": q["id"], "question": q["question"], "prompt_tokens": len(tokens), "read_tokens": len(tokens) - reused,
                "passages": included, "answer_pieces": len(pieces), "retrieve_s": round(answer.timings["retrieve_s"], 2),
                "first_token_s": round(first or total, 2), "total_s": round(total, 2), "backend": answer.backend,
                "refused": answer.refused, "answer": answer.text,
            })  # fmt: skip
            print(f"{q['id']}: prompt {len(tokens)} tok (read {len(tokens) - reused}), first token {first or total:.1f} s, "
                  f"total {total:.1f} s, {len(pieces)} pieces, {answer.backend}", file=sys.stderr)  # fmt: skip

        def stats(key: str) -> dict[str, float]:
            values = sorted(r[key] for r in rows)
            return {"median": statistics.median(values), "p95": values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]}

        report = {
            "model": str(path), "threads": model.n_threads, "n_ctx": model.n_ctx,
            "context_tokens": composer.context_tokens, "focus_sentences": composer.focus_sentences, "max_tokens": composer.max_tokens,
            "verify_s": round(verify_s, 2), "load_s": round(load_s, 2), "warm_up_s": round(warm_s, 2), "raw": raw,
            "prompt_tokens": stats("prompt_tokens"), "read_tokens": stats("read_tokens"),
            "first_token_s": stats("first_token_s"), "total_s": stats("total_s"), "questions": rows,
        }  # fmt: skip
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2))
        print(json.dumps({k: v for k, v in report.items() if k != "questions"}, indent=2))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
