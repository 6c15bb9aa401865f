"""Every line of SPEC §9 on one `salescli demo --deals N` repository, in one command.

    python bench/bench.py [--deals N] [--runs R] [--rebuild]

Builds (once, timed: budget 3 minutes) the demo under bench/.data/demo-N/ with a
fixed seed and end date, then times, each as the median of R fresh processes with a
warm OS file cache (the reads and writes of the clone: at least QUICK_RUNS, 11):

- the history floor (`git log --raw -z --no-renames -- deals/` plus `git cat-file
  --batch` over its blobs) and `report funnel` cold (`--no-cache`; budget 1.5 x the
  floor) and warm (cache current; budget 0.5 s);
- `check` cold (`--no-cache`; budget 2.5 s) and warm (nothing changed since the last
  run; budget 0.5 s);
- `salescli --help` (budget 0.15 s);
- on a clone with a few uncommitted hand edits, each everyday read command (`today`,
  `stale`, `deal list`, `deal show`, `account list`, `lead list`, `report forecast`,
  `report funnel`, `check --staged` with one deal, account or lead staged) in
  alternation with `git status` (budget 1.5 x), and the first command after a clone,
  which builds the record index (budget: the cold check's 2.5 s) (bench_reads.py);
- on a clone, in alternation within each round: `git status`, `git commit -q -m x --
  FILE` of a hand-edited deal, and the mutating commands `deal set`, `deal advance`
  and `log call` with their commits, each against that git commit (budget 1.0 x);
  then `today` after them (the round moved a deal's stage: the history is read), and
  `today` right after one more `log call` (no stage moved: no history read). Neither
  has a budget in SPEC §9.

A row is a name, its times, and its budget: either seconds, or a ratio to a
reference row's median measured in the same run (`Row(..., ref="git status",
ratio=1.5)` for an everyday read command). It prints medians, minima, maxima and
ratios to the budgets; nothing here is a test.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import HELP_RUNS  # noqa: E402
from bench_check import git_env  # noqa: E402
from bench_check import run  # noqa: E402
from bench_history import blob_list  # noqa: E402
from bench_history import prepare  # noqa: E402
from bench_history import salescli  # noqa: E402
from bench_history import timed  # noqa: E402
from bench_reads import BUDGET as READ_BUDGET  # noqa: E402
from bench_reads import read_times  # noqa: E402

GIT_STATUS = "git status"
GIT_COMMIT = "git commit -- FILE"
TODAY_AFTER = "today after a write"
TODAY_AFTER_CALL = "today after log call"
# the lines of a tenth of a second (the reads against git status, the writes against
# git commit) are cheap to run more often, and need it: on a shared 2-core machine a
# median of 5 swung by a third between two runs of the same code
QUICK_RUNS = 11


@dataclass
class Row:
    """One line of the table: `times` against `seconds`, or against `ratio` x the
    median of the row named `ref` (git's own time for the same job, this run)."""

    name: str
    times: list[float]
    ref: str | None = None
    ratio: float | None = None
    seconds: float | None = None


def time_writes(cli: list[str], root: Path, runs: int) -> dict[str, list[float]]:
    """git status, git commit -- FILE and the three mutating commands, on a clone.

    Each round times every one of them once, in turn, so all share the machine's
    mood of that moment: `deal set` and `log call` change one deal, which is then
    hand-edited and committed with `git commit -q -m x -- FILE`; `deal advance` moves
    another deal (negotiation -> contracting), put back by an untimed `deal move`.
    """
    clone = root.parent / f"{root.name}-writes"
    if clone.exists():
        shutil.rmtree(clone)
    run(["git", "clone", "-q", "--local", str(root), str(clone)])
    try:
        return _time_writes(cli, clone, runs)
    finally:
        shutil.rmtree(clone)


def _time_writes(cli: list[str], clone: Path, runs: int) -> dict[str, list[float]]:
    paths = sorted((clone / "deals").glob("*/*.yaml"))
    texts = {p: p.read_text(encoding="utf-8") for p in paths}
    edited = next(p for p in paths if "\nstatus: open\n" in texts[p])
    moved = next(p for p in paths if "\nstage: negotiation\nstatus: open\n" in texts[p])
    rel = edited.relative_to(clone).as_posix()
    base = [*cli, "-C", str(clone)]
    env = git_env()
    times: dict[str, list[float]] = {}

    def timed_once(name: str, cmd: list[str]) -> None:
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True)
        times.setdefault(name, []).append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"{name} failed: {proc.stderr}{proc.stdout}")

    def hand_edit() -> None:
        text = edited.read_text(encoding="utf-8")
        edited.write_text(text[:-len("# bench\n")] if text.endswith("# bench\n")
                          else text + "# bench\n", encoding="utf-8")

    steps: list[tuple[str, Callable[[int], list[str]], Callable[[], None] | None]] = [
        (GIT_STATUS, lambda i: ["git", "status"], None),
        ("deal set", lambda i: [*base, "deal", "set", edited.stem,
                                f"next_step.action=Call back {i}"], None),
        (GIT_COMMIT, lambda i: ["git", "commit", "-q", "-m", "x", "--", rel], hand_edit),
        ("deal advance", lambda i: [*base, "deal", "advance", moved.stem], None),
        ("log call", lambda i: [*base, "log", "call", edited.stem, f"Bench call {i}"], None),
        # the everyday sequence: a write, then the first report-like read after it
        # (its history caches continue from the commit before; no budget in SPEC §9)
        (TODAY_AFTER, lambda i: [*base, "today"], None),
        # and the commonest: a call logged (untimed), then today (the days deals entered
        # their stages kept: the call moved none)
        (TODAY_AFTER_CALL, lambda i: [*base, "today"], lambda: run(
            [*base, "log", "call", edited.stem, "Bench call before today"])),
    ]
    for i in range(runs + 1):  # the first round warms up (caches, bytecode) and is dropped
        for name, cmd, before in steps:
            if before:
                before()
            timed_once(name, cmd(i))
            if name == "deal advance":
                run([*base, "deal", "move", moved.stem, "negotiation", "--reason", "bench"])
    return {name: t[1:] for name, t in times.items()}


def main() -> None:
    args, root, built = prepare(__doc__.splitlines()[0])
    cli = salescli()
    runs = args.runs
    cache = root / ".git" / "salescli"
    rows: list[Row] = []
    if built is not None:
        rows.append(Row("demo build", [built], seconds=180.0))

    # the log salescli reads (--date-order: git simplifies the history before printing)
    log_t = timed(["git", "log", "--date-order", "--raw", "-z", "--no-renames", "--",
                   "deals/"], root, runs)
    cat_t = timed(["git", "cat-file", "--batch"], root, runs, stdin=blob_list(root))
    floor = [a + b for a, b in zip(sorted(log_t), sorted(cat_t), strict=True)]
    rows.append(Row("history floor", floor))
    funnel = [*cli, "report", "funnel"]
    rows.append(Row("report funnel cold", timed([*funnel, "--no-cache"], root, runs),
                    ref="history floor", ratio=1.5))
    timed(funnel, root, 1)  # fills the cache
    rows.append(Row("report funnel warm", timed(funnel, root, runs), seconds=0.5))
    check = [*cli, "check", "--quiet"]
    rows.append(Row("check cold", timed([*check, "--no-cache"], root, runs), seconds=2.5))
    shutil.rmtree(cache / "check.cache", ignore_errors=True)
    timed(check, root, 1)  # fills the cache
    rows.append(Row("check warm", timed(check, root, runs), seconds=0.5))
    rows.append(Row("--help", timed([*cli, "--help"], root, HELP_RUNS), seconds=0.15))

    reads = read_times(cli, root, max(runs, QUICK_RUNS))
    rows.append(Row("git status (reads)", [t for _, _, git in reads for t in git]))
    for name, times, git in reads:
        if git:
            rows.append(Row(name, times, ref="git status (reads)", ratio=READ_BUDGET))
        else:  # building the record index from nothing: the cold check budget
            rows.append(Row(name, times, seconds=2.5))
    writes = time_writes(cli, root, max(runs, QUICK_RUNS))
    rows.append(Row(GIT_STATUS, writes[GIT_STATUS]))
    rows.append(Row(GIT_COMMIT, writes[GIT_COMMIT]))
    for name in ("deal set", "deal advance", "log call"):
        rows.append(Row(name, writes[name], ref=GIT_COMMIT, ratio=1.0))
    rows.append(Row(TODAY_AFTER, writes[TODAY_AFTER]))
    rows.append(Row(TODAY_AFTER_CALL, writes[TODAY_AFTER_CALL]))

    commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=root,
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"repository: {root} ({args.deals} deals, {commits} commits); "
          f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    print_table(rows)


def print_table(rows: list[Row]) -> None:
    """The table: each row's median against its budget, as a ratio (below 1.00 holds)."""
    medians = {r.name: statistics.median(r.times) for r in rows}
    print(f"{'':<20}{'runs':>5}{'median':>9}{'min':>9}{'max':>9}  "
          f"{'budget':<34}{'vs budget':>9}")
    for r in rows:
        med = medians[r.name]
        if r.ref is not None and r.ratio is not None:
            ref = medians[r.ref]
            budget = f"{r.ratio:g} x {r.ref} ({r.ratio * ref:.3f} s)"
            shown = f"{med / (r.ratio * ref):9.2f}  = {med / ref:.2f} x"
        elif r.seconds is not None:
            budget, shown = f"{r.seconds:.2f} s", f"{med / r.seconds:9.2f}"
        else:
            budget, shown = "", ""
        print(f"{r.name:<20}{len(r.times):>5}{med:9.3f}{min(r.times):9.3f}"
              f"{max(r.times):9.3f}  {budget:<34}{shown}")
    print("vs budget = median / budget (SPEC §9); below 1.00 is within budget; "
          "`= R x`: the median as a ratio to its reference")


if __name__ == "__main__":
    main()
