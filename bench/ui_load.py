"""Load run on the UI's API: 16 concurrent users, each with its own question, through
`gradio_client` against `python app.py` on loopback (extractive backend, fresh data dir).

Checks: no request fails, and every answer is right for *its own* question (an expected
fact in the text and a citation of the expected article), so answers never cross between
users. Reports p50/p95 latency; writes bench/results/ui_load.json. Bounded: a fixed number
of rounds and a deadline; the app is stopped at the end.

    .venv/bin/python bench/ui_load.py [--users 16] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "ui_load.json"
DEADLINE_S = 600  # the whole run, start-up included

# (question, facts: each a list of accepted spellings, all must appear; the article it must cite)
# From corpus/eval/gold.jsonl (questions the extractive backend answers; distinct facts, so an answer
# that crossed to another user's question fails the check).
QUESTIONS: list[tuple[str, list[list[str]], str]] = [
    ("What casualty figure did Stoltenberg give for Russia's losses in the war?",
     [["300,000", "300 000", "300000", "three hundred thousand"]], "002_fc072bcf967fd6d4"),
    ("How much assistance has Washington provided to Ukraine in total?", [["77 billion", "77bn", "77 bn"]],
     "002_fc072bcf967fd6d4"),
    ("Which Swedish official passed on Turkey's message about ratifying Sweden's accession?",
     [["Billstrom", "Billström"]], "002_fc072bcf967fd6d4"),
    ("How did Blinken characterize backing for Ukraine across party lines in the US?", [["bipartisan"]],
     "002_fc072bcf967fd6d4"),
    ("What did the U.S. Secretary of State think NATO's Washington summit could concentrate on?",
     [["roadmap", "road map"]], "003_16edb1bee11da1a2"),
    ("Which German official floated easing some of the membership requirements for Ukraine?", [["Pistorius"]],
     "004_383273222443319f"),
    ("Where are alliance leaders planning to hold the inaugural NATO-Ukraine Council session?",
     [["Vilnius", "Lithuania"]], "004_383273222443319f"),
    ("Which Ukrainian minister took part in the NATO-Ukraine Council meeting of foreign ministers?", [["Kuleba"]],
     "001_cd5e2698af9fcec4"),
    ("What will the NATO-Ukraine work programme for the coming year concentrate on?",
     [["energy"], ["innovation"], ["interoperab"]], "001_cd5e2698af9fcec4"),
    ("Where did Ukraine score its notable successes last year, according to the NATO chief?",
     [["Kharkiv", "Kharkov"], ["Kherson"]], "001_cd5e2698af9fcec4"),
    ("Outside Ukraine, in which regions is Russia said to be losing influence?", [["Caucasus"], ["Central Asia"]],
     "001_cd5e2698af9fcec4"),
    ("What facility was opened to train Ukraine's pilots?", [["training cent"]], "000_7c0dcdb0c3e64ae2"),
    ("Did Stoltenberg think Russia was ready to negotiate any time soon?",
     [["no obvious sign", "no sign", "no clear sign", "no indication"]], "000_7c0dcdb0c3e64ae2"),
    ("Who, according to Stoltenberg, gets to decide how the war should end?",
     [["Kyiv", "Kiev", "up to Ukraine", "Ukrainians"]], "000_7c0dcdb0c3e64ae2"),
    ("What do allies hope to achieve by institutionalising Ukraine support within NATO?",
     [["predictable"], ["powerful"]], "003_16edb1bee11da1a2"),
    ("Roughly how much weaponry have NATO countries already sent Ukraine since the full-scale invasion began?",
     [["tens of billions"]], "004_383273222443319f"),
    # beyond the first 16 (used by bench/load.py's 20 clients)
    ("Besides on land, where did Stoltenberg say Ukraine made substantial progress this year?", [["Black Sea"]],
     "002_fc072bcf967fd6d4"),
    ("On what date did the NATO foreign ministers wrap up their two-day Brussels meeting?",
     [["November 29", "29 November", "Nov. 29", "Nov 29", "2023-11-29"]], "002_fc072bcf967fd6d4"),
    ("On what day did Stoltenberg say Russia would have to realize it cannot win, ahead of the Brussels meeting?",
     [["April 3", "3 April", "Apr. 3", "Apr 3", "2024-04-03"]], "003_16edb1bee11da1a2"),
    ("What did Stoltenberg say about how Russia has fared: its losses, its standing and its war aims?",
     [["isolat"], ["dominat"]], "000_7c0dcdb0c3e64ae2"),
    ("What do the articles say about Russia's relationship with China?", [["mortgag"], ["deepen", "closer", "stronger"]],
     "001_cd5e2698af9fcec4"),
    ("In what year was the vague pledge made that Ukraine would one day become a NATO member?", [["2014"]],
     "004_383273222443319f"),
]  # fmt: skip


def check(answer: dict, facts: list[list[str]], doc: str) -> str | None:
    """None if the answer is right for its question, else what is wrong."""
    text = answer.get("answer", "").lower()
    missing = [alts[0] for alts in facts if not any(a.lower() in text for a in alts)]
    cited = {c["article_id"] for c in answer.get("citations", [])}
    if missing:
        return f"missing {missing}"
    if doc not in cited:
        return f"cites {sorted(cited)}, not {doc}"
    return None


def start_app(data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    from app import launch

    try:
        return launch(data_dir, log)
    except RuntimeError as e:
        raise SystemExit(str(e)) from None


def stop_app(proc: subprocess.Popen, work: Path) -> None:
    """Stop the app started by start_app and delete its scratch folder."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(work, ignore_errors=True)

def run_user(url: str, user: int, rounds: int, start: threading.Barrier, out: list[dict]) -> None:
    from gradio_client import Client

    question, facts, doc = QUESTIONS[user]
    try:
        client = Client(url, verbose=False)
    except Exception as e:  # noqa: BLE001 - a failed connection is a result to report, not a crash
        out.append({"user": user, "round": -1, "error": f"connect: {e}", "latency_s": None})
        start.wait()
        return
    start.wait()
    for r in range(rounds):
        t0 = time.perf_counter()
        row: dict = {"user": user, "round": r, "question": question}
        try:
            answer = client.predict(question, api_name="/ask")
            row["wrong"] = check(answer, facts, doc)
            row["answer"] = answer["answer"][:160]
            row["server_s"] = answer["timings"].get("total_s")  # the answer alone, without queue and transport
        except Exception as e:  # noqa: BLE001
            row["error"] = f"{type(e).__name__}: {e}"
        row["latency_s"] = time.perf_counter() - t0
        out.append(row)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=16, help=f"concurrent users (at most {len(QUESTIONS)})")
    p.add_argument("--rounds", type=int, default=3, help="questions per user")
    args = p.parse_args(argv)
    if not 1 <= args.users <= len(QUESTIONS):
        p.error(f"--users must be between 1 and {len(QUESTIONS)} (one distinct question each)")

    work = Path(tempfile.mkdtemp(prefix="ragchat-ui-load-"))
    t_start = time.monotonic()
    proc, url = start_app(work / "data", work / "app.log")
    print(f"app up at {url} in {time.monotonic() - t_start:.1f} s; {args.users} users x {args.rounds} rounds",
          flush=True)
    rows: list[dict] = []
    try:
        barrier = threading.Barrier(args.users + 1)
        threads = [threading.Thread(target=run_user, args=(url, u, args.rounds, barrier, rows), daemon=True)
                   for u in range(args.users)]
        for t in threads:
            t.start()
        barrier.wait(timeout=120)
        t0 = time.perf_counter()
        for t in threads:
            t.join(timeout=max(1.0, DEADLINE_S - (time.monotonic() - t_start)))
        wall = time.perf_counter() - t0
        hung = sum(t.is_alive() for t in threads)
    finally:
        stop_app(proc, work)

    done = [r for r in rows if r["round"] >= 0]
    errors = [r for r in rows if r.get("error")]
    wrong = [r for r in done if r.get("wrong")]
    latencies = [r["latency_s"] for r in done if not r.get("error")]
    server = [r["server_s"] for r in done if r.get("server_s") is not None]
    expected = args.users * args.rounds
    result = {
        "what": f"{args.users} concurrent gradio_client users on loopback, one distinct question each, /ask endpoint",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "backend": "extractive",
        "users": args.users,
        "rounds": args.rounds,
        "requests": len(done),
        "requests_expected": expected,
        "errors": len(errors),
        "wrong_answers": len(wrong),
        "hung_users": hung,
        "latency_s": {
            "p50": round(percentile(latencies, 0.50), 3) if latencies else None,
            "p95": round(percentile(latencies, 0.95), 3) if latencies else None,
            "max": round(max(latencies), 3) if latencies else None,
            "mean": round(statistics.mean(latencies), 3) if latencies else None,
        },
        "server_answer_s": {  # time inside Assistant.stream; the rest of the latency is queue + transport
            "p50": round(percentile(server, 0.50), 3) if server else None,
            "p95": round(percentile(server, 0.95), 3) if server else None,
        },
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 2) if wall else None,
        "failures": [{k: r.get(k) for k in ("user", "round", "question", "error", "wrong", "answer")}
                     for r in errors + wrong][:20],
    }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    lat = result["latency_s"]
    print(f"{len(done)}/{expected} answered, {len(errors)} errors, {len(wrong)} wrong, {hung} hung; "
          f"latency p50 {lat['p50']} s, p95 {lat['p95']} s, max {lat['max']} s; "
          f"(inside the answer: p50 {result['server_answer_s']['p50']} s); "
          f"{result['throughput_rps']} answers/s over {wall:.1f} s -> {RESULTS.relative_to(ROOT)}")
    for f in result["failures"]:
        print(f"  user {f['user']} round {f['round']}: {f['error'] or f['wrong']}", file=sys.stderr)
    ok = not errors and not wrong and not hung and len(done) == expected
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
