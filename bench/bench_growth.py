"""How warm `deal show`, `deal set` and `check --staged` grow with the repository.

    python bench/bench_growth.py [--sizes 2500,10000,40000] [--runs R]

For each size, on a clone of `salescli demo --deals N` (bench/.data/demo-N/, built
when missing; 40,000 deals take a while), with the record index and caches brought
up to date first: the median of R runs of `deal show ID`, `deal set ID
next_step.action=...` (with its commit), `check --staged --quiet` with one record
staged, and `git status` for scale; each run times every size in turn. Budget (SPEC
§9): from 2,500 to 10,000 deals each grows by at most 1.3x: cost follows what changed,
not how many records exist.
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
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_history import DATA_DIR  # noqa: E402
from bench_history import build  # noqa: E402
from bench_history import salescli  # noqa: E402

GROWTH_BUDGET = 1.3


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}: {proc.stderr.decode()}")
    return elapsed


class Clone(NamedTuple):
    root: Path
    shown: str  # the deal `deal show` shows
    changed: str  # the deal `deal set` changes


def prepare(cli: list[str], demo: Path) -> Clone:
    """A clone of `demo` as a founder's repository is: the index and caches up to date,
    one record staged for `check --staged`."""
    clone = demo.parent / f"{demo.name}-growth"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--local", str(demo), str(clone)], check=True)
    deals = sorted((clone / "deals").glob("*/*.yaml"))
    shown, changed, staged = deals[len(deals) // 2], deals[len(deals) // 3], deals[1]
    for args in (["deal", "list"], ["check", "--quiet"], ["deal", "show", shown.stem]):
        run([*cli, *args], clone)
    with staged.open("a", encoding="utf-8") as fh:
        fh.write("# staged by bench\n")
    subprocess.run(["git", "add", "--", str(staged.relative_to(clone))], cwd=clone, check=True)
    run([*cli, "check", "--staged", "--quiet"], clone)
    return Clone(clone, shown.stem, changed.stem)


def one_round(cli: list[str], c: Clone, i: int) -> dict[str, float]:
    return {
        "deal show": run([*cli, "deal", "show", c.shown], c.root),
        "deal set": run([*cli, "deal", "set", c.changed, f"next_step.action=Call back {i}"],
                        c.root),
        "check --staged": run([*cli, "check", "--staged", "--quiet"], c.root),
        "git status": run(["git", "status", "--short"], c.root),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2500,10000,40000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = salescli()
    sizes = [int(s) for s in args.sizes.split(",")]
    clones: dict[int, Clone] = {}
    times: dict[int, dict[str, list[float]]] = {size: {} for size in sizes}
    try:
        for size in sizes:
            demo = DATA_DIR / f"demo-{size}"
            build(demo, size)
            clones[size] = prepare(cli, demo)
        # each round times every size in turn, so all share the machine's mood of the
        # moment (a size measured in a block of its own carries that block's noise)
        for i in range(args.runs):
            for size in sizes:
                for name, t in one_round(cli, clones[size], i).items():
                    times[size].setdefault(name, []).append(t)
    finally:
        for c in clones.values():
            shutil.rmtree(c.root, ignore_errors=True)
    results = {size: {name: statistics.median(t) for name, t in times[size].items()}
               for size in sizes}
    first = sizes[0]
    print(f"medians of {args.runs} runs, the sizes in turn within each run; growth = "
          f"median / median at {first:,} deals (budget {GROWTH_BUDGET}x from 2,500 to 10,000)")
    print(f"{'deals':>8}" + "".join(f"{name:>22}" for name in results[first]))
    for size in sizes:
        cells = "".join(f"{results[size][n]:10.3f} s ({results[size][n] / results[first][n]:4.2f}x)"
                        for n in results[first])
        print(f"{size:>8,}{cells}")


if __name__ == "__main__":
    main()
