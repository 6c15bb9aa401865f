"""Every line of SPEC §9 on one `salescli demo --deals N` repository, in one command.

    python bench/bench.py [--deals N] [--runs R] [--rebuild]

Builds (once, timed: budget 3 minutes) the demo under bench/.data/demo-N/ with a
fixed seed and end date, then times, each as the median of R fresh processes with a
warm OS file cache:

- the history floor (`git log --raw -z --no-renames -- deals/` plus `git cat-file
  --batch` over its blobs) and `report funnel` cold (`--no-cache`; budget 1.5 x the
  floor) and warm (cache current; budget 0.5 s);
- `check` cold (`--no-cache`; budget 2.5 s) and warm (nothing changed since the last
  run; budget 0.5 s);
- `salescli --help` (budget 0.15 s);
- `deal advance` end to end with its commit, on a clone (budget 0.3 s).

It prints medians, minima, maxima and ratios to the budgets; nothing here is a test.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import HELP_RUNS, time_advance  # noqa: E402
from bench_history import blob_list, prepare, salescli, timed  # noqa: E402


def main() -> None:
    args, root, built = prepare(__doc__.splitlines()[0])
    cli = salescli()
    runs = args.runs
    cache = root / ".git" / "salescli"
    rows: list[tuple[str, list[float], float | None, str]] = []
    if built is not None:
        rows.append(("demo build", [built], 180.0, "s"))

    log_t = timed(["git", "log", "--raw", "-z", "--no-renames", "--", "deals/"], root, runs)
    cat_t = timed(["git", "cat-file", "--batch"], root, runs, stdin=blob_list(root))
    floor = [a + b for a, b in zip(sorted(log_t), sorted(cat_t), strict=True)]
    rows.append(("history floor", floor, None, ""))
    funnel = [*cli, "report", "funnel"]
    rows.append(("report funnel cold", timed([*funnel, "--no-cache"], root, runs),
                 1.5 * statistics.median(floor), "1.5 x floor"))
    timed(funnel, root, 1)  # fills the cache
    rows.append(("report funnel warm", timed(funnel, root, runs), 0.5, "s"))
    check = [*cli, "check", "--quiet"]
    rows.append(("check cold", timed([*check, "--no-cache"], root, runs), 2.5, "s"))
    shutil.rmtree(cache / "check.cache", ignore_errors=True)
    timed(check, root, 1)  # fills the cache
    rows.append(("check warm", timed(check, root, runs), 0.5, "s"))
    rows.append(("--help", timed([*cli, "--help"], root, HELP_RUNS), 0.15, "s"))
    rows.append(("deal advance", time_advance(cli, root, HELP_RUNS), 0.3, "s"))

    commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root,
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"repository: {root} ({args.deals} deals, {commits} commits); "
          f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    print(f"{'':<20}{'runs':>5}{'median':>9}{'min':>9}{'max':>9}  {'budget':>14}{'ratio':>7}")
    for name, times, budget, unit in rows:
        med = statistics.median(times)
        shown = "" if budget is None else (f"{unit} ({budget:.2f} s)" if unit != "s"
                                           else f"{budget:.2f} s")
        ratio = "" if budget is None else f"{med / budget:7.2f}"
        print(f"{name:<20}{len(times):>5}{med:9.3f}{min(times):9.3f}{max(times):9.3f}  "
              f"{shown:>14}{ratio}")
    print("ratio = median / budget (SPEC §9); below 1.00 is within budget")


if __name__ == "__main__":
    main()
