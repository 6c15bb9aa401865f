"""Process-wide settings and the worker pool the bulk readers share."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from typing import TypeVar

K = TypeVar("K")
R = TypeVar("R")

# git's "racily clean" window: a file changed this recently may change again within
# the same clock tick and keep its size, so no cache trusts its stat yet
FRESH_NS = 2_000_000_000


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while reading many records.

    Records, history tuples and parse results hold no reference cycles, so the
    collector would only rescan millions of live objects: about 0.3 s of a 3 s
    `check` and half the time of loading the history cache. Reference counting
    still frees everything as usual. Worker processes forked inside inherit it.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_CODE: list[tuple] = []


def code_stamp() -> tuple:
    """salescli's own code as installed: its version, and the newest change and total
    size of the modules of core/, services/, store/ and cli/ (where what a listing
    prints is laid out). A cache keeps what that code worked out: another code (an
    upgrade, an edit in a development checkout) reuses none of it. Looked at once a
    process."""
    if not _CODE:
        from salescli import __version__

        package = Path(__file__).resolve().parent.parent
        newest = size = 0
        for folder in ("core", "services", "store", "cli"):
            for entry in os.scandir(package / folder):
                if entry.name.endswith(".py"):
                    st = entry.stat()
                    newest, size = max(newest, st.st_mtime_ns), size + st.st_size
        _CODE.append((__version__, newest, size))
    return _CODE[0]


def start_git(cwd: Path | str, *args: str, **popen: Any) -> Any:
    """Start `git ARGS` (a `subprocess.Popen`; stdin closed and stdout and stderr piped
    unless `popen` says otherwise). Every git salescli runs starts here, with `LC_ALL=C`:
    git's output and messages read the same in every locale."""
    import subprocess  # not every read starts git

    popen = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE,
             "stderr": subprocess.PIPE, **popen}
    env = {**os.environ, "LC_ALL": "C", **popen.pop("env", {})}
    if popen["stderr"] is not None:
        # GIT_TRACE=1 and its kin write to stderr, which salescli reads as git's words
        # (a trace line made "no HEAD yet" a failure); a trace to a file is kept, and so
        # is one to the terminal when git's stderr is the user's
        for key in [k for k, v in env.items()
                    if k.startswith("GIT_TRACE") and v.strip().lower() in _TRACE_TO_STDERR]:
            del env[key]
    return subprocess.Popen(["git", *args], cwd=cwd, env=env, **popen)


_TRACE_TO_STDERR = frozenset(("1", "2", "true"))


def own_path() -> dict[str, str]:
    """What a git that runs salescli's hooks (the pre-commit hook calls `salescli` by
    name) needs in its environment: this salescli's folder first on PATH when PATH has
    no `salescli`, as when a virtualenv's `.venv/bin/salescli` runs by its path,
    unactivated. Else nothing: the salescli on PATH is the user's choice."""
    import shutil
    import sys

    path = os.environ.get("PATH", os.defpath)
    here = os.path.dirname(sys.executable)
    # never a relative folder (an embedded Python's "" is the work tree's files)
    if not os.path.isabs(here) or os.pathsep in here or shutil.which("salescli", path=path) \
            or not os.path.isfile(os.path.join(here, "salescli")):
        return {}
    return {"PATH": here + os.pathsep + path}


# Many files are parsed on every core, in chunks; fewer than PARALLEL_FROM are parsed
# here, where starting the workers would cost more than it saves.
PARALLEL_FROM = 400
CHUNK = 250
_TASK: list[Callable[[Any, list[str]], Any]] = []


@contextlib.contextmanager
def chunked(work: Callable[[K, list[str]], R], jobs: Iterable[tuple[K, list[str]]],
            ordered: bool = False, before_fork: Callable[[], Any] | None = None
            ) -> Iterator[Iterable[R]]:
    """`work(key, paths)` over each job's paths: in chunks on every core when there are
    many (the workers are forked, so `work` and all it refers to are inherited, never
    pickled), else here at once. The results come in chunk order if `ordered`, else as
    they are done; with workers, the caller takes them while later chunks are parsed,
    so it may do its own work first (the workers are already busy). `before_fork`
    reads once what every worker would otherwise read for itself."""
    jobs = list(jobs)
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if workers < 2 or sum(len(paths) for _, paths in jobs) < PARALLEL_FROM:
        yield [work(key, paths) for key, paths in jobs]
        return
    import multiprocessing

    if before_fork is not None:
        before_fork()
    _TASK[:] = [work]
    chunks = [(key, paths[i:i + CHUNK]) for key, paths in jobs
              for i in range(0, len(paths), CHUNK)]
    try:
        with multiprocessing.get_context("fork").Pool(workers, _ignore_interrupts) as pool:
            yield (pool.imap if ordered else pool.imap_unordered)(_run, chunks)
    finally:
        _TASK.clear()


def _run(job: tuple[Any, list[str]]) -> Any:
    return _TASK[0](*job)


def _ignore_interrupts() -> None:
    """A worker leaves Ctrl-C (sent to the whole process group) to the command, which
    says `Aborted!` once and ends the pool: no traceback from each worker."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


# Caches under .git/salescli: derived data, never the source of truth. Each is one
# marshal file (plain data only: marshal never builds code), replaced in one rename and
# not fsync'ed, as git treats its own index; missing, damaged or from another version it
# is rebuilt, and one that cannot be written only costs time next run.


def load_cache(path: Path) -> Any:
    """The cache file's data, or None when it is missing or damaged."""
    try:
        with open(path, "rb") as fh:
            return plain_loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def plain_loads(data: bytes) -> Any:
    """marshal's data (plain values only: marshal never builds code), kept out of the
    cyclic collector's way. Plain data holds no reference cycles, so the collector
    would only rescan it, again and again as the command goes on allocating: hundreds
    of thousands of objects, 0.05 s of a report. Frozen, it is left alone (reference
    counting still frees it)."""
    import marshal

    with gc_paused():
        value = marshal.loads(data)
    if FREEZE_LOADED:
        gc.freeze()
    return value


# Set by the command line's entry point: a command is one short process, so what it
# loads may be frozen for the rest of it. A process that goes on (the test suite, a
# program using salescli as a library) keeps the collector whole: a freeze takes every
# object there is, and cyclic garbage frozen with them would never be collected.
FREEZE_LOADED = False


def save_cache(path: Path, data: Any) -> bool:
    """Replace the cache file with `data`, or leave it be if it cannot be written
    (False)."""
    import marshal

    from salescli.store.gitio import atomic_path

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, durable=False) as tmp, open(tmp, "wb") as fh:
            fh.write(marshal.dumps(data))
    except OSError:
        return False
    return True
