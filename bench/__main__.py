"""`python -m bench [--quick] [--sizes 1000,10000,100000] [--skip-llm] [--name NAME]`

Runs, in one go on this machine, each phase in fresh subprocesses:
  ingest     ragchat vs a plain llama-index pipeline (same model, same Chroma store type)
  reingest   unchanged corpus and one article changed, as fractions of a full ingest
  ask        end-to-end `ask` latency per backend (extractive; local LLM unless --skip-llm)
  cold       `ragchat --help`, `import rag`, a cold `ragchat ask`, the UI's first page
  retrieval  dense / BM25 / fused latency, build time and memory at each size
and writes bench/results/<name>.json and bench/results/<name>.md (also printed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.common import (
    PYTHON, RAGCHAT, ROOT, bench_env, loadavg, machine, median, run_worker, stop_group, summary, timed_run,
)  # fmt: skip
from bench.corpora import change_article, questions, replicate_articles
from bench.report import evaluate_goals, render_markdown

RESULTS = ROOT / "bench" / "results"
PHASES = ("ingest", "reingest", "ask", "cold", "retrieval")
COLD_QUESTION = "What casualty figure did Stoltenberg give for Russia's losses in the war?"
SINCE = "2024-01-01"  # the date filter of the filtered-retrieval row (admits 2 of 5 article kinds)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a small run (~3 min): 20 articles, 1k chunks, fewer repeats")
    p.add_argument("--sizes", help="retrieval sizes in chunks (default 1000,10000,100000; quick 1000)")
    p.add_argument("--articles", type=int, help="articles in the ingest corpus (default 100; quick 20)")
    p.add_argument("--reps", type=int, help="full ingests per pipeline (default 3; quick 1)")
    p.add_argument("--rounds", type=int, help="repeats of each short measurement, median taken (default 5; quick 2)")
    p.add_argument("--questions", type=int, help="questions from corpus/eval/gold.jsonl (default 50; quick 10)")
    p.add_argument("--real-embed", type=int, default=10_000,
                   help="passages embedded with the real model; larger sizes reuse perturbed copies (default 10000)")
    p.add_argument("--llm-questions", type=int, help="questions for the local LLM (default 8; quick 2)")
    p.add_argument("--skip-llm", action="store_true", help="skip the local LLM backend")
    p.add_argument("--skip-ui", action="store_true", help="skip the UI's time to first page")
    p.add_argument("--only", help=f"comma-separated phases to run, of {','.join(PHASES)}")
    p.add_argument("--name", help="results file name (default: quick or full)")
    p.add_argument("--workdir", help="scratch folder (default: a new temp folder, deleted at the end)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = p.parse_args(argv)
    quick = a.quick
    a.sizes = [int(s) for s in (a.sizes or ("1000" if quick else "1000,10000,100000")).split(",")]
    a.articles = a.articles or (20 if quick else 100)
    a.reps = a.reps or (1 if quick else 3)
    a.rounds = a.rounds or (2 if quick else 5)
    a.questions = a.questions or (10 if quick else 50)
    a.llm_questions = a.llm_questions or (2 if quick else 8)
    a.cold_runs = 3 if quick else 5
    a.phases = [x.strip() for x in a.only.split(",")] if a.only else list(PHASES)
    unknown = set(a.phases) - set(PHASES)
    if unknown:
        p.error(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    a.name = a.name or ("quick" if quick else "full")
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ragchat-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {
        "name": args.name, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(), "loadavg_start": loadavg(),
        "config": {k: v for k, v in vars(args).items() if k not in ("only", "workdir", "keep")},
    }  # fmt: skip
    t0 = time.perf_counter()
    log(f"scratch folder {work}; phases {', '.join(args.phases)}")
    try:
        res["warmup"] = run_worker("warmup", {}, work, timeout=900)[0]
        qs = questions(args.questions)
        for phase in args.phases:
            log(f"== {phase}")
            started = time.perf_counter()
            res[phase] = PHASE_FUNCS[phase](args, work, qs, res)
            res[phase]["phase_s"] = round(time.perf_counter() - started, 1)
            save(res, args.name, final=False)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    res["loadavg_end"] = loadavg()
    res["total_s"] = round(time.perf_counter() - t0, 1)
    res["goals"] = evaluate_goals(res)
    md = save(res, args.name, final=True)
    print(md)
    return 0


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def save(res: dict[str, Any], name: str, *, final: bool) -> str:
    (RESULTS / f"{name}.json").write_text(json.dumps(res, indent=1))
    md = render_markdown(res) if final else ""
    if final:
        (RESULTS / f"{name}.md").write_text(md)
    return md


# -- phases ------------------------------------------------------------------------------


def phase_ingest(args: argparse.Namespace, work: Path, qs: list[dict[str, str]], res: dict[str, Any]) -> dict[str, Any]:
    """Full ingests of the same folder, the two pipelines alternating (ABBA...), median."""
    folder = work / "articles"
    if not folder.exists():
        replicate_articles(folder, args.articles)
    runs: dict[str, list[dict[str, Any]]] = {"ragchat": [], "llamaindex": []}
    for r in range(args.reps):
        order = ["ragchat", "llamaindex"] if r % 2 == 0 else ["llamaindex", "ragchat"]
        for name in order:
            data = work / f"ingest-{name}-{r}"
            out, _ = run_worker(f"ingest_{name}", {"folder": str(folder), "data_dir": str(data)}, work, timeout=1800)
            log(f"ingest {name} rep {r}: {out.get('pipeline_s', out.get('error'))} s")
            runs[name].append(out)
            shutil.rmtree(data, ignore_errors=True)
    out: dict[str, Any] = {"articles_in_folder": args.articles, "reps": args.reps, "runs": runs}
    for name, rs in runs.items():
        ok = [r for r in rs if "error" not in r]
        if not ok:
            out[name] = {"error": rs[0].get("error") if rs else "not run"}
            continue
        pipe = median([r["pipeline_s"] for r in ok])
        wall = median([r["process_wall_s"] for r in ok])
        arts, chunks = ok[0]["articles"], ok[0]["chunks"]
        out[name] = {
            "articles": arts, "chunks": chunks, "pipeline_s": round(pipe, 3), "process_wall_s": round(wall, 3),
            "import_s": round(median([r["import_s"] for r in ok]), 3),
            "articles_per_s": round(arts / pipe, 2), "chunks_per_s": round(chunks / pipe, 1),
            "articles_per_s_process": round(arts / wall, 2),
            "peak_rss_mb": round(median([r["process_peak_rss_mb"] for r in ok]), 1),
            "wordpieces": ok[0]["wordpieces"], "wordpieces_per_s": round(ok[0]["wordpieces"]["embedded"] / pipe, 1),
            "stages": ok[len(ok) // 2]["stages"],
        }  # fmt: skip
    if "error" not in out["ragchat"] and "error" not in out["llamaindex"]:
        rc, li = out["ragchat"], out["llamaindex"]
        out["ratio_pipeline"] = round(rc["articles_per_s"] / li["articles_per_s"], 3)
        out["ratio_process"] = round(rc["articles_per_s_process"] / li["articles_per_s_process"], 3)
        out["ratio_wordpieces"] = round(rc["wordpieces_per_s"] / li["wordpieces_per_s"], 3)
    return out


def phase_reingest(args: argparse.Namespace, work: Path, qs: list[dict[str, str]], res: dict[str, Any]) -> dict[str, Any]:
    """Warm: the same process re-ingests (model loaded). Cold: `ragchat ingest` as a new process."""
    src = work / "articles"
    if not src.exists():
        replicate_articles(src, args.articles)
    folder = work / "articles-reingest"
    shutil.copytree(src, folder, dirs_exist_ok=True)
    data = work / "reingest-store"
    repeats = max(2, args.reps)
    full, _ = run_worker("ingest_ragchat", {"folder": str(folder), "data_dir": str(data), "reingest": True,
                                            "repeats": repeats}, work, timeout=1800)  # fmt: skip
    if "error" in full:
        return {"error": full["error"]}
    out: dict[str, Any] = {"articles": full["articles"], "full_pipeline_s": full["pipeline_s"]}
    for case in ("unchanged", "changed"):
        warm = median(full[f"warm_{case}_s"])
        out[f"warm_{case}_s"] = round(warm, 4)
        out[f"warm_{case}_fraction"] = round(warm / full["pipeline_s"], 4)
    cli = [RAGCHAT, "--data-dir", str(data), "ingest", str(folder)]
    files = sorted(folder.glob("*.txt"))
    cold: dict[str, list[float]] = {"unchanged": [], "changed": []}
    for case in ("unchanged", "changed"):
        for r in range(repeats):
            if case == "changed":
                change_article(files[(r * 11 + 3) % len(files)], f"cold-{r}")
            run = timed_run(cli, timeout=900)
            expect = "updated 1 /" if case == "changed" else f"unchanged {len(files)} /"
            if not run.ok or expect not in run.stdout:
                out[f"cold_{case}_error"] = run.tail() or run.stdout[-300:]
                break
            cold[case].append(run.wall_s)
    full_cold = res.get("ingest", {}).get("ragchat", {}).get("process_wall_s") or full["process_wall_s"]
    out["full_process_wall_s"] = full_cold
    for case, walls in cold.items():
        if walls:
            out[f"cold_{case}_s"] = round(median(walls), 3)
            out[f"cold_{case}_fraction"] = round(median(walls) / full_cold, 4)
    shutil.rmtree(data, ignore_errors=True)
    return out


def phase_ask(args: argparse.Namespace, work: Path, qs: list[dict[str, str]], res: dict[str, Any]) -> dict[str, Any]:
    data = work / "corpus-store"
    common = {"data_dir": str(data), "questions": qs, "corpus": str(ROOT / "corpus")}
    out: dict[str, Any] = {}
    out["extractive"], _ = run_worker("ask", {**common, "backend": "extractive", "ingest": True, "rounds": args.rounds},
                                      work, timeout=1800)  # fmt: skip
    if args.skip_llm:
        out["llama-cpp"] = {"skipped": "--skip-llm"}
    else:
        llm, _ = run_worker("ask", {**common, "questions": qs[: args.llm_questions], "backend": "llama-cpp",
                                    "rounds": 1}, work, timeout=1800)  # fmt: skip
        if "error" in llm:
            llm = {"skipped": f"the llama-cpp backend did not run: {llm['error'][-300:]}"}
        out["llama-cpp"] = llm
    return out


def phase_cold(args: argparse.Namespace, work: Path, qs: list[dict[str, str]], res: dict[str, Any]) -> dict[str, Any]:
    """Each command: one untimed run (page cache), then `cold_runs` timed fresh processes."""
    data = work / "corpus-store"
    if not (data / "chroma").exists():
        run = timed_run([RAGCHAT, "--data-dir", str(data), "ingest", str(ROOT / "corpus")], timeout=900)
        if not run.ok:
            return {"error": f"could not ingest corpus/: {run.tail()}"}
    commands = {
        "python -c pass": [PYTHON, "-c", "pass"],
        "python -c 'import rag'": [PYTHON, "-c", "import rag"],
        "ragchat --help": [RAGCHAT, "--help"],
        "ragchat ask (extractive, cold)": [RAGCHAT, "--data-dir", str(data), "ask", COLD_QUESTION, "--backend", "extractive"],
    }
    out: dict[str, Any] = {}
    for label, cmd in commands.items():
        out[label] = cold_runs(cmd, args.cold_runs)
        log(f"{label}: {out[label].get('wall_s', out[label])}")
    if args.skip_ui:
        out["ui first page"] = {"skipped": "--skip-ui"}
    else:
        out["ui first page"] = ui_first_page(data, runs=1 if args.quick else 3)
    return out


def cold_runs(cmd: list[str], runs: int, *, warmup: bool = True, timeout: float = 300) -> dict[str, Any]:
    walls, firsts, rss = [], [], []
    for i in range(runs + int(warmup)):
        run = timed_run(cmd, timeout=timeout)
        if not run.ok:
            return {"error": run.tail()}
        if warmup and i == 0:
            continue
        walls.append(run.wall_s)
        firsts.append(run.first_output_s if run.first_output_s is not None else run.wall_s)
        rss.append(run.peak_rss_mb)
    return {"wall_s": summary(walls, 1, 3), "first_output_s": summary(firsts, 1, 3),
            "peak_rss_mb": round(median(rss), 1)}  # fmt: skip


def ui_first_page(data: Path, *, runs: int, timeout: float = 180) -> dict[str, Any]:
    """`ragchat serve` on a free port; time from spawn until GET / answers 200."""
    times = []
    for _ in range(runs):
        port = free_port()
        cmd = [RAGCHAT, "--data-dir", str(data), "serve", "--port", str(port), "--backend", "extractive", "--no-ingest"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=bench_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)  # fmt: skip
        try:
            while True:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace")[-400:] if proc.stderr else ""
                    return {"skipped": f"`ragchat serve` exited with {proc.returncode}: {err}"}
                if time.perf_counter() - t0 > timeout:
                    return {"skipped": f"`ragchat serve` gave no page within {timeout:.0f} s"}
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        if r.status == 200:
                            r.read()
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                time.sleep(0.05)
            times.append(time.perf_counter() - t0)
        finally:
            stop_group(proc.pid)
            proc.wait(timeout=30)
    return {"first_page_s": summary(times, 1, 3)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def phase_retrieval(args: argparse.Namespace, work: Path, qs: list[dict[str, str]], res: dict[str, Any]) -> dict[str, Any]:
    """Embed the real passages once, then per size: build a store (one process), query it
    from a fresh reader (another), and time a cold `ragchat ask` on it."""
    real = min(max(args.sizes), args.real_embed)
    emb, _ = run_worker("embed_inputs", {"real": real, "questions": qs, "rounds": args.rounds,
                                         "passages_out": str(work / "passages.npy"),
                                         "questions_out": str(work / "questions.npy")}, work, timeout=3600)  # fmt: skip
    out: dict[str, Any] = {"embedding": emb, "sizes": {}}
    if "error" in emb:
        return out
    for size in sorted(args.sizes):
        data = work / f"store-{size}"
        built, _ = run_worker("build_store", {"size": size, "real": real, "vectors": str(work / "passages.npy"),
                                              "data_dir": str(data)}, work, timeout=3600)  # fmt: skip
        log(f"built {size}: {built.get('build_s', built.get('error'))} s")
        row: dict[str, Any] = {"build": built}
        if "error" not in built:
            row["query"], _ = run_worker("query_store", {"data_dir": str(data), "questions": qs, "rounds": args.rounds,
                                                         "query_vectors": str(work / "questions.npy"), "since": SINCE},
                                         work, timeout=3600)  # fmt: skip
            log(f"queried {size}: fused {row['query'].get('latency_ms', {}).get('fused', row['query'].get('error'))}")
            cmd = [RAGCHAT, "--data-dir", str(data), "ask", COLD_QUESTION, "--backend", "extractive"]
            row["cold_ask"] = cold_runs(cmd, 1 if args.quick else 3, warmup=False, timeout=600)
        out["sizes"][str(size)] = row
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)
    return out


PHASE_FUNCS = {"ingest": phase_ingest, "reingest": phase_reingest, "ask": phase_ask, "cold": phase_cold,
               "retrieval": phase_retrieval}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
