"""Deal history from git: when did each deal enter the stage it is in?

One streamed `git log --raw` names every version of every deal file; one
`git cat-file --batch` reads those blobs. Only the `stage:` line of each version is
read (a block-style record has it at the start of a line); anything unusual falls
back to the full parser. Event time is the commit's author date, which `--date`
sets and a rebase keeps (SPEC §6).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from salescli.yamlio import YamlProblem, load_fast

_STAGE_RE = re.compile(rb"^stage:[ \t]*([a-z0-9][a-z0-9-]*)[ \t]*(?:#.*)?$", re.M)
_NULL_SHA = "0" * 40


def _versions(root: Path) -> Iterator[tuple[dt.datetime, str, str]]:
    """(author time, path, blob sha) of every version of every deal, newest first."""
    proc = subprocess.Popen(
        ["git", "log", "--no-renames", "--raw", "-z", "--no-abbrev", "--format=%x01%at",
         "--", "deals/"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    data = proc.stdout.read()
    proc.wait()
    # -z output: "\x01<time>" NUL, then per changed file "\n:<meta>" NUL "<path>" NUL
    when = dt.datetime.min
    fields = iter(data.split(b"\0"))
    for field in fields:
        field = field.lstrip(b"\n")
        if field.startswith(b"\x01"):
            when = dt.datetime.fromtimestamp(int(field[1:]), dt.UTC)
        elif field.startswith(b":"):
            new_sha = field.split()[3].decode()
            path = next(fields).decode("utf-8", "surrogateescape")
            if path.endswith(".yaml"):
                yield when, path, new_sha


def _blobs(root: Path, shas: list[str]) -> dict[str, bytes]:
    """Contents of many blobs through one `git cat-file --batch`."""
    if not shas:
        return {}
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=root,
                          input=("\n".join(shas) + "\n").encode(), capture_output=True)
    out, pos, blobs = proc.stdout, 0, {}
    for sha in shas:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[sha] = out[pos:pos + size]
        pos += size + 1
    return blobs


def _stage(blob: bytes) -> str | None:
    m = _STAGE_RE.search(blob)
    if m:
        return m.group(1).decode()
    try:  # flow style, quotes, odd spacing: the full parser decides
        data = load_fast(blob.decode("utf-8"))
    except (YamlProblem, UnicodeDecodeError):
        return None
    return data.get("stage") if isinstance(data, dict) else None


def stage_entered(root: Path) -> dict[str, dt.date]:
    """deal id -> the date it entered its current stage (or was created in it)."""
    by_path: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for when, path, sha in _versions(root):
        by_path[path].append((when, sha))  # newest first
    wanted = sorted({sha for versions in by_path.values() for _, sha in versions
                     if sha != _NULL_SHA})
    blobs = _blobs(root, wanted)
    entered: dict[str, dt.date] = {}
    for path, versions in by_path.items():
        if not versions or versions[0][1] == _NULL_SHA:
            continue  # deleted: its history has ended
        current = _stage(blobs.get(versions[0][1], b""))
        since = versions[0][0]
        for when, sha in versions:
            if sha == _NULL_SHA or _stage(blobs.get(sha, b"")) != current:
                break
            since = when
        entered[Path(path).stem] = since.date()
    return entered
