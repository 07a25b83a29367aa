"""Offline evaluation: ask every question of a JSONL file under one or more configurations,
write results.jsonl, summary.json, report.md and plots.

    ragchat eval --questions corpus/eval/gold.jsonl --backend extractive
    ragchat eval --questions q.jsonl --config a.toml --config b.toml --out runs/ab

From Python: `run_eval(Path("q.jsonl"), out_dir=Path("runs/x"))`.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rag.errors import InvalidInput, RagchatError
from rag.eval.metrics import question_metrics, summarize
from rag.settings import read_settings_file

QUESTION_FIELDS = {"id": str, "question": str, "reference_answer": str, "facts": list, "evidence": list,
                   "docs": list, "answerable": bool, "history": list, "type": str}  # fmt: skip


GOLD_FIELDS = ("answerable", "facts", "evidence", "docs", "reference_answer", "type", "history")


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Read a question file; a malformed line is reported with its line number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"cannot read question file {path}: {e}") from None
    questions = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            raise InvalidInput(f"{path}:{n}: not valid JSON ({e.msg}); each line must be one JSON object") from None
        if not isinstance(q, dict) or not isinstance(q.get("question"), str) or not q["question"].strip():
            raise InvalidInput(f'{path}:{n}: each line needs a "question" string')
        for key, kind in QUESTION_FIELDS.items():
            if key in q and q[key] is not None and not isinstance(q[key], kind):
                raise InvalidInput(f"{path}:{n}: {key!r} must be a {kind.__name__}")
        q.setdefault("id", f"line{n}")
        questions.append(q)
    if not questions:
        raise InvalidInput(f"{path} holds no questions")
    return questions


@dataclass
class Config:
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)
    own_index: bool = False  # True: build a fresh index for this configuration


def load_configs(paths: list[str] | None) -> list[Config]:
    if not paths:
        return [Config("default")]
    configs = []
    for p in paths:
        path = Path(p)
        configs.append(Config(path.stem, read_settings_file(path), own_index="data_dir" not in read_settings_file(path)))
    if len({c.name for c in configs}) != len(configs):
        raise InvalidInput("two --config files have the same name; rename one")
    return configs


def run_eval(questions_path: Path, *, out_dir: Path | None = None, configs: list[Config] | None = None,
             base: dict[str, Any] | None = None, limit: int | None = None, show_progress: bool = True) -> dict[str, Any]:
    """Run every configuration over the questions; returns the summary (also written to out_dir)."""
    from tqdm import tqdm

    from rag.eval.report import write_report
    from rag.service import Assistant

    questions = load_questions(questions_path)[: limit or None]
    out_dir = out_dir or Path("eval-runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    configs = configs or [Config("default")]
    summaries: dict[str, Any] = {}
    with open(out_dir / "results.jsonl", "w", encoding="utf-8") as results:
        for config in configs:
            settings = {k: v for k, v in (base or {}).items() if v is not None}
            settings.update(config.overrides)
            if config.own_index:
                settings["data_dir"] = out_dir / config.name / "index"
            bot = Assistant(**settings)
            if config.own_index or not bot.articles():
                bot.ingest()
            bot.pipeline.embedder.embed(["warm-up"])  # load the embedder and the keyword index
            bot.pipeline.retriever.snapshot()  # outside the timed questions
            metrics, timings = [], []
            for q in tqdm(questions, desc=f"eval {config.name}", file=sys.stderr, disable=not show_progress):
                answer = _ask(bot, q)
                m = question_metrics(q, answer)
                metrics.append(m)
                timings.append(answer["timings"])
                gold = {k: q[k] for k in GOLD_FIELDS if k in q}  # so anyone can recompute the metrics
                row = {"id": q["id"], "config": config.name, **answer, "gold": gold, "metrics": m}
                results.write(json.dumps(row, ensure_ascii=False) + "\n")
            summary = summarize(questions, metrics, timings)
            summary["backend"] = bot.settings.backend
            summary["settings"] = {k: str(v) for k, v in config.overrides.items()}
            summaries[config.name] = summary
    report = {"questions_file": str(questions_path), "created": datetime.now().isoformat(timespec="seconds"),
              "out_dir": str(out_dir), "configs": summaries}  # fmt: skip
    (out_dir / "summary.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    write_report(out_dir, report)
    return report


def _ask(bot: Any, q: dict[str, Any]) -> dict[str, Any]:
    """One question (a follow-up goes through chat with its history); errors become rows."""
    started = time.perf_counter()
    try:
        if q.get("history"):
            answer = bot.chat([*q["history"], {"role": "user", "content": q["question"]}])
        else:
            answer = bot.ask(q["question"])
        return answer.to_dict()
    except RagchatError as e:
        return {"question": q["question"], "answer": "", "refused": True, "citations": [], "contexts": [],
                "backend": bot.settings.backend, "error": str(e),
                "timings": {"total_s": time.perf_counter() - started}}  # fmt: skip


def main(args: Any) -> int:
    """`ragchat eval` entry point (args from rag.cli)."""
    base = {"data_dir": args.data_dir, "chroma_url": args.chroma_url, "backend": args.backend,
            "top_k": args.top_k, "config_file": args.config}  # fmt: skip
    report = run_eval(
        Path(args.questions), out_dir=Path(args.out) if args.out else None,
        configs=load_configs(args.configs), base=base, limit=args.limit,
    )  # fmt: skip
    for name, s in report["configs"].items():
        keys = ("hit@1", "hit@5", "mrr", "facts_all", "cites_evidence", "citation_recall", "citation_precision",
                "refusal_rate_unanswerable", "false_refusal_rate_answerable", "total_s_p50")
        print(name + ": " + ", ".join(f"{k}={s[k]:.3f}" for k in keys if isinstance(s.get(k), float | int)))
    print(f"report: {Path(report['out_dir']).resolve() / 'report.md'}", file=sys.stderr)
    return 0
