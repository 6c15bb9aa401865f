"""The everyday read commands as ratios to `git status` on the same repository.

    python bench/bench_reads.py [--deals N] [--runs R] [--rebuild]

On a clone of the `salescli demo --deals N` repository (bench/.data/demo-N/, built
once), with a handful of uncommitted hand edits, the clone's files settled (older than
git's racily clean window) and the record index brought up to date by one untimed run
of each command, times each command and `git status`
alternately (so both see the same machine load), R runs each, and prints the medians
and their ratio. Budget (SPEC §9): at most 1.5 x `git status`. `check --staged` is
timed as the pre-commit hook runs it before each commit: before every run (untimed)
the last staged edit is committed and an edit of another record is staged, so each run
sees a new HEAD and a new staged file, never the answer of the run before; once with
deals staged, once with accounts (whose deals and duplicates are checked again) and
once with leads.

Also: the first command after a fresh clone (`deal list` building the index from
nothing; budget: the cold `check` budget, 2.5 s), on each of COLD_RUNS fresh clones.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_history import prepare  # noqa: E402
from bench_history import salescli  # noqa: E402

BUDGET = 1.5
EDITED = 3  # uncommitted hand edits while timing
COLD_RUNS = 3  # fresh clones, each timed once by its first command


def _time(cmd: list[str], root: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # check exits 1 on findings; anything else is broken
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return elapsed


def alternate(cmd: list[str], root: Path, runs: int,
              before: Callable[[int], None] | None = None
              ) -> tuple[list[float], list[float]]:
    """(command times, git status times), measured in alternation; `before(run)` is
    called (untimed) before each run of the command."""
    mine, git = [], []
    for n in range(runs):
        if before is not None:
            before(n)
        mine.append(_time(cmd, root))
        git.append(_time(["git", "status", "--short"], root))
    return mine, git


def read_times(cli: list[str], demo: Path, runs: int
               ) -> list[tuple[str, list[float], list[float]]]:
    """(name, its times, git status times measured in alternation with it) of each
    everyday read command; the first command after a clone has no git times."""
    clone = demo.parent / f"{demo.name}-reads"
    cold = []
    for _ in range(COLD_RUNS):  # one sample swung 2.6-3.4 s on a shared 2-core machine
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", "--local", str(demo), str(clone)], check=True)
        cold.append(_time([*cli, "deal", "list"], clone))
    try:
        deals = sorted((clone / "deals").glob("*/*.yaml"))
        for path in deals[:EDITED]:  # hand edits the index must notice
            with path.open("a", encoding="utf-8") as fh:
                fh.write("# edited by bench\n")
        # Every file and folder of the clone was written moments ago: git and the record
        # index trust a stat only once it is older than the clock can tell apart (git's
        # racily clean rule, FRESH_NS), so the reads of the next seconds check them
        # again, and git status rewrites its index once. Timed then, whichever command
        # came first measured that instead of the steady state the budget is about (a
        # founder's repository is not seconds old): wait it out, as git status settles.
        time.sleep(2.5)
        subprocess.run(["git", "status", "--short"], cwd=clone, stdout=subprocess.DEVNULL,
                       check=True)
        show = deals[EDITED].stem
        commands = {
            "today": ["today"], "stale": ["stale"], "deal list": ["deal", "list"],
            "deal show": ["deal", "show", show], "account list": ["account", "list"],
            "lead list": ["lead", "list"], "report forecast": ["report", "forecast"],
            "report funnel": ["report", "funnel"],
        }
        rows: list[tuple[str, list[float], list[float]]] = [
            ("first command after clone", cold, [])]
        for name, args in commands.items():
            _time([*cli, *args], clone)  # brings the index and caches up to date
            mine, git = alternate([*cli, *args], clone, runs)
            rows.append((name, mine, git))
        for name, folder in (("check --staged", "deals"), ("check --staged, account", "accounts"),
                             ("check --staged, lead", "leads")):
            staged = deals[EDITED + 1:] if folder == "deals" \
                else sorted((clone / folder).glob("*/*.yaml"))

            def next_commit(n: int, staged: list[Path] = staged) -> None:
                """The last staged edit committed, and the next one staged: as a founder's
                commits follow each other, each with its hook run."""
                git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
                subprocess.run([*git, "commit", "-q", "--no-verify", "-m", "bench"],
                               cwd=clone, check=False, stdout=subprocess.DEVNULL)
                path = staged[n + 1]
                with path.open("a", encoding="utf-8") as fh:
                    fh.write("# staged by bench\n")
                subprocess.run(["git", "add", "--", str(path.relative_to(clone))],
                               cwd=clone, check=True)

            check = [*cli, "check", "--staged", "--quiet"]
            next_commit(-1)
            _time(check, clone)
            mine, git = alternate(check, clone, runs, next_commit)
            rows.append((name, mine, git))
        return rows
    finally:
        shutil.rmtree(clone, ignore_errors=True)


def print_rows(rows: list[tuple[str, list[float], list[float]]]) -> None:
    print(f"{'':<26}{'median':>9}{'git status':>12}{'ratio':>8}{'budget':>8}")
    for name, times, git_times in rows:
        mine = statistics.median(times)
        if not git_times:  # the cold build has an absolute budget
            print(f"{name:<26}{mine:9.3f}{'':>12}{mine / 2.5:8.2f}{'2.5 s':>8}")
        else:
            git = statistics.median(git_times)
            print(f"{name:<26}{mine:9.3f}{git:12.3f}{mine / git:8.2f}{BUDGET:7.1f}x")


def main() -> None:
    args, root, _ = prepare(__doc__.splitlines()[0])
    print(f"repository: {root} ({args.deals} deals), {args.runs} runs each, alternating "
          "with git status")
    print_rows(read_times(salescli(), root, args.runs))


if __name__ == "__main__":
    main()
