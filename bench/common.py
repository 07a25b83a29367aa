"""Small helpers shared by the parent and the workers: statistics, timed subprocesses,
the environment every measured process gets, and a description of the machine."""

from __future__ import annotations

import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RAGCHAT = str(Path(sys.executable).with_name("ragchat"))
# Settings a user may have exported that would change what is measured.
_UNSET = ("RAGCHAT_CONFIG", "RAGCHAT_BACKEND", "RAGCHAT_DATA_DIR", "RAGCHAT_TOP_K",
          "RAGCHAT_EMBEDDING_MODEL", "RAGCHAT_CHROMA_URL", "RAGCHAT_LLM_BASE_URL")  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), q in [0, 100].

    >>> percentile([1, 2, 3, 4], 50), percentile([1, 2, 3, 4], 95)
    (2.5, 3.85)
    """
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 10)


def summary(values: list[float], scale: float = 1.0, digits: int = 4) -> dict[str, Any]:
    """p50, p95, min, max and n of `values` (multiplied by `scale`, e.g. 1000 for ms)."""
    if not values:
        return {"n": 0}
    xs = [v * scale for v in values]
    return {
        "p50": round(percentile(xs, 50), digits), "p95": round(percentile(xs, 95), digits),
        "min": round(min(xs), digits), "max": round(max(xs), digits), "n": len(xs),
    }  # fmt: skip


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of every measured process: offline, no telemetry, no user settings."""
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env.update(
        HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
        GRADIO_ANALYTICS_ENABLED="False", TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1",
        TIKTOKEN_CACHE_DIR=tiktoken_cache_dir(),
    )  # fmt: skip
    env.update(extra)
    return env


def tiktoken_cache_dir() -> str:
    """The cl100k file llama-index-core ships (tiktoken would download it otherwise)."""
    import importlib.util

    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or spec.origin is None:
        return os.environ.get("TIKTOKEN_CACHE_DIR", "")
    return str(Path(spec.origin).parent / "_static" / "tiktoken_cache")


@dataclass
class Run:
    """One finished (or killed) subprocess."""

    returncode: int
    wall_s: float
    first_output_s: float | None  # first byte on stdout, from spawn
    peak_rss_mb: float  # ru_maxrss of this child (and the children it waited for)
    stdout: str
    stderr: str
    timed_out: bool

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def tail(self, n: int = 600) -> str:
        return (self.stderr or self.stdout)[-n:]


def timed_run(cmd: list[str], *, timeout: float, env: dict[str, str] | None = None,
              cwd: Path = ROOT) -> Run:
    """Run `cmd`, timing spawn -> exit and spawn -> first stdout byte; kill its process group
    after `timeout` s. Peak RSS comes from wait4 for exactly this child."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                            env=env or bench_env(), start_new_session=True)  # fmt: skip
    first: list[float] = []
    out: list[bytes] = []
    err: list[bytes] = []

    def read_out() -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read1(65536):
            if not first:
                first.append(time.perf_counter() - t0)
            out.append(chunk)

    def read_err() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(65536):
            err.append(chunk)

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for t in readers:
        t.start()
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        stop_group(proc.pid)

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join(timeout=5)
    return Run(
        returncode=proc.returncode, wall_s=wall, first_output_s=first[0] if first else None,
        peak_rss_mb=usage.ru_maxrss / 1024, stdout=b"".join(out).decode(errors="replace"),
        stderr=b"".join(err).decode(errors="replace"), timed_out=killed.is_set(),
    )  # fmt: skip


def stop_group(pid: int, grace: float = 10.0) -> None:
    """SIGTERM the process group this bench started for `pid`, then SIGKILL after `grace` s."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_worker(task: str, args: dict[str, Any], workdir: Path, *, timeout: float) -> tuple[dict[str, Any], Run]:
    """`python -m bench.worker TASK in.json out.json`; returns (its result, the Run)."""
    tag = f"{task}-{time.time_ns()}"
    src, dst = workdir / f"{tag}.in.json", workdir / f"{tag}.out.json"
    src.write_text(json.dumps(args))
    run = timed_run([PYTHON, "-m", "bench.worker", task, str(src), str(dst)], timeout=timeout)
    if run.ok and dst.exists():
        result = json.loads(dst.read_text())
    else:
        why = "timed out" if run.timed_out else f"exit {run.returncode}"
        result = {"error": f"{task} failed ({why}): {run.tail()}"}
    result["process_wall_s"] = round(run.wall_s, 4)
    result["process_peak_rss_mb"] = round(run.peak_rss_mb, 1)
    return result, run


def rss_mb() -> float:
    """This process's resident memory now (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        (int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")), 0
    )
    import importlib.metadata as md

    versions = {}
    for dist in ("chromadb", "llama-index-core", "onnxruntime", "torch", "sentence-transformers", "bm25s", "llama_cpp_python"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "platform": platform.platform(), "versions": versions,
    }  # fmt: skip
