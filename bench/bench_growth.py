"""How warm `deal show`, `deal set` and `check --staged` grow with the repository.

    python bench/bench_growth.py [--sizes 2500,10000,40000] [--runs R]

For each size, on a clone of `salescli demo --deals N` (bench/.data/demo-N/, built
when missing; 40,000 deals take a while), with the record index and caches brought
up to date first: the median of R runs of `deal show ID`, `deal set ID
next_step.action=...` (with its commit), `check --staged --quiet` with one record
staged, and `git status` for scale. Budget (SPEC §9): from 2,500 to 10,000 deals each
grows by at most 1.3x: cost follows what changed, not how many records exist.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_history import DATA_DIR, build, salescli  # noqa: E402

GROWTH_BUDGET = 1.3


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}: {proc.stderr.decode()}")
    return elapsed


def measure(cli: list[str], demo: Path, runs: int) -> dict[str, float]:
    clone = demo.parent / f"{demo.name}-growth"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--local", str(demo), str(clone)], check=True)
    try:
        deals = sorted((clone / "deals").glob("*/*.yaml"))
        shown, changed, staged = deals[len(deals) // 2], deals[len(deals) // 3], deals[1]
        for args in (["deal", "list"], ["check", "--quiet"], ["deal", "show", shown.stem]):
            run([*cli, *args], clone)  # the index and caches, as a founder's repo has them
        with staged.open("a", encoding="utf-8") as fh:
            fh.write("# staged by bench\n")
        subprocess.run(["git", "add", "--", str(staged.relative_to(clone))], cwd=clone,
                       check=True)
        run([*cli, "check", "--staged", "--quiet"], clone)
        times: dict[str, list[float]] = {"deal show": [], "deal set": [], "check --staged": [],
                                         "git status": []}
        for i in range(runs):
            times["deal show"].append(run([*cli, "deal", "show", shown.stem], clone))
            times["deal set"].append(run([*cli, "deal", "set", changed.stem,
                                          f"next_step.action=Call back {i}"], clone))
            times["check --staged"].append(run([*cli, "check", "--staged", "--quiet"], clone))
            times["git status"].append(run(["git", "status", "--short"], clone))
        return {name: statistics.median(t) for name, t in times.items()}
    finally:
        shutil.rmtree(clone, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2500,10000,40000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = salescli()
    results: dict[int, dict[str, float]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        demo = DATA_DIR / f"demo-{size}"
        build(demo, size)
        results[size] = measure(cli, demo, args.runs)
    sizes = list(results)
    first = sizes[0]
    print(f"medians of {args.runs} runs; growth = median / median at {first:,} deals "
          f"(budget {GROWTH_BUDGET}x from 2,500 to 10,000)")
    print(f"{'deals':>8}" + "".join(f"{name:>22}" for name in results[first]))
    for size in sizes:
        cells = "".join(f"{results[size][n]:10.3f} s ({results[size][n] / results[first][n]:4.2f}x)"
                        for n in results[first])
        print(f"{size:>8,}{cells}")


if __name__ == "__main__":
    main()
