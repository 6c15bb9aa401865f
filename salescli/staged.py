"""`check --staged`: what `check` says of git's index, re-validating only what changed.

The pre-commit hook runs this before every commit, so it must cost what the commit
changed, not what the repository holds. Git's index names every staged file's blob;
a file's diagnostics depend on its path and content, the configuration, and the few
facts of other records it refers to (does its account exist, which contacts and
roles that account has, does its parent exist). Each record file's diagnostics and
its facts for the checks across files are kept in `.git/salescli/staged.cache`, keyed
by path and blob, with the configuration's blobs and the referred facts they were
computed with; only files whose key no longer holds are parsed again. The checks
across files (account hierarchy, probable duplicates) are computed from the facts
every run. The answer is `check` of the staged files, exactly (a test compares the
two on random repositories).
"""

from __future__ import annotations

import errno
import marshal
import os
import subprocess
from pathlib import Path
from typing import Any

from salescli.diagnostics import Diagnostic

CACHE_VERSION = 2
CACHE_FILE = "staged.cache"
_SYMLINK = "120000"
_CONFIG = ("settings.yaml", "products.yaml")


def staged_entries(root: Path, specs: list[str]) -> dict[str, tuple[str, str]]:
    """path -> (mode, blob) of git's index (GIT_INDEX_FILE honoured) under `specs`."""
    from salescli.gitio import git

    out: dict[str, tuple[str, str]] = {}
    listed = git(root, "ls-files", "-s", "-z", "--", *specs).stdout
    for entry in listed.split("\0"):
        meta, _, path = entry.partition("\t")
        if path:
            mode, blob, stage = meta.split()
            if stage == "0" or path not in out:  # a conflict lists stages 1-3
                out[path] = (mode, blob)
    return out


def read_blobs(root: Path, blobs: list[str]) -> dict[str, bytes]:
    """The content of `blobs`, by one `git cat-file --batch`."""
    from salescli.errors import SalescliError

    if not blobs:
        return {}
    proc = subprocess.run(["git", "cat-file", "--batch"], cwd=root, capture_output=True,
                          input="".join(f"{b}\n" for b in blobs).encode())
    if proc.returncode != 0:
        raise SalescliError(f"git cat-file failed: {proc.stderr.decode(errors='replace')}")
    data, pos, out = proc.stdout, 0, {}
    while pos < len(data):
        end = data.index(b"\n", pos)
        sha, kind, *size = data[pos:end].split()
        if kind == b"missing":
            raise SalescliError(f"git cat-file: staged object {sha.decode()} is missing; "
                                "run `git fsck` first")
        n = int(size[0])
        out[sha.decode()] = data[end + 1:end + 1 + n]
        pos = end + 1 + n + 1
    return out


def check_staged(root: Path, git_dir: Path, use_cache: bool = True) -> list[Diagnostic]:
    from salescli.runtime import gc_paused

    with gc_paused():  # a cache of 26,000 entries: the collector would walk it repeatedly
        return _check_staged(root, git_dir, use_cache)


def _check_staged(root: Path, git_dir: Path, use_cache: bool) -> list[Diagnostic]:
    from salescli.check import (
        AccountInfo,
        Context,
        _record_files,
        check_duplicates,
        check_hierarchy,
        duplicate_keys,
        validate,
    )
    from salescli.diagnostics import error
    from salescli.loader import Parsed, parse_blob, to_diagnostic
    from salescli.repo import KIND_DIRS, PIPELINES_DIR, PRODUCTS_FILE, SETTINGS_FILE

    specs = [SETTINGS_FILE, PRODUCTS_FILE, PIPELINES_DIR, *KIND_DIRS.values()]
    entries = staged_entries(root, specs)
    cache_path = git_dir / "salescli" / CACHE_FILE
    saved = _load(cache_path) if use_cache else {}
    ctx = Context()
    out: list[Diagnostic] = []

    # 1. configuration, always parsed (a few files), as check does
    config: list[tuple[str, str]] = [("settings", SETTINGS_FILE)]
    if PRODUCTS_FILE in entries:
        config.append(("products", PRODUCTS_FILE))
    config += [("pipeline", rel) for rel in _listed(entries, PIPELINES_DIR)[1]]
    texts = read_blobs(root, [entries[rel][1] for _, rel in config if rel in entries])
    parsed_config = []
    for kind, rel in config:
        if rel not in entries:  # settings.yaml not staged: as check of a tree without it
            parsed_config.append(Parsed(kind, rel, None, findings=[error(
                rel, "io", f"cannot read: {os.strerror(errno.ENOENT)}")]))
            continue
        mode, blob = entries[rel]
        parsed_config.append(parse_blob(kind, rel, texts[blob], mode == _SYMLINK))
    for parsed in parsed_config:
        if parsed.kind == "pipeline" and parsed.model is not None:
            ctx.pipelines[parsed.path.rsplit("/", 1)[-1].removesuffix(".yaml")] = parsed.model
    ctx.settings = parsed_config[0].model
    ctx.products = next((p.model for p in parsed_config if p.kind == "products"), None)
    config_key = [entries.get(rel) for _, rel in config]
    # every entry was computed with one configuration: another one, and none holds
    memo: dict[tuple[str, str], tuple] = saved.get("entries", {}) \
        if saved.get("config") == config_key else {}
    rels = {kind: _record_files(os.fspath(root), kind, ctx, out,
                                _listed(entries, KIND_DIRS[kind]))
            for kind in KIND_DIRS}
    for parsed in parsed_config:
        out.extend(to_diagnostic(f, parsed.text) for f in validate(parsed, ctx))

    # 2. records: accounts first (deals refer to them), then leads and deals
    fresh: dict[tuple[str, str], tuple] = {}
    accounts: dict[str, AccountInfo] = {}
    account_paths: dict[str, str] = {}
    keys: list[tuple[str, Any]] = []

    account_files = {r.rsplit("/", 1)[-1][:-5]: r for r in rels["account"]}

    def deps(kind: str, refs: Any) -> Any:
        """The facts of other records the diagnostics of a record depend on: whether
        what it names exists, and for a deal its account's file (its contacts)."""
        if kind == "account":
            return refs in ctx.ids["account"] if refs else None
        if kind == "lead":
            return None if refs is None else (refs[0] in ctx.ids["account"],
                                               bool(refs[1]) and refs[1] in ctx.ids["deal"])
        account = account_files.get(refs) if refs in ctx.ids["account"] else None
        return entries[account][1] if account else None

    def refs_of(kind: str, model: Any) -> Any:
        if model is None:
            return None
        if kind == "account":
            return model.parent
        if kind == "lead":
            c = model.converted
            return None if c is None else (c.account, c.deal)
        return model.account

    missed = False
    for kind in ("account", "lead", "deal"):
        if kind == "deal":
            ctx.accounts = accounts
        missing: list[str] = []
        for rel in rels[kind]:
            key = (rel, entries[rel][1])
            hit = memo.get(key)
            if hit is not None and deps(kind, hit[0]) == hit[1]:
                fresh[key] = hit
            else:
                missing.append(rel)
        missed = missed or bool(missing)
        blobs = read_blobs(root, sorted({entries[r][1] for r in missing
                                        if entries[r][0] != _SYMLINK}))
        for rel in missing:
            mode, blob = entries[rel]
            parsed = parse_blob(kind, rel, blobs.get(blob, b""), mode == _SYMLINK)
            found = [(d.path, d.line, d.column, d.severity, d.code, d.message)
                     for d in (to_diagnostic(f, parsed.text)
                               for f in validate(parsed, ctx))]
            m = parsed.model
            facts: tuple = ()
            if m is not None and kind in ("account", "lead"):
                facts = (tuple(duplicate_keys(kind, m)),
                         tuple(AccountInfo(m.parent, {c.id: c.role for c in m.contacts}))
                         if kind == "account" else None)
            refs = refs_of(kind, m)
            fresh[(rel, blob)] = (refs, deps(kind, refs), found, facts)
        for rel in rels[kind]:
            entry = fresh[(rel, entries[rel][1])]
            out.extend(Diagnostic(*d) for d in entry[2])
            if entry[3]:
                keys.extend((rel, k) for k in entry[3][0])
                if kind == "account":
                    stem = rel.rsplit("/", 1)[-1][:-5]
                    accounts[stem] = AccountInfo(*entry[3][1])
                    account_paths[stem] = rel

    # 3. across files, from the facts
    findings = list(check_hierarchy(accounts, account_paths)) + check_duplicates(keys)
    if findings:
        located = read_blobs(root, sorted({entries[f.path][1] for f in findings}))
        for f in findings:
            data = located.get(entries[f.path][1])
            text = data.decode("utf-8", errors="replace") if data is not None else None
            out.append(to_diagnostic(f, text))
    if use_cache and (missed or len(fresh) != len(memo)):
        _save(cache_path, {"config": config_key, "entries": fresh})
    return sorted(set(out))


def _listed(entries: dict[str, tuple[str, str]], folder: str) -> tuple[bool, list[str]]:
    """(the folder is a symbolic link, its files as walk_files lists a checked-out tree)."""
    if entries.get(folder, ("",))[0] == _SYMLINK:
        return True, []
    prefix = folder + "/"
    return False, sorted(p for p, (mode, _) in entries.items() if p.startswith(prefix)
                         and (p.endswith((".yaml", ".yml")) or mode == _SYMLINK))


def _load(path: Path) -> dict:
    try:
        version, saved = marshal.loads(path.read_bytes())
        if version == CACHE_VERSION and isinstance(saved, dict) \
                and isinstance(saved.get("entries"), dict):
            return saved
    except (OSError, EOFError, ValueError, TypeError):
        pass
    return {}


def _save(path: Path, memo: dict) -> None:
    from salescli.gitio import atomic_path

    try:
        path.parent.mkdir(exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            fh.write(marshal.dumps((CACHE_VERSION, memo)))
    except OSError:  # a cache that cannot be written only costs time next run
        pass
