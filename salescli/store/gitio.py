"""The one module that owns git, and the write path of every mutating command (SPEC §5).

    with Change(repo, "deal", "acme-erp", "proposal -> negotiation", "advance") as change:
        change.write(path, new_text)
    # committed on leaving the block; on any error the files are as they were

git is called as a command (about 40 ms a commit, against about 300 ms through
GitPython's index API). Paths always follow `--`; record data never reaches an
option position.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import re
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from typing import NamedTuple

from salescli.core.errors import CommitFailed
from salescli.core.errors import RepositoryBusy
from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.later import later
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import busy_error
from salescli.store.repo import in_progress
from salescli.store.runtime import FRESH_NS
from salescli.store.runtime import own_path
from salescli.store.runtime import start_git

LOCK_NAME = "salescli.lock"
# atomic_write's temp files: `.NAME.` + mkstemp's 8 random characters + `.tmp`
TEMP_RE = later(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def git(cwd: Path, *args: str, input: str | None = None,
        env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return finish(begin(cwd, *args, stdin=input is not None, env=env), input, check)


def begin(cwd: Path, *args: str, stdin: bool = False,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    """`git ARGS` started now and answered by `finish`, so that git works while the
    caller (or another git) does something else."""
    # UTF-8 whatever the locale: fast-import counts the bytes of what it is given
    return start_git(cwd, *args, stdin=subprocess.PIPE if stdin else None,
                     text=True, encoding="utf-8", env=env or {})


def finish(started: subprocess.Popen, input: str | None = None,
           check: bool = True) -> subprocess.CompletedProcess:
    """What a `begin` git did, given `input` on stdin; with `check`, a failure is one
    SalescliError line. Interrupted, git is ended too."""
    with started:
        out, err = _answer(started, input)
    proc = subprocess.CompletedProcess(started.args, started.returncode, out, err)
    if check and proc.returncode != 0:
        raise SalescliError(f"git {_command(started.args[1:])} failed: {_git_reason(proc)}")
    return proc


def _command(args: Sequence[str]) -> str:
    return args[2] if args[0] == "-c" else args[0]  # `git -c KEY=VALUE status`: status


def _answer(proc: subprocess.Popen, given: Any = None) -> tuple[Any, Any]:
    """(stdout, stderr) of a started git, given `given` on stdin; interrupted, git is
    ended too (`_end`)."""
    try:
        return proc.communicate(given)
    except BaseException:
        _end(proc)
        raise


def _end(proc: subprocess.Popen) -> None:
    """End a git that may hold a lock file: by SIGTERM, on which git removes its
    `index.lock` (SIGKILL, as subprocess.run ends a process, leaves it: every later git
    command then fails on it); by SIGKILL if it has not ended within a second. (A
    fast-import ended either way leaves its temporary pack for `git gc`.)"""
    proc.terminate()
    try:
        proc.wait(timeout=1)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Started:
    """A git command started now and answered when asked (`result`), so that git works
    while the caller does something else; as `git()` otherwise (`LC_ALL=C`, a failure is
    one SalescliError line). A context manager: leaving it ends git if unanswered."""

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None):
        self.args = args
        self.proc = start_git(cwd, *args, env=env or {})

    def result(self) -> str:
        """git's output; refused as `git()` refuses a failure."""
        out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            done = subprocess.CompletedProcess(self.proc.args, self.proc.returncode,
                                               out.decode("utf-8", "replace"),
                                               err.decode("utf-8", "replace"))
            raise SalescliError(f"git {_command(self.args)} failed: {_git_reason(done)}")
        return out.decode("utf-8")

    def answer(self) -> str | None:
        """git's output, or None when git failed."""
        out, _ = self.proc.communicate()
        return out.decode("utf-8") if self.proc.returncode == 0 else None

    def __enter__(self) -> Started:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            self.proc.communicate()


class Stream:
    """A git process whose output is read as it comes (history is never held twice).

        with Stream(root, "log", "--raw", "-z") as out:
            for chunk in out.chunks():
                ...

    Leaving the block waits for git and turns a failure into one SalescliError line;
    an early exit (an error in the reader) kills git so no child is left behind.
    """

    def __init__(self, root: Path, *args: str, stdin: bool = False):
        self.args = args
        import tempfile

        self._err = tempfile.TemporaryFile()  # a file, so a chatty stderr never blocks git
        self.proc = start_git(root, *args, stderr=self._err,
                              stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)

    def __enter__(self) -> Stream:
        return self

    def chunks(self, size: int = 1 << 20) -> Any:
        read = self.proc.stdout.read  # type: ignore[union-attr]
        while chunk := read(size):
            yield chunk

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        proc = self.proc
        if exc_type is not None and proc.poll() is None:
            proc.kill()
        for pipe in (proc.stdin, proc.stdout):
            if pipe:
                try:
                    pipe.close()
                except OSError:
                    pass
        code = proc.wait()
        err = self._stderr()
        self._err.close()
        if exc_type is None and code != 0:
            raise SalescliError(f"git {self.args[0]} failed: {reason_text(err, code)}")

    def _stderr(self) -> str:
        self._err.seek(0)
        return self._err.read().decode("utf-8", "replace")

    def reason(self) -> str:
        """Why git ended, once it has (its stderr as one line)."""
        code = self.proc.wait()
        return reason_text(self._stderr(), code)


class CatFile:
    """One `git cat-file --batch` for many objects, in either of two ways:

        blobs = CatFile(root, missing).read(shas)      # asked, then answered

        with CatFile(root, missing, buffer=True) as cat:   # answered as they are asked
            cat.stream_to(take)       # a thread hands each (sha, content) to `take`
            cat.want(sha) ...         # while this one goes on asking
            cat.finish()

    `missing(sha)` words the error of an object git does not have (a damaged or
    partial clone: never read as "no such file"). The process starts on first use; a
    forked worker starts its own (the parent's git answers the parent only).
    """

    def __init__(self, root: Path, missing: Callable[[str], str], buffer: bool = False):
        self.root, self.missing = root, missing
        self.args = ("cat-file", "--batch", *(("--buffer",) if buffer else ()))
        self._stream: Stream | None = None
        self._pid = 0
        self._thread: Any = None
        self.error: BaseException | None = None

    @property
    def stream(self) -> Stream:
        if self._stream is None or self._pid != os.getpid():
            self._pid, self._stream = os.getpid(), Stream(self.root, *self.args, stdin=True)
        return self._stream

    def start(self) -> None:
        """Start git now, not on first use: it opens its packs while the caller works."""
        _ = self.stream

    def _answer(self, stream: Stream) -> tuple[str, bytes] | None:
        """The next answer, or None when git has ended its output."""
        out = stream.proc.stdout
        assert out is not None
        header = out.readline()
        if not header:
            return None
        sha, _, rest = header.partition(b" ")
        parts = rest.split()
        if parts == [b"missing"]:
            raise SalescliError(self.missing(sha.decode()))
        if len(parts) != 2 or not parts[1].isdigit():
            stream.proc.kill()
            raise SalescliError(f"git cat-file failed: {stream.reason()}")
        n = int(parts[1])
        return sha.decode(), out.read(n + 1)[:n]  # and its newline

    def read(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The content of `shas`."""
        import threading

        if not shas:
            return {}
        stream = self.stream
        # written by a thread while the answers are read: a long request must not fill
        # the pipe while git waits for its answers to be read
        writer = threading.Thread(target=_send, args=(
            stream.proc.stdin, "".join(f"{s}\n" for s in shas).encode()))
        writer.start()
        out: dict[str, bytes] = {}
        try:
            for _ in shas:
                got = self._answer(stream)
                if got is None:
                    raise SalescliError(f"git cat-file failed: {stream.reason()}")
                out[got[0]] = got[1]
        except BaseException:
            stream.proc.kill()  # the answers left unread would answer the next read
            writer.join()
            self.close()
            raise
        writer.join()
        return out

    def stream_to(self, take: Callable[[str, bytes], None]) -> None:
        """Hand each answer to `take`, in a thread, until git's output ends."""
        import threading

        stream = self.stream

        def run() -> None:
            try:
                while (got := self._answer(stream)) is not None:
                    take(*got)
            except BaseException as err:  # reported by finish(), never lost in the thread
                self.error = err
                stream.proc.kill()  # so the asker never blocks on a full pipe

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def want(self, sha: str) -> None:
        """Ask for `sha`; its answer goes to `stream_to`'s `take`."""
        try:
            self.stream.proc.stdin.write(sha.encode() + b"\n")  # type: ignore[union-attr]
        except OSError:  # cat-file has ended early: its reader, or git, says why
            self._thread.join()
            raise self.error or SalescliError(
                f"git cat-file failed: {self.stream.reason()}") from None

    def finish(self) -> None:
        """Wait for the answers to everything asked (`stream_to`)."""
        self.stream.proc.stdin.close()  # type: ignore[union-attr]
        self._thread.join()
        if self.error:
            raise self.error

    def __enter__(self) -> CatFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._stream is not None and self._pid == os.getpid():
            stream, self._stream = self._stream, None
            stream.__exit__(*exc)

    def close(self) -> None:
        """End this process's git, done or not."""
        self.__exit__(SalescliError, None, None)


def _send(pipe: Any, data: bytes | str) -> None:
    try:
        pipe.write(data)
        pipe.flush()
    except (OSError, ValueError):  # git died (or was ended): its missing answer tells
        pass


def rev_parse(root: Path, rev: str) -> str | None:
    """The commit a revision names, or None (an empty repository, an unknown name).

    Only git's quiet "no such revision" is None: git refusing the repository (dubious
    ownership, a damaged .git) is an error, never an empty history.
    """
    return rev_parsed(finish(begin_rev_parse(root, rev), check=False))


def begin_rev_parse(root: Path, rev: str) -> subprocess.Popen:
    """`rev_parse`, started: `rev_parsed(finish(...))` answers it."""
    if rev.startswith("-"):
        raise SalescliError(f"invalid revision {rev!r}: a revision never starts with '-'")
    return begin(root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                 f"{rev}^{{commit}}")


def rev_parsed(proc: subprocess.CompletedProcess) -> str | None:
    """The answer of a `begin_rev_parse` git, as `rev_parse` gives it."""
    if proc.returncode != 0 and (proc.returncode != 1 or proc.stderr.strip()):
        raise SalescliError(f"git rev-parse failed: {_git_reason(proc)}")
    return proc.stdout.strip() or None


def commit_messages(root: Path, shas: Sequence[str]) -> dict[str, str]:
    """Full messages of some commits, in one git process."""
    if not shas:
        return {}
    out = git(root, "log", "--no-walk=unsorted", "--stdin", "--format=%H%x00%B%x00",
              input="\n".join(shas) + "\n").stdout
    parts = out.split("\0")
    return {parts[i].strip(): parts[i + 1] for i in range(0, len(parts) - 1, 2)}


def commit_authors(root: Path, shas: Sequence[str]) -> dict[str, tuple[str, str]]:
    """(author name, author e-mail) of some commits, in one git process."""
    if not shas:
        return {}
    out = git(root, "log", "--no-walk=unsorted", "--stdin", "--format=%H%x00%an%x00%ae",
              input="\n".join(shas) + "\n").stdout
    return {sha: (name, email) for sha, name, email in
            (line.split("\0") for line in out.splitlines() if line.count("\0") == 2)}


def files_at(root: Path, specs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
    """The content of files as commits left them, `(commit, path)`, in one git process;
    a file its commit does not have is left out."""
    found = objects(root, [f"{c}:{p}" for c, p in specs])
    return {(c, p): found[f"{c}:{p}"] for c, p in specs if f"{c}:{p}" in found}


def objects(root: Path, names: Sequence[str]) -> dict[str, bytes]:
    """The content of git objects by name (`COMMIT:PATH`, a blob's ID), in one git
    process; a name git does not know is left out."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    with start_git(root, "cat-file", "--batch", stdin=subprocess.PIPE) as proc:
        data, err = _answer(proc, "".join(f"{n}\n" for n in names).encode("utf-8"))
    if proc.returncode != 0:
        raise SalescliError(f"git cat-file failed: {err.decode(errors='replace')}")
    pos, out = 0, {}
    for name in names:  # one answer per line asked, in order
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if header[-1] in (b"missing", b"ambiguous"):
            continue
        size = int(header[2])
        out[name] = data[pos:pos + size]
        pos += size + 1
    return out


def commit_time(root: Path, rev: str) -> float:
    """When a commit was made (committer time): the moment `--as-of REV` describes."""
    return float(git(root, "log", "-1", "--format=%ct", "--end-of-options", rev, "--").stdout)


def rev_list(root: Path, *revs: str, topo: bool = False) -> list[str]:
    """Commits named by revisions (`A..B`, `^A B`), newest first (`topo`: each after
    its children, whatever the dates say)."""
    for rev in revs:
        if rev.startswith("-"):
            raise SalescliError(f"invalid revision {rev!r}: a revision never starts with '-'")
    return git(root, "rev-list", *(("--topo-order",) if topo else ()), *revs,
               "--").stdout.split()


def is_ancestor(root: Path, old: str, new: str) -> bool:
    proc = git(root, "merge-base", "--is-ancestor", old, new, check=False)
    if proc.returncode not in (0, 1):  # 1 is git's "no"; anything else is a failure
        raise SalescliError(f"git merge-base failed: {_git_reason(proc)}")
    return proc.returncode == 0


def _git_reason(proc: subprocess.CompletedProcess) -> str:
    return reason_text(proc.stderr or proc.stdout, proc.returncode)


def _refused(proc: subprocess.CompletedProcess, rels: list[str]) -> str:
    """Why `git commit` of `rels` failed. A hook's `check` finding in another file (a
    teammate's commit made with --no-verify) says it is not this change's."""
    reason = _git_reason(proc)
    found = re.match(r"(.+?\.yaml):\d+:\d+: error: ", reason)
    if found and found.group(1) not in rels:
        return (f"a hook refused it for {found.group(1)}, which this change does not "
                f"touch: {reason}; fix that file first (see `salescli check`)")
    return reason


# git's advice lines that are a command to run: `git config --global --add
# safe.directory PATH`, `git config --global user.email "you@example.com"`
_ADVICE = later(r"^git config .+")
_CONFIG_LOCK = later(r"^error: could not lock config file (.+?)(?:: .*)?$")


def reason_text(output: str, code: int) -> str:
    """git's failure as one line: its fatal/error line, with the fix git suggests.

    The fix is what makes the line useful: "detected dubious ownership" says what is
    wrong, `git config --global --add safe.directory PATH` says what to do.
    """
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    reason = (fatal or lines or [f"exit status {code}"])[0]
    if "index.lock': File exists" in reason:  # git's own advice takes five more lines
        return (f"{reason} Another git process seems to be running in this repository; "
                "if none is (one crashed), remove that file and try again")
    config = _CONFIG_LOCK.match(reason)  # (git does not always say why)
    if config:
        return (f"{reason}; if {config.group(1)}.lock exists, another git process seems to "
                "be running in this repository; if none is (one crashed), remove that "
                "file and try again")
    advice = [ln for ln in lines if _ADVICE.match(ln)]
    if not advice:
        return reason
    if lines[0] != reason and lines[0] not in advice:  # "Author identity unknown"
        reason = f"{lines[0]}: {reason}"
    return f"{reason}; git suggests: " + "; ".join(f"`{a}`" for a in advice)


def author_date(value: str | dt.date | dt.datetime | None) -> str | None:
    """`--date` as git's author date. A bare date is noon UTC, so it never shifts a day."""
    if value is None:
        return None
    from salescli.core.dates import noon_utc
    from salescli.core.dates import parse_when

    if isinstance(value, str):
        value = parse_when(value)
    if not isinstance(value, dt.datetime):
        value = noon_utc(value)
    if value.tzinfo is None:
        value = value.astimezone()
    # git's own range for a date it parses; past it, `git commit` fails only at the end
    if not _GIT_DATES[0] <= value < _GIT_DATES[1]:
        raise UsageError(f"invalid date {value.date().isoformat()}: git records dates from "
                         "1970-01-01 to 2099-12-31")
    return value.isoformat()


_GIT_DATES = (dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC))


def _lock_timeout() -> float:
    """SALESCLI_LOCK_TIMEOUT in seconds (default 30), or a usage error naming it."""
    text = os.environ.get("SALESCLI_LOCK_TIMEOUT", "30")
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise UsageError(f"SALESCLI_LOCK_TIMEOUT={text!r}: give the seconds to wait for "
                         "another salescli command, such as 30")
    return seconds


class RepoLock:
    """An exclusive lock on the repository, from reading to committing.

    flock is released by the kernel when the process dies, so a crash never leaves
    a stale lock behind.
    """

    def __init__(self, git_dir: Path, timeout: float | None = None):
        self.path = git_dir / LOCK_NAME
        self.timeout = timeout if timeout is not None else _lock_timeout()
        self._fd: int | None = None

    def __enter__(self) -> RepoLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise RepositoryBusy(
                        f"another salescli command is changing this repository "
                        f"({self.path} held for {self.timeout:g}s); try again when it ends"
                    ) from None
                time.sleep(0.02)
        self._fd = fd
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def refuse_links(root: Path, path: Path) -> None:
    """Refuse to write `path` unless it stays inside `root` through real folders.

    A symlinked folder on the way (`deals/2026-11` -> /tmp, `quotes/DEAL` -> ~/.ssh)
    or a symlinked file would take the write outside the repository; git would
    refuse to commit it, but `--no-commit` would leave it there.
    """
    rel = os.path.relpath(os.path.normpath(os.path.join(root, path)), root)
    if rel == os.curdir or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        raise SalescliError(f"{path}: is outside the repository {root}; nothing was written")
    current = root
    for part in Path(rel).parts:
        current = current / part
        if current.is_symlink():
            what = "file" if current == root / rel else "folder"
            raise SalescliError(
                f"{current.relative_to(root).as_posix()}: is a symbolic link, which could "
                f"lead outside the repository; make it a real {what} (see `salescli check`); "
                "nothing was written")


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write `text` (or a binary document's bytes) so that readers see the old file or the
    new one, never a mix."""
    if isinstance(text, bytes):
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fh.write(text)
        return
    with atomic_file(path) as fh:
        fh.write(text)


@contextlib.contextmanager
def atomic_path(path: Path, mode: int | None = None, durable: bool = True
                ) -> Iterator[str]:
    """A temporary name beside `path` to write; renamed over `path` on success.

    Readers see the old file or the new one, never a mix, and after a crash the new
    one only if it is complete on disk (file and folder are synced). A cache passes
    `durable=False`: it is derived, and one lost or torn by a crash is only read as
    damaged and made again, so it skips the syncs (four of them cost the pre-commit
    hook about 60 ms). The file gets
    `mode`, else keeps the old one's permissions, else those a plain `open` would; a failure
    leaves nothing behind. (A process killed before the rename leaves the temp file:
    the next mutating command's `sweep_stale_temps` takes it.)
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
    tmp = _new_temp(path)
    try:
        yield tmp
        os.chmod(tmp, mode)
        if durable:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if not durable:
        return
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # tempfile.mkstemp's, as TEMP_RE says


def _new_temp(path: Path) -> str:
    """A new empty file `.NAME.XXXXXXXX.tmp` beside `path`, made as tempfile.mkstemp
    makes one (exclusive, owner-only, never through a symlink), without importing
    tempfile (and shutil with it) on every mutating command."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        suffix = "".join(_TEMP_CHARS[b % len(_TEMP_CHARS)] for b in os.urandom(8))
        tmp = os.path.join(path.parent, f".{path.name}.{suffix}.tmp")
        try:
            os.close(os.open(tmp, flags, 0o600))
        except FileExistsError:
            continue
        except PermissionError as err:  # say the folder, not the temporary name
            raise PermissionError(err.errno, f"{err.strerror}: cannot write a file in this "
                                  "folder; check its permissions", str(path.parent)) from None
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))


@contextlib.contextmanager
def atomic_file(path: Path, newline: str = "\n") -> Iterator[Any]:
    """A text file to stream into, which appears at `path` only when complete."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline=newline) as fh:
        yield fh


class TempSweep(NamedTuple):
    removed: list[Path]
    state: Path | None
    record: dict[str, tuple[int, int]]
    known: dict[str, tuple[int, int]]

    def save(self) -> None:
        """Keep what the listing found, for the next command (only a successful one does:
        a failed `init` leaves .git as it was)."""
        if self.state is not None and self.record != self.known:
            _write_temps_state(self.state, self.record)


def sweep_stale_temps(root: Path, state_dir: Path | None = None) -> TempSweep:
    """Delete temp files a killed salescli left in the record folders (caller holds the lock).

    Every write to a record folder happens under the RepoLock, so while we hold it a
    file of atomic_write's pattern there belongs to a process that died before its
    rename (SIGKILL, power loss): its record file is intact, the temp file is litter.

    Listing every record folder costs about 25 ms with 26,000 records, on every
    mutating command. With `state_dir`, a folder is listed only if it changed since a
    listing found it clean: creating, renaming or deleting a file in a folder sets the
    folder's ctime (which no program can set back), so a folder with the ctime and
    inode recorded then has no new file. The record (`temps.scanned` in
    `state_dir`) is a cache: missing or unreadable, every folder is listed. A folder
    changed less than 2 s before it was listed is recorded without its stamp (file
    times can be as coarse as the file system's clock), so it is listed again next time.
    """
    state = state_dir / _TEMPS_STATE if state_dir is not None else None
    known = _read_temps_state(state) if state is not None else {}
    record: dict[str, tuple[int, int]] = {}
    removed: list[Path] = []
    started = time.time_ns()

    def visit(rel: str, st: os.stat_result) -> list[str] | None:
        """List the folder `rel` (None: its record says it is clean); its subfolders."""
        stamp = (st.st_ctime_ns, st.st_ino)
        if known.get(rel) == stamp:
            record[rel] = stamp
            return None
        record[rel] = _UNLISTED  # known to exist, to be listed next time too
        subfolders = []
        for entry in os.scandir(root / rel):
            name = entry.name
            if name.startswith(".") and TEMP_RE.match(name) \
                    and entry.is_file(follow_symlinks=False):
                try:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
                except FileNotFoundError:
                    pass
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(f"{rel}/{name}")
        if st.st_ctime_ns < started - FRESH_NS:
            record[rel] = stamp
        return subfolders

    for top in KIND_DIRS.values():
        # never through a symlinked folder: its files are not ours to delete
        st = _dir_stat(root / top)
        if st is None:
            continue
        subfolders = visit(top, st)
        if subfolders is None:  # unchanged: so is the list of its folders
            subfolders = [rel for rel in known if rel.startswith(top + "/")]
        for rel in subfolders:
            sub = _dir_stat(root / rel)
            if sub is not None:
                visit(rel, sub)
    return TempSweep(removed, state, record, known)


_TEMPS_STATE = "temps.scanned"
_UNLISTED = (0, 0)  # a folder recorded with no stamp: listed every time until it has one


def _dir_stat(path: Path) -> os.stat_result | None:
    """lstat of a real folder (not a symlink to one), or None."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st if stat.S_ISDIR(st.st_mode) else None


def _read_temps_state(path: Path) -> dict[str, tuple[int, int]]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    known = {}
    for line in text.splitlines():
        ctime, ino, rel = (line.split(" ", 2) + ["", ""])[:3]
        if ctime.isdigit() and ino.isdigit() and rel:
            known[rel] = (int(ctime), int(ino))
    return known


def _write_temps_state(path: Path, record: dict[str, tuple[int, int]]) -> None:
    """Replace the record in one rename; a failure leaves the old one or none (a cache)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, durable=False) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{c} {i} {rel}\n" for rel, (c, i) in sorted(record.items())))
    except OSError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def unmerged(root: Path) -> dict[str, set[str]]:
    """The paths below `root` git's index holds as unmerged (a conflict of a merge,
    rebase or stash not resolved yet), each with the sides it has: "1" the common
    ancestor, "2" ours, "3" theirs (one side missing: deleted there)."""
    out = git(root, "ls-files", "-u", "-z", "--").stdout
    sides: dict[str, set[str]] = {}
    for entry in out.split("\0"):
        meta, tab, path = entry.partition("\t")
        if tab:
            sides.setdefault(path, set()).add(meta.split()[-1])
    return dict(sorted(sides.items()))


def dirty_paths(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """path -> git's two-letter status, for those of `paths` that differ from HEAD."""
    if not paths:
        return {}
    with start_status(root, paths) as started:
        return status_codes(started.result())


def start_status(root: Path, paths: Sequence[str]) -> Started:
    """`git status` of `paths`, started (`dirty_paths`, answered later)."""
    # GIT_OPTIONAL_LOCKS=0: a status that refreshes the index would also rewrite it
    # (about 4 MB for 25,000 records), which a mutating command pays for again at commit
    # core.preloadIndex=false: the threads that lstat the whole index ahead cost more
    # than they save when only a few paths are asked about (10.0 -> 8.3 ms here)
    return Started(root, "-c", "core.preloadIndex=false", "status", "--porcelain=v1", "-z",
                   "--untracked-files=all", "--ignored=no", "--", *paths,
                   env={"GIT_OPTIONAL_LOCKS": "0"})


def status_codes(out: str) -> dict[str, str]:
    """path -> two-letter code of `git status --porcelain=v1 -z` output."""
    result: dict[str, str] = {}
    entries = out.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        code, name = entry[:2], entry[3:]
        if code[0] in "RC":
            i += 1  # a rename's source path follows
        result[name] = code
    return result


# where fast-import writes a command's commit, until HEAD's branch takes it; one per
# process, since linked worktrees share refs but not salescli's lock
_COMMIT_REF = "refs/salescli/commit-{pid}"
_COMMIT_REF_RE = later(r"refs/salescli/commit-([0-9]+)")
# the summary line of `git commit`: "[BRANCH (root-commit) SHA] subject"
_SUMMARY_RE = later(r"^\[[^\]\n]* ([0-9a-f]{4,})\] ", re.M)
_COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")


def git_vars(root: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """`git var -l`: the configuration (keys in lower case) and the identities
    (GIT_AUTHOR_IDENT, GIT_COMMITTER_IDENT) as git commit works them out.

    Raises SalescliError with git's words when it cannot (no user.email to guess).
    """
    return parse_vars(git(root, "var", "-l", env=env).stdout)


def parse_vars(out: str) -> dict[str, str]:
    """What `git var -l` printed, as `git_vars` gives it."""
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if "." in key:  # a configuration key; one without `=` is git's bare `true`
            values[key.lower()] = value
        elif sep:
            values[key] = value
    return values


def _process_gone(pid: int) -> bool:
    """No process `pid` runs here now (our own pid: a dead namesake's leftover)."""
    if pid == os.getpid() or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # no such pid, or none that large
        return True
    except OSError:  # EPERM: alive, another user's
        return False
    return False


def remove_stale_commit_refs(root: Path, git_dir: Path | None = None) -> list[str]:
    """Delete the private refs of salescli processes that were killed mid-commit.

    A process killed between writing its commit and moving HEAD leaves
    `refs/salescli/commit-PID` at a commit nothing else refers to. A live process
    (another worktree's: refs are shared, the lock is not) keeps its ref; a pid since
    reused keeps it until that process is gone too. Each deletion is checked against
    the value read, so a ref written meanwhile stays. With `git_dir`, git is asked
    only when the ref store may hold such a ref (`_may_hold_commit_refs`).
    """
    if git_dir is not None and not _may_hold_commit_refs(git_dir):
        return []
    out = git(root, "for-each-ref", "--format=%(refname) %(objectname)", "refs/salescli/",
              check=False).stdout
    removed = []
    for line in out.splitlines():
        name, _, sha = line.partition(" ")
        match = _COMMIT_REF_RE.fullmatch(name)
        if match and _process_gone(int(match.group(1))):
            if git(root, "update-ref", "-d", name, sha, check=False).returncode == 0:
                removed.append(name)
    return removed


def common_dir(git_dir: Path) -> Path:
    """The folder a linked worktree shares with the main one (refs, objects, hooks)."""
    if (git_dir / "commondir").is_file():
        return (git_dir / (git_dir / "commondir").read_text("utf-8").strip()).resolve()
    return git_dir


# set, these make git look elsewhere than the folders read below: then git is asked
_GIT_DIR_VARS = ("GIT_DIR", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY")


def _may_hold_commit_refs(git_dir: Path) -> bool:
    """False only when no `refs/salescli/commit-*` can exist: no such loose ref file and
    none in packed-refs (a `for-each-ref` process saved on nearly every command).

    Any other ref store (reftable) or anything unreadable: True, and git is asked.
    """
    if any(var in os.environ for var in _GIT_DIR_VARS):
        return True
    common = common_dir(git_dir)
    if (common / "reftable").exists():
        return True
    try:
        if any(name.startswith("commit-") for name in os.listdir(common / "refs" / "salescli")):
            return True
    except FileNotFoundError:
        pass
    except OSError:
        return True
    try:
        with open(common / "packed-refs", "rb") as fh:
            return b" refs/salescli/commit-" in fh.read()
    except FileNotFoundError:
        return False
    except OSError:
        return True


def _maintenance_due(git_dir: Path, values: dict[str, str]) -> bool:
    """False only when `git maintenance run --auto` surely has nothing to do.

    `git commit` runs it after every commit; salescli's commit does as well, but saves
    the process when git's own test says no. With no maintenance.* configuration,
    automatic maintenance is `gc --auto`, which acts on more than gc.auto loose objects
    (estimated as git does: more than gc.auto / 256 of them in objects/17) or on
    gc.autoPackLimit packs. Anything else configured, a value git must read, or half
    way to either limit: git decides.
    """
    if any(k.startswith("maintenance.") for k in values) \
            or any(var in os.environ for var in _GIT_DIR_VARS):
        return True
    try:
        gc_auto = int(values.get("gc.auto", "6700"))
        pack_limit = int(values.get("gc.autopacklimit", "50"))
    except ValueError:  # `7k` and the like
        return True
    objects = common_dir(git_dir) / "objects"
    try:
        if gc_auto > 0:
            loose = sum(1 for name in os.listdir(objects / "17") if len(name) in (38, 62))
            if 2 * loose > -(-gc_auto // 256):
                return True
        if pack_limit > 0:
            names = os.listdir(objects / "pack")
            kept = {n[:-5] for n in names if n.endswith(".keep")}
            packs = sum(1 for n in names if n.endswith(".pack") and n[:-5] not in kept)
            if 2 * packs >= pack_limit:
                return True
    except FileNotFoundError:
        pass
    except OSError:
        return True
    return False


def _config_bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "yes", "on", "1", "")  # `[core] filemode`


def _identity(path: Path) -> tuple:
    """What changes when a file is rewritten (an atomic rename: the inode too)."""
    st = os.lstat(path)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode)


class _Direct(NamedTuple):
    reading: subprocess.Popen  # `git rev-parse HEAD`, started: the commit's parent
    author: str
    committer: str
    filemode: bool  # core.filemode: whether the executable bit on disk counts
    values: dict[str, str]  # `git var -l`


def fast_import_skips(root: Path) -> list[str]:
    """What `git commit` would apply that commits written by fast-import (an import's
    backdated history) do not: the commit hooks but pre-commit, which `append_history`
    runs, and commit signing."""
    skipped = [f"the {name} hook" for name in _COMMIT_HOOKS[1:]  # where git finds it
               if os.access(hook_path(root, name), os.X_OK)]
    try:
        values = git_vars(root, {})
    except SalescliError:
        values = {}
    if _config_bool(values.get("commit.gpgsign"), False):
        skipped.append("commit signing (commit.gpgsign)")
    return skipped


def _ask_direct(root: Path, git_dir: Path, env: dict[str, str]) -> subprocess.Popen | None:
    """The configuration and identities `_direct_commit_idents` needs, asked of git as
    a command begins (git answers while the command reads and edits), or None when
    there are commit hooks: then `git commit` runs them. One `git var -l` gives both, as
    `git commit` works them out. (HEAD is read only at the commit: `deal edit` waits
    for an editor, while the user may commit something else.)"""
    hooks = common_dir(git_dir) / "hooks"  # a linked worktree's are the main one's
    if any(os.access(hooks / name, os.X_OK) for name in _COMMIT_HOOKS):
        return None
    return begin(root, "var", "-l", env=env)


def _direct_commit_idents(root: Path, values: dict[str, str] | None, env: dict[str, str],
                          rels: Sequence[str]) -> _Direct | None:
    """HEAD, the identities and core.filemode when salescli may write its commit
    itself, else None.

    Only when `git commit` would add nothing of the user's: no commit hooks
    (`_ask_direct`), no signing, no custom hooks path or encoding, a HEAD to build on,
    and paths fast-import takes as they are. (The message is already clean, and `git
    commit` is told `--cleanup=whitespace`, so commit.cleanup changes neither path.)
    """
    if values is None:
        return None  # not asked (commit hooks), or git failed: `git commit` explains it
    if any(r.startswith('"') or "\n" in r or "\r" in r for r in rels):
        return None
    if (_config_bool(values.get("commit.gpgsign"), False)
            or {"core.hookspath", "i18n.commitencoding"} & values.keys()):
        return None
    try:
        author, committer = commit_idents(root, values, env)
    except SalescliError:
        return None  # no usable identity: `git commit` refuses, in its own words
    # HEAD is read now, as the commit is written (an editor may have been open till now)
    return _Direct(begin_rev_parse(root, "HEAD"), author, committer,
                   _config_bool(values.get("core.filemode"), True), values)


def _crud_only(name: str) -> bool:
    # git's ident.c: a name of nothing but these is refused ("disallowed characters")
    return all(c <= " " or c in ".,:;<>\"\\'" for c in name)


def _configured(values: dict[str, str], environ: dict[str, str], who: str) -> bool:
    """Whether git has the name and e-mail of `who` (author/committer) from the user.

    From the environment (GIT_AUTHOR_NAME..., taken even when empty, as git does) or
    the configuration (author.name, then user.name); then `git commit` takes them as
    they are. Anything else is git's guess from the system (`root <root@host.(none)>`),
    which `git commit` may refuse.
    """
    found = []
    for part in ("name", "email"):
        var = f"GIT_{who.upper()}_{part.upper()}"
        if var in environ:
            found.append(environ[var])
        else:
            found.append(values.get(f"{who}.{part}") or values.get(f"user.{part}") or "")
    name, email = found
    return bool(email) and not _crud_only(name)


def commit_idents(root: Path, values: dict[str, str], env: dict[str, str] | None = None
                  ) -> tuple[str, str]:
    """(author, committer) idents exactly as `git commit` would record them, or the
    SalescliError with git's words ("Author identity unknown ... git config --global
    user.email") where `git commit` would refuse.

    `git var -l` (`values`) prints an identity even when git would refuse to commit
    with it, so a guessed one is asked for again the strict way (`git var
    GIT_AUTHOR_IDENT`), as `git commit` asks.
    """
    return ident_of(root, values, "author", env), ident_of(root, values, "committer", env)


def ident_of(root: Path, values: dict[str, str], who: str,
             env: dict[str, str] | None = None) -> str:
    """The ident of `who` ("author" or "committer") as `git commit` would record it,
    from `git var -l` (`values`), or the SalescliError with git's words where `git
    commit` would refuse it (see `commit_idents`)."""
    var = f"GIT_{who.upper()}_IDENT"
    ident = values.get(var)
    if not ident or not _configured(values, {**os.environ, **(env or {})}, who):
        ident = git(root, "var", var, env=env).stdout.strip()
    return ident



class Change:
    """Validate-then-write-then-commit for one command, restoring everything on failure."""

    def __init__(self, repo: Any, kind: str, record_id: str, summary: str, event: str, *,
                 date: str | dt.date | None = None, message: str | None = None,
                 reason: str | None = None, commit: bool = True):
        self.repo = repo
        self.root: Path = repo.root
        from salescli.core.commitmsg import subject

        self.subject = subject(kind, record_id, summary)
        self.event = event
        self.date = author_date(date)
        self.message = message  # the user's -m
        self.reason = reason  # --reason: the message's `Reason:` line
        self.commit = commit
        self._lock = RepoLock(repo.git_dir)
        self._originals: dict[Path, bytes | None] = {}
        self._in_charge = False  # a way of committing has taken charge of putting files back
        self._new_folders: list[Path] = []
        self._guarded: set[Path] = set()
        self._guarding: list[tuple[tuple[Path, ...], Started]] = []  # git asked, unanswered
        self._asked: subprocess.Popen | None = None  # _ask_direct
        self._values: dict[str, str] | None = None  # what it said (git_values)
        self._indexed = False  # _index_written
        # deal path -> (bytes before, after) as HEAD and a commit written directly hold
        # them, asked while git rewrote its index (_note_commit)
        self._versions: dict[str, tuple[bytes | None, bytes | None]] | None = None
        self._sweep: TempSweep | None = None
        self.sha: str | None = None
        self._parent: str | None = None  # HEAD a commit written directly was made on

    # -- lifecycle
    def __enter__(self) -> Change:
        self._lock.__enter__()
        try:
            what = in_progress(self.repo.git_dir)
            if what:
                raise SalescliError(busy_error(what))
            self._sweep = sweep_stale_temps(self.root, self.repo.state_dir)
            remove_stale_commit_refs(self.root, self.repo.git_dir)
            if self.commit:
                self._asked = _ask_direct(self.root, self.repo.git_dir, self._env)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        return self

    def git_values(self) -> dict[str, str] | None:
        """What `git var -l` said as the change began: the configuration and the
        identities a commit made now would have. None when git was not asked (commit
        hooks: `git commit` runs them; --no-commit) or failed."""
        if self._asked is not None and self._values is None:
            said = finish(self._asked, check=False)
            self._values = parse_vars(said.stdout) if said.returncode == 0 else {}
        return self._values or None

    @property
    def _env(self) -> dict[str, str]:
        return {"GIT_AUTHOR_DATE": self.date} if self.date else {}

    @property
    def detached(self) -> bool:
        """HEAD names no branch: a commit made now is on none (git says `[detached HEAD`)."""
        try:
            return not (self.repo.git_dir / "HEAD").read_bytes().startswith(b"ref:")
        except OSError:
            return False

    @property
    def unchanged(self) -> bool:
        """Every file written holds what it held before: there is nothing to commit."""
        return all(data is not None and path.exists() and path.read_bytes() == data
                   for path, data in self._originals.items())

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None or issubclass(exc_type, Exception):
                try:  # a refused file is said first, as when the guard was not ahead
                    self._settle()
                except BaseException:  # refused or interrupted: nothing is committed
                    self._restore_files()
                    raise
            # Writing what is already there (a stakeholder added again) is a success
            # that records nothing, as `git add` of an unchanged file is.
            if exc_type is None and self._originals and not self.unchanged:
                if self.commit:
                    try:
                        self._commit()
                    except BaseException:
                        # git failed before either way of committing took charge (a
                        # refused repository): the files are put back all the same. Once
                        # one has, it alone knows whether the commit landed
                        if not self._in_charge:
                            self._restore_files()
                        raise
            elif exc_type is not None:
                self._restore_files()
            if exc_type is None and self._sweep is not None:
                self._sweep.save()
            if exc_type is None and self._originals:
                self._index_written()
                self._note_commit()
        finally:
            for _, started in self._guarding:  # unanswered: an interrupt
                started.__exit__()
            if self._asked is not None and self._asked.returncode is None:
                self._asked.kill()  # not committed (or through `git commit`)
                self._asked.communicate()
            self._lock.__exit__(None, None, None)

    def _index_written(self) -> None:
        """The record index takes the files written (once: a commit written directly
        does it while git rewrites git's index). Before the commit is safe: a failed
        one puts the files back, and the index takes them again (`_restore_files`)."""
        if not self._indexed:
            self._indexed = True
            from salescli.store.index import take_written

            take_written(self.repo, [self.repo.rel(p) for p in self._originals])

    def _deal_rels(self) -> list[str] | None:
        """The deal files written, when the history caches are to hear of them: None
        when no stage days are kept (today, stale and board never ran)."""
        from salescli.store.history import STAGE_ENTERED_FILE

        if not (self.repo.state_dir / STAGE_ENTERED_FILE).exists():
            return None
        folder = KIND_DIRS["deal"] + "/"
        return [r for r in map(self.repo.rel, self._originals) if r.startswith(folder)]

    def _deal_versions(self, head: str, blobs: dict[str, tuple[str, str, tuple]]
                       ) -> dict[str, tuple[bytes | None, bytes | None]] | None:
        """(before, after) of each deal file written, as HEAD and the blobs committed
        hold them; None when not needed or not to be had (asked again after)."""
        rels = self._deal_rels()
        if not rels:
            return None
        top = self.repo.prefix
        names = {r: (f"{head}:{top}{r}", blobs[r][1] if r in blobs else None) for r in rels}
        try:
            found = objects(self.root, [n for pair in names.values() for n in pair if n])
        except (SalescliError, OSError, ValueError):
            return None
        return {r: (found.get(old), found.get(new) if new else None)
                for r, (old, new) in names.items()}

    def _note_commit(self) -> None:
        """Tell the history caches what the commit did (history.note_commit): the deal
        files it wrote, as the commit and its parent hold them, as history reads them
        (not as the work tree has them: git may not look there, `assume-unchanged`, or
        filter them). A commit through `git commit` is told only if its hooks staged no
        other deal file (they may stage anything)."""
        if self.sha is None:
            return
        from salescli.store.history import note_commit

        sha, parent = self.sha, self._parent
        try:
            if self._versions is not None and parent is not None:  # written directly
                note_commit(self.root, parent, sha, [(r, *v) for r, v in self._versions.items()])
                return
            rels = self._deal_rels()
            if rels is None:
                return
            top, folder = self.repo.prefix, KIND_DIRS["deal"] + "/"
            if parent is None:  # through `git commit`: its own parent, and what it holds
                said = git(self.root, "log", "-1", "-z", "--no-renames", "--format=%H %P",
                           "--name-only", sha, "--").stdout.split("\0")
                sha, parent = said[0].split()  # one parent: never a merge
                changed = {p.strip().removeprefix(top) for p in said[1:]}
                if not {p for p in changed if p.startswith(folder)} <= set(rels):
                    return
            texts = files_at(self.root, [(c, top + r) for r in rels for c in (parent, sha)])
            note_commit(self.root, parent, sha, [
                (r, texts.get((parent, top + r)), texts.get((sha, top + r))) for r in rels])
        except (SalescliError, OSError, ValueError):  # the commit stands; the next
            pass                                      # `today` reads the history

    # -- the work
    def guard(self, *paths: Path, markers: bool = True) -> None:
        """Refuse to touch files with uncommitted changes or (`markers`) conflict markers
        (`edit` opens a file with committed markers: resolving them is what it is for).

        Once per path and command: a record is read, then written, under the lock.
        """
        self.guard_ahead(*paths, markers=markers)
        self._settle()

    def guard_ahead(self, *paths: Path, markers: bool = True) -> None:
        """`guard`, with git's answer awaited only before the first write (or at the
        end): git looks at the files while the command reads and edits them. Refused,
        the files are named before any other error of the command (`__exit__`)."""
        paths = tuple(p for p in paths if p not in self._guarded)
        if paths:
            self._guarded.update(paths)
            rels = [self.repo.rel(p) for p in paths]
            # (with the paths whose conflict markers `_settle` looks for)
            self._guarding.append((paths if markers else (),
                                   start_status(self.root, rels)))

    def _settle(self) -> None:
        """Await the guards asked ahead; refuse as `guard` does."""
        while self._guarding:
            paths, started = self._guarding.pop(0)
            with started:
                dirty = status_codes(started.result())
            for rel, code in dirty.items():
                if "U" in code or code in ("AA", "DD"):
                    raise SalescliError(
                        f"{rel}: has unresolved merge conflicts; resolve them first")
                # against HEAD, so staged changes show too; an untracked file has no diff
                shown = f"git status -- {rel}" if code == "??" else f"git diff HEAD -- {rel}"
                raise SalescliError(
                    f"{rel}: has uncommitted changes; commit or discard them first ({shown})"
                )
            for p in paths:
                if p.is_file():
                    from salescli.store.yamlio import conflict_marker_line

                    line = conflict_marker_line(p.read_text(encoding="utf-8",
                                                            errors="replace"))
                    if line is not None:
                        raise SalescliError(f"{self.repo.rel(p)}:{line}: merge conflict "
                                            "markers; resolve them first")

    def write(self, path: Path, text: str | bytes) -> None:
        if path not in self._originals:
            refuse_links(self.root, path)
            self.guard(path)
            self._originals[path] = path.read_bytes() if path.exists() else None
            # folders this write creates (a new month): a failed command removes them
            folder = path.parent
            while folder != self.root and not folder.exists():
                self._new_folders.append(folder)
                folder = folder.parent
        atomic_write(path, text)

    def remove(self, path: Path) -> None:
        """Delete a record file in this change (restored if the change fails)."""
        if path not in self._originals:
            refuse_links(self.root, path)
            self.guard(path)
            self._originals[path] = path.read_bytes()
        path.unlink()

    def _restore_files(self) -> None:
        for path, data in self._originals.items():
            if data is None:
                if path.exists():
                    path.unlink()
            else:
                atomic_write(path, data.decode("utf-8"))
        for folder in sorted(self._new_folders, key=lambda f: len(f.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:  # not empty (another process wrote there) or already gone
                pass
        if self._indexed:  # the record index took the new files: it takes these again
            self._indexed = False
            self._index_written()

    def _commit(self) -> None:
        from salescli.core.commitmsg import commit_message

        rels = [self.repo.rel(p) for p in self._originals]
        message = commit_message(self.subject, self.event, reason=self.reason,
                                 message=self.message)
        env = self._env
        direct = _direct_commit_idents(self.root, self.git_values(), env, rels)
        # `commit --only` takes tracked paths from the work tree; only new files need adding
        new = [self.repo.rel(p) for p, data in self._originals.items() if data is None]
        head: str | None = None  # interrupted, did the commit land?
        if direct is not None:
            made = self._commit_directly(rels, message, direct)
            if made is not None:
                self.sha, self._parent = made
                return
            # an unborn HEAD: git's index took the files already, and every file a
            # command touches there is new (`guard`)
            new = rels
        else:
            head = rev_parse(self.root, "HEAD")
        self._in_charge = True
        try:
            # -f: what salescli writes is committed even where the user's excludes
            # ignore it (`.vscode/` of `init`), as the direct path's update-index does
            added = git(self.root, "add", "-f", "--", *new, check=False) if new else None
            # the message is clean already: the user's commit.cleanup must not strip it
            proc = added if added is not None and added.returncode != 0 else git(
                self.root, "commit", "--only", "--no-edit", "--no-status",
                "--cleanup=whitespace", "-F", "-", "--", *rels, input=message,
                env={**env, **own_path()}, check=False,
            )
        except BaseException:
            if rev_parse(self.root, "HEAD") == head:
                self._restore_files()
                if new:
                    self._unstage(new)
            raise
        if proc.returncode != 0:
            self._restore_files()
            if new:  # (a failed `git add` may have staged some; nothing else is staged)
                self._unstage(new)
            raise CommitFailed(f"commit failed, nothing changed: {_refused(proc, rels)}")
        # "[main 1a2b3c4] subject" (or "[main (root-commit) 1a2b3c4]"): no extra process;
        # git may say more before it ("PATH: needs merge" with an unmerged entry)
        said = _SUMMARY_RE.findall(proc.stdout)
        self.sha = said[-1] if said else rev_parse(self.root, "HEAD")

    def _stats(self, rels: list[str]) -> dict[str, tuple]:
        """path -> stat of the files on disk (the deleted ones left out)."""
        return {r: _identity(self.root / r) for r in rels if os.path.lexists(self.root / r)}

    def _blobs(self, stats: dict[str, tuple], filemode: bool
               ) -> dict[str, tuple[str, str, tuple]]:
        """path -> (mode, blob, stat) of the files on disk (`stats`, from `_stats`), as
        `git add` would store them.

        `hash-object` applies the same attributes and filters as `update-index`
        without touching the user's index; the mode is the one update-index would
        give: the executable bit if core.filemode, else the index's as it was. The
        stat, taken before git reads the file, tells later whether it changed since.
        """
        present = list(stats)
        if not present:
            return {}
        hashing = begin(self.root, "hash-object", "-w", "--", *present)
        listing = None if filemode else begin(self.root, "ls-files", "-s", "-z", "--",
                                              *present)
        try:
            hashed = finish(hashing, check=False)
        finally:
            listed = finish(listing, check=False) if listing is not None else None
        shas = hashed.stdout.split()
        for done in (hashed, listed):
            if done is not None and done.returncode != 0:
                raise CommitFailed(f"commit failed, nothing changed: {_git_reason(done)}")
        if len(shas) != len(present):
            raise CommitFailed(f"commit failed, nothing changed: {_git_reason(hashed)}")
        known: dict[str, str] = {}
        if listed is not None:
            for entry in listed.stdout.split("\0"):
                meta, _, path = entry.partition("\t")
                if path:
                    known[path] = meta.split()[0]
        blobs = {}
        for rel, sha in zip(present, shas, strict=True):
            if filemode:
                mode = "100755" if stats[rel][3] & 0o100 else "100644"
            else:
                mode = known.get(rel, "100644")
                mode = mode if mode in ("100644", "100755") else "100644"
            blobs[rel] = (mode, sha, stats[rel])
        return blobs

    def _commit_directly(self, rels: list[str], message: str, direct: _Direct
                         ) -> tuple[str, str] | None:
        """What `git commit --only PATHS` records, without refreshing the whole index.

        git's partial commit lstat()s every tracked file twice (its own index and a
        temporary one): about 150 ms with 25,000 records. Here the files are hashed,
        and the commit is written from HEAD's tree plus those blobs by `git
        fast-import` (which reads only the trees on their way) onto a private ref while
        the user's index takes the paths (rewriting the index is the longest step, so
        git does both at once); then HEAD's branch moves in one checked ref
        transaction that also drops the private ref.

        Killed on the way, the files hold the new version, unstaged or (once the index
        took them) staged, and the private ref may stay, for the next command to
        delete. On any error or interrupt before HEAD moves, the files, the index and
        the refs are as they were.

        The new commit and its parent; None on an unborn branch (nothing to build on:
        `git commit` writes the root commit, of the files the index has taken).
        """
        ref = _COMMIT_REF.format(pid=os.getpid())
        sha: str | None = None
        staged = False
        self._in_charge = True
        head: str | None = None
        try:
            # rewriting git's index is the longest step: it starts first, and the blobs
            # and HEAD are read meanwhile (from here git's index may take the files)
            stats = self._stats(rels)
            staged = True
            adding = begin(self.root, "update-index", "--add", "--remove", "--", *rels)
            try:
                blobs = self._blobs(stats, direct.filemode)
                head = rev_parsed(finish(direct.reading, check=False))
                if head is not None:
                    # fast-import's paths start at the top of the work tree, not at the
                    # pipeline
                    top = self.repo.prefix
                    text = fast_import_commit(
                        ref, direct.author, direct.committer, message,
                        [(f"{top}{r}", blobs[r][:2] if r in blobs else None) for r in rels],
                        parent=head, mark=1).decode()
                    written = self._write_commit(text, head, blobs)
            finally:  # git's index is settled before anything is put back
                added = finish(adding, check=False)
                staged = added.returncode == 0
            if head is None:
                return None
            made = written.stdout.strip()
            if written.returncode != 0 or not re.fullmatch(r"[0-9a-f]{40,64}", made):
                raise CommitFailed(f"commit failed, nothing changed: {_git_reason(written)}")
            sha = made
            if added.returncode != 0:
                raise CommitFailed(f"commit failed, nothing changed: {_git_reason(added)}")
            # a file rewritten since it was hashed (another program, this instant): the
            # index takes what is committed, and the newer file shows as a change
            changed = [r for r, (_, _, st) in blobs.items()
                       if not os.path.lexists(self.root / r)
                       or _identity(self.root / r) != st]
            if changed:
                git(self.root, "update-index", "--index-info", input="".join(
                    f"{blobs[r][0]} {blobs[r][1]}\t{r}\n" for r in changed))
            # HEAD's branch moves only if it is still at `head`; the private ref goes
            subject = message.split("\n", 1)[0]
            moved = git(self.root, "update-ref", "-m", f"commit: {subject}", "--stdin",
                        input=f"update HEAD {sha} {head}\ndelete {ref}\n",
                        check=False)
            if moved.returncode != 0:
                raise CommitFailed(f"commit failed, nothing changed: {_git_reason(moved)}")
        except BaseException as exc:
            if direct.reading.returncode is None:  # failed before HEAD was read
                direct.reading.kill()
                finish(direct.reading, check=False)
            # an interrupt may come after the ref transaction: then the commit stands
            if sha is None or rev_parse(self.root, "HEAD") != sha:
                self._restore_files()
                left = staged and not self._unstage(rels)
                git(self.root, "update-ref", "-d", ref, check=False)
                if left:  # the work tree is back, git's index is not: say how to mend it
                    raise CommitFailed(
                        f"commit failed, and git could not unstage what it had staged: "
                        f"the files are as they were, but `git status` shows "
                        f"{', '.join(rels)} staged; run `git reset -q -- "
                        f"{' '.join(rels)}`") from exc
            raise
        # as `git commit` does: pack loose objects now and then (detached, usually nothing)
        if _maintenance_due(self.repo.git_dir, direct.values):
            git(self.root, "maintenance", "run", "--auto", "--quiet", check=False)
        return sha, head

    def _write_commit(self, text: str, head: str, blobs: dict[str, tuple[str, str, tuple]]
                      ) -> subprocess.CompletedProcess:
        """fast-import writes the commit `text` (onto the private ref); meanwhile the
        record index takes the files, and the history caches' texts are read."""
        writing = begin(self.root, "fast-import", "--quiet", "--done", "--force", stdin=True)
        try:
            _send(writing.stdin, f"{text}\nget-mark :1\ndone\n")
            self._index_written()
            self._versions = self._deal_versions(head, blobs)
        except BaseException:  # fast-import ends unfinished: it keeps nothing
            _end(writing)
            finish(writing, check=False)
            raise
        return finish(writing, check=False)

    def _unstage(self, rels: list[str]) -> bool:
        """Put the index entries back to HEAD's (new files leave the index); False when
        git could not."""
        has_head = git(self.root, "rev-parse", "-q", "--verify", "HEAD", check=False)
        if has_head.returncode == 0:
            done = git(self.root, "reset", "-q", "--", *rels, check=False)
        else:
            done = git(self.root, "rm", "-q", "--cached", "--ignore-unmatch", "--", *rels,
                       check=False)
        return done.returncode == 0


def merge_file(cwd: Path, ours: str, base: str, theirs: str, marker_size: int = 7) -> int:
    """git's own line merge of three files into `ours`; the number of conflicts (0: clean).

    What the merge driver falls back to when a version is not a readable record.
    """
    proc = git(cwd, "merge-file", f"--marker-size={marker_size}", "-L", "ours", "-L", "base",
               "-L", "theirs", "--", ours, base, theirs, check=False)
    if proc.returncode < 0 or proc.returncode > 127:
        raise SalescliError(f"git merge-file failed: {_git_reason(proc)}")
    return proc.returncode


def uncommitted(root: Path, paths: Sequence[str]) -> list[str]:
    """Paths (under `paths`) with staged, unstaged or untracked changes."""
    out = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
              *paths).stdout
    return [entry[3:] for entry in out.split("\0") if len(entry) > 3]


def fast_import_commit(ref: str, author: str, committer: str, message: str,
                       files: Iterable[tuple[str, str | tuple[str, str] | None]],
                       parent: str | None = None, mark: int | None = None) -> bytes:
    """One commit in git fast-import's language, the one writer of it: on `ref` (after
    `parent`, else after the ref's last commit; known as `:mark` when given) by `author`
    and `committer` (`Name <mail> EPOCH +ZONE`), setting each path to a text (given
    inline), to a blob the repository has (its mode and ID), or deleting it (None)."""
    msg = message.encode()
    parts = [f"commit {ref}\n".encode()]
    if mark is not None:
        parts.append(f"mark :{mark}\n".encode())
    parts += [f"author {author}\ncommitter {committer}\ndata {len(msg)}\n".encode(), msg]
    if parent:
        parts.append(f"from {parent}\n".encode())
    for path, content in files:
        if content is None:
            parts.append(f"D {path}\n".encode())
        elif isinstance(content, str):
            data = content.encode()
            parts += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
        else:
            parts.append(f"M {content[0]} {content[1]} {path}\n".encode())
    return b"".join(parts)


class FastImport:
    """One `git fast-import` fed through a pipe, commits streamed as they are made: the
    demo's history and an import's, each in one process however many commits.

        out = FastImport(root)
        out.commit("refs/heads/main", "Anna <a@x> 1700000000 +0000", ..., [(path, text)])
        failed = out.close()    # None, or why fast-import stopped (its first line)
    """

    def __init__(self, root: Path):
        import tempfile

        self._errors = tempfile.TemporaryFile()  # a file, so a chatty stderr never blocks
        self._proc = start_git(root, "fast-import", "--quiet", "--done",
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=self._errors, bufsize=1 << 20)
        assert self._proc.stdin is not None
        self._write = self._proc.stdin.write
        self._broken = False

    def commit(self, ref: str, author: str, committer: str, message: str,
               files: Iterable[tuple[str, str]], parent: str | None = None) -> None:
        """A commit on `ref` (after `parent`, else after the ref's last one) that sets
        each (path, text); `author` and `committer` are `Name <mail> EPOCH +ZONE`."""
        try:
            self._write(fast_import_commit(ref, author, committer, message, files, parent))
        except BrokenPipeError:  # fast-import stopped: close() says why
            self._broken = True

    def abort(self) -> None:
        """Stop without writing anything: fast-import without its `done` keeps nothing."""
        _end(self._proc)
        self._errors.close()

    def close(self) -> str | None:
        """Finish the stream; None when every commit was written, else why not."""
        try:
            if not self._broken:
                self._write(b"done\n")
            self._proc.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        code = self._proc.wait()
        self._errors.seek(0)
        lines = self._errors.read().decode("utf-8", "replace").strip().splitlines()
        self._errors.close()
        if code == 0:
            return None
        if code == -signal.SIGINT:  # Ctrl-C reached git first: the command's own interrupt
            raise KeyboardInterrupt
        return lines[0] if lines else str(code)


def append_history(root: Path, commits: Sequence[tuple[int, str, dict[str, str]]],
                   pre_commit: bool = False) -> str:
    """Write `commits` (author time, message, files) on top of HEAD in one `git fast-import`.

    Nothing is visible until the end: fast-import builds them on a private ref, then
    the index and work tree move to the new tree (`read-tree -m -u`, which keeps the
    user's unrelated changes and refuses to overwrite theirs) and HEAD's branch moves
    only if it is still where it was. The caller holds the RepoLock. Returns the new
    HEAD commit. With `pre_commit`, the repository's pre-commit hook (if any) runs once
    with the whole import in the work tree and staged, before HEAD moves; a refusal
    puts the work tree and index back and imports nothing.
    """
    head = rev_parse(root, "HEAD")
    if head is None:
        raise SalescliError("the repository has no commit yet; run `salescli init` first")
    ref = "refs/salescli/import"
    git(root, "update-ref", "-d", ref, check=False)
    try:  # who `git commit` would record, or git's refusal
        author, committer = commit_idents(root, git_vars(root))
    except SalescliError as err:
        raise SalescliError(f"nothing imported: {err}") from None
    author = author.rsplit(" ", 2)[0]
    for _, _, files in commits:  # the work tree follows the import: never through a link
        for path in files:
            refuse_links(root, root / path)
    from salescli.store.repo import tree_prefix

    top = tree_prefix(root)  # fast-import's paths start at the top of the work tree
    out = FastImport(root)
    try:
        for n, (when, message, files) in enumerate(commits):
            out.commit(ref, f"{author} {when} +0000", committer, message,
                       [(top + path, text) for path, text in files.items()],
                       parent=head if n == 0 else None)
    except BaseException:
        out.abort()
        raise
    failed = out.close()
    if failed is not None:
        git(root, "update-ref", "-d", ref, check=False)
        raise SalescliError(f"git fast-import failed, nothing changed: {failed}")
    new = rev_parse(root, ref) or head
    git(root, "update-ref", "-d", ref, check=False)
    moved = git(root, "read-tree", "-m", "-u", head, new, check=False)
    if moved.returncode != 0:
        raise SalescliError(f"cannot update the work tree, nothing changed: {_git_reason(moved)}")
    if pre_commit:  # as `git commit` runs it: the files there, the import staged
        try:
            run_pre_commit(root)
        except SalescliError:
            git(root, "read-tree", "-m", "-u", new, head, check=False)
            raise
    updated = git(root, "update-ref", "-m", "salescli import", "HEAD", new, head, check=False)
    if updated.returncode != 0:
        git(root, "read-tree", "-m", "-u", new, head, check=False)
        moved = rev_parse(root, "HEAD") != head  # else git could not lock or write it
        raise SalescliError(f"{'HEAD moved during the import' if moved else 'commit failed'}"
                            f", nothing changed: {_git_reason(updated)}")
    return new


def hook_path(root: Path, name: str = "pre-commit") -> Path:
    """Where git looks for the hook `name` (honours core.hooksPath): the folder resolved,
    the hook itself not (a symbolic link there is the user's, not what it points to)."""
    rel = git(root, "rev-parse", "--git-path", f"hooks/{name}").stdout.strip()
    return (root / rel).parent.resolve() / name


def run_pre_commit(root: Path) -> None:
    """Run the pre-commit hook as `git commit` would: from the top of the work tree,
    on what the index stages. A refusal raises, with the hook's own words."""
    hook = hook_path(root)
    if not hook.is_file() or not os.access(hook, os.X_OK):
        return
    top = Path(git(root, "rev-parse", "--show-toplevel").stdout.strip())
    # the hook's `check --staged` then takes the imported history as it happened
    # (services/staged.IMPORTING)
    proc = subprocess.run([str(hook)], cwd=top, capture_output=True, text=True,
                          encoding="utf-8", errors="replace",
                          env={**os.environ, **own_path(), "SALESCLI_IMPORTING": "1"})
    if proc.returncode != 0:  # one line, as a hook's refusal of any commit (_refused)
        raise SalescliError("nothing imported: the pre-commit hook refused it: "
                            + reason_text(proc.stderr + proc.stdout, proc.returncode))
