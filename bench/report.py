"""Results dict -> goal verdicts and the Markdown table (bench/results/<name>.md)."""

from __future__ import annotations

from typing import Any

SCALE_GOAL_SIZE = 100_000


def _get(d: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def evaluate_goals(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's goals, each with the measured value, PASS, FAIL or n/a (not measured)."""
    goals = []

    def add(goal: str, value: float | None, target: str, ok: bool | None, shown: str) -> None:
        status = "info" if target == "(context)" and value is not None else (
        "n/a" if value is None or ok is None else ("PASS" if ok else "FAIL"))
        goals.append({"goal": goal, "value": value, "target": target, "status": status, "shown": shown if value is not None else "not measured"})

    r = _get(res, "ingest", "ratio_pipeline")
    add("Ingest throughput, ragchat / llama-index (pipeline time)", r, ">= 1.5x", r is not None and r >= 1.5, f"{r}x")
    r = _get(res, "ingest", "ratio_process")
    add("  same, whole process (interpreter + imports included)", r, ">= 1.5x", r is not None and r >= 1.5, f"{r}x")
    r = _chunk_ratio(res)
    add("  same, in chunks/s (ragchat makes ~11x more, smaller chunks)", r, "(context)", None, f"{r}x")
    r = _get(res, "ingest", "ratio_wordpieces")
    add("  same, in embedded word pieces/s", r, "(context)", None, f"{r}x")
    f = _get(res, "reingest", "warm_unchanged_fraction")
    add("Unchanged re-ingest / full ingest (same process)", f, "< 5%", f is not None and f < 0.05, _pct(f))
    f = _get(res, "reingest", "cold_unchanged_fraction")
    add("  same, as a new `ragchat ingest` process", f, "< 5%", f is not None and f < 0.05, _pct(f))
    sizes = _get(res, "retrieval", "sizes") or {}
    p95 = _get(sizes, str(SCALE_GOAL_SIZE), "query", "latency_ms", "fused", "p95")
    add(f"Fused retrieval p95 at {SCALE_GOAL_SIZE:,} chunks", p95, "< 50 ms", p95 is not None and p95 < 50, f"{p95} ms")
    h = _get(res, "cold", "ragchat --help", "wall_s", "p50")
    add("`ragchat --help` (median wall)", h, "< 1 s", h is not None and h < 1.0, f"{h} s")
    a = _get(res, "cold", "ragchat ask (extractive, cold)", "first_output_s", "p50")
    add("Cold `ragchat ask` extractive, answer printed (median)", a, "< 3 s", a is not None and a < 3.0, f"{a} s")
    return goals


def _chunk_ratio(res: dict[str, Any]) -> float | None:
    a, b = _get(res, "ingest", "ragchat", "chunks_per_s"), _get(res, "ingest", "llamaindex", "chunks_per_s")
    return round(a / b, 3) if a and b else None


def _pct(x: float | None) -> str:
    return f"{x * 100:.1f}%" if x is not None else "-"


def _pp(s: dict[str, Any] | None, unit: str = "", digits: int = 2) -> str:
    """'p50 / p95' of a summary dict."""
    if not s or "p50" not in s:
        return "-"
    return f"{s['p50']:.{digits}f} / {s['p95']:.{digits}f}{unit}"


def _n(x: Any, digits: int = 2) -> str:
    return "-" if x is None else (f"{x:,.{digits}f}" if isinstance(x, float) else f"{x:,}")


def render_markdown(res: dict[str, Any]) -> str:
    m = res.get("machine", {})
    lines = [
        f"# ragchat benchmark `{res.get('name')}`",
        "",
        f"Run {res.get('started')} on {m.get('nproc')} x {m.get('cpu')}, {m.get('memory_gb')} GB RAM, "
        f"Python {m.get('python')}; load average {res.get('loadavg_start')} at start, {res.get('loadavg_end')} at end; "
        f"{res.get('total_s')} s in all. Versions: "
        + ", ".join(f"{k} {v}" for k, v in (m.get("versions") or {}).items() if v),
        "",
        "## Goals",
        "",
        "| Goal | Measured | Target | Status |",
        "|---|---|---|---|",
    ]
    lines += [f"| {g['goal']} | {g['shown']} | {g['target']} | **{g['status']}** |" for g in res.get("goals", [])]
    lines += _ingest(res.get("ingest")) + _reingest(res.get("reingest")) + _retrieval(res.get("retrieval"))
    lines += _ask(res.get("ask")) + _cold(res.get("cold"))
    return "\n".join(lines) + "\n"


def _ingest(ing: dict[str, Any] | None) -> list[str]:
    if not ing:
        return []
    out = ["", f"## Ingest ({ing['articles_in_folder']} articles, median of {ing['reps']} run(s) per pipeline, alternating)", "",
           "Pipeline s: from building the pipeline (model load, store open) to the end of ingest, in the worker process. "
           "Process wall: spawn to exit (interpreter start and imports included). Word pieces: what the embedding model "
           "read (MiniLM truncates each text at 256) of what it was given.", "",
           "| Pipeline | Articles | Chunks | Pipeline s | Articles/s | Chunks/s | Word pieces embedded / given | Word pieces/s | "
           "Imports s | Process wall s | Articles/s (process) | Peak RSS MB |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name in ("ragchat", "llamaindex"):
        r = ing.get(name, {})
        if "error" in r:
            out.append(f"| {name} | error: {r['error'][:200]} |")
            continue
        wp = r["wordpieces"]
        out.append(f"| {name} | {r['articles']} | {r['chunks']} | {_n(r['pipeline_s'])} | {_n(r['articles_per_s'])} | "
                   f"{_n(r['chunks_per_s'], 1)} | {wp['embedded']:,} / {wp['given']:,} | {_n(r['wordpieces_per_s'], 0)} | "
                   f"{_n(r['import_s'])} | {_n(r['process_wall_s'])} | {_n(r['articles_per_s_process'])} | {_n(r['peak_rss_mb'], 0)} |")  # fmt: skip
    if "ratio_pipeline" in ing:
        cr = ing["ragchat"]["chunks_per_s"] / ing["llamaindex"]["chunks_per_s"]
        out.append(f"| **ratio ragchat / llama-index** | | | | **{ing['ratio_pipeline']}x** | **{cr:.2f}x** | | **{ing['ratio_wordpieces']}x** "
                   f"| | | **{ing['ratio_process']}x** | |")
    for name in ("ragchat", "llamaindex"):
        stages = _get(ing, name, "stages")
        if stages:
            total = ing[name]["pipeline_s"]
            out += ["", f"Where {name}'s pipeline time goes (one median run):", "", "| Stage | s | share | calls |", "|---|---|---|---|"]
            for k, v in sorted(stages.items(), key=lambda kv: -kv[1]["s"]):
                out.append(f"| {k} | {v['s']:.3f} | {v['s'] / total * 100:.0f}% | {v.get('calls', '')} |")
    return out


def _reingest(r: dict[str, Any] | None) -> list[str]:
    if not r:
        return []
    if "error" in r:
        return ["", "## Re-ingest", "", f"error: {r['error'][:300]}"]
    out = ["", f"## Re-ingest ({r['articles']} articles; median of repeats)", "",
           f"Warm: the same process re-ingests (model loaded); fraction of that process's own full ingest "
           f"({r['full_pipeline_s']:.2f} s). Cold: a new `ragchat ingest` process (start, imports, store open, "
           f"model load when something changed); fraction of a full-ingest process ({r['full_process_wall_s']:.2f} s wall).", "",
           "| Case | Warm s | Warm fraction | Cold s | Cold fraction |", "|---|---|---|---|---|"]  # fmt: skip
    for case in ("unchanged", "changed"):
        label = "unchanged corpus" if case == "unchanged" else "one article changed"
        cold = r.get(f"cold_{case}_error")
        out.append(f"| {label} | {_n(r.get(f'warm_{case}_s'), 3)} | {_pct(r.get(f'warm_{case}_fraction'))} | "
                   f"{_n(r.get(f'cold_{case}_s'), 3) if not cold else 'error'} | {_pct(r.get(f'cold_{case}_fraction'))} |")  # fmt: skip
    return out


def _retrieval(rt: dict[str, Any] | None) -> list[str]:
    if not rt:
        return []
    e = rt.get("embedding", {})
    out = ["", "## Retrieval at scale", ""]
    if "error" in e:
        return out + [f"error: {e['error'][:300]}"]
    out += [f"Query embedding ({e['embedder']}, one question per call): {_pp(e['query_embed_ms'], ' ms')} (p50 / p95), "
            f"not included below. Real passages embedded: {e['passages']:,} at {e['passages_per_s']} passages/s.", "",
            "Latency in ms, p50 / p95 over the questions (each the median of the rounds); build and memory from "
            "separate processes (build: write in groups of 1,000 chunks + keyword index; reader: a fresh process that "
            "opens the store and loads its snapshot). Cold `ragchat ask`: a new process answering one question on "
            "that store (wall time to the printed answer).", "",
            "| Chunks | Store write s | Keyword index s | Build peak RSS MB | Disk MB (Chroma + BM25) | Reader load s | "
            "Reader RSS MB | Dense ms (with documents) | Dense ids-only ms | BM25 ms | Fused ms | Fused + date filter ms | store.generation ms | Cold `ragchat ask` s |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for size, row in sorted(rt.get("sizes", {}).items(), key=lambda kv: int(kv[0])):
        b, q = row.get("build", {}), row.get("query", {})
        if "error" in b or "error" in q:
            out.append(f"| {int(size):,} | error: {(b.get('error') or q.get('error'))[:200]} |")
            continue
        lat = q["latency_ms"]
        derived = f" ({b['derived_vectors']:,} perturbed)" if b.get("derived_vectors") else ""
        cold = row.get("cold_ask", {})
        cold_s = _n(_get(cold, "first_output_s", "p50")) if "error" not in cold else "error"
        out.append(
            f"| {int(size):,}{derived} | {b['store_write_s']:.1f} | {b['keyword_index_s']:.2f} | {b['peak_rss_mb']:.0f} | "
            f"{b['chroma_mb'] + b['keyword_cache_mb']:.0f} | {q['open_s'] + q['snapshot_load_s']:.2f} | {q['rss_loaded_mb']:.0f} | "
            f"{_pp(lat['dense'])} | {_pp(lat.get('dense_ids'))} | {_pp(lat['bm25'])} | {_pp(lat['fused'])} | {_pp(lat['fused_since_filter'])} | "
            f"{_pp(lat['store.generation'])} | {cold_s} |"
        )
    return out


def _ask(a: dict[str, Any] | None) -> list[str]:
    if not a:
        return []
    out = ["", "## End-to-end `ask` (warm: the Assistant has answered once already)", "",
           "| Backend | Model load s | First piece s (p50 / p95) | Answer s (p50 / p95) | Retrieve+rank s (p50) | Asked | Refused | Answered by |",
           "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, r in a.items():
        if not isinstance(r, dict) or name == "phase_s":
            continue
        if "skipped" in r or "error" in r:
            out.append(f"| {name} | skipped: {(r.get('skipped') or r.get('error'))[:200]} |")
            continue
        out.append(f"| {name} | {_n(r.get('model_load_s'))} | {_pp(r['first_piece_s'], '', 3)} | {_pp(r['total_s'], '', 3)} | "
                   f"{_n(_get(r, 'retrieve_s', 'p50'), 3)} | {r['asked']} | {r['refused']} | "
                   f"{', '.join(f'{k}: {v}' for k, v in r['answered_by'].items())} |")  # fmt: skip
    return out


def _cold(c: dict[str, Any] | None) -> list[str]:
    if not c:
        return []
    out = ["", "## Cold start (fresh process each run, after one untimed run)", "",
           "| Command | Wall s (p50 / p95) | Output / page s (p50) | Peak RSS MB | Runs |", "|---|---|---|---|---|"]  # fmt: skip
    for name, r in c.items():
        if not isinstance(r, dict):
            continue
        if "skipped" in r or "error" in r:
            out.append(f"| {name} | skipped: {(r.get('skipped') or r.get('error'))[:200]} |")
        elif "first_page_s" in r:
            out.append(f"| `ragchat serve` first page (200 on /) | - | {_n(r['first_page_s']['p50'])} | - | {r['first_page_s']['n']} |")
        else:
            out.append(f"| `{name}` | {_pp(r['wall_s'])} | {_n(r['first_output_s']['p50'])} | {_n(r['peak_rss_mb'], 0)} | {r['wall_s']['n']} |")
    return out


if __name__ == "__main__":  # re-render: python -m bench.report bench/results/full.json
    import json
    import sys
    from pathlib import Path

    for name in sys.argv[1:]:
        path = Path(name)
        data = json.loads(path.read_text())
        data["goals"] = evaluate_goals(data)
        path.write_text(json.dumps(data, indent=1))
        path.with_suffix(".md").write_text(render_markdown(data))
        print(path.with_suffix(".md"))
