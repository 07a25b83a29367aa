"""Bounded load run with an ingest in the middle: 20 concurrent `gradio_client` clients ask
for 2 minutes through the UI's /ask API (`python app.py` on loopback, fresh data dir), and
at 60 s a new article is added through the UI's /ingest_article API, i.e. by the running
server, which owns the store.

The extractive backend on purpose: the local LLM takes ~5 s per answer on 2 cores and would
measure the model, not the server (queue, retrieval, concurrent ingest, answers not crossing).

Each client cycles through the questions of bench/ui_load.py (22, each with its own fact and
article) plus one about the new article, starting at a different place, so clients ask
different questions at the same time. Extractive answers are deterministic for a given store,
so a single client first asks every question once (the reference answers before the ingest)
and again after the load (the references after it). Exit 1 unless:

  - no request errors and no client hangs; the ingest succeeds ("added ...");
  - every answer is right for its own question: it echoes that question, has its fact and
    cites its article (bench/ui_load.check);
  - citations belong to their own question: every cited article is one that question's
    reference answers cite, and the new article is cited only by the new article's question;
  - no half-indexed state: every answer equals its question's reference before or after the
    ingest; requests answered before the ingest started equal the "before" one, requests sent
    after it ended the "after" one (so the new article is answerable, citing it, from then on);
  - asked right after the ingest returns, the new article's question is answered from it.

Reports p50/p95/max latency (all, during the ingest, after it), the machine's load average
(other people share this machine), and writes bench/results/load_<clients>x<duration>.json.

    .venv/bin/python bench/load.py [--clients 20] [--duration 120] [--ingest-at 60]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.ui_load import QUESTIONS, check, percentile, start_app, stop_app  # noqa: E402

NEW_FILE = "amber_lynx_26.txt"
NEW_ID = "amber_lynx_26"
NEW_ARTICLE = """NATO navies begin Baltic mine-clearing exercise Amber Lynx 26

Tallinn, March 9, 2026

Ships from nine NATO allies began the mine countermeasures exercise Amber Lynx 26 off the Estonian coast on Monday.
The exercise, led by the Estonian Navy, involves 31 ships and about 1,400 sailors and divers.
Commander Kaarel Tamm of the Estonian Navy is leading Amber Lynx 26 from the command ship EML Wambola.
Over two weeks the crews will search 640 square kilometres of seabed for historic sea mines left from the two world wars.
Tamm said last year's edition of the exercise found and destroyed 47 mines.
Divers will also practise protecting undersea cables and pipelines on the Baltic seabed.
The exercise ends on March 20 in the port of Paldiski.
"""  # made up: no article in corpus/ mentions it
NEW_QUESTION = ("Who is leading the Amber Lynx 26 mine-clearing exercise?", [["Kaarel Tamm", "Tamm"]], NEW_ID)
POOL = [*QUESTIONS, NEW_QUESTION]
NEW = len(POOL) - 1  # the new article's question's index


def key(answer: dict) -> tuple:
    """What must be identical between two answers to the same question on the same store."""
    cites = tuple((c["marker"], c["article_id"], c["start"], c["end"]) for c in answer.get("citations", []))
    return answer.get("answer"), answer.get("refused"), cites


def references(url: str) -> dict[int, dict]:
    """Every question asked once by a single client, in order."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    return {i: client.predict(q, api_name="/ask") for i, (q, _, _) in enumerate(POOL)}


def run_client(url: str, c: int, t0: list[float], until: float, start: threading.Barrier, out: list[dict]) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as e:  # noqa: BLE001 - a failed connection is a result to report
        out.append({"client": c, "q": -1, "error": f"connect: {e}", "sent": 0.0, "done": 0.0})
        start.wait()
        return
    start.wait()
    k = 0
    while (sent := time.perf_counter() - t0[0]) < until:
        q = (c + k) % len(POOL)
        k += 1
        row: dict = {"client": c, "q": q, "sent": sent}
        try:
            row["answer"] = client.predict(POOL[q][0], api_name="/ask")
        except Exception as e:  # noqa: BLE001
            row["error"] = f"{type(e).__name__}: {e}"
        row["done"] = time.perf_counter() - t0[0]
        out.append(row)


def run_ingest(url: str, t0: list[float], at: float, start: threading.Barrier, out: dict) -> None:
    """Adds the new article at `at` s, then at once asks about it."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    start.wait()
    time.sleep(max(0.0, at - (time.perf_counter() - t0[0])))
    out["start_s"] = time.perf_counter() - t0[0]
    try:
        out["result"] = client.predict(NEW_FILE, NEW_ARTICLE, api_name="/ingest_article")
    except Exception as e:  # noqa: BLE001
        out["error"] = f"{type(e).__name__}: {e}"
    out["end_s"] = time.perf_counter() - t0[0]
    try:
        answer = client.predict(NEW_QUESTION[0], api_name="/ask")
        out["answer_after"] = answer["answer"][:200]
        out["answer_after_wrong"] = check(answer, NEW_QUESTION[1], NEW_ID)
    except Exception as e:  # noqa: BLE001
        out["answer_after_wrong"] = f"{type(e).__name__}: {e}"


def code_version() -> dict:
    """The commit, and which of the files the run depends on had uncommitted changes."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout

    changed = git("status", "--porcelain", "--", "app.py", "rag", "vectorstore", "bench/ui_load.py", "bench/load.py")
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted": [ln[3:] for ln in changed.splitlines()]}


def sample_load(stop: threading.Event, out: list[float]) -> None:
    while not stop.wait(5.0):
        out.append(os.getloadavg()[0])


def judge(row: dict, before: dict[int, dict], after: dict[int, dict], allowed: dict[int, set[str]],
          ingest: tuple[float, float]) -> dict[str, str]:
    """The problems with one answered request: {check name: what is wrong}."""
    q, answer = row["q"], row["answer"]
    question, facts, doc = POOL[q]
    problems = {}
    cited = {c["article_id"] for c in answer.get("citations", [])}
    pre, post = row["done"] < ingest[0], row["sent"] > ingest[1]
    if answer.get("question") != question:
        problems["correct"] = f"answers {answer.get('question')!r}"
    elif q != NEW or post:
        if wrong := check(answer, facts, doc):
            problems["correct"] = wrong
    if stray := cited - allowed[q]:
        problems["ownership"] = f"cites {sorted(stray)}, not an article of this question"
    same = [name for name, ref in (("before", before[q]), ("after", after[q])) if key(answer) == key(ref)]
    if pre and "before" not in same or post and "after" not in same or not same:
        when = "before the ingest" if pre else "after the ingest" if post else "during the ingest"
        problems["consistent"] = f"{when}, differs from the reference answer(s): {answer.get('answer', '')[:120]!r}"
    return problems


def stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(percentile(values, 0.50), 3), "p95": round(percentile(values, 0.95), 3),
            "max": round(max(values), 3), "mean": round(statistics.mean(values), 3)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--duration", type=float, default=120.0, help="seconds during which clients send questions")
    p.add_argument("--ingest-at", type=float, default=60.0, help="seconds into the run to add the new article")
    p.add_argument("--out", type=Path, help="results file (default bench/results/load_<clients>x<duration>.json)")
    args = p.parse_args(argv)
    if args.clients < 1 or not 0 <= args.ingest_at < args.duration:
        p.error("need --clients >= 1 and 0 <= --ingest-at < --duration")
    out_path = args.out or ROOT / "bench" / "results" / f"load_{args.clients}x{args.duration:g}.json"

    work = Path(tempfile.mkdtemp(prefix="ragchat-load-"))
    load_start = os.getloadavg()
    proc, url = start_app(work / "data", work / "app.log")
    print(f"app up at {url}; {args.clients} clients x {args.duration:g} s, ingest at {args.ingest_at:g} s", flush=True)
    rows: list[dict] = []
    ingest: dict = {}
    loads: list[float] = []
    try:
        before = references(url)
        t0 = [0.0]
        barrier = threading.Barrier(args.clients + 2, action=lambda: t0.__setitem__(0, time.perf_counter()))
        threads = [threading.Thread(target=run_client, args=(url, c, t0, args.duration, barrier, rows), daemon=True)
                   for c in range(args.clients)]
        threads.append(threading.Thread(target=run_ingest, args=(url, t0, args.ingest_at, barrier, ingest),
                                        daemon=True))
        for t in threads:
            t.start()
        stop = threading.Event()
        sampler = threading.Thread(target=sample_load, args=(stop, loads), daemon=True)
        barrier.wait(timeout=120)
        sampler.start()
        for t in threads:
            t.join(timeout=max(1.0, args.duration + 120 - (time.perf_counter() - t0[0])))
        wall = time.perf_counter() - t0[0]
        hung = sum(t.is_alive() for t in threads)
        stop.set()
        after = references(url)
        log_tail = (work / "app.log").read_text(errors="replace")[-3000:]
    finally:
        stop_app(proc, work)

    # the references must themselves be right, else nothing below means anything
    reference_problems = [f"before: {POOL[i][0]}: {w}" for i, a in before.items()
                          if i != NEW and (w := check(a, POOL[i][1], POOL[i][2]))]
    reference_problems += [f"after: {POOL[i][0]}: {w}" for i, a in after.items() if (w := check(a, POOL[i][1], POOL[i][2]))]
    if before[NEW].get("citations") or "Tamm" in before[NEW].get("answer", ""):
        reference_problems.append("before: the new article's fact was answerable before it was added")
    allowed = {i: {c["article_id"] for ref in (before[i], after[i]) for c in ref.get("citations", [])} for i in before}
    for i in allowed:
        if i != NEW and NEW_ID in allowed[i]:
            reference_problems.append(f"after: {POOL[i][0]}: cites the new article, which is not about it")
            allowed[i].discard(NEW_ID)

    window = (ingest.get("start_s", float("inf")), ingest.get("end_s", float("inf")))
    errors = [r for r in rows if r.get("error")]
    answered = [r for r in rows if "answer" in r]
    for r in answered:
        r["problems"] = judge(r, before, after, allowed, window)
    failed = {name: [r for r in answered if name in r["problems"]] for name in ("correct", "ownership", "consistent")}
    good = [r for r in answered if not r["problems"]]
    lat = [r["done"] - r["sent"] for r in answered]
    during = [r["done"] - r["sent"] for r in answered if r["sent"] <= window[1] and r["done"] >= window[0]]
    post = [r for r in answered if r["sent"] > window[1]]
    new_after = [r for r in post if r["q"] == NEW]
    server = [r["answer"]["timings"]["total_s"] for r in answered if r["answer"].get("timings", {}).get("total_s")]
    ingest_ok = "error" not in ingest and str(ingest.get("result", {}).get("message", "")).startswith("added")
    checks = {
        "no_errors": not errors and not hung,
        "answers_correct": not failed["correct"],
        "citations_own_question": not failed["ownership"],
        "no_half_indexed_state": not failed["consistent"],
        "ingest_succeeded": ingest_ok,
        "new_article_answerable_after_ingest": ingest.get("answer_after_wrong", "not asked") is None and bool(new_after),
        "references_right": not reference_problems,
    }
    result = {
        "what": (f"{args.clients} concurrent gradio_client clients on loopback asking for {args.duration:g} s through "
                 f"the UI's /ask API, the new article {NEW_FILE} added through /ingest_article at "
                 f"{args.ingest_at:g} s; extractive backend (no LLM: this measures the server, not the model)"),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg_1_5_15_at_start": [round(x, 2) for x in load_start],
                    "loadavg_1min_during": stats(loads),
                    "loadavg_1_5_15_at_end": [round(x, 2) for x in os.getloadavg()],
                    "note": "2 cores shared with other people's work; the app, its queue and all clients run on them"},
        "code": code_version(),
        "backend": "extractive",
        "clients": args.clients,
        "duration_s": args.duration,
        "wall_s": round(wall, 2),
        "questions": len(POOL),
        "requests": len(rows),
        "answered": len(answered),
        "errors": len(errors),
        "hung_clients": hung,
        "answers_checked_correct": len(good),
        "wrong_answers": len(failed["correct"]),
        "citation_ownership_violations": len(failed["ownership"]),
        "inconsistent_answers": len(failed["consistent"]),
        "latency_s": stats(lat),
        "latency_during_ingest_s": stats(during),
        "latency_after_ingest_s": stats([r["done"] - r["sent"] for r in post]),
        "server_answer_s": stats(server),  # inside Assistant.stream; the rest is queue + transport
        "throughput_rps": round(len(answered) / wall, 2) if wall else None,
        "ingest": {
            "start_s": round(ingest["start_s"], 3) if "start_s" in ingest else None,
            "end_s": round(ingest["end_s"], 3) if "end_s" in ingest else None,
            "took_s": round(window[1] - window[0], 3) if "end_s" in ingest else None,
            "result": ingest.get("result") or ingest.get("error"),
            "requests_overlapping": len(during),
            "requests_sent_after": len(post),
            "new_article_questions_after": len(new_after),
            "new_article_questions_after_correct": sum(not r["problems"] for r in new_after),
            "asked_right_after": ingest.get("answer_after"),
        },
        "checks": checks,
        "reference_problems": reference_problems,
        "failures": [{"client": r["client"], "question": POOL[r["q"]][0] if r["q"] >= 0 else None,
                      "sent_s": round(r["sent"], 2), "done_s": round(r["done"], 2),
                      "error": r.get("error"), "problems": r.get("problems")}
                     for r in errors + [r for r in answered if r["problems"]]][:30],
    }  # fmt: skip
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    la = result["latency_s"]
    print(f"{len(answered)} answered / {len(rows)} requests, {len(errors)} errors, {hung} hung; "
          f"{len(good)} checked correct, {len(failed['correct'])} wrong, {len(failed['ownership'])} citing "
          f"another question's article, {len(failed['consistent'])} inconsistent; latency p50 {la.get('p50')} s, "
          f"p95 {la.get('p95')} s, max {la.get('max')} s; {result['throughput_rps']} answers/s; ingest "
          f"{result['ingest']['start_s']}-{result['ingest']['end_s']} s: {result['ingest']['result']}; "
          f"load avg {result['machine']['loadavg_1_5_15_at_end']} -> {out_path}")
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    for line in reference_problems:
        print(f"  reference: {line}", file=sys.stderr)
    for f in result["failures"]:
        print(f"  client {f['client']} at {f['sent_s']} s: {f['error'] or f['problems']}", file=sys.stderr)
    if errors and "Traceback" in log_tail:
        print(f"app log tail:\n{log_tail}", file=sys.stderr)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
