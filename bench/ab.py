"""Two revisions of salescli, one command, timed in pairs on the same repository.

    python bench/ab.py REV_A REV_B [--deals N] [--runs R] [-- COMMAND ARGS...]

Whether a change makes a command faster, told apart from the machine's mood: each
revision's `salescli` (its files as `git archive` gives them, bytecode compiled) runs
COMMAND on its own clone of the `salescli demo --deals N` repository, the two in
turn, the order swapped every run (A B, B A, ...), so both see the same load; the
table gives each one's median and the median of the paired differences B - A, with
how many pairs B won. On a shared 2-core machine unpaired medians of 15 runs swung by
10 ms either way for a change that, paired over 61 runs, made 1 ms of difference.

COMMAND defaults to `deal set ID next_step.action=...` (a write with its commit) of an
open deal, with `git commit -- FILE` of a hand edit timed in each run for scale; any
other COMMAND is scaled by `git status`. `{i}` in it is the run's number, so that a
write changes something every time.

    python bench/ab.py HEAD~1 HEAD --runs 61
    python bench/ab.py main my-branch -- today
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_history import DATA_DIR  # noqa: E402
from bench_history import build  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def tree_of(rev: str, into: Path) -> Path:
    """salescli as `rev` has it, importable from `into` (PYTHONPATH)."""
    archive = subprocess.run(["git", "archive", rev, "salescli", "pipeline", "templates"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    # where an installed salescli has them (setup.cfg's package_dir puts them there)
    (into / "salescli" / "_presets").symlink_to("../pipeline")
    (into / "salescli" / "_templates").symlink_to("../templates")
    compileall.compile_dir(into / "salescli", quiet=1)
    return into


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", metavar="REV_A")
    parser.add_argument("b", metavar="REV_B")
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=31)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    args.command = argv[cut + 1:]  # after `--`: salescli's own arguments
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed salescli runs
    demo = DATA_DIR / f"demo-{args.deals}"
    build(demo, args.deals)
    with tempfile.TemporaryDirectory(prefix="salescli-ab-") as tmp:
        work = Path(tmp)
        trees = {args.a: tree_of(args.a, work / "a"), args.b: tree_of(args.b, work / "b")}
        # a clone each: the record index keeps answers (`today`'s) under the code that
        # worked them out, which one revision's would throw away for the other's
        clones = {rev: work / f"repo-{n}" for n, rev in enumerate((args.a, args.b))}
        for clone in clones.values():
            subprocess.run(["git", "clone", "-q", "--local", str(demo), str(clone)],
                           check=True)
        clone = clones[args.a]  # where the scale is timed too
        deals = sorted((clone / "deals").glob("*/*.yaml"))
        edited = next(p for p in deals if "\nstatus: open\n" in p.read_text(encoding="utf-8"))
        command = args.command or ["deal", "set", edited.stem, "next_step.action=Call {i}"]
        rel = edited.relative_to(clone).as_posix()
        scale = "git status" if args.command else "git commit -- FILE"
        times: dict[str, list[float]] = {args.a: [], args.b: [], scale: []}
        for i in range(args.runs + 1):  # the first run warms the caches and is dropped
            order = [args.a, args.b] if i % 2 == 0 else [args.b, args.a]
            for rev in order:
                cmd = [sys.executable, "-m", "salescli",
                       *(a.replace("{i}", f"{rev} {i}") for a in command)]
                took = timed(cmd, clones[rev], {**os.environ, "PYTHONPATH": str(trees[rev])})
                times[rev].append(took)
            if args.command:
                times[scale].append(timed(["git", "status", "--short"], clone))
                continue
            text = edited.read_text(encoding="utf-8")
            edited.write_text(text[:-len("# ab\n")] if text.endswith("# ab\n")
                              else text + "# ab\n", encoding="utf-8")
            times[scale].append(timed(["git", "commit", "-q", "-m", "ab", "--", rel], clone))
        for clone in clones.values():
            shutil.rmtree(clone)
    runs = {name: t[1:] for name, t in times.items()}
    print(f"{' '.join(command)}: {args.runs} runs on {args.deals:,} deals, "
          f"{args.a} and {args.b} in turn")
    for name, t in runs.items():
        print(f"  {name:20} median {statistics.median(t) * 1000:7.1f} ms   "
              f"min {min(t) * 1000:7.1f} ms")
    diffs = [b - a for a, b in zip(runs[args.a], runs[args.b], strict=True)]
    print(f"  {args.b} - {args.a}: median {statistics.median(diffs) * 1000:+.1f} ms, "
          f"mean {statistics.mean(diffs) * 1000:+.1f} ms; {args.b} faster in "
          f"{sum(d < 0 for d in diffs)} of {len(diffs)} pairs")


if __name__ == "__main__":
    main()
