"""Benchmark `salescli check` on a large generated pipeline repository (SPEC §9).

Run it from the project root with the development interpreter:

    python bench/bench_check.py [--deals N] [--runs R] [--rebuild]

The first run builds `salescli demo --deals N` (default 10000) under
bench/.data/demo-N/ (git-ignored, shared with the other benchmarks: the demo is the
one record generator of tests, benchmarks and users) and re-uses it on later runs;
--rebuild builds it again. Every record is valid, so the run measures the normal
path of `check`.

The script then verifies that `salescli -C DIR check` exits 0, times it R times as
a fresh process each (cold interpreter, warm OS file cache) and prints the median,
min and max with the ratio of the median to the SPEC budget. `salescli --help` is
timed the same way (10 runs). The figures are measurements to compare against the
budgets, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_history import DATA_DIR
from bench_history import build as build_demo

BENCH_DIR = Path(__file__).resolve().parent
CHECK_BUDGET_S = 2.5  # SPEC §9: `check` on 10 000 deals
HELP_BUDGET_S = 0.150  # SPEC §9: `salescli --help`
ADVANCE_BUDGET_S = 0.300  # SPEC §9: a mutating command end to end, commit included
HELP_RUNS = 10


def salescli_command() -> list[str]:
    """The salescli next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "salescli"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("salescli")
    if found is None:
        sys.exit("salescli is not installed: pip install -e . in the project first")
    return [found]


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME="salescli bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="salescli bench", GIT_COMMITTER_EMAIL="bench@example.com")
    return env


def run(cmd: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, env=git_env(), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")


def ensure_data(deals: int, rebuild: bool) -> tuple[Path, dict[str, int], float | None]:
    """The demo repository of `deals` deals, its record counts and how long it took to
    build (None: it was there)."""
    root = DATA_DIR / f"demo-{deals}"
    if rebuild and root.exists():
        shutil.rmtree(root)
    if not root.exists():
        print(f"building {root.relative_to(BENCH_DIR.parent)} ({deals} deals)...", flush=True)
    built = build_demo(root, deals)
    counts = {kind: sum(1 for _ in (root / kind).glob("*/*.yaml"))
              for kind in ("deals", "accounts", "leads")}
    return root, counts, built


# -------------------------------------------------------------------- timing


def time_runs(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {proc.returncode} during timing")
    return times


def verify(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"{' '.join(cmd)} exited {proc.returncode}; not timing it.", file=sys.stderr)
        lines = proc.stdout.splitlines()
        shown = "\n".join(lines[:50]) + (f"\n... {len(lines) - 50} more" if len(lines) > 50
                                         else "")
        print(f"stderr:\n{proc.stderr}stdout:\n{shown}", file=sys.stderr)
        sys.exit(1)
    if proc.stdout.strip():  # warnings only: still the normal path, but say so
        lines = proc.stdout.splitlines()
        print(f"note: check passed with {proc.stderr.strip()}; first of them:")
        print("\n".join("  " + ln for ln in lines[:5]))


def time_advance(salescli: list[str], root: Path, runs: int) -> list[float]:
    """`deal advance` end to end (with its commit) on a clone of the data repository.

    Each timed advance (negotiation -> contracting) is undone by an untimed
    `deal move ... --reason`, so every run does the same work.
    """
    clone = root.parent / f"{root.name}-advance"
    if clone.exists():
        shutil.rmtree(clone)
    run(["git", "clone", "-q", "--local", str(root), str(clone)])
    deal = next(p.stem for p in sorted((clone / "deals").glob("*/*.yaml"))
                if "\nstage: negotiation\nstatus: open\n" in p.read_text())
    base = [*salescli, "-C", str(clone), "deal"]
    times = []
    env = git_env()
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run([*base, "advance", deal], env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"deal advance {deal} failed: {proc.stderr}")
        run([*base, "move", deal, "negotiation", "--reason", "bench"])
    shutil.rmtree(clone)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time `salescli check` on a generated repository and `salescli --help`, "
                    "against the SPEC §9 budgets.",
        epilog="Example: python bench/bench_check.py --deals 10000 --runs 5",
    )
    parser.add_argument("--deals", type=int, default=10_000, metavar="N",
                        help="deals of the demo repository; default 10000")
    parser.add_argument("--runs", type=int, default=5, metavar="R",
                        help="timed runs of check, each a fresh process; default 5")
    parser.add_argument("--rebuild", action="store_true",
                        help="build the repository again even if it is cached")
    args = parser.parse_args(argv)
    # an installed salescli has its bytecode compiled; measure that, not recompiling
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.deals < 1 or args.runs < 1:
        parser.error("--deals and --runs must be at least 1")

    root, meta, built = ensure_data(args.deals, args.rebuild)
    how = "cached" if built is None else f"built in {built:.1f} s"
    print(f"data: {root.relative_to(BENCH_DIR.parent)}: {meta['deals']} deals, "
          f"{meta['accounts']} accounts, {meta['leads']} leads ({how})")

    salescli = salescli_command()
    check = [*salescli, "-C", str(root), "check", "--no-cache"]  # cold: no cached answer
    verify(check)  # also the warm-up run: the OS file cache is warm for every timed run
    rows = [
        (f"salescli check ({meta['deals']} deals)", time_runs(check, args.runs),
         CHECK_BUDGET_S),
        ("salescli --help", time_runs([*salescli, "--help"], HELP_RUNS), HELP_BUDGET_S),
        ("salescli deal advance", time_advance(salescli, root, HELP_RUNS), ADVANCE_BUDGET_S),
    ]

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(f"cpus: {os.cpu_count()} (usable: {affinity or 'n/a'}); "
          f"python {sys.version.split()[0]}; {salescli[0]}")
    header = f"{'benchmark':<30} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} " \
             f"{'budget s':>9} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name, times, budget in rows:
        median = statistics.median(times)
        print(f"{name:<30} {len(times):>4} {median:>9.3f} {min(times):>7.3f} "
              f"{max(times):>7.3f} {budget:>9.3f} {median / budget:>6.2f}")
    print("ratio = median / budget (SPEC §9); below 1.00 is within budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
