"""Calibrate the refusal threshold on a question file (answerable and unanswerable).

    python -m rag.eval.calibrate corpus/eval/dev.jsonl [--data-dir DIR]

For every question, the best evidence score (the score `Assistant.stream` compares with
`refusal_threshold`) is computed; the sweep shows, per threshold, the share of
unanswerable questions refused and of answerable ones wrongly refused. A question that
Assistant.refusal_reason refuses whatever the threshold (a name the passages never
mention, a number none gives) counts as score 0.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rag.eval.runner import load_questions


def evidence_scores(bot, questions: list[dict]) -> list[tuple[dict, float]]:  # noqa: ANN001
    """(question, best sentence score) through the Assistant's own retrieval and ranking."""
    out = []
    for q in questions:
        text = q["question"]
        if q.get("history"):
            earlier = [m["content"] for m in q["history"] if m.get("role") == "user"]
            text = bot.standalone_question(text, earlier)
        _, passages, _, _, ranked = bot.evidence(text)
        score = ranked[0].score if ranked else 0.0
        # a question naming what the passages never mention is refused at any threshold
        if ranked and score >= bot.settings.refusal_threshold and bot.refusal_reason(text, passages, ranked):
            score = 0.0
        out.append((q, score))
    return out


def sweep(scored: list[tuple[dict, float]], thresholds: list[float]) -> list[dict]:
    """Refusal rates per threshold (pure).

    >>> sweep([({"answerable": True}, 0.7), ({"answerable": False}, 0.3)], [0.5])
    [{'threshold': 0.5, 'refused_unanswerable': 1.0, 'refused_answerable': 0.0}]
    """
    rows = []
    yes = [s for q, s in scored if q.get("answerable") is True]
    no = [s for q, s in scored if q.get("answerable") is False]
    for t in thresholds:
        rows.append({
            "threshold": t,
            "refused_unanswerable": sum(s < t for s in no) / len(no) if no else 0.0,
            "refused_answerable": sum(s < t for s in yes) / len(yes) if yes else 0.0,
        })  # fmt: skip
    return rows


def main() -> None:
    from rag.service import Assistant

    ap = argparse.ArgumentParser()
    ap.add_argument("questions")
    ap.add_argument("--data-dir")
    args = ap.parse_args()
    bot = Assistant(data_dir=args.data_dir, backend="extractive")
    if not bot.articles():
        bot.ingest()
    scored = evidence_scores(bot, load_questions(Path(args.questions)))
    for q, s in sorted(scored, key=lambda x: x[1]):
        print(f"{s:.3f}  {'ANS' if q.get('answerable') else 'UNA'}  {q.get('type', '')[:10]:10}  {q['question'][:90]}")
    for row in sweep(scored, [round(0.30 + 0.02 * i, 2) for i in range(21)]):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
