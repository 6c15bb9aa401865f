"""Benchmark reading history (SPEC §9): `report funnel` cold and warm against git's floor.

Run it from the project root with the development interpreter:

    python bench/bench_history.py [--deals N] [--runs R] [--rebuild]

The first run builds `salescli demo --deals N` (default 10000) under
bench/.data/demo-N/ (git-ignored) with a fixed seed and end date, timing the build
(budget: 3 minutes), and re-uses it later; --rebuild builds it again. Then, each as
the median of R runs of a fresh process (warm OS file cache):

- floor: `git log --raw -z --no-renames -- deals/` plus one `git cat-file --batch`
  over the blobs that log names (the list is made beforehand, not timed);
- funnel cold: `salescli report funnel --no-cache` (reads and writes no cache);
- funnel first: the cache deleted, then `salescli report funnel` (builds the cache);
- funnel warm: `salescli report funnel` with the cache current (budget 0.5 s).

Cold and first are given as ratios to the floor (budget 1.5).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
SEED, END = 20260101, "2026-11-22"
DEMO_BUDGET_S = 180.0
WARM_BUDGET_S = 0.5
COLD_RATIO = 1.5


def salescli() -> list[str]:
    exe = shutil.which("salescli", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "salescli"]


def build(root: Path, deals: int) -> float | None:
    if root.exists():
        return None
    root.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run([*salescli(), "demo", str(root), "--deals", str(deals), "--seed",
                    str(SEED), "--end", END], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed(cmd: list[str], root: Path, runs: int, before: Callable[[], None] | None = None,
          stdin: bytes | None = None) -> list[float]:
    out = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(cmd, cwd=root, input=stdin, stdout=subprocess.DEVNULL, check=True)
        out.append(time.perf_counter() - start)
    return out


def blob_list(root: Path) -> bytes:
    log = subprocess.run(["git", "log", "--raw", "-z", "--no-abbrev", "--no-renames",
                          "--format=", "--", "deals/"], cwd=root, capture_output=True,
                         check=True).stdout
    shas = set()
    for field in log.split(b"\0"):
        field = field.lstrip(b"\n")
        if field.startswith(b":"):
            sha = field.split()[3]
            if sha.strip(b"0"):
                shas.add(sha)
    return b"\n".join(sorted(shas)) + b"\n"


def row(name: str, times: list[float], budget: str, ratio: float | None) -> None:
    med = statistics.median(times)
    r = "" if ratio is None else f"{ratio:6.2f}"
    print(f"{name:<22}{med:9.3f}{min(times):9.3f}{max(times):9.3f}  {budget:<18}{r}")


def prepare(description: str) -> tuple[argparse.Namespace, Path, float | None]:
    """The options every demo benchmark takes, and its repository (built when missing)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--deals", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    # an installed salescli has its bytecode compiled; measure that, not recompiling
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    root = DATA_DIR / f"demo-{args.deals}"
    if args.rebuild and root.exists():
        shutil.rmtree(root)
    return args, root, build(root, args.deals)


def main() -> None:
    args, root, built = prepare(__doc__.splitlines()[0])
    commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root,
                             capture_output=True, text=True, check=True).stdout.strip()
    blobs = blob_list(root)
    cache = root / ".git" / "salescli"
    funnel = [*salescli(), "report", "funnel"]

    def drop_cache() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    # the log salescli reads (--date-order: git simplifies the history before printing)
    log_t = timed(["git", "log", "--date-order", "--raw", "-z", "--no-renames", "--",
                   "deals/"], root, args.runs)
    cat_t = timed(["git", "cat-file", "--batch"], root, args.runs, stdin=blobs)
    floor = [a + b for a, b in zip(sorted(log_t), sorted(cat_t), strict=True)]
    cold = timed([*funnel, "--no-cache"], root, args.runs)
    first = timed(funnel, root, args.runs, before=drop_cache)
    timed(funnel, root, 1)
    warm = timed(funnel, root, args.runs)
    f = statistics.median(floor)
    n_blobs = blobs.count(b"\n")
    print(f"repository: {root} ({args.deals} deals, {commits} commits, "
          f"{n_blobs} blobs); {os.cpu_count()} CPUs; medians of {args.runs}")
    print(f"{'':<22}{'median':>9}{'min':>9}{'max':>9}  {'budget':<18}ratio")
    if built is not None:
        row("demo build", [built], f"< {DEMO_BUDGET_S:.0f} s", built / DEMO_BUDGET_S)
    row("floor: git log", log_t, "", None)
    row("floor: cat-file", cat_t, "", None)
    row("floor (sum)", floor, "", None)
    row("funnel cold", cold, f"<= {COLD_RATIO} x floor", statistics.median(cold) / f)
    row("funnel first (cache)", first, f"<= {COLD_RATIO} x floor",
        statistics.median(first) / f)
    row("funnel warm", warm, f"< {WARM_BUDGET_S} s", statistics.median(warm) / WARM_BUDGET_S)


if __name__ == "__main__":
    main()
