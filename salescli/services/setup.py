"""`check` and `schema`: what the commands that set up and guard a repository need
beyond `salescli.services.init`.

A `check` whose files did not change answers from its cache without the record models
(salescli.core.model): what validates is imported only where it runs.
"""

from __future__ import annotations

from typing import Any


def check(repo: Any, staged: bool = False, history: bool = False, quiet: bool = False,
          use_cache: bool = True) -> list[Any]:
    """The findings of `check`: the work tree's files (or, with `staged`, the files as
    staged for the next commit, with the stage and status changes the rules refuse),
    plus with `history` the stage changes in git history
    that broke the pipeline's rules; with `quiet`, the errors only."""
    if staged:
        from salescli.services.staged import check_staged

        diagnostics = check_staged(repo.root, repo.git_dir, use_cache=use_cache,
                                   transitions=True)
    else:
        from salescli.services.checkcache import cached_check
        from salescli.store.repo import in_progress

        diagnostics = cached_check(repo.root, repo.git_dir, use_cache=use_cache)
        if in_progress(repo.git_dir):  # only then can git hold unmerged files
            from salescli.core.diagnostics import Diagnostic
            from salescli.store.gitio import unmerged

            diagnostics = [Diagnostic(path, 1, 1, "error", "unmerged", _unresolved(sides))
                           for path, sides in unmerged(repo.root).items()] + diagnostics
    if history:
        from salescli.services.check import history_diagnostics

        diagnostics += history_diagnostics(repo.root, repo.git_dir, use_cache=use_cache)
    if quiet:
        diagnostics = [d for d in diagnostics if d.severity == "error"]
    return diagnostics


def _unresolved(sides: set[str]) -> str:
    """What to do with a file git left unmerged, by the sides its index entry has."""
    if {"2", "3"} <= sides:  # both changed it (or both added it): markers in the file
        return ("a conflict git has not resolved: both sides changed it; resolve the "
                "conflict markers, then `git add` it, or abort the merge")
    # changed on one side, deleted on the other: no markers anywhere
    return ("a conflict git has not resolved: changed on one side, deleted on the other; "
            "keep it (`git add`) or drop it (`git rm`), or abort the merge")


def json_schema(kind: str, repo: Any = None) -> dict[str, Any]:
    """The JSON Schema of a record kind, products, settings or a pipeline; with `repo`,
    a record kind's carries the repository's custom fields."""
    from salescli.core.model import json_schema as schema

    return schema(kind, repo.settings if repo is not None else None)


def write_schemas(repo: Any, opts: Any = None) -> Any:
    """`schema --write`: the repository's schemas/*.schema.json again, with its custom
    fields, committed when they changed. Returns the Change (None: nothing changed)."""
    import json

    from salescli.core.model import MODELS
    from salescli.services.init import SCHEMA_DIR
    from salescli.services.options import COMMIT

    opts = opts or COMMIT
    texts = {repo.root / SCHEMA_DIR / f"{kind}.schema.json":
             json.dumps(json_schema(kind, repo), indent=2) + "\n" for kind in MODELS}
    changed = {p: t for p, t in texts.items()
               if not p.exists() or p.read_text("utf-8") != t}
    if not changed:
        return None
    from salescli.store.gitio import Change

    with Change(repo, "repo", "schemas", "custom fields in the JSON Schemas", "schema",
                date=opts.date, message=opts.message, commit=opts.commit) as change:
        for path, text in changed.items():
            change.write(path, text)
    return change
