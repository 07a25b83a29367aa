"""summary -> report.md with a table per configuration, a side-by-side table and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SECTIONS = {
    "Retrieval (answerable questions with evidence)": ["hit@1", "hit@3", "hit@5", "hit@10", "mrr", "evidence_within_1500_chars"],
    "Answers": ["facts_all", "facts_share", "cites_evidence", "citations_right_article"],
    "Citations (ALCE, lexical judge)": ["citation_recall", "citation_precision"],
    "Refusals": ["refusal_rate_unanswerable", "false_refusal_rate_answerable"],
    "Latency (seconds)": ["retrieve_s_p50", "retrieve_s_p95", "generate_s_p50", "generate_s_p95", "total_s_p50", "total_s_p95"],
}
HIGHER_IS_BETTER = {"false_refusal_rate_answerable": False}
EXPLAIN = {
    "hit@k": "share of answerable questions whose evidence is in the first k retrieved passages",
    "mrr": "mean reciprocal rank of the first passage holding the evidence",
    "evidence_within_1500_chars": "share whose evidence ends within the first 1,500 characters of context (what a CPU model can read fast)",
    "facts_all": "share of answerable questions whose answer holds every key fact",
    "cites_evidence": "share of answered questions that cite a passage holding the evidence",
    "citations_right_article": "share of citations pointing to an article that holds the answer",
    "citation_recall": "share of answer sentences supported by their cited passages (75% of content words present)",
    "citation_precision": "share of citations needed for that support",
}


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def write_report(out_dir: Path, report: dict[str, Any]) -> Path:
    configs: dict[str, dict[str, Any]] = report["configs"]
    plots = _plots(out_dir, configs)
    names = list(configs)
    lines = [f"# Evaluation report", "",
             f"Questions: `{report['questions_file']}` ({next(iter(configs.values()))['questions']} questions), "
             f"run {report['created']}. Configurations: {', '.join(f'`{n}`' for n in names)}.", ""]  # fmt: skip
    if len(names) > 1:
        lines += ["## Side by side", "", "| metric | " + " | ".join(names) + " | best |", "|---|" + "---|" * (len(names) + 1)]
        for keys in SECTIONS.values():
            for k in keys:
                values = [configs[n].get(k) for n in names]
                best = _best(k, names, values)
                lines.append(f"| {k} | " + " | ".join(_fmt(v) for v in values) + f" | {best} |")
        lines.append("")
    for name in names:
        s = configs[name]
        lines += [f"## Configuration `{name}` (backend {s.get('backend')})", ""]
        if s.get("settings"):
            lines += ["Settings: " + ", ".join(f"`{k}={v}`" for k, v in s["settings"].items()), ""]
        for title, keys in SECTIONS.items():
            lines += [f"**{title}**", "", "| metric | value | questions |", "|---|---|---|"]
            for k in keys:
                lines.append(f"| {k} | {_fmt(s.get(k))} | {_fmt(s.get(k + '_n'))} |")
            lines.append("")
    lines += ["## Plots", ""] + [f"![{p.stem}]({p.name})" for p in plots] + [""]
    lines += ["## What the metrics mean", ""] + [f"- **{k}**: {v}" for k, v in EXPLAIN.items()] + [""]
    lines += ["Per-question rows with answers, citations and contexts: `results.jsonl`; numbers: `summary.json`.", ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _best(metric: str, names: list[str], values: list[Any]) -> str:
    scored = [(v, n) for v, n in zip(values, names) if isinstance(v, int | float)]
    if len(scored) < 2 or "_s_p" in metric:
        return min(scored)[1] if scored and "_s_p" in metric else "–"
    higher = HIGHER_IS_BETTER.get(metric, True)
    v, n = (max if higher else min)(scored)
    return n if sum(1 for x, _ in scored if x == v) == 1 else "tie"


def _plots(out_dir: Path, configs: dict[str, dict[str, Any]]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(configs)
    paths = []
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [1, 3, 5, 10]
    for n in names:
        ax.plot(ks, [configs[n].get(f"hit@{k}") or 0 for k in ks], marker="o", label=n)
    ax.set(xlabel="k (passages retrieved)", ylabel="hit@k", title="Retrieval: evidence within the first k passages", ylim=(0, 1.05))
    ax.set_xticks(ks)
    ax.legend()
    paths.append(_save(fig, out_dir / "hit_at_k.png"))

    metrics = ["mrr", "facts_all", "cites_evidence", "citations_right_article", "citation_recall",
               "citation_precision", "refusal_rate_unanswerable", "false_refusal_rate_answerable"]  # fmt: skip
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(1, len(names))
    for i, n in enumerate(names):
        ax.bar([x + i * width for x in range(len(metrics))], [configs[n].get(m) or 0 for m in metrics], width, label=n)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(metrics))])
    ax.set_xticklabels(metrics, rotation=30, ha="right", fontsize=8)
    ax.set(ylim=(0, 1.05), title="Answer, citation and refusal metrics (false refusals: lower is better)")
    ax.legend()
    paths.append(_save(fig, out_dir / "metrics.png"))

    rows = [json.loads(line) for line in (out_dir / "results.jsonl").read_text(encoding="utf-8").splitlines() if line]
    fig, ax = plt.subplots(figsize=(6, 4))
    data = [[r["timings"].get("total_s", 0) for r in rows if r["config"] == n] for n in names]
    ax.boxplot(data, tick_labels=names)
    ax.set(ylabel="seconds per question", title="Latency: total time per question")
    paths.append(_save(fig, out_dir / "latency.png"))
    return paths


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
