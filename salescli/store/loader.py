"""files -> records: read one file, parse it fast, validate it against its model.

Each step collects findings instead of raising, so one bad file never stops the
others; `check` and the commands decide what an error means for them.
"""

from __future__ import annotations

import functools
import os
import stat
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Any

from msgspec import Struct
from msgspec import field

from salescli.core.diagnostics import Diagnostic
from salescli.core.diagnostics import Finding
from salescli.core.diagnostics import error
from salescli.core.diagnostics import warning
from salescli.core.errors import SalescliError
from salescli.core.words import a
from salescli.core.words import nearest
from salescli.store.repo import KINDS as RECORD_KINDS
from salescli.store.yamlio import MAX_BYTES
from salescli.store.yamlio import YamlProblem
from salescli.store.yamlio import decode
from salescli.store.yamlio import load_fast
from salescli.store.yamlio import locate

if typing.TYPE_CHECKING:
    from salescli.core.record import Problem


class Parsed(Struct):
    kind: str
    path: str  # relative to the repository root, with '/'
    text: str | None = None
    data: Any = None
    model: Any = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Valid as a whole: a model and no error (the model may be partial otherwise)."""
        return self.model is not None and not any(f.severity == "error" for f in self.findings)

    def diagnostics(self) -> list[Diagnostic]:
        return [to_diagnostic(f, self.text) for f in self.findings]


def to_diagnostic(f: Finding, text: str | None) -> Diagnostic:
    line, column = f.line, f.column
    if line is None:
        line, column = locate(text, f.loc, key=f.at_key) if (text and f.loc) else (1, 1)
    return Diagnostic(f.path, line, column or 1, f.severity, f.code, f.message)


def dotted(loc: typing.Sequence[Any]) -> str:
    from salescli.core.record import dotted

    return dotted(loc)


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO in place of a record must not hang check


def read_text(full: str, rel: str, findings: list[Finding]) -> str | None:
    # One open that refuses a symlink, then fstat on the open file: no lstat/open race,
    # and one system call fewer per record (check reads 25,000 of them).
    try:
        fd = os.open(full, os.O_RDONLY | _NOFOLLOW | _NONBLOCK)
    except OSError as err:
        if os.path.islink(full):
            findings.append(error(rel, "symlink",
                                  "is a symbolic link; records must be regular files"))
        else:
            findings.append(error(rel, "io", f"cannot read: {err.strerror}"))
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            findings.append(error(rel, "io", "cannot read: not a regular file"))
            return None
        if st.st_size > MAX_BYTES:
            raise _too_large(st.st_size)
        data = os.read(fd, st.st_size + 1)
        while len(data) > st.st_size and len(data) <= MAX_BYTES:  # it grew since fstat
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
        return decode(data)
    except YamlProblem as p:
        findings.append(error(rel, p.code, p.message, line=p.line, column=p.column))
    except OSError as err:
        findings.append(error(rel, "io", f"cannot read: {err.strerror}"))
    finally:
        os.close(fd)
    return None


def _too_large(size: int) -> YamlProblem:
    return YamlProblem(f"file is {size} bytes, more than the {MAX_BYTES} a record may have",
                       code="too-large")


def parse_blob(kind: str, rel: str, data: bytes, symlink: bool = False) -> Parsed:
    """parse_file for content that is not a file on disk (a blob in git's index)."""
    if symlink:
        return Parsed(kind, rel, None, findings=[
            error(rel, "symlink", "is a symbolic link; records must be regular files")])
    try:
        if len(data) > MAX_BYTES:
            raise _too_large(len(data))
        text = decode(data)
    except YamlProblem as p:
        return Parsed(kind, rel, None,
                      findings=[error(rel, p.code, p.message, line=p.line, column=p.column)])
    return parse_text(kind, rel, text)


def parse_text(kind: str, rel: str, text: str, declared: Collection[str] = ()) -> Parsed:
    """Parse and validate a record's text; `declared`: the top-level keys that are no
    unknown key (the kind's custom fields)."""
    from salescli.core.model import MODELS
    from salescli.core.record import validate

    parsed = Parsed(kind, rel, text)
    findings = parsed.findings
    try:
        data = load_fast(text)
    except YamlProblem as p:
        findings.append(error(rel, p.code, p.message, line=p.line, column=p.column))
        return parsed
    parsed.data = data
    if data is None:
        findings.append(error(rel, "empty", f"file is empty; {a(kind)} is a YAML mapping"))
        return parsed
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else "a single value"
        findings.append(
            error(rel, "not-a-mapping", f"{a(kind)} must be a mapping of keys, not {found}")
        )
        return parsed
    model_cls = MODELS[kind]
    findings.extend(unknown_keys(rel, model_cls, data, declared=declared))
    # every problem in one run, and the record without its broken parts, which the
    # cross-file checks still read
    parsed.model, problems = validate(model_cls, data)
    findings.extend(_schema_finding(rel, p) for p in problems)
    if kind in RECORD_KINDS and "/" in rel:
        findings.extend(_placement(parsed))
    return parsed


def _schema_finding(rel: str, p: Problem) -> Finding:
    if p.missing:
        return error(rel, "required", p.message, p.loc[:-1])
    where = dotted(p.loc)
    return error(rel, "schema", f"{where}: {p.message}" if where else p.message, p.loc)


@functools.cache
def _fields(model_cls: Any) -> tuple[frozenset[str], dict[str, tuple[Any, str | None]]]:
    """A model's keys, and key -> (nested model, container) for its nested ones."""
    from salescli.core.record import fields_of
    from salescli.core.record import nested_record

    keys = {(f.alias or name): nested_record(f.annotation)
            for name, f in fields_of(model_cls).items()}
    return frozenset(keys), {k: v for k, v in keys.items() if v[0] is not None}


def unknown_keys(rel: str, model_cls: Any, data: dict, loc: tuple = (),
                 declared: Collection[str] = ()) -> list[Finding]:
    """Keys the model does not define (nor `declared`): warnings with a did-you-mean."""
    out: list[Finding] = []
    known, nested = _fields(model_cls)
    if not data.keys() <= known:  # set arithmetic first: nearly every record is clean
        for key in data:
            if key not in known and key not in declared:
                guess = nearest(str(key), known)
                hint = f"; did you mean `{guess}`?" if guess else ""
                out.append(warning(rel, "unknown-key",
                                   f"unknown key `{dotted((*loc, key))}`{hint}",
                                   (*loc, key), at_key=True))
    for key, (inner, container) in nested.items():  # the model's few nested keys
        value = data.get(key)
        if container is None and isinstance(value, dict):
            out.extend(unknown_keys(rel, inner, value, (*loc, key)))
        elif container == "list" and isinstance(value, list):
            inner_known, inner_nested = _fields(inner)
            for i, item in enumerate(value):
                # most list items (activities, contacts) need no closer look
                if isinstance(item, dict) and (not item.keys() <= inner_known
                                               or not inner_nested.keys().isdisjoint(item)):
                    out.extend(unknown_keys(rel, inner, item, (*loc, key, i)))
        elif container == "dict" and isinstance(value, dict):
            for k, item in value.items():
                if isinstance(item, dict):
                    out.extend(unknown_keys(rel, inner, item, (*loc, key, k)))
    return out


def parse_file(root: Path | str, kind: str, path: Path | str,
               declared: Collection[str] = ()) -> Parsed:
    """Read, parse and validate one file. `path` is absolute or relative to `root`;
    `declared` as parse_text's."""
    root = os.fspath(root)
    path = os.fspath(path)
    if os.path.isabs(path):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
    else:
        rel, path = path, os.path.join(root, path)
    findings: list[Finding] = []
    text = read_text(path, rel, findings)
    if text is None:
        return Parsed(kind, rel, None, findings=findings)
    return parse_text(kind, rel, text, declared)


def _placement(parsed: Parsed) -> list[Finding]:
    """`id` equals the file name; the month folder equals the created month."""
    out: list[Finding] = []
    folder, name = parsed.path.split("/")[-2:]
    stem = name.removesuffix(".yaml")
    data = parsed.data if isinstance(parsed.data, dict) else {}
    record_id = data.get("id")
    if record_id is not None and record_id != stem:
        out.append(error(parsed.path, "id-mismatch",
                         f"id `{record_id}` does not match the file name `{name}`; "
                         f"rename the file or set `id: {stem}`", ("id",)))
    created = getattr(parsed.model, "created", None)
    if created is not None and folder != f"{created.year:04d}-{created.month:02d}":
        out.append(warning(parsed.path, "month-folder",
                           f"created {created} but the file is in {folder}/; "
                           f"records stay in the folder of the month they were created",
                           ("created",)))
    return out


def raise_if_invalid(parsed: Parsed, doing: str = "fix the file (see `salescli check`)"
                     ) -> None:
    """Refuse a file with errors: its first diagnostic, then what to do about it."""
    errors = [f for f in parsed.findings if f.severity == "error"]
    if errors or parsed.model is None:
        where = to_diagnostic(errors[0], parsed.text).format() if errors \
            else f"{parsed.path}: invalid"
        raise SalescliError(f"{where}; {doing}")


def load_config(root: Path, kind: str, relpath: str) -> Any:
    path = root / relpath
    if not path.exists():
        raise SalescliError(f"{relpath}: missing; run `salescli init` to create it")
    parsed = parse_file(root, kind, path)
    raise_if_invalid(parsed)
    return parsed.model


def load_record_file(root: Path, kind: str, path: Path) -> Any:
    parsed = parse_file(root, kind, path)
    raise_if_invalid(parsed)
    return parsed.model


def walk_files(root: Path | str, folder: str) -> list[str]:
    """Every .yaml/.yml below `folder`, as sorted paths relative to `root`."""
    root = os.fspath(root)
    out: list[str] = []
    stack = [folder]
    while stack:
        rel_dir = stack.pop()
        try:
            entries = sorted(os.scandir(os.path.join(root, rel_dir)), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                stack.append(rel)
            elif entry.name.endswith((".yaml", ".yml")) or entry.is_symlink():
                out.append(rel)  # a symlinked folder is listed, never followed: refused
    return sorted(out)
